from django.urls import path

from files import actions_api, api, panel_views, people_share_views, people_views, share_views, version_views, views

app_name = "files"

urlpatterns = [
    path("", views.folder, name="home"),
    path("folders/<str:folder_id>/", views.folder, name="folder"),
    path("folders/new", views.folder_create, name="folder_create"),
    path("files/<str:file_id>/rename", views.rename, name="rename"),
    path("files/<str:file_id>/download", views.download, name="download"),
    path("files/<str:file_id>/thumbnail", views.thumbnail, name="thumbnail"),
    path("files/<str:file_id>/preview", panel_views.preview, name="preview"),
    path("files/<str:file_id>/inline", views.inline, name="inline"),
    path("download.zip", views.download_zip, name="download_zip"),
    path("selection", views.apply, name="apply"),
    path("pick/", views.pick, name="pick"),
    path("tasks/<str:async_task_id>/", views.task, name="task"),
    path("trash/", views.trash, name="trash"),
    path("trash/empty", views.trash_empty, name="trash_empty"),
    path("search/", views.search, name="search"),
    path("api/uploads", api.upload_start, name="upload_start"),
    path("api/uploads/<str:file_id>/<str:upload_id>/parts", api.upload_parts, name="upload_parts"),
    path("api/uploads/<str:file_id>/<str:upload_id>/parts/<int:part_number>", api.upload_part, name="upload_part"),
    path("api/uploads/<str:file_id>/<str:upload_id>/complete", api.upload_complete, name="upload_complete"),
    path("api/uploads/<str:file_id>/<str:upload_id>/cancel", api.upload_cancel, name="upload_cancel"),
    path("api/folders", api.folder_ensure, name="folder_ensure"),
    # The folder page's actions (files.actions_api, static/js/folder-actions.js).
    path("api/actions/folders", actions_api.folder_create, name="action_folder_create"),
    path("api/actions/rename", actions_api.rename, name="action_rename"),
    path("api/actions/rows", actions_api.rows, name="action_rows"),
    path("api/actions/count/<str:folder_id>", actions_api.child_count, name="action_count"),
    path("api/actions/tasks/<str:async_task_id>", actions_api.task, name="action_task"),
    path("api/actions/folders/<str:folder_id>", actions_api.folders, name="action_folders"),
    path("api/actions/<str:operation>", actions_api.apply, name="action_apply"),
    path("files/<str:file_id>/share", share_views.share_create, name="share_create"),
    path("shares/", share_views.share_list, name="shares"),
    # What other people give the user (files/people_views.py); their items open at /d/<drive_id>/.
    path("shared/", people_views.shared_with_me, name="shared_with_me"),
    path("team/", people_views.team_drives, name="team_drives"),
    path("shares/<str:share_id>/cancel", share_views.share_cancel, name="share_cancel"),
    path("s/<str:share_id>", share_views.share_public, name="share_public"),
    path("s/<str:share_id>/folders/<str:folder_id>/", share_views.share_public, name="share_folder"),
    path("s/<str:share_id>/files/<str:file_id>/download", share_views.share_download, name="share_download"),
    path("s/<str:share_id>/files/<str:file_id>/save", share_views.share_save, name="share_save"),
    # The viewer, the details panel and the share dialog (files/panel_views.py), and a share's
    # thumbnails and zip.
    path("files/<str:file_id>/details", panel_views.details, name="details"),
    path("api/files/<str:file_id>/shares", panel_views.file_shares, name="file_shares"),
    path("api/shares/<str:share_id>", panel_views.share_update, name="share_update"),
    # The share dialog's "People with access" (files/people_share_views.py).
    path("api/files/<str:file_id>/people", people_share_views.people, name="people"),
    path("api/files/<str:file_id>/people/add", people_share_views.people_add, name="people_add"),
    path("api/files/<str:file_id>/people/remove", people_share_views.people_remove, name="people_remove"),
    path("api/people", people_share_views.people_search, name="people_search"),
    path("s/<str:share_id>/files/<str:file_id>/thumbnail", share_views.share_thumbnail, name="share_thumbnail"),
    path("s/<str:share_id>/download.zip", share_views.share_zip, name="share_zip"),
    # A file's versions and activity (files/version_views.py, static/js/versions.js).
    path("api/files/<str:file_id>/versions", version_views.version_list, name="versions"),
    path("api/versions/<str:file_id>/<str:revision_id>/restore", version_views.version_restore, name="version_restore"),
    path("api/versions/<str:file_id>/<str:revision_id>/keep", version_views.version_keep, name="version_keep"),
    path("api/versions/<str:file_id>/<str:revision_id>/delete", version_views.version_delete, name="version_delete"),
    path("files/<str:file_id>/versions/<str:revision_id>", version_views.version_download, name="version_download"),
    path("files/<str:file_id>/activity", version_views.file_activity, name="activity"),
]
