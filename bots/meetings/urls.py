from __future__ import annotations

from django.urls import path

from bots.meetings import views

urlpatterns = [
    path("meetings", views.meetings),
    path("meetings/<int:meeting_id>", views.detail),
    path("meetings/<int:meeting_id>/cancel", views.cancel),
    path("meetings/<int:meeting_id>/remind", views.remind),
    path("meetings/<int:meeting_id>/rsvp", views.rsvp),
    path("meetings/<int:meeting_id>/roster", views.roster),
    path("meetings/<int:meeting_id>/roster.csv", views.roster_csv),
    path("meetings/<int:meeting_id>/calendar.ics", views.ics),
]
