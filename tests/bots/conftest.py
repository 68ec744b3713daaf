"""Shared set-up for the bots: a controllable clock, document helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone


@pytest.fixture
def clock() -> Iterator[Any]:
    """The bots' clock, standing still until the test moves it (`clock.advance(minutes=5)`)."""
    from bots import clock as bot_clock

    fake = bot_clock.FakeClock(timezone.now().replace(microsecond=0))
    bot_clock.set_clock(fake)
    yield fake
    bot_clock.set_clock(None)


def number(seq: int, code: str = "区府办") -> str:
    return f"{code}〔{timezone.localtime().year}〕{seq}号"


def document_body(**overrides: Any) -> dict[str, Any]:
    """A valid document from the government office (`clerk`) to the three townships."""
    body = {"doc_type": "通知", "number": number(12), "title": "关于做好冬季安全生产工作的通知",
            "body": "各乡镇人民政府：\n\n为切实做好冬季安全生产工作，现将有关事项通知如下。",
            "recipients": ["town1", "town2", "town3"], "urgency": "normal", "secrecy": "none"}
    body.update(overrides)
    return body


@pytest.fixture
def person(demo: dict[str, Any]) -> Any:
    """`person("town1_leader", "town1", "leader")`: a new user in a demo unit, who can log in
    with the demo password."""
    from hub.org import actions
    from hub.org.models import User
    from tests.conftest import DEMO_PASSWORD

    def make(username: str, unit: str, role: str, display_name: str = "") -> User:
        user = User.objects.create(username=username, display_name=display_name or username)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        actions.set_unit_membership(unit=demo["units"][unit], user=user, role=role)
        return user

    return make


def card_of(api_client: Any, message_id: int) -> dict[str, Any]:
    """The card of a message as this user sees it."""
    response = api_client.get(f"/messages/{message_id}")
    assert response.status_code == 200, response.content
    return response.json()["card"]


def press(api_client: Any, message_id: int, action: str, **params: Any) -> Any:
    return api_client.post(f"/messages/{message_id}/actions", {"action": action, **params})


def recipient(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in document["recipients"] if r["unit"]["code"] == code)


def run_commands() -> int:
    """What the worker does every 0.2 s: answer the bot commands sent (stored as jobs)."""
    from bots import runtime

    return runtime.run_commands()
