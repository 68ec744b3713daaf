"""Reminders to approvers who have not acted, counted in working days on a controllable
clock: a Friday request is chased on Monday, not over the weekend; one on the Friday before
a 调休 working Saturday is chased on that Saturday; one before the Spring Festival after it."""

from __future__ import annotations

from typing import Any

import pytest

from bots import jobs
from hub.seals.models import AuditEntry
from tests.bots.approvals.conftest import three_steps, told
from tests.bots.meetings.conftest import local

pytestmark = pytest.mark.django_db


def reminders(username: str) -> int:
    return sum("【审批提醒】" in t for t in told(username))


def test_reminders_follow_working_days(demo: Any, api: Any, clock: Any) -> None:
    clock.current = local(2026, 3, 6, 10)  # Friday
    weekend = api("clerk").post("/approvals", three_steps(steps=[["staff1"]])).json()
    clock.current = local(2026, 2, 27, 10)  # the Friday before the 调休 Saturday
    makeup = api("clerk").post("/approvals", three_steps(steps=[["staff2"]])).json()
    clock.current = local(2026, 2, 13, 10)  # the Friday before the Spring Festival break
    festival = api("clerk").post("/approvals", three_steps(steps=[["staff3"]])).json()
    assert all(a["state"] == "pending" for a in (weekend, makeup, festival))

    clock.current = local(2026, 2, 14, 10, 1)  # Saturday, a make-up working day
    jobs.run_due()
    assert reminders("staff3") == 1
    clock.current = local(2026, 2, 23, 23)  # the last day of the break: nothing more yet
    jobs.run_due()
    assert reminders("staff3") == 1
    clock.current = local(2026, 2, 24, 10, 1)  # the first day back
    jobs.run_due()
    assert reminders("staff3") == 2
    assert api("staff3").post(f"/approvals/{festival['id']}/decide",
                              {"action": "approve"}).status_code == 200

    clock.current = local(2026, 2, 28, 9, 59)
    jobs.run_due()
    assert reminders("staff2") == 0
    clock.current = local(2026, 2, 28, 10, 1)  # the 调休 Saturday counts
    jobs.run_due()
    assert reminders("staff2") == 1

    clock.current = local(2026, 3, 8, 23)  # Sunday: the weekend does not count
    jobs.run_due()
    assert reminders("staff1") == 0
    clock.current = local(2026, 3, 9, 10, 1)  # Monday
    jobs.run_due()
    assert reminders("staff1") == 1
    assert "已等待您审批 1 个工作日" in told("staff1")[-1]
    # The decided request is never chased again; the events are in the audit log.
    clock.current = local(2026, 3, 31, 12)
    jobs.run_due()
    assert reminders("staff3") == 2
    assert reminders("staff1") == 3  # at most three reminders
    assert AuditEntry.objects.filter(event="approval.reminded").count() == 2 + 3 + 3
