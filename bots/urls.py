"""The bots' HTTP endpoints, added under /api/v1/ through hub/core/routes.py."""

from __future__ import annotations

from bots.documents.urls import urlpatterns as documents

urlpatterns = [*documents]
