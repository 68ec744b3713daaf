"""The agenda keeps its line breaks: in the card's 议程 field and in the meeting's record, as
typed (a client shows them as lines)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.bots.meetings.conftest import meeting_body

pytestmark = pytest.mark.django_db


def test_agenda_line_breaks_survive_to_the_card(demo: Any, api: Any) -> None:
    agenda = "一、传达上级文件精神；\n二、部署冬季安全生产工作；\n\n三、其他事项。"
    start = timezone.localtime() + timedelta(days=3)
    notice = api("clerk").post("/meetings", meeting_body(start, agenda=agenda,
                                                         invitees=["town1"])).json()
    assert api("clerk").get(f"/meetings/{notice['id']}").json()["agenda"] == agenda
    card = next(i for i in api("staff4").get("/todo").json()["items"]
                if i["kind"] == "meeting_rsvp")["card"]
    assert {"label": "议程", "value": agenda} in card["fields"]
