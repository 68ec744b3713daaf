from __future__ import annotations

from django.urls import path

from bots.documents import views

urlpatterns = [
    path("documents", views.documents),
    path("documents/meta", views.meta),
    path("documents/<int:document_id>", views.detail),
    path("documents/<int:document_id>/verify", views.verify),
    path("documents/<int:document_id>/remind", views.remind),
]
