"""Supervision (督办) with a controllable clock: reminders to units that have not signed in
time and before the deadline, escalation to the unit's leaders after a second miss, all in
the audit log; nothing fires early, late or twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bots import jobs
from bots.documents.models import Delivery
from bots.models import Job
from hub.chat.models import Message
from hub.seals.models import AuditEntry
from tests.bots.conftest import document_body, press, recipient

pytestmark = pytest.mark.django_db


def reminders_in(demo: Any, code: str) -> list[str]:
    return list(Message.objects.filter(room=demo["rooms"][code], sender__username="duban")
                .order_by("seq").values_list("body", flat=True))


def direct_to(username: str) -> list[str]:
    return list(Message.objects.filter(sender__username="duban", room__kind="direct",
                                       room__members__user__username=username)
                .order_by("id").values_list("body", flat=True))


def audit_events(kind: str) -> list[dict[str, Any]]:
    return [e.data for e in AuditEntry.objects.filter(event=f"document.{kind}").order_by("seq")]


def test_reminders_and_escalations_follow_the_clock(
        demo: Any, api: Any, clock: Any, person: Any, settings: Any) -> None:
    settings.HUITONG_DOC_SIGN_WITHIN_MINUTES = {"normal": 240, "urgent": 60, "very_urgent": 30}
    settings.HUITONG_DOC_DEADLINE_REMIND_MINUTES = 24 * 60
    person("town2_head", "town2", "leader", "郑镇长")
    start = clock.now()
    deadline = timezone.localtime(start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    document = api("clerk").post("/documents", document_body(deadline=deadline)).json()
    press(api("staff4"), recipient(document, "town1")["message"], "sign")

    # Nothing is due before the time allowed for signing.
    assert jobs.run_due() == 0
    clock.advance(minutes=239)
    assert jobs.run_due() == 0 and reminders_in(demo, "town2") == []

    # First miss: the units that have not signed are reminded in their rooms.
    clock.advance(minutes=2)
    assert jobs.run_due() == 1
    assert reminders_in(demo, "town1") == []
    assert len(reminders_in(demo, "town2")) == 1 and "未签收" in reminders_in(demo, "town2")[0]
    assert "@staff5" in reminders_in(demo, "town2")[0]
    assert [(e["unit"], e["reason"], e["round"]) for e in audit_events("reminded")] == [
        ("town2", "sign", 1), ("town3", "sign", 1)]
    tracking = Message.objects.get(id=document["tracking_message"]).card
    assert tracking["totals"]["overdue"] == 2 and tracking["totals"]["unsigned"] == 2

    # town3 signs in between; town2 misses the second period too and is escalated.
    press(api("staff6"), recipient(document, "town3")["message"], "sign")
    clock.advance(minutes=240)
    assert jobs.run_due() == 1
    assert len(reminders_in(demo, "town2")) == 2 and len(reminders_in(demo, "town3")) == 1
    assert len(direct_to("town2_head")) == 1 and "【督办】" in direct_to("town2_head")[0]
    escalated = audit_events("escalated")
    assert [(e["unit"], e["reason"]) for e in escalated] == [("town2", "sign")]
    assert escalated[0]["to"] == [api("town2_head").user["id"]]
    assert Delivery.objects.get(document_id=document["id"], unit__code="town2").escalated_at

    # A day before the deadline every unit that has not handled it is reminded.
    clock.current = start + timedelta(days=2, minutes=1)
    assert jobs.run_due() == 1
    deadline_reminders = [e for e in audit_events("reminded") if e["reason"] == "deadline"]
    assert sorted(e["unit"] for e in deadline_reminders) == ["town1", "town2", "town3"]
    assert "办理期限" in reminders_in(demo, "town1")[-1]

    # town1 finishes; at the deadline the others are escalated.
    press(api("staff4"), recipient(document, "town1")["message"], "complete")
    clock.current = start + timedelta(days=3, minutes=1)
    assert jobs.run_due() == 1
    assert sorted(e["unit"] for e in audit_events("escalated") if e["reason"] == "deadline") == [
        "town2", "town3"]
    assert "超过办理期限" in reminders_in(demo, "town3")[-1]
    assert len(direct_to("town2_head")) == 2
    tracking = Message.objects.get(id=document["tracking_message"]).card
    assert tracking["totals"]["overdue"] == 2

    # Every job ran once; running again finds nothing.
    assert set(Job.objects.values_list("state", flat=True)) == {"done"}
    clock.advance(days=30)
    assert jobs.run_due() == 0


def test_urgent_documents_are_chased_sooner(demo: Any, api: Any, clock: Any,
                                            settings: Any) -> None:
    settings.HUITONG_DOC_SIGN_WITHIN_MINUTES = {"normal": 240, "urgent": 60, "very_urgent": 30}
    api("clerk").post("/documents", document_body(urgency="very_urgent"))
    clock.advance(minutes=31)
    assert jobs.run_due() == 1
    assert len(audit_events("reminded")) == 3


def test_a_per_document_signing_time_overrides_the_default(demo: Any, api: Any,
                                                           clock: Any) -> None:
    api("clerk").post("/documents", document_body(sign_within_minutes=10))
    clock.advance(minutes=11)
    assert jobs.run_due() == 1
