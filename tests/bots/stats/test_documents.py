"""GET /stats/documents and its CSV against known data: three documents' copies signed on
time, late and not at all, one handled, two past their deadline; every figure checked, from
the rollups the worker keeps (followed from the audit log, and rebuilt whole), and the scope:
the district office sees every unit, a unit's leader their own, others nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from bots.stats import rollup
from bots.stats.models import DocumentDay
from tests.bots.conftest import document_body, number, press, recipient

pytestmark = pytest.mark.django_db

ZERO = {"received": 0, "signed": 0, "signed_on_time": 0, "signed_late": 0, "unsigned": 0,
        "on_time_rate": None, "median_sign_minutes": None, "handled": 0, "overdue": 0}
EXPECTED = {
    "town1": {"received": 2, "signed": 2, "signed_on_time": 1, "signed_late": 1, "unsigned": 0,
              "on_time_rate": 0.5, "median_sign_minutes": 60, "handled": 1, "overdue": 0},
    "town2": {"received": 2, "signed": 2, "signed_on_time": 1, "signed_late": 1, "unsigned": 0,
              "on_time_rate": 0.5, "median_sign_minutes": 155, "handled": 0, "overdue": 1},
    "town3": {"received": 1, "signed": 0, "signed_on_time": 0, "signed_late": 0, "unsigned": 1,
              "on_time_rate": 0.0, "median_sign_minutes": None, "handled": 0, "overdue": 1},
}
TOTALS = {"received": 5, "signed": 4, "signed_on_time": 2, "signed_late": 2, "unsigned": 1,
          "on_time_rate": 0.4, "median_sign_minutes": 60, "handled": 1, "overdue": 2}


@pytest.fixture
def known(api: Any, clock: Any) -> dict[str, Any]:
    """Document A (normal: 签收 within 240 minutes, a deadline two days on) to the three
    townships; document B (urgent: within 60 minutes, no deadline) an hour later to two."""
    t0 = clock.now()
    a = api("clerk").post("/documents", document_body(
        deadline=(t0 + timedelta(days=2)).isoformat())).json()
    clock.advance(minutes=30)
    press(api("staff4"), recipient(a, "town1")["message"], "sign")  # 30 min: on time
    clock.advance(minutes=30)
    b = api("clerk").post("/documents", document_body(
        number=number(13), title="关于紧急排查燃气隐患的通知", urgency="urgent",
        recipients=["town1", "town2"])).json()
    clock.advance(minutes=10)
    press(api("staff5"), recipient(b, "town2")["message"], "sign")  # 10 min: on time
    clock.advance(minutes=80)
    press(api("staff4"), recipient(b, "town1")["message"], "sign")  # 90 min: late (60)
    clock.current = t0 + timedelta(minutes=300)
    press(api("staff5"), recipient(a, "town2")["message"], "sign")  # 300 min: late (240)
    clock.current = t0 + timedelta(days=1)
    response = press(api("staff4"), recipient(a, "town1")["message"], "complete",
                     comment="已部署落实")
    assert response.status_code == 200, response.content
    clock.current = t0 + timedelta(days=3)  # past A's deadline: town2 and town3 overdue
    day = timezone.localtime(t0).date()
    return {"a": a, "b": b, "from": day.isoformat(),
            "to": (day + timedelta(days=3)).isoformat()}


def figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ZERO}


def check(data: dict[str, Any]) -> None:
    rows = {r["unit"]["code"]: figures(r) for r in data["units"]}
    assert set(rows) == {"qwb", "zfb", "wsj", "wtj", "town1", "town2", "town3"}
    for code, row in rows.items():
        assert row == EXPECTED.get(code, ZERO), code
    assert figures(data["totals"]) == TOTALS


def test_every_figure_from_the_rollups_the_audit_log_keeps(api: Any, known: dict[str, Any]) -> None:
    rollup.follow_audit()
    data = api("clerk").get("/stats/documents", **{"from": known["from"], "to": known["to"]})
    assert data.status_code == 200, data.content
    check(data.json())
    # The weekly trend adds up to the totals; the overdue list names the two open copies.
    weeks = data.json()["weeks"]
    assert sum(w["received"] for w in weeks) == 5
    assert sum(w["signed_on_time"] for w in weeks) == 2
    assert sorted(o["unit"]["code"] for o in data.json()["overdue_list"]) == ["town2", "town3"]
    # A rebuild from scratch gives the same rows.
    before = sorted(DocumentDay.objects.values_list("unit_id", "day", "received", "signed",
                                                    "signed_on_time", "handled", "sign_minutes"))
    DocumentDay.objects.all().delete()
    rollup.rebuild_all()
    after = sorted(DocumentDay.objects.values_list("unit_id", "day", "received", "signed",
                                                   "signed_on_time", "handled", "sign_minutes"))
    assert after == before
    check(api("leader").get("/stats/documents", **{"from": known["from"],
                                                   "to": known["to"]}).json())


def test_the_csv_has_the_same_figures(api: Any, known: dict[str, Any]) -> None:
    rollup.rebuild_all()
    response = api("clerk").get("/stats/documents.csv", **{"from": known["from"],
                                                           "to": known["to"]})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8")[1:].split("\r\n")
    assert lines[0] == "单位代码,单位,收文数,已签收,按时签收,超时签收,未签收,按时签收率,签收用时中位数（分钟）,已办结,逾期"
    rows = {line.split(",")[0] or "合计": line.split(",") for line in lines[1:] if line}
    assert rows["town1"] == ["town1", "城关镇人民政府", "2", "2", "1", "1", "0", "50.0%", "60", "1", "0"]
    assert rows["town2"] == ["town2", "河西镇人民政府", "2", "2", "1", "1", "0", "50.0%", "155", "0", "1"]
    assert rows["town3"] == ["town3", "东山乡人民政府", "1", "0", "0", "0", "1", "0.0%", "", "0", "1"]
    assert rows["wsj"] == ["wsj", "区卫生健康局", "0", "0", "0", "0", "0", "", "", "0", "0"]
    assert rows["合计"] == ["", "合计", "5", "4", "2", "2", "1", "40.0%", "60", "1", "2"]
    assert len(rows) == 8


def test_a_unit_leader_sees_their_own_unit_only(api: Any, known: dict[str, Any],
                                                person: Any) -> None:
    person("t1_head", "town1", "leader")
    rollup.rebuild_all()
    period = {"from": known["from"], "to": known["to"]}
    mine = api("t1_head").get("/stats/documents", **period).json()
    assert [r["unit"]["code"] for r in mine["units"]] == ["town1"]
    assert figures(mine["totals"]) == EXPECTED["town1"]
    assert mine["overdue_list"] == []
    other = api("t1_head").get("/stats/documents", unit="town2", **period)
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert "河西" not in other.content.decode()
    assert api("t1_head").get("/stats/documents.csv", unit="town2", **period).status_code == 403
    # A clerk who is no leader sees no figures at all.
    assert api("staff4").get("/stats/documents", **period).status_code == 403
    # The district office narrows to one unit, or one kind of unit.
    one = api("clerk").get("/stats/documents", unit="town2", **period).json()
    assert [r["unit"]["code"] for r in one["units"]] == ["town2"]
    towns = api("clerk").get("/stats/documents", kind="township", **period).json()
    assert [r["unit"]["code"] for r in towns["units"]] == ["town1", "town2", "town3"]


def test_a_period_with_no_data_and_bad_periods(api: Any, known: dict[str, Any]) -> None:
    rollup.rebuild_all()
    empty = api("clerk").get("/stats/documents", **{"from": "2001-01-01", "to": "2001-01-31"})
    assert empty.status_code == 200
    assert figures(empty.json()["totals"]) == ZERO and empty.json()["weeks"] == []
    assert api("clerk").get("/stats/documents", **{"from": "2001-02-01",
                                                   "to": "2001-01-01"}).status_code == 400
    assert api("clerk").get("/stats/documents", **{"from": "yesterday"}).status_code == 400
    assert api("clerk").get("/stats/documents", **{"from": "1990-01-01",
                                                   "to": "2001-01-01"}).status_code == 400


def test_task_figures(api: Any, clock: Any) -> None:
    task = api("clerk").post("/tasks", {"title": "甲", "lead_unit": "town1", "co_units": ["wsj"],
                                        "deadline_days": 3}).json()
    api("clerk").post("/tasks", {"title": "乙", "lead_unit": "town1", "deadline_days": 3})
    api("staff4").post(f"/tasks/{task['id']}/complete", {"result": "完成"})
    clock.advance(days=10)
    today = timezone.localtime(clock.now()).date()
    data = api("clerk").get("/stats/tasks", **{"from": (today - timedelta(days=30)).isoformat(),
                                               "to": today.isoformat()}).json()
    town1 = next(r for r in data["units"] if r["unit"]["code"] == "town1")
    assert {k: town1[k] for k in ("lead", "completed", "on_time", "overdue", "on_time_rate",
                                  "co")} == {"lead": 2, "completed": 1, "on_time": 1,
                                             "overdue": 1, "on_time_rate": 1.0, "co": 0}
    assert next(r for r in data["units"] if r["unit"]["code"] == "wsj")["co"] == 1
    assert {k: data["totals"][k] for k in ("lead", "completed", "on_time", "overdue", "co")} \
        == {"lead": 2, "completed": 1, "on_time": 1, "overdue": 1, "co": 1}
    from tests.bots.stats.test_more import by_code, csv_rows

    table = csv_rows(api("clerk").get("/stats/tasks.csv", **{
        "from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}))
    assert table[0] == ["单位代码", "单位", "主办督办事项", "已办结", "按期办结", "逾期", "按期办结率",
                        "协办督办事项"]
    lines = by_code(table)
    assert lines["town1"] == ["town1", "城关镇人民政府", "2", "1", "1", "1", "100.0%", "0"]
    assert lines["wsj"] == ["wsj", "区卫生健康局", "0", "0", "0", "0", "", "1"]
    assert lines["合计"] == ["", "合计", "2", "1", "1", "1", "100.0%", "1"]


def test_histogram_buckets_and_whole_months() -> None:
    from bots.stats.selectors import median

    assert [rollup.bucket(m) for m in (0, 119, 120, 124, 1439, 1440, 1510)] == [
        0, 119, 120, 120, 1435, 1440, 1500]
    assert median(Counter({10: 1, 300: 1})) == 155
    assert median(Counter({1: 2, 7: 1})) == 1
    assert median(Counter()) is None


def test_a_period_of_whole_months_reads_the_month_rows(api: Any, known: dict[str, Any]) -> None:
    from bots.stats.models import DocumentMonth

    rollup.rebuild_all()
    assert DocumentMonth.objects.exists()
    day = date.fromisoformat(known["from"])
    first = day.replace(day=1)
    last = (first + timedelta(days=70)).replace(day=1) - timedelta(days=1)
    data = api("clerk").get("/stats/documents", **{"from": first.isoformat(),
                                                   "to": last.isoformat()}).json()
    check(data)


def test_dates_out_of_range_are_bad_requests(api: Any) -> None:
    for period in ({"from": "9999-12-30", "to": "9999-12-31"}, {"from": "0001-01-01"}):
        assert api("clerk").get("/stats/documents", **period).status_code == 400
    assert api("clerk").get("/tasks", month="9999-12").status_code == 400
    assert api("clerk").get("/tasks", month="2026-13").status_code == 400


def test_use_counts_registered_and_active_people(api: Any, demo: Any, person: Any) -> None:
    person("t1_quiet", "town1", "staff")
    person("t1_head", "town1", "leader")
    api("staff4").send(demo["rooms"]["town1"].id, "收到，马上办理")
    sent = api("clerk").post("/documents", document_body()).json()
    press(api("staff5"), recipient(sent, "town2")["message"], "sign")  # an audited step
    rollup.turn()
    today = timezone.localdate().isoformat()
    data = api("clerk").get("/stats/use", **{"from": today, "to": today}).json()
    rows = {r["unit"]["code"]: r for r in data["units"]}
    assert (rows["town1"]["registered"], rows["town1"]["active"]) == (3, 1)
    assert (rows["town2"]["registered"], rows["town2"]["active"]) == (1, 1)
    assert rows["zfb"]["active"] == 1  # the clerk sent the document
    assert rows["town3"]["active_rate"] == 0.0
    assert data["totals"]["active"] == 3 and sum(w["active"] for w in data["weeks"]) == 3
    # Per unit and week: the week of today, one active person in town1, none in town3.
    [week] = data["weeks"]
    assert rows["town1"]["weeks"] == [{**week, "active": 1}]
    assert rows["town3"]["weeks"] == [{**week, "active": 0}]
    from tests.bots.stats.test_more import by_code, csv_rows

    lines = by_code(csv_rows(api("clerk").get("/stats/use.csv", **{"from": today, "to": today})))
    assert lines["town1"] == ["town1", "城关镇人民政府", "3", "1", "33.3%"]
    assert lines["town3"][2:] == ["1", "0", "0.0%"]
    assert lines["合计"][1:3] == ["合计", str(data["totals"]["registered"])]
    assert lines["合计"][3] == "3"
    mine = api("t1_head").get("/stats/use").json()
    assert [r["unit"]["code"] for r in mine["units"]] == ["town1"]
    assert api("t1_head").get("/stats/use", unit="zfb").status_code == 403
