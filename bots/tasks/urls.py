from __future__ import annotations

from django.urls import path

from bots.tasks import views

urlpatterns = [
    path("tasks", views.tasks),
    path("tasks.csv", views.tasks_csv),
    path("tasks.xlsx", views.tasks_xlsx),
    path("tasks/remind", views.remind_many),
    path("tasks/<int:task_id>", views.detail),
    path("tasks/<int:task_id>/accept", views.accept),
    path("tasks/<int:task_id>/reports", views.reports),
    path("tasks/<int:task_id>/extension", views.extension),
    path("tasks/<int:task_id>/extension/decide", views.decide_extension),
    path("tasks/<int:task_id>/complete", views.complete),
    path("tasks/<int:task_id>/close", views.close),
    path("tasks/<int:task_id>/remind", views.remind_one),
]
