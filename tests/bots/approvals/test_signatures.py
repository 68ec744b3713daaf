"""Each decision is signed with the decider's personal Ed25519 key: verification passes, and a
decision changed in the database afterwards is detected, with what changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bots.approvals.models import StepApprover
from hub.seals.models import PersonalKey
from tests.bots.approvals.conftest import three_steps

pytestmark = pytest.mark.django_db


def test_signatures_verify_and_a_tampered_decision_is_detected(demo: Any, api: Any) -> None:
    approval = api("clerk").post("/approvals", three_steps(steps=[["staff1"], ["leader"]])).json()
    for who, comment in (("staff1", "同意。"), ("leader", "同意，请抓紧落实。")):
        assert api(who).post(f"/approvals/{approval['id']}/decide",
                             {"action": "approve", "comment": comment}).status_code == 200
    result = api("staff1").get(f"/approvals/{approval['id']}/verify").json()
    assert result["valid"] is True and len(result["decisions"]) == 2
    keys = {k.user.username: k.key_id for k in PersonalKey.objects.select_related("user")}
    assert [(d["signer"], d["key_id"], d["alg"]) for d in result["decisions"]] == [
        ("staff1", keys["staff1"], "ed25519"), ("leader", keys["leader"], "ed25519")]

    # Someone with database access turns the leader's opinion around.
    place = StepApprover.objects.get(step__approval_id=approval["id"], user__username="leader")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_stepapprover SET comment = %s WHERE id = %s",
                       ["不同意。", place.id])
    result = api("clerk").get(f"/approvals/{approval['id']}/verify").json()
    assert result["valid"] is False
    by_approver = {d["approver"]: d for d in result["decisions"]}
    assert by_approver["staff1"]["valid"] is True
    assert by_approver["leader"]["valid"] is False
    assert "“审批意见”与签名时不一致" in by_approver["leader"]["reason"]

    # A changed decision, or the request's text changed afterwards, shows too.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_stepapprover SET comment = %s, decision = %s "
                       "WHERE id = %s", ["同意，请抓紧落实。", "reject", place.id])
        cursor.execute("UPDATE approvals_revision SET body = %s WHERE approval_id = %s",
                       ["预算 80 万元。", approval["id"]])
    result = api("clerk").get(f"/approvals/{approval['id']}/verify").json()
    reasons = [d["reason"] for d in result["decisions"]]
    assert all("“申请内容”与签名时不一致" in r for r in reasons)
