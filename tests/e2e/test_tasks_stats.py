"""督查督办 and 统计 in the web client. A leader's 批示 on a report the government office
received becomes a task from the ledger's form (opened from the document), the lead unit
accepts and reports, a co-unit reports, the lead unit asks for more time and the leader
approves it, the lead unit completes it and the office's clerk closes it (销号); the statistics
page shows charts and a table whose every row matches GET /stats/documents. Screenshots of
the task's page, the ledger and the statistics page at desktop (1280x800) and phone (390x844)
width go into test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT

pytestmark = [
    pytest.mark.browser,
    # The pages are registered by importing them from the shell's page index; until the
    # shell is on this branch there is nothing to drive.
    pytest.mark.skipif(
        not (ROOT / "static/js/pages/index.js").exists()
        or "./tasks.js" not in (ROOT / "static/js/pages/index.js").read_text(encoding="utf-8"),
        reason="the 督办 and statistics pages are not wired into the shell's page index yet"),
]

LOCAL = ZoneInfo("Asia/Shanghai")
PHONE = {"width": 390, "height": 844}


def day(days: int) -> str:
    return (datetime.now(LOCAL) + timedelta(days=days)).strftime("%Y-%m-%d")


def rollup(server: Any) -> None:
    """What the worker's `stats.rollup` turn does (the test server runs no worker)."""
    out = subprocess.run([sys.executable, "manage.py", "stats_rollup", "--all"],  # noqa: S603
                         cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def open_task(user: Any, server: Any, task_id: int) -> Any:
    page = user.page
    page.goto(f"{server.url}/#/tasks/{task_id}")
    expect(page.locator(".tk-detail")).to_be_visible()
    return page


def dialog_submit(page: Any, fields: dict[str, str], button: str) -> None:
    dialog = page.get_by_role("dialog")
    for label, value in fields.items():
        dialog.get_by_label(label, exact=True).fill(value)
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_be_hidden()


def test_a_leaders_instruction_becomes_a_task_that_units_report_on_and_the_office_closes(
        server: Any, open_user: Any, artifacts: Path) -> None:
    year = datetime.now(LOCAL).year
    title = "关于城关镇老旧小区改造进展的报告"
    document = server.api("staff4", "POST", "/documents", {
        "doc_type": "报告", "number": f"城关〔{year}〕7号", "title": title,
        "body": "区政府办公室：\n\n我镇老旧小区改造已完成摸底，现将进展报告如下。", "recipients": ["zfb"]})
    copy = next(r for r in document["recipients"] if r["unit"]["code"] == "zfb")
    server.api("clerk", "POST", f"/messages/{copy['message']}/actions", {"action": "sign"})

    # The leader sets the task from the document: the form comes filled with it.
    leader = open_user("leader")
    page = leader.page
    page.goto(f"{server.url}/#/tasks?document={document['id']}")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("督办事项", exact=True)).to_have_value(f"落实《{title}》的批示")
    dialog.get_by_label("主办单位", exact=True).select_option("town1")
    dialog.get_by_label("区卫生健康局").check()
    dialog.get_by_label("办结期限", exact=True).fill(day(20))
    dialog.get_by_label("汇报周期", exact=True).select_option("weekly")
    dialog.get_by_label("批示或要求", exact=True).fill("请城关镇牵头，卫生局配合，年底前完成改造并每周报告进展。")
    # A milestone (阶段节点) five working days on.
    dialog.get_by_role("button", name="添加阶段节点").click()
    dialog.get_by_label("阶段节点 1", exact=True).fill("完成摸底和设计")
    dialog.locator("#tk-ms-1-mode").select_option("days")
    dialog.get_by_label("阶段节点 1 的工作日数", exact=True).fill("5")
    page.screenshot(path=str(artifacts / "task-new-desktop.png"))
    dialog.get_by_role("button", name="交办", exact=True).click()
    expect(page.get_by_role("heading", name=f"落实《{title}》的批示")).to_be_visible()
    task_id = int(page.url.rsplit("/", 1)[1])
    task = server.api("leader", "GET", f"/tasks/{task_id}")
    assert task["source"]["id"] == document["id"] and task["instructed_by"]["username"] == "leader"
    expect(page.locator(".tk-instruction")).to_contain_text("请城关镇牵头")
    assert [m["title"] for m in task["milestones"]] == ["完成摸底和设计"]
    expect(page.locator("#tk-milestones .tk-milestone")).to_contain_text("完成摸底和设计")

    # The lead unit's clerk accepts and reports.
    town1 = open_user("staff4")
    p1 = open_task(town1, server, task_id)
    p1.get_by_role("button", name="接收").click()
    expect(p1.get_by_role("button", name="汇报进展")).to_be_visible()
    p1.get_by_role("button", name="汇报进展").click()
    p1.get_by_role("dialog").get_by_label("完成的阶段节点").select_option(
        str(task["milestones"][0]["id"]))
    dialog_submit(p1, {"进展": "已完成12个小区的摸底和设计。"}, "提交")
    expect(p1.locator(".tk-report")).to_have_count(1)
    expect(p1.locator(".tk-ms-reached")).to_contain_text("已完成")

    # The co-unit's clerk reports too.
    wsj = open_user("staff2")
    p2 = open_task(wsj, server, task_id)
    expect(p2.get_by_role("button", name="接收")).to_have_count(0)
    p2.get_by_role("button", name="汇报进展").click()
    dialog_submit(p2, {"进展": "卫生设施配套方案已报区政府。"}, "提交")
    expect(p2.locator(".tk-report")).to_have_count(2)

    # The lead unit asks for more time; the leader who set it approves.
    p1.reload()
    p1.get_by_role("button", name="申请延期").click()
    dialog_submit(p1, {"申请延至": day(40), "理由": "资金下达推迟，需延期20天。"}, "提交")
    expect(p1.locator(".tk-pending")).to_be_visible()
    page.reload()
    expect(page.locator(".tk-pending")).to_contain_text("资金下达推迟")
    page.screenshot(path=str(artifacts / "task-extension-desktop.png"), full_page=True)
    page.get_by_role("button", name="同意延期", exact=True).click()
    expect(page.locator(".tk-pending")).to_have_count(0)
    assert server.api("leader", "GET", f"/tasks/{task_id}")["deadline"].startswith(
        (datetime.now(LOCAL) + timedelta(days=40)).strftime("%Y-%m"))

    # The lead unit completes; the office's clerk closes it, and it is signed.
    p1.reload()
    p1.get_by_role("button", name="办结").click()
    dialog_submit(p1, {"办结情况": "12个小区改造全部完工并通过验收。"}, "办结")
    expect(p1.locator(".tk-badges")).to_contain_text("已办结")
    office = open_user("clerk")
    p3 = open_task(office, server, task_id)
    # The task's page reads the task again after 销号; that answer is held back until the
    # clerk has gone on to the ledger, where it must not draw the task over the ledger.
    held: list[Any] = []
    p3.route(f"{server.url}/api/v1/tasks/{task_id}", lambda route: held.append(route))
    p3.get_by_role("button", name="销号").click()
    p3.get_by_role("dialog").get_by_role("button", name="销号").click()
    for _ in range(100):
        if held:
            break
        p3.wait_for_timeout(50)
    assert held, "the page did not read the task again after closing it"
    assert server.api("clerk", "GET", f"/tasks/{task_id}")["closing_signed"] is True

    # The ledger shows it among the closed; from the sidebar.
    p3.get_by_role("link", name="督查督办", exact=True).click()
    expect(p3.get_by_role("heading", name="督办台账")).to_be_visible()
    with p3.expect_response(f"{server.url}/api/v1/tasks/{task_id}"):
        for route in held:
            route.continue_()
    p3.unroute(f"{server.url}/api/v1/tasks/{task_id}")
    p3.wait_for_timeout(300)  # the answer's handler has run
    expect(p3.locator(".tk-detail")).to_have_count(0)
    p3.get_by_role("tab", name="已销号").click()
    expect(p3.locator(f'.tk-row[data-id="{task_id}"]')).to_be_visible()
    p3.screenshot(path=str(artifacts / "tasks-ledger-desktop.png"))
    phone = open_user("clerk", **PHONE)
    phone.page.goto(f"{server.url}/#/tasks?state=all")
    expect(phone.page.locator(f'.tk-row[data-id="{task_id}"]')).to_be_visible()
    phone.page.screenshot(path=str(artifacts / "tasks-ledger-phone.png"))
    open_task(phone, server, task_id).screenshot(path=str(artifacts / "task-page-phone.png"),
                                                 full_page=True)
    open_task(office, server, task_id)
    expect(p3.locator(".tk-closed")).to_be_visible()
    expect(p3.locator(".tk-badges")).to_contain_text("已销号")
    p3.screenshot(path=str(artifacts / "task-page-desktop.png"), full_page=True)
    for user in (leader, town1, wsj, office, phone):
        assert user.errors == [], (user.username, user.errors)


