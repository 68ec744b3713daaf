"""The meetings' to-do kind: an unanswered notice waits on the invited person, or on whoever
answers for an invited unit, until one of them answers or the meeting is cancelled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hub.core import todo
from hub.org.models import User
from tests.bots.conftest import press
from tests.bots.meetings.conftest import meeting_body

pytestmark = pytest.mark.django_db


def rsvps(api: Any, username: str) -> list[dict[str, Any]]:
    return [i for i in api(username).get("/todo").json()["items"] if i["kind"] == "meeting_rsvp"]


def agree(*usernames: str) -> None:
    people = list(User.objects.filter(username__in=usernames))
    counts = todo.counts_for(user_ids=[p.id for p in people])
    for p in people:
        assert counts[p.id] == todo.todo_for(user=p)["counts"], p.username


def test_an_invitation_waits_until_answered_for_the_unit_or_by_the_person(
        demo: Any, api: Any, person: Any) -> None:
    person("t1lead", "town1", "leader")
    person("t1staff", "town1", "staff")
    start = timezone.localtime() + timedelta(days=5)
    notice = api("clerk").post("/meetings", meeting_body(
        start, invitees=["town1", "staff2"])).json()
    unit_item = rsvps(api, "staff4")
    assert [(i["ref"], i["label"], i["object_type"]) for i in unit_item] == [
        (notice["id"], "会议回复", "meeting")]
    assert unit_item[0]["unit"]["code"] == "town1" and unit_item[0]["overdue"] is False
    assert unit_item[0]["deadline"] is not None and unit_item[0]["start"] is not None
    assert {a["action"] for a in unit_item[0]["card"]["actions"]} == {"attend", "decline"}
    assert [i["ref"] for i in rsvps(api, "t1lead")] == [notice["id"]]
    own = rsvps(api, "staff2")
    assert own[0]["unit"] is None and "delegate" in [a["action"] for a in own[0]["card"]["actions"]]
    for outsider in ("t1staff", "staff5", "clerk"):
        assert rsvps(api, outsider) == [], outsider
    agree("staff4", "t1lead", "staff2", "t1staff")

    assert press(api("t1lead"), unit_item[0]["message"], "attend").status_code == 200
    assert rsvps(api, "staff4") == [] and rsvps(api, "t1lead") == []
    assert len(rsvps(api, "staff2")) == 1
    press(api("staff2"), own[0]["message"], "decline", comment="外出学习")
    assert rsvps(api, "staff2") == []
    agree("staff4", "t1lead", "staff2")


def test_a_cancelled_meeting_leaves_every_list(demo: Any, api: Any) -> None:
    start = timezone.localtime() + timedelta(days=5)
    notice = api("clerk").post("/meetings", meeting_body(start)).json()
    assert len(rsvps(api, "staff6")) == 1 and len(rsvps(api, "staff3")) == 1
    api("clerk").post(f"/meetings/{notice['id']}/cancel", {"reason": "改期"})
    assert rsvps(api, "staff6") == [] and rsvps(api, "staff3") == []
