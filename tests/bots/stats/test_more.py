"""GET /stats/meetings and GET /stats/approvals against known answers and decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.bots.approvals.conftest import card_message
from tests.bots.conftest import press
from tests.bots.meetings.conftest import entry, meeting_body

pytestmark = pytest.mark.django_db


def test_meeting_answers_by_unit(api: Any, clock: Any) -> None:
    start = clock.now() + timedelta(days=3)
    notice = api("clerk").post("/meetings", meeting_body(start, invitees=["town1", "town2", "town3"]))
    assert notice.status_code == 201, notice.content
    notice = notice.json()
    assert press(api("staff4"), entry(notice, "town1")["message"], "attend").status_code == 200
    assert press(api("staff5"), entry(notice, "town2")["message"], "decline",
                 comment="同日召开镇党委会").status_code == 200
    day = timezone.localtime(start).date().isoformat()
    data = api("clerk").get("/stats/meetings", **{"from": day, "to": day}).json()
    rows = {r["unit"]["code"]: r for r in data["units"]}
    assert {k: rows["town1"][k] for k in ("invited", "answered", "on_time", "attending",
                                          "declined", "unanswered")} == {
        "invited": 1, "answered": 1, "on_time": 1, "attending": 1, "declined": 0, "unanswered": 0}
    assert (rows["town2"]["declined"], rows["town3"]["unanswered"]) == (1, 1)
    assert data["totals"]["invited"] == 3 and data["totals"]["on_time_rate"] == round(2 / 3, 4)
    assert rows["wsj"]["invited"] == 0 and rows["wsj"]["on_time_rate"] is None


def test_approval_turnaround_by_approver_and_step(api: Any, clock: Any) -> None:
    made = api("staff2").post("/approvals", {"title": "关于采购防疫物资的请示", "body": "预算 2 万元。",
                                             "steps": [["staff1"], ["leader"]]}).json()
    clock.advance(minutes=30)
    assert press(api("staff1"), card_message(made["id"], "staff1"), "approve").status_code == 200
    clock.advance(minutes=90)
    assert press(api("leader"), card_message(made["id"], "leader"), "approve").status_code == 200
    today = timezone.localtime(clock.now()).date().isoformat()
    data = api("clerk").get("/stats/approvals", **{"from": today, "to": today}).json()
    people = {a["user"]["username"]: a for a in data["approvers"]}
    assert (people["staff1"]["decided"], people["staff1"]["median_minutes"]) == (1, 30)
    assert (people["leader"]["decided"], people["leader"]["median_minutes"]) == (1, 90)
    assert data["steps"] == [{"step": 1, "decided": 1, "median_minutes": 30},
                             {"step": 2, "decided": 1, "median_minutes": 90}]


def test_bulletin_submissions_and_adoptions_by_unit(api: Any, clock: Any) -> None:
    from tests.bots.bulletins.conftest import item_body

    first = api("staff4").post("/bulletins/zwxx/items", item_body("城关镇信息一")).json()
    second = api("staff4").post("/bulletins/zwxx/items", item_body("城关镇信息二")).json()
    api("staff4").post("/bulletins/zwxx/items", item_body("城关镇信息三"))
    api("staff5").post("/bulletins/zwxx/items", item_body("河西镇信息"))
    assert api("clerk").post(f"/bulletins/items/{first['id']}/decide",
                             {"action": "adopt"}).status_code == 200
    assert api("clerk").post(f"/bulletins/items/{second['id']}/decide",
                             {"action": "decline", "comment": "内容重复"}).status_code == 200
    today = timezone.localtime(clock.now()).date().isoformat()
    data = api("clerk").get("/stats/bulletins", **{"from": today, "to": today}).json()
    rows = {r["unit"]["code"]: r for r in data["units"]}
    assert {k: rows["town1"][k] for k in ("submitted", "adopted", "declined", "waiting",
                                          "adoption_rate")} == {
        "submitted": 3, "adopted": 1, "declined": 1, "waiting": 1, "adoption_rate": 0.5}
    assert rows["town2"]["waiting"] == 1 and rows["town2"]["adoption_rate"] is None
    assert data["totals"]["submitted"] == 4
