from __future__ import annotations

from django.urls import path

from bots.approvals import views

urlpatterns = [
    path("approvals", views.approvals),
    path("approvals/delegations", views.delegations),
    path("approvals/delegations/<int:delegation_id>", views.delegation),
    path("approvals/<int:approval_id>", views.detail),
    path("approvals/<int:approval_id>/decide", views.decide),
    path("approvals/<int:approval_id>/resubmit", views.resubmit),
    path("approvals/<int:approval_id>/verify", views.verify),
]
