"""The approvals' to-do kind: a request waits on the approvers of its current step and on
their active deputies (代批); a decision takes it off the lists of that place's approver and
deputies, and the next step's approvers get it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from hub.core import todo
from hub.org.models import User
from tests.bots.conftest import press

pytestmark = pytest.mark.django_db


def waiting(api: Any, username: str) -> list[dict[str, Any]]:
    return [i for i in api(username).get("/todo").json()["items"] if i["kind"] == "approval"]


def agree(*usernames: str) -> None:
    people = list(User.objects.filter(username__in=usernames))
    counts = todo.counts_for(user_ids=[p.id for p in people])
    for p in people:
        assert counts[p.id] == todo.todo_for(user=p)["counts"], p.username


def test_a_request_waits_on_the_current_step_and_deputies(demo: Any, api: Any) -> None:
    approval = api("clerk").post("/approvals", {
        "title": "关于购置应急物资的请示", "steps": [["staff1"], ["staff2", "staff3"]]}).json()
    first = waiting(api, "staff1")
    assert [(i["ref"], i["label"], i["object_type"]) for i in first] == [
        (approval["id"], "审批", "approval")]
    assert first[0]["on_behalf_of"] is None and first[0]["requester"]["username"] == "clerk"
    assert [a["action"] for a in first[0]["card"]["actions"]] == ["approve", "return", "reject"]
    for later in ("staff2", "staff3", "clerk", "staff5"):
        assert waiting(api, later) == [], later

    end = (timezone.now() + timedelta(days=2)).isoformat()
    assert api("staff1").post("/approvals/delegations",
                              {"deputy": "staff5", "end": end}).status_code == 201
    deputy = waiting(api, "staff5")
    assert [i["ref"] for i in deputy] == [approval["id"]]
    assert deputy[0]["on_behalf_of"]["username"] == "staff1"
    assert [a["action"] for a in deputy[0]["card"]["actions"]] == ["approve", "return", "reject"]
    agree("staff1", "staff5", "staff2")

    assert press(api("staff5"), deputy[0]["message"], "approve").status_code == 200
    assert waiting(api, "staff1") == [] and waiting(api, "staff5") == []
    assert len(waiting(api, "staff2")) == 1 and len(waiting(api, "staff3")) == 1
    api("staff2").post(f"/approvals/{approval['id']}/decide", {"action": "approve"})
    assert waiting(api, "staff2") == []
    assert len(waiting(api, "staff3")) == 1  # the countersign still needs staff3
    agree("staff1", "staff5", "staff2", "staff3")


def test_a_revoked_deputy_loses_the_item(demo: Any, api: Any) -> None:
    api("clerk").post("/approvals", {"title": "用车申请", "steps": [["staff1"]]})
    end = (timezone.now() + timedelta(days=2)).isoformat()
    delegation = api("staff1").post("/approvals/delegations",
                                    {"deputy": "staff5", "end": end}).json()
    assert len(waiting(api, "staff5")) == 1
    api("staff1").delete(f"/approvals/delegations/{delegation['id']}")
    assert waiting(api, "staff5") == [] and len(waiting(api, "staff1")) == 1


@pytest.mark.django_db(transaction=True)
async def test_a_decision_is_heard_by_the_deputy_and_the_next_approver(
        demo: Any, api: Any, connect: Any) -> None:
    def setup() -> None:
        api("clerk").post("/approvals", {"title": "用车申请", "steps": [["staff1"], ["staff2"]]})
        api("staff1").post("/approvals/delegations", {
            "deputy": "staff5", "end": (timezone.now() + timedelta(days=2)).isoformat()})

    await database_sync_to_async(setup)()
    tokens = {n: await database_sync_to_async(lambda n=n: api(n).token)()
              for n in ("staff5", "staff2", "staff6")}
    deputy = await connect(token=tokens["staff5"])
    nxt = await connect(token=tokens["staff2"])
    other = await connect(token=tokens["staff6"])
    item = (await database_sync_to_async(waiting)(api, "staff1"))[0]
    await database_sync_to_async(lambda: press(api("staff1"), item["message"], "approve"))()
    assert (await deputy.recv_type("todo"))["counts"]["approval"] == 0
    assert (await nxt.recv_type("todo"))["counts"]["approval"] == 1
    await other.nothing(timeout=0.3, ignore=("presence", "message", "message_updated",
                                              "receipt", "room_joined"))
