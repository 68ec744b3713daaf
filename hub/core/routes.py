"""Endpoints that apps built on the core (bots, search, integrations) add under /api/v1/.

They register here when their app is ready; hub/urls.py mounts them beside the core's own,
so every /api/v1 route stands in one list and the core imports none of those apps.
"""

from __future__ import annotations

from typing import Any

api: list[Any] = []


def add_api(patterns: list[Any]) -> None:
    api.extend(patterns)
