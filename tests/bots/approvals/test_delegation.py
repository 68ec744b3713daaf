"""A leader away names a deputy for a period: the deputy gets the card and decides, shown as
代批 with both names and signed with the deputy's own key; outside the period, or once
revoked, the deputy may not decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bots import jobs
from bots.approvals.models import StepApprover
from tests.bots.approvals.conftest import card_message, three_steps, told
from tests.bots.conftest import card_of, press

pytestmark = pytest.mark.django_db


def test_a_deputys_decision(demo: Any, api: Any, clock: Any) -> None:
    approval = api("clerk").post("/approvals", three_steps(steps=[["leader"], ["staff1"]])).json()
    # A delegation that starts tomorrow: not yet.
    later = api("leader").post("/approvals/delegations", {
        "deputy": "staff2", "start": (clock.now() + timedelta(days=1)).isoformat(),
        "end": (clock.now() + timedelta(days=3)).isoformat(), "note": "出差"})
    assert later.status_code == 201 and later.json()["active"] is False
    assert api("staff2").post(f"/approvals/{approval['id']}/decide",
                              {"action": "approve"}).status_code == 403
    # Outside the organisation, or oneself, cannot be named.
    assert api("leader").post("/approvals/delegations", {
        "deputy": "nobody", "end": (clock.now() + timedelta(days=1)).isoformat()}).status_code == 400
    assert api("leader").post("/approvals/delegations", {
        "deputy": "leader", "end": (clock.now() + timedelta(days=1)).isoformat()}).status_code == 400

    # When the period starts, the deputy's buttons appear and a card arrives.
    clock.advance(days=1, minutes=1)
    jobs.run_due()
    deputy_card = card_message(approval["id"], "staff2", kind="deputy")
    assert [a["action"] for a in card_of(api("staff2"), deputy_card)["actions"]] == [
        "approve", "return", "reject"]
    decided = press(api("staff2"), deputy_card, "approve", comment="同意，按程序办理。")
    assert decided.status_code == 200, decided.content
    card = decided.json()["card"]
    assert any("李四（代李明批）：同意" in f["value"] for f in card["fields"])
    place = StepApprover.objects.get(step__approval_id=approval["id"], user__username="leader")
    assert place.decided_by.username == "staff2" and place.delegation_id == later.json()["id"]
    assert card["steps"][0]["approvers"][0]["proxy"] is True
    assert any("李四（代李明批）同意了您的申请" in t for t in told("clerk"))
    verified = api("clerk").get(f"/approvals/{approval['id']}/verify").json()
    assert verified["valid"] is True and verified["decisions"][0]["signer"] == "staff2"
    # The leader's own place is taken: the leader may not decide it again.
    assert api("leader").post(f"/approvals/{approval['id']}/decide",
                              {"action": "reject"}).status_code == 403

    # Revoked: a later request awaiting the leader is closed to the deputy.
    second = api("clerk").post("/approvals", three_steps(steps=[["leader"]])).json()
    assert api("leader").delete(f"/approvals/delegations/{later.json()['id']}").status_code == 200
    assert api("staff2").post(f"/approvals/{second['id']}/decide",
                              {"action": "approve"}).status_code == 404
