"""Meetings (会议) and approvals (审批) in the web client: a request composed in the form is
approved by a leader from the card with a common phrase, and the requester's open page
follows without a reload; a meeting notice composed in the form (a bad time refused with the
server's words, the form kept) is answered by a unit's clerk with 参加 naming attendees and
the organiser's roster follows live; a decline without a reason is refused in the dialog.
Screenshots of the approval card, the approval's page and the meeting roster at desktop and
phone width go into test-artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOCAL = ZoneInfo("Asia/Shanghai")
PHONE = {"width": 390, "height": 844}


def at(days: int, hour: int, minute: int = 0) -> str:
    day = datetime.now(LOCAL) + timedelta(days=days)
    return day.replace(hour=hour, minute=minute).strftime("%Y-%m-%dT%H:%M")


def room_of(server: Any, username: str, message: int) -> int:
    return int(server.api(username, "GET", f"/messages/{message}")["room"])


def unit_room(server: Any, username: str, code: str) -> int:
    return next(r["id"] for r in server.api(username, "GET", "/rooms") if r["unit"] == code)


def pick_person(scope: Any, box: Any, query: str, name: str) -> None:
    box.fill(query)
    scope.get_by_role("option", name=name).first.click()


def test_a_leader_approves_from_the_card_and_the_requesters_page_follows(
        server: Any, open_user: Any, artifacts: Path) -> None:
    requester = open_user("staff1")
    page = requester.page
    page.get_by_role("link", name="审批").click()
    expect(page.get_by_role("heading", name="审批", exact=True)).to_be_visible()
    page.get_by_role("button", name="发起审批").click()
    dialog = page.get_by_role("dialog")
    title = "关于购置防汛应急物资的请示"
    dialog.get_by_label("标题").fill(title)
    dialog.get_by_label("内容").fill("为做好汛期应急准备，拟购置救生衣、沙袋等防汛物资一批，预算 3.6 万元，请审批。")
    # Nothing to approve with: refused in the form, which stays.
    dialog.get_by_role("button", name="提交").click()
    expect(dialog.locator("#apv-steps-error")).to_have_text("请至少指定一位审批人。")
    pick_person(dialog, dialog.get_by_role("combobox", name="第 1 步"), "李明", "李明")
    dialog.get_by_role("button", name="添加一步").click()
    step2 = dialog.get_by_role("combobox", name="第 2 步")
    pick_person(dialog, step2, "staff2", "李四")
    pick_person(dialog, step2, "staff3", "王五")
    dialog.locator(".wk-step-editor-row").nth(1).get_by_text("或签", exact=True).click()
    page.screenshot(path=str(artifacts / "approval-compose-desktop.png"))
    dialog.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="审批", exact=True)).to_be_visible()
    page.wait_for_url("**/#/approvals/*")
    approval_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".wk-hero")).to_contain_text("审批中（第1步，共2步）")

    # The leader decides on the card in his direct room with 审批助手.
    approval = server.api("leader", "GET", f"/approvals/{approval_id}")
    room = room_of(server, "leader", approval["message"])
    leader = open_user("leader", room=room)
    card = leader.page.locator(".card", has_text=title).last
    expect(card.get_by_role("button", name="同意", exact=True)).to_be_visible()
    expect(card.locator(".wk-track-step")).to_have_count(2)
    leader.page.wait_for_timeout(300)
    card.screenshot(path=str(artifacts / "approval-card-desktop.png"))
    opinion = leader.page.get_by_role("dialog")
    phrases = opinion.get_by_role("group", name="常用语")
    # Once in a CI run the press opened nothing (the card's node replaced as it was pressed?
    # not reproduced since): press again if no dialog came, at most twice more.
    for _ in range(3):
        card.get_by_role("button", name="同意", exact=True).click()
        try:
            phrases.wait_for(state="visible", timeout=4000)
            break
        except PlaywrightTimeout:
            continue
    expect(phrases).to_be_visible()
    opinion.get_by_role("button", name="同意，请按程序办理。").click()
    expect(opinion.get_by_label("审批意见（选填）")).to_have_value("同意，请按程序办理。")
    leader.page.screenshot(path=str(artifacts / "approval-opinion-desktop.png"))
    opinion.locator(".dialog-foot").get_by_role("button", name="同意", exact=True).click()
    expect(card.get_by_role("button", name="同意", exact=True)).to_have_count(0)
    expect(card).to_contain_text("李明：同意“同意，请按程序办理。”")

    # The requester's open page follows, without a reload.
    steps = page.locator(".wk-steps").first
    expect(steps.locator('[data-user="leader"] .wk-opinion')).to_have_text("同意，请按程序办理。")
    expect(steps.locator('[data-user="leader"]')).to_contain_text("已签名")
    expect(page.locator(".wk-hero")).to_contain_text("审批中（第2步，共2步）")
    page.get_by_role("button", name="验证签名").click()
    expect(page.locator(".doc-verify-result")).to_contain_text("全部签名有效")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "approval-page-desktop.png"), full_page=True)

    phone = open_user("staff1", **PHONE)
    phone.page.goto(f"{server.url}/#/approvals/{approval_id}")
    expect(phone.page.locator(".wk-opinion")).to_have_text("同意，请按程序办理。")
    phone.page.wait_for_timeout(300)
    phone.page.screenshot(path=str(artifacts / "approval-page-phone.png"))
    # The second step's approver sees the card as a phone does.
    staff2 = server.api("staff2", "GET", f"/approvals/{approval_id}")
    phone2 = open_user("staff2", room=room_of(server, "staff2", staff2["message"]), **PHONE)
    card2 = phone2.page.locator(".card", has_text=title).last
    expect(card2.get_by_role("button", name="不同意")).to_be_visible()
    phone2.page.wait_for_timeout(300)
    phone2.page.screenshot(path=str(artifacts / "approval-card-phone.png"))
    assert not requester.errors and not leader.errors and not phone.errors and not phone2.errors


def test_a_unit_clerk_answers_a_meeting_card_and_the_organisers_roster_follows(
        server: Any, open_user: Any, artifacts: Path) -> None:
    organiser = open_user("staff2")
    page = organiser.page
    page.get_by_role("link", name="会议").click()
    expect(page.get_by_role("heading", name="会议", exact=True)).to_be_visible()
    page.get_by_role("button", name="会议通知").click()
    dialog = page.get_by_role("dialog")
    title = "全区防汛工作部署会"
    dialog.get_by_label("标题").fill(title)
    dialog.get_by_label("开始时间").fill(at(3, 9, 30))
    dialog.get_by_label("结束时间").fill(at(3, 8, 0))
    dialog.get_by_label("地点").fill("区政府三楼第一会议室")
    box = dialog.get_by_role("group", name="参会范围")
    box.get_by_role("button", name="选择单位").click()
    box.get_by_role("checkbox", name="区委办公室").check()
    box.get_by_role("button", name="完成").click()
    pick_person(dialog, dialog.get_by_role("combobox", name="人员"), "staff3", "王五")
    dialog.get_by_label("议程").fill("一、通报今年汛情形势\n二、部署防汛重点工作\n三、区领导讲话")
    dialog.get_by_role("button", name="发布通知").click()
    # The server's words, in the form, which keeps what was typed.
    expect(page.locator("#mtg-form-error")).to_contain_text("结束")
    expect(dialog.get_by_label("标题")).to_have_value(title)
    page.screenshot(path=str(artifacts / "meeting-compose-desktop.png"))
    dialog.get_by_label("结束时间").fill(at(3, 11, 30))
    dialog.get_by_role("button", name="发布通知").click()
    page.wait_for_url("**/#/meetings/*")
    meeting_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name="参会名单", exact=True)).to_be_visible()
    pending = page.locator('.wk-roster-group[data-group="pending"]')
    expect(pending).to_contain_text("区委办公室")

    # 王五 is on leave, with a reason (through the API).
    meeting = server.api("staff3", "GET", f"/meetings/{meeting_id}")
    mine = meeting["invitees"][0]
    server.api("staff3", "POST", f"/meetings/{meeting_id}/rsvp",
               {"action": "decline", "comment": "当天参加市里培训"})
    expect(page.locator('.wk-roster-group[data-group="declined"]')).to_contain_text("当天参加市里培训")
    assert mine["kind"] == "person"

    # The clerk of 区委办 answers on the unit's card.
    clerk = open_user("staff1", room=unit_room(server, "staff1", "qwb"))
    card = clerk.page.locator(".card", has_text=title).last
    card.get_by_role("button", name="请假").click()
    leave = clerk.page.get_by_role("dialog")
    leave.get_by_role("button", name="确定").click()
    expect(leave.get_by_role("alert")).to_have_text("请填写意见。")
    leave.get_by_role("button", name="取消").click()
    expect(card.get_by_role("button", name="请假")).to_be_enabled()
    expect(card.locator(".card-state")).to_have_text("未回复")

    card.get_by_role("button", name="参加").click()
    who = clerk.page.get_by_role("dialog")
    who.get_by_role("checkbox", name="李明").check()
    who.get_by_role("checkbox", name="张三").check()
    who.get_by_role("button", name="确定").click()
    expect(card.get_by_role("button", name="参加")).to_be_visible()
    expect(card.locator(".card-state")).to_have_text("参加")

    attending = page.locator('.wk-roster-group[data-group="attending"]')
    expect(attending).to_contain_text("区委办公室")
    expect(attending).to_contain_text("李明、张三")
    expect(page.locator('.doc-stat[data-stat="people"] .doc-stat-n')).to_have_text("2")
    page.wait_for_timeout(900)
    page.screenshot(path=str(artifacts / "meeting-roster-desktop.png"), full_page=True)
    phone = open_user("staff2", **PHONE)
    phone.page.goto(f"{server.url}/#/meetings/{meeting_id}")
    expect(phone.page.locator('.wk-roster-group[data-group="attending"]')).to_contain_text("李明、张三")
    phone.page.wait_for_timeout(300)
    phone.page.screenshot(path=str(artifacts / "meeting-roster-phone.png"))
    clerk.page.wait_for_timeout(300)
    card.screenshot(path=str(artifacts / "meeting-card-desktop.png"))
    assert not organiser.errors and not clerk.errors and not phone.errors
