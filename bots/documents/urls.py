from __future__ import annotations

from django.urls import path

from bots.documents import views

urlpatterns = [
    path("documents", views.documents),
    path("documents/drafts", views.drafts),
    path("documents/meta", views.meta),
    path("documents/units/<str:code>/settings", views.unit_settings),
    path("documents/<int:document_id>", views.detail),
    path("documents/<int:document_id>/decide", views.decide),
    path("documents/<int:document_id>/resubmit", views.resubmit),
    path("documents/<int:document_id>/issue", views.issue),
    path("documents/<int:document_id>/resend", views.resend),
    path("documents/<int:document_id>/verify", views.verify),
    path("documents/<int:document_id>/pdf", views.pdf_file),
    path("documents/<int:document_id>/remind", views.remind),
]
