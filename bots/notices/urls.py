from __future__ import annotations

from django.urls import path

from bots.notices import views

urlpatterns = [
    path("notices", views.notices),
    path("notices/<int:notice_id>", views.detail),
    path("notices/<int:notice_id>/ack", views.ack),
    path("notices/<int:notice_id>/remind", views.remind),
]
