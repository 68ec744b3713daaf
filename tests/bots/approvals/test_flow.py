"""A three-step approval with a countersign step and a return, on one living card: approvers
see buttons, others the status; the requester is told of each decision and the outcome;
decisions are signed and in the audit log; and the errors."""

from __future__ import annotations

from typing import Any

import pytest

from bots.approvals.models import Approval, ApprovalMessage, StepApprover
from hub.chat.models import Message
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.bots.approvals.conftest import card_message, room_card, three_steps, told
from tests.bots.conftest import card_of, press, run_commands

pytestmark = pytest.mark.django_db


def actions(api: Any, username: str, message: int) -> list[str]:
    return [a["action"] for a in card_of(api(username), message)["actions"]]


def test_three_steps_with_a_countersign_and_a_return(demo: Any, api: Any) -> None:
    room = demo["rooms"]["zfb"].id  # the requester's unit room: the leader is there too
    response = api("clerk").post("/approvals", three_steps(room=room))
    assert response.status_code == 201, response.content
    approval = response.json()
    assert (approval["state"], approval["round"], approval["current_step"]) == ("pending", 1, 0)
    assert [s["mode"] for s in approval["steps"]] == ["all", "all", "all"]
    shared = room_card(approval["id"])
    assert Message.objects.get(id=shared).room_id == room

    # Step 1: staff1's card has the buttons; the leader (a later approver) sees the status.
    first = card_message(approval["id"], "staff1")
    assert actions(api, "staff1", first) == ["approve", "return", "reject"]
    card = card_of(api("staff1"), first)
    assert card["actions"][0]["comment"] == "optional" and "同意。" in card["actions"][0]["phrases"]
    assert actions(api, "leader", shared) == []
    early = press(api("leader"), shared, "approve")
    assert early.status_code == 403 and "尚未轮到您" in early.json()["error"]["detail"]

    assert press(api("staff1"), first, "approve", comment="同意。").status_code == 200
    # Step 2, a countersign: both approvers get their card; one approves, the other returns.
    lead, second = card_message(approval["id"], "leader"), card_message(approval["id"], "staff2")
    assert actions(api, "leader", shared) == ["approve", "return", "reject"]
    assert press(api("leader"), lead, "approve").status_code == 200
    state = card_of(api("clerk"), shared)
    assert state["state"] == "pending" and state["current_step"] == 1
    assert actions(api, "leader", shared) == []  # decided: no more buttons for the leader
    returned = press(api("staff2"), second, "return", comment="请补充预算明细")
    assert returned.status_code == 200
    assert returned.json()["card"]["state"] == "returned"
    # Everyone's copy is the same card; the requester alone may resubmit.
    for message in ApprovalMessage.objects.filter(approval_id=approval["id"]):
        assert Message.objects.get(id=message.message_id).card["state"] == "returned"
    assert actions(api, "clerk", shared) == ["resubmit"]
    assert actions(api, "staff2", second) == []
    notices = told("clerk")
    assert any("张三同意了您的申请" in t and "同意。" in t for t in notices)
    assert any("李四退回了您的申请" in t and "请补充预算明细" in t for t in notices)
    assert any("被退回" in t for t in notices)

    # A decision on a settled request is refused, and changes nothing.
    late = api("staff3").post(f"/approvals/{approval['id']}/decide", {"action": "approve"})
    assert late.status_code == 409 and "已退回" in late.json()["error"]["detail"]
    # Pressing one's own decision again answers the card as it stands.
    assert press(api("staff2"), second, "return", comment="请补充预算明细").status_code == 200

    # Resubmitted with a revised body: round two runs every step again.
    again = api("clerk").post(f"/approvals/{approval['id']}/resubmit", {
        "body": "拟购置应急物资一批，预算 8 万元（明细见附表）。", "comment": "已补充预算明细"})
    assert again.status_code == 200, again.content
    assert (again.json()["state"], again.json()["round"]) == ("pending", 2)
    assert press(api("staff1"), card_message(approval["id"], "staff1"), "approve").status_code == 200
    assert api("leader").post(f"/approvals/{approval['id']}/decide",
                              {"action": "approve"}).status_code == 200
    assert press(api("staff2"), card_message(approval["id"], "staff2"), "approve",
                 comment="同意，请按程序办理。").status_code == 200
    final = press(api("staff3"), card_message(approval["id"], "staff3"), "approve")
    assert final.json()["card"]["state"] == "approved"
    assert any("已审批通过" in t for t in told("clerk"))

    detail = api("clerk").get(f"/approvals/{approval['id']}").json()
    assert [r["round"] for r in detail["rounds"]] == [1, 2]
    assert detail["rounds"][0]["steps"][1]["approvers"][1]["decision"] == "return"
    assert detail["rounds"][1]["note"] == "已补充预算明细"
    assert [s["state"] for s in detail["steps"]] == ["approved", "approved", "approved"]
    assert detail["log"][-1]["event"] == "approval.settled"
    assert api("clerk").get(f"/approvals/{approval['id']}/verify").json()["valid"] is True
    assert StepApprover.objects.filter(step__approval_id=approval["id"]).exclude(
        decision="").count() == 7
    assert AuditEntry.objects.filter(event="approval.decided").count() == 7
    count, problems = audit.verify_chain()
    assert problems == [] and count >= 10


def test_errors_and_who_sees_what(demo: Any, api: Any) -> None:
    assert api("clerk").post("/approvals", three_steps(steps=[])).status_code == 400
    unknown = api("clerk").post("/approvals", three_steps(steps=[["staff1", "nobody"]]))
    assert unknown.status_code == 400 and "nobody" in unknown.json()["error"]["detail"]
    own = api("clerk").post("/approvals", three_steps(steps=[["clerk"]]))
    assert own.status_code == 400
    assert Approval.objects.count() == 0

    approval = api("clerk").post("/approvals", three_steps()).json()
    # Not an approver of the current step (staff3 is in step 3; staff4 in none).
    wrong = api("staff3").post(f"/approvals/{approval['id']}/decide", {"action": "approve"})
    assert wrong.status_code == 403
    assert api("staff4").get(f"/approvals/{approval['id']}").status_code == 404
    assert api("staff4").post(f"/approvals/{approval['id']}/decide",
                              {"action": "approve"}).status_code == 404
    assert StepApprover.objects.exclude(decision="").count() == 0
    # An any-of step (或签): the first decision settles it.
    either = api("clerk").post("/approvals", three_steps(steps=[
        {"approvers": ["staff1", "staff2"], "mode": "any"}])).json()
    assert api("staff2").post(f"/approvals/{either['id']}/decide",
                              {"action": "reject", "comment": "不同意。"}).json()["state"] == "rejected"
    settled = api("staff1").post(f"/approvals/{either['id']}/decide", {"action": "approve"})
    assert settled.status_code == 409


def test_an_approval_by_command(demo: Any, api: Any,
                                django_capture_on_commit_callbacks: Any) -> None:
    room = demo["rooms"]["zfb"].id
    with django_capture_on_commit_callbacks(execute=True):
        api("clerk").send(room, '/approve new 标题:“外出学习申请” 内容:“赴省厅参加培训三天” '
                                '审批人:“staff1 > leader,staff2 > staff3|staff4”')
    run_commands()
    approval = Approval.objects.get(title="外出学习申请")
    steps = list(approval.steps.order_by("index"))
    assert [(s.mode, [a.user.username for a in s.approvers.all()]) for s in steps] == [
        ("all", ["staff1"]), ("all", ["leader", "staff2"]), ("any", ["staff3", "staff4"])]
    assert approval.room_id == room
