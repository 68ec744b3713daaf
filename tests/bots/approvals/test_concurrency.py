"""Two countersigners deciding at the same moment, in two threads with their own PostgreSQL
connections: both decisions are recorded once each, the step settles once, and the next
approver gets exactly one card."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bots.approvals.models import ApprovalMessage, Step, StepApprover
from hub.chat import cards
from hub.seals import audit
from hub.seals.models import AuditEntry, PersonalSignature
from tests.bots.approvals.conftest import card_message, three_steps
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_countersigners_at_once_settle_the_step_once(demo: Any, api: Any) -> None:
    approval = api("clerk").post("/approvals", three_steps()).json()
    assert api("staff1").post(f"/approvals/{approval['id']}/decide",
                              {"action": "approve"}).status_code == 200
    users = demo["users"]
    lead, second = card_message(approval["id"], "leader"), card_message(approval["id"], "staff2")
    results = race(
        lambda: cards.press(user=users["leader"], message_id=lead, action="approve",
                            params={"comment": "同意。"}),
        lambda: cards.press(user=users["staff2"], message_id=second, action="approve",
                            params={}),
        lambda: cards.press(user=users["leader"], message_id=lead, action="approve",
                            params={"comment": "同意。"}),
    )
    assert all(isinstance(r, dict) for r in results), results
    places = StepApprover.objects.filter(step__approval_id=approval["id"], step__index=1)
    assert sorted(places.values_list("user__username", "decision")) == [
        ("leader", "approve"), ("staff2", "approve")]
    assert PersonalSignature.objects.filter(subject__startswith=f"approval:{approval['id']}:").count() == 3
    step = Step.objects.get(approval_id=approval["id"], round=1, index=1)
    assert step.state == "approved" and step.settled_at is not None
    assert Step.objects.get(approval_id=approval["id"], round=1, index=2).state == "active"
    assert ApprovalMessage.objects.filter(approval_id=approval["id"], kind="approver",
                                          user__username="staff3").count() == 1
    assert AuditEntry.objects.filter(event="approval.decided").count() == 3
    count, problems = audit.verify_chain()
    assert problems == [] and count == AuditEntry.objects.count()
