from django.urls import path

from files import api, share_views, views

app_name = "files"

urlpatterns = [
    path("", views.folder, name="home"),
    path("folders/<str:folder_id>/", views.folder, name="folder"),
    path("folders/new", views.folder_create, name="folder_create"),
    path("files/<str:file_id>/rename", views.rename, name="rename"),
    path("files/<str:file_id>/download", views.download, name="download"),
    path("files/<str:file_id>/thumbnail", views.thumbnail, name="thumbnail"),
    path("files/<str:file_id>/preview", views.preview, name="preview"),
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
    path("files/<str:file_id>/share", share_views.share_create, name="share_create"),
    path("shares/", share_views.share_list, name="shares"),
    path("shares/<str:share_id>/cancel", share_views.share_cancel, name="share_cancel"),
    path("s/<str:share_id>", share_views.share_public, name="share_public"),
    path("s/<str:share_id>/folders/<str:folder_id>/", share_views.share_public, name="share_folder"),
    path("s/<str:share_id>/files/<str:file_id>/download", share_views.share_download, name="share_download"),
    path("s/<str:share_id>/files/<str:file_id>/save", share_views.share_save, name="share_save"),
]
