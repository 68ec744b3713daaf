"""The notices tests run the refresher themselves (services.refresh_pending), so the
trailing refresh in the pressing process is off unless a test turns it on."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_trailing_timers(monkeypatch: Any) -> None:
    from bots.notices import services

    monkeypatch.setattr(services, "TRAIL_IN_PROCESS", False)
