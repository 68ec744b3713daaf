from __future__ import annotations

from django.urls import path

from hub.library import views

urlpatterns = [
    path("library", views.index),
    path("library/folders", views.folders),
    path("library/folders/<int:folder_id>", views.folder),
    path("library/folders/<int:folder_id>/grants", views.grants),
    path("library/folders/<int:folder_id>/files", views.files),
    path("library/files/<int:file_id>", views.file),
    path("library/files/<int:file_id>/versions", views.versions),
    path("library/files/<int:file_id>/restore", views.restore),
    path("library/files/<int:file_id>/share", views.share),
    path("library/files/<int:file_id>/lock", views.lock),
    path("library/files/<int:file_id>/undelete", views.undelete),
    path("library/files/<int:file_id>/read", views.read),
    path("library/files/<int:file_id>/versions/<int:version>/preview", views.preview),
    path("library/files/<int:file_id>/versions/<int:version>/download", views.download),
    # Last: `unit:<code>` or `district`.
    path("library/<str:key>", views.library),
    path("library/<str:key>/bin", views.recycle_bin),
]