def test_the_statistics_page_shows_the_rows_of_the_api(server: Any, open_user: Any,
                                                       artifacts: Path) -> None:
    year = datetime.now(LOCAL).year
    for seq, recipients in ((31, ["town1", "town2", "town3"]), (32, ["town1", "wsj"])):
        sent = server.api("clerk", "POST", "/documents", {
            "doc_type": "通知", "number": f"区府办〔{year}〕{seq}号", "title": f"关于统计测试的通知{seq}",
            "body": "各单位：请按时签收。", "recipients": recipients})
        for r in sent["recipients"]:
            if r["unit"]["code"] in ("town1", "wsj"):
                clerk = {"town1": "staff4", "wsj": "staff2"}[r["unit"]["code"]]
                server.api(clerk, "POST", f"/messages/{r['message']}/actions", {"action": "sign"})
    # Bulletin items from two units, one adopted: the bulletins' block shows them.
    for who, title in (("staff4", "城关镇信息一"), ("staff4", "城关镇信息二"), ("staff2", "卫生信息")):
        item = server.api(who, "POST", "/bulletins/zwxx/items", {"title": title, "body": "正文。"})
        if title == "城关镇信息一":
            server.api("clerk", "POST", f"/bulletins/items/{item['id']}/decide", {"action": "adopt"})
    rollup(server)
    figures = server.api("clerk", "GET", "/stats/documents")
    user = open_user("clerk")
    page = user.page
    page.get_by_role("link", name="统计", exact=True).click()
    expect(page.get_by_role("heading", name="统计", exact=True)).to_be_visible()
    table = page.locator("#st-table")
    expect(table.locator("tbody tr")).to_have_count(len(figures["units"]))
    for row in figures["units"]:
        cells = table.locator(f'tr[data-unit="{row["unit"]["code"]}"] td')
        rate = "—" if row["on_time_rate"] is None else f"{row['on_time_rate'] * 100:.1f}%"
        median = "—" if row["median_sign_minutes"] is None else str(row["median_sign_minutes"])
        expect(cells).to_have_text([row["unit"]["name"], str(row["received"]), str(row["signed"]),
                                    str(row["signed_on_time"]), str(row["signed_late"]),
                                    str(row["unsigned"]), rate, median, str(row["handled"]),
                                    str(row["overdue"])])
    assert figures["totals"]["received"] >= 5
    expect(table.locator("tfoot th").nth(1)).to_have_text(str(figures["totals"]["received"]))
    # Both charts are drawn (Chart.js on the canvases), with the units that received any.
    expect(page.locator("#st-bars")).to_be_visible()
    expect(page.locator("#st-lines")).to_be_visible()
    assert page.evaluate("() => !!window.Chart && !!window.Chart.getChart('st-bars')")
    labels = page.evaluate("() => window.Chart.getChart('st-bars').data.labels")
    assert labels == [r["unit"]["name"] for r in figures["units"] if r["received"]]
    rates = page.evaluate("() => window.Chart.getChart('st-bars').data.datasets[0].data")
    assert rates == [round((r["on_time_rate"] or 0) * 1000) / 10 for r in figures["units"]
                     if r["received"]]
    # Every other block: its table has the API's rows, its chart the units with any.
    bulletins = server.api("clerk", "GET", "/stats/bulletins")
    submitted = [r for r in bulletins["units"] if r["submitted"]]
    assert {r["unit"]["code"] for r in submitted} >= {"town1", "wsj"}
    for row in submitted:
        rate = "—" if row["adoption_rate"] is None else f"{row['adoption_rate'] * 100:.1f}%"
        expect(page.locator(f'#st-bulletins tr[data-unit="{row["unit"]["code"]}"] td')).to_have_text(
            [row["unit"]["name"], str(row["submitted"]), str(row["adopted"]), str(row["declined"]),
             str(row["waiting"]), rate])
    assert page.evaluate("() => window.Chart.getChart('st-bulletin-bars').data.datasets[0].data") \
        == [r["submitted"] for r in submitted]
    for block in ("tasks", "meetings", "approvals", "bulletins", "use"):
        assert f"/api/v1/stats/{block}.csv?" in page.locator(f"#st-{block}-csv").get_attribute("href")
    assert page.evaluate("() => !!window.Chart.getChart('st-use-bars')")
    page.screenshot(path=str(artifacts / "stats-desktop.png"), full_page=True)
    page.locator("#st-bulletins-block").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "stats-bulletins-desktop.png"))
    # The CSV link carries the period; a unit narrows the table.
    assert "/api/v1/stats/documents.csv?" in page.locator("#st-csv").get_attribute("href")
    page.locator("#st-unit").select_option("town1")
    expect(table.locator("tbody tr")).to_have_count(1)
    phone = open_user("clerk", **PHONE)
    phone.page.goto(f"{server.url}/#/stats")
    expect(phone.page.locator("#st-table tbody tr")).to_have_count(len(figures["units"]))
    phone.page.screenshot(path=str(artifacts / "stats-phone.png"), full_page=True)
    # A clerk who is no leader is told plainly, with nothing shown.
    town = open_user("staff4")
    town.page.goto(f"{server.url}/#/stats")
    expect(town.page.locator(".st-body [role=alert]")).to_contain_text("统计仅对单位领导和督办单位开放")
    for u in (user, phone, town):
        assert u.errors == [], (u.username, u.errors)
