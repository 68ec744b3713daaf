from __future__ import annotations

from django.urls import path

from bots.stats import views

urlpatterns = [
    path("stats/documents", views.documents),
    path("stats/documents.csv", views.documents_csv),
    path("stats/tasks", views.tasks),
    path("stats/use", views.use),
    path("stats/meetings", views.meetings),
    path("stats/approvals", views.approvals),
    path("stats/bulletins", views.bulletins),
    path("stats/scope", views.scope_view),
]
