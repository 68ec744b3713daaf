"""Meeting reminders with a controllable clock: those who have not answered are chased one
working day before the RSVP deadline (across a weekend, and on a 调休 working Saturday),
attendees an hour before the start; a change moves the reminders, a cancellation stops them."""

from __future__ import annotations

from typing import Any

import pytest

from bots import jobs
from bots.meetings.models import Invitee
from bots.models import Job
from hub.chat.models import Message
from hub.seals.models import AuditEntry
from tests.bots.conftest import press
from tests.bots.meetings.conftest import entry, local, meeting_body

pytestmark = pytest.mark.django_db


def texts(demo: Any, *, room: str | None = None, to: str | None = None) -> list[str]:
    qs = Message.objects.filter(sender__username="huiyi", kind="text")
    if room is not None:
        qs = qs.filter(room=demo["rooms"][room])
    if to is not None:
        qs = qs.filter(room__kind="direct", room__members__user__username=to)
    return list(qs.order_by("id").values_list("body", flat=True))


def reminded(reason: str) -> list[dict[str, Any]]:
    return [e.data for e in AuditEntry.objects.filter(event="meeting.reminded").order_by("seq")
            if e.data["reason"] == reason]


def test_rsvp_reminder_skips_the_weekend_and_attendees_hear_before_the_start(
        demo: Any, api: Any, clock: Any) -> None:
    clock.current = local(2026, 3, 5, 10)  # a Thursday
    body = meeting_body(local(2026, 3, 10, 9), rsvp_by=local(2026, 3, 9, 12).isoformat(),
                        invitees=["town1", "town2", "staff2", "staff3"])
    meeting = api("clerk").post("/meetings", body).json()
    assert press(api("staff4"), entry(meeting, "town1")["message"], "attend").status_code == 200
    assert press(api("staff3"), entry(meeting, "staff3")["message"], "delegate",
                 delegate="staff6").status_code == 200

    # The deadline is Monday noon: the reminder goes out on Friday noon, not over the weekend.
    clock.current = local(2026, 3, 6, 11, 59)
    assert jobs.run_due() == 0
    clock.current = local(2026, 3, 6, 12, 1)
    assert jobs.run_due() == 1
    assert len(texts(demo, room="town2")) == 1 and "【会议催复】" in texts(demo, room="town2")[0]
    assert "@staff5" in texts(demo, room="town2")[0]
    assert texts(demo, room="town1") == [] and texts(demo, to="staff3") == []
    assert len(texts(demo, to="staff2")) == 1
    assert {(e["unit"], e["user"]) for e in reminded("rsvp")} == {
        ("town2", None), (None, api("staff2").user["id"])}
    assert Invitee.objects.get(meeting_id=meeting["id"], unit__code="town2").rsvp_reminders == 1

    # staff2 attends; an hour before the start the people attending are told directly.
    assert press(api("staff2"), entry(meeting, "staff2")["message"], "attend").status_code == 200
    clock.current = local(2026, 3, 10, 7, 59)
    assert jobs.run_due() == 0
    clock.current = local(2026, 3, 10, 8, 0)
    assert jobs.run_due() == 1
    for username in ("staff4", "staff2", "staff6"):
        assert any("【会议提醒】" in t for t in texts(demo, to=username)), username
    assert any("代王五参会" in t for t in texts(demo, to="staff6"))
    assert not any("【会议提醒】" in t for t in texts(demo, to="staff5"))
    assert sorted(reminded("start")[0]["to"]) == sorted(
        api(u).user["id"] for u in ("staff4", "staff2", "staff6"))
    assert set(Job.objects.values_list("state", flat=True)) == {"done"}


def test_a_makeup_working_saturday_counts_and_a_change_moves_the_reminders(
        demo: Any, api: Any, clock: Any) -> None:
    clock.current = local(2026, 2, 26, 10)  # Thursday; Saturday 28 February is a working day
    first = api("clerk").post("/meetings", meeting_body(
        local(2026, 3, 3, 9), rsvp_by=local(2026, 3, 2, 12).isoformat(), invitees=["town3"]))
    assert first.status_code == 201
    clock.current = local(2026, 2, 27, 12, 30)
    assert jobs.run_due() == 0
    clock.current = local(2026, 2, 28, 12, 1)  # the 调休 Saturday
    assert jobs.run_due() == 1
    assert len(texts(demo, room="town3")) == 1

    # Without a deadline given, answers are due one working day before the start: for a
    # Monday meeting, the Saturday before when it is a working day.
    clock.current = local(2026, 2, 26, 10)
    second = api("clerk").post("/meetings", meeting_body(local(2026, 3, 2, 9),
                                                         invitees=["town3"])).json()
    assert second["rsvp_by"] == "2026-02-28T01:00:00.000Z"  # 09:00 in Beijing

    # Moving the meeting moves its reminders; the old ones never fire.
    changed = api("clerk").patch(f"/meetings/{second['id']}", {
        "start": local(2026, 3, 9, 9).isoformat(), "end": local(2026, 3, 9, 11).isoformat()})
    assert changed.status_code == 200, changed.content
    assert changed.json()["rsvp_by"] == "2026-03-06T01:00:00.000Z"  # the Friday before
    clock.current = local(2026, 3, 2, 8, 30)
    jobs.run_due()
    assert sum("【会议提醒】" in t for t in texts(demo, to="staff6")) == 0
    assert api("clerk").post(f"/meetings/{second['id']}/cancel",
                             {"reason": "改期另行通知"}).status_code == 200
    clock.current = local(2026, 3, 10, 12)
    jobs.run_due()
    assert not Job.objects.filter(state="pending").exists()
    assert sum("【会议催复】" in t for t in texts(demo, room="town3")) == 1
