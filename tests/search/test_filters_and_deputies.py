"""The 文种 filter (doc_type= and doctype:), and approvals found by an approver's deputy (代批)
while the delegation is active. (The deputy also finds the bot's messages in their own direct
room, which name the request: the deputy tests look at approvals only.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bots import jobs
from tests.bots.approvals.conftest import three_steps
from tests.bots.conftest import clock, document_body, number  # noqa: F401  (clock: a fixture)
from tests.search.test_robustness import error
from tests.search.test_search import search


# --- 文种 -------------------------------------------------------------------------------------------
def test_doc_type_narrows_results_totals_and_facets(api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    for seq, (doc_type, title) in enumerate([("通知", "关于河道清淤的通知"),
                                             ("通知", "关于河道巡查的通知"),
                                             ("通报", "关于河道整治情况的通报")], start=30):
        sent = clerk.post("/documents", document_body(doc_type=doc_type, number=number(seq),
                                                      title=title))
        assert sent.status_code == 201, sent.content
    clerk.send(demo["rooms"]["zfb"].id, "河道清淤的照片已上传")
    drain()
    everything = search(clerk, "河道")
    assert everything["total"] == 4
    assert everything["facets"]["doc_type"] == {"通知": 2, "通报": 1}
    notices = search(clerk, "河道", doc_type="通知", limit=1)
    assert notices["total"] == 2 and len(notices["results"]) == 1
    assert notices["facets"]["doc_type"] == {"通知": 2}
    assert notices["facets"]["type"] == {"document": 2}
    assert {r["doc_type"] for r in search(clerk, "河道", doc_type="通知")["results"]} == {"通知"}
    # The same in the query, and several at once.
    assert search(clerk, "河道 doctype:通报")["total"] == 1
    assert search(clerk, "河道 doctype：通知,通报")["total"] == 3
    # A township that received them sees the same counts; one that did not, none.
    assert search(api("staff4"), "河道", doc_type="通知")["total"] == 2
    assert search(api("staff1"), "河道", doc_type="通知")["total"] == 0


def test_an_unknown_doc_type_is_a_400_in_chinese(api: Any) -> None:
    for params in ({"q": "河道", "doc_type": "便条"}, {"q": "河道 doctype:便条"}):
        status, code, detail = error(api("clerk").get("/search", **params))
        assert (status, code) == (400, "bad_request")
        assert "未知的文种“便条”" in detail and "通知" in detail


# --- deputies ---------------------------------------------------------------------------------------
def test_a_deputy_finds_what_awaits_the_principal_while_the_delegation_is_active(
        api: Any, demo: Any, drain: Any, clock: Any) -> None:  # noqa: F811
    approval = api("clerk").post("/approvals", three_steps(
        title="关于维修防汛泵站的请示", steps=[["leader"], ["staff1"]])).json()
    drain()
    assert search(api("staff2"), "防汛泵站", type="approval")["total"] == 0
    delegation = api("leader").post("/approvals/delegations", {
        "deputy": "staff2", "start": (clock.now() + timedelta(days=1)).isoformat(),
        "end": (clock.now() + timedelta(days=3)).isoformat()})
    assert delegation.status_code == 201, delegation.content
    drain()
    assert search(api("staff2"), "防汛泵站", type="approval")["total"] == 0  # not yet begun

    clock.advance(days=1, minutes=1)
    jobs.run_due()
    drain()
    found = search(api("staff2"), "防汛泵站", type="approval")
    assert found["total"] == 1 and found["facets"]["type"] == {"approval": 1}
    assert found["results"][0]["id"] == approval["id"]
    assert found["results"][0]["message"] is not None  # the deputy's own card
    # Someone who is no deputy still does not find it.
    assert search(api("staff3"), "防汛泵站", type="approval")["total"] == 0

    # Revoked: gone again (the deputy never decided).
    assert api("leader").delete(
        f"/approvals/delegations/{delegation.json()['id']}").status_code == 200
    drain()
    assert search(api("staff2"), "防汛泵站", type="approval")["total"] == 0


def test_a_delegation_that_ended_or_an_approval_no_longer_awaiting_is_not_found(
        api: Any, demo: Any, drain: Any, clock: Any) -> None:  # noqa: F811
    first = api("clerk").post("/approvals", three_steps(
        title="关于更换会议室投影仪的请示", steps=[["leader"], ["staff1"]])).json()
    api("clerk").post("/approvals", three_steps(
        title="关于更换办公室投影仪的请示", steps=[["staff3"], ["leader"]]))
    assert api("leader").post("/approvals/delegations", {
        "deputy": "staff2", "end": (clock.now() + timedelta(days=2)).isoformat()}
    ).status_code == 201
    drain()
    # Only the request awaiting the leader now, not the one where the leader comes later.
    found = search(api("staff2"), "投影仪", type="approval")
    assert [r["id"] for r in found["results"]] == [first["id"]]
    # Once the leader has decided, it no longer awaits them: the deputy loses it.
    assert api("leader").post(f"/approvals/{first['id']}/decide",
                              {"action": "approve"}).status_code == 200
    drain()
    assert search(api("staff2"), "投影仪", type="approval")["total"] == 0
    # A delegation that has ended gives nothing.
    api("clerk").post("/approvals", three_steps(title="关于采购投影幕布的请示",
                                                steps=[["leader"]]))
    drain()
    assert search(api("staff2"), "投影幕布", type="approval")["total"] == 1
    clock.advance(days=2, minutes=1)
    assert search(api("staff2"), "投影幕布", type="approval")["total"] == 0
