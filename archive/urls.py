from __future__ import annotations

from django.urls import path

from archive import views

urlpatterns = [
    path("archive", views.archive),
    path("archive/export", views.export),
    path("archive/feed", views.feed),
    path("archive/<int:entry_id>", views.detail),
    path("archive/<int:entry_id>/files/<int:index>", views.download),
]
