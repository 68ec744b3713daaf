from __future__ import annotations

from django.urls import path

from bots.stats import views

urlpatterns = [
    path("stats/documents", views.documents),
    path("stats/documents.csv", views.documents_csv),
    path("stats/tasks", views.tasks),
    path("stats/tasks.csv", views.tasks_csv),
    path("stats/use", views.use),
    path("stats/use.csv", views.use_csv),
    path("stats/meetings", views.meetings),
    path("stats/meetings.csv", views.meetings_csv),
    path("stats/approvals", views.approvals),
    path("stats/approvals.csv", views.approvals_csv),
    path("stats/bulletins", views.bulletins),
    path("stats/bulletins.csv", views.bulletins_csv),
    path("stats/scope", views.scope_view),
]
