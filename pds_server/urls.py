"""URLs of the embedded PDS server (DRIVE_ROLE=pds): the wire format of pds-api.md."""

from django.urls import path

from pds_server.views import drives, files, oauth, shares, users

urlpatterns = [
    path("v2/oauth/authorize", oauth.authorize, name="pds-authorize"),
    path("v2/oauth/token", oauth.token, name="pds-token"),
    path("v2/oauth/revoke", oauth.revoke, name="pds-revoke"),
    path("v2/account/token", oauth.account_token),
    path("v2/account/revoke", oauth.account_revoke),
    path("v2/user/get", users.user_get_view),
    path("v2/user/create", users.user_create_view),
    path("v2/user/list", users.user_list_view),
    path("v2/user/update", users.user_update_view),
    path("v2/user/delete", users.user_delete_view),
    path("v2/drive/get_default_drive", drives.drive_get_default_view),
    path("v2/drive/list_my_drives", drives.drive_list_my_drives_view),
    path("v2/drive/get", drives.drive_get_view),
    path("v2/drive/create", drives.drive_create_view),
    path("v2/drive/list", drives.drive_list_view),
    path("v2/drive/update", drives.drive_update_view),
    path("v2/drive/delete", drives.drive_delete_view),
    # Files: every handler registered in views.files.HANDLERS is also reachable by batch.
    *[path(route.removeprefix("/"), view) for route, view in files.ROUTES],
    path("v2/file/download", files.file_download),
    path("v2/file/upload_part", files.file_upload_part),
    path("v2/file/content", files.file_content),
    path("v2/file/thumbnail", files.file_thumbnail),
    path("v2/batch", files.batch),
    path("v2/share_link/create", shares.share_link_create),
    path("v2/share_link/list", shares.share_link_list),
    path("v2/share_link/get", shares.share_link_get),
    path("v2/share_link/update", shares.share_link_update),
    path("v2/share_link/cancel", shares.share_link_cancel),
    path("v2/share_link/get_by_anonymous", shares.share_link_get_by_anonymous),
    path("v2/share_link/get_share_token", shares.share_link_get_share_token),
]
