from __future__ import annotations

from django.urls import path

from bots.discussions import views

urlpatterns = [
    path("discussions", views.discussions),
    path("discussions/<int:discussion_id>", views.detail),
    path("discussions/<int:discussion_id>/replies", views.replies),
    path("discussions/<int:discussion_id>/close", views.close),
    path("discussions/<int:discussion_id>/remind", views.remind),
]
