"""GET /stats/meetings, /stats/approvals and /stats/bulletins (and their CSVs) against known
answers, decisions and submissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.bots.approvals.conftest import card_message
from tests.bots.conftest import press
from tests.bots.meetings.conftest import entry, meeting_body

pytestmark = pytest.mark.django_db


def csv_rows(response: Any) -> list[list[str]]:
    """The CSV's rows (UTF-8 with a BOM, CRLF lines)."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    return [line.split(",") for line in raw[1:].split("\r\n")[:-1]]


def by_code(rows: list[list[str]]) -> dict[str, list[str]]:
    return {r[0] or r[1]: r for r in rows[1:] if r and r != [""]}


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
    table = csv_rows(api("clerk").get("/stats/meetings.csv", **{"from": day, "to": day}))
    assert table[0] == ["单位代码", "单位", "会议通知", "已答复", "按时答复", "参会", "请假", "未答复",
                        "按时答复率"]
    lines = by_code(table)
    assert lines["town1"] == ["town1", "城关镇人民政府", "1", "1", "1", "1", "0", "0", "100.0%"]
    assert lines["town2"] == ["town2", "河西镇人民政府", "1", "1", "1", "0", "1", "0", "100.0%"]
    assert lines["town3"] == ["town3", "东山乡人民政府", "1", "0", "0", "0", "0", "1", "0.0%"]
    assert lines["wsj"][2:] == ["0", "0", "0", "0", "0", "0", ""]
    assert lines["合计"] == ["", "合计", "3", "2", "2", "1", "1", "1", "66.7%"]
    # A unit's leader asks for another unit's figures: refused, nothing named.
    assert api("staff4").get("/stats/meetings.csv", unit="town2").status_code == 403


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
    assert data["totals"] == {"decided": 2, "waiting": 0, "median_minutes": 60}
    table = csv_rows(api("clerk").get("/stats/approvals.csv", **{"from": today, "to": today}))
    assert table[0] == ["用户名", "姓名", "单位", "已审批", "待审批", "审批用时中位数（分钟）"]
    lines = {r[0] or r[1]: r for r in table[1:] if len(r) == 6}
    assert lines["staff1"][3:] == ["1", "0", "30"] and lines["leader"][3:] == ["1", "0", "90"]
    assert lines["合计"] == ["", "合计", "", "2", "0", "60"]
    steps = table[table.index(["审批步骤", "已审批", "审批用时中位数（分钟）"]) + 1:]
    assert steps == [["第1步", "1", "30"], ["第2步", "1", "90"]]
    # While the next one waits on staff1, it counts as waiting.
    api("staff2").post("/approvals", {"title": "关于购置办公桌椅的请示", "body": "预算 5 千元。",
                                      "steps": [["staff1"]]})
    waiting = api("clerk").get("/stats/approvals", **{"from": today, "to": today}).json()
    staff1 = next(a for a in waiting["approvers"] if a["user"]["username"] == "staff1")
    assert (staff1["decided"], staff1["waiting"]) == (1, 1)
    assert waiting["totals"]["waiting"] == 1


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
    table = csv_rows(api("clerk").get("/stats/bulletins.csv", **{"from": today, "to": today}))
    assert table[0] == ["单位代码", "单位", "投稿", "采用", "未采用", "待处理", "采用率"]
    lines = by_code(table)
    assert lines["town1"] == ["town1", "城关镇人民政府", "3", "1", "1", "1", "50.0%"]
    assert lines["town2"] == ["town2", "河西镇人民政府", "1", "0", "0", "1", ""]
    assert lines["合计"] == ["", "合计", "4", "1", "1", "2", "50.0%"]
