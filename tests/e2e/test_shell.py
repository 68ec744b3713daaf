"""The shell: everyone lands on 工作台 and acts there without visiting a bot chat; the list
follows live when another clerk signs; people are found by pinyin in 通讯录 and messaged from
their card; every page has an address that Back and reload keep. Screenshots of 工作台 and
通讯录 at desktop and phone width, as a leader, a clerk and a staff member, go into
test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = datetime.now(LOCAL).year


def later(days: int, hour: int) -> str:
    return (datetime.now(LOCAL) + timedelta(days=days)).replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def waiting(server: Any) -> dict[str, Any]:
    """For the leader: a document to sign for (qwb, with staff1 as its clerk), an approval
    and a meeting to answer."""
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕301号", "title": "关于开展冬季安全生产检查的通知",
        "recipients": ["qwb"], "urgency": "urgent", "deadline": later(3, 17),
    })
    approval = server.api("staff1", "POST", "/approvals", {
        "title": "关于采购应急照明设备的请示", "body": "拟采购应急照明设备二十套。", "steps": [["leader"]],
    })
    meeting = server.api("clerk", "POST", "/meetings", {
        "title": "冬季防火工作调度会", "start": later(2, 9), "end": later(2, 11), "location": "区政府二楼会议室",
        "agenda": "一、通报情况\n二、部署工作", "invitees": ["leader"],
    })
    return {"document": document, "approval": approval, "meeting": meeting}


def test_the_leader_acts_on_the_workbench_and_it_follows_another_clerk_signing(
        server: Any, open_user: Any, waiting: dict[str, Any], artifacts: Path) -> None:
    # Whatever else earlier tests left waiting on the leader counts too.
    todo = server.api("leader", "GET", "/todo")
    total = todo["total"]
    signs = sum(1 for i in todo["items"] if i["kind"] == "document_sign")
    assert total >= 3 and signs >= 1
    leader = open_user("leader")
    page = leader.page
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    sign = page.locator('.todo-group[data-kind="document_sign"]')
    item = sign.locator(".todo-item").filter(has_text="关于开展冬季安全生产检查的通知")
    expect(item).to_be_visible()
    expect(item).to_contain_text("区府办")
    expect(page.locator('.todo-group[data-kind="approval"] .todo-item').filter(has_text="关于采购应急照明设备的请示")).to_be_visible()
    expect(page.locator('.todo-group[data-kind="meeting_rsvp"] .todo-item').filter(has_text="冬季防火工作调度会")).to_be_visible()
    badge = page.locator("#todo-link .app-badge")
    expect(badge).to_have_text(str(total))
    expect(page).to_have_title(re.compile(rf"^(\(\d+\) )?【待办 {total}】工作台"))
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "workbench-leader-desktop.png"))

    # staff1, the other one who may sign for qwb, signs on their own 工作台.
    staff1 = open_user("staff1")
    staff1.page.goto(f"{server.url}/#/todo")
    theirs = staff1.page.locator(".todo-item").filter(has_text="关于开展冬季安全生产检查的通知")
    theirs.get_by_role("button", name="签收").click()
    expect(theirs).to_have_count(0)
    # The leader's list follows without a reload.
    expect(item).to_have_count(0)
    if signs == 1:
        expect(sign).to_have_count(0)  # the group goes with its last item
    else:
        expect(sign.locator(".todo-item")).to_have_count(signs - 1)
    expect(badge).to_have_text(str(total - 1))

    # The approval, approved in place with an opinion.
    approval = page.locator('.todo-group[data-kind="approval"] .todo-item').filter(has_text="关于采购应急照明设备的请示")
    approval.get_by_role("button", name="同意", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox").fill("同意采购。")
    dialog.get_by_role("button", name="同意", exact=True).click()
    expect(approval).to_have_count(0)
    assert server.api("staff1", "GET", f"/approvals/{waiting['approval']['id']}")["state"] == "approved"

    # The meeting, answered in place.
    rsvp = page.locator('.todo-group[data-kind="meeting_rsvp"] .todo-item').filter(has_text="冬季防火工作调度会")
    rsvp.get_by_role("button", name="参加").click()
    expect(rsvp).to_have_count(0)
    if total == 3:
        expect(badge).to_be_hidden()
        expect(page.locator("#todo-groups")).to_be_empty()
        expect(page.locator(".todo-status")).to_contain_text("都处理完了")
    else:
        expect(badge).to_have_text(str(total - 3))
    # Today's meetings and what I sent are shown beside it.
    expect(page.get_by_role("heading", name="今天的会议")).to_be_visible()
    assert not leader.errors and not staff1.errors, (leader.errors, staff1.errors)


def test_every_page_has_an_address_that_back_and_reload_keep(server: Any, open_user: Any) -> None:
    user = open_user("clerk")
    page = user.page
    page.get_by_role("link", name="工作台").click()
    expect(page).to_have_url(re.compile(r"#/todo$"))
    page.get_by_role("link", name="公文", exact=True).click()
    expect(page).to_have_url(re.compile(r"#/documents$"))
    page.get_by_role("tab", name="发文").click()
    expect(page).to_have_url(re.compile(r"#/documents/sent$"))
    page.get_by_role("link", name="审批").click()
    expect(page).to_have_url(re.compile(r"#/approvals$"))
    page.reload()
    expect(page.get_by_role("heading", name="审批", exact=True)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"#/documents/sent$"))
    expect(page.get_by_role("tab", name="发文")).to_have_attribute("aria-selected", "true")
    page.go_back()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    # An address from before the shell still leads to its page.
    page.goto(f"{server.url}/#docs/received")
    expect(page).to_have_url(re.compile(r"#/documents/received$"))
    assert not user.errors, user.errors


def test_people_are_found_by_pinyin_and_messaged_from_their_card(
        server: Any, open_user: Any, artifacts: Path) -> None:
    user = open_user("staff2")
    page = user.page
    page.get_by_role("link", name="通讯录").click()
    expect(page.get_by_role("heading", name="通讯录", exact=True)).to_be_visible()
    # The unit tree, the caller's own unit open.
    expect(page.locator('.people-unit[data-unit="wsj"]')).to_have_attribute("open", "")
    box = page.get_by_role("searchbox", name="查找人员")
    for query in ("liming", "lm", "李明"):
        box.fill(query)
        expect(page.locator("#people-results .person").first).to_contain_text("李明")
    box.fill("zhangsan")
    expect(page.locator("#people-results .person")).to_have_count(1)
    expect(page.locator("#people-results .person")).to_contain_text("张三")
    page.screenshot(path=str(artifacts / "people-desktop.png"))
    page.locator("#people-results .person").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("秘书科科员")
    expect(dialog).to_contain_text("zhang san")
    dialog.get_by_role("button", name="发消息").click()
    expect(page).to_have_url(re.compile(r"#/rooms/\d+$"))
    expect(page.locator("#room-name")).to_have_text("张三")
    assert not user.errors, user.errors


def test_the_workbench_and_contacts_at_phone_width(
        server: Any, open_user: Any, waiting: dict[str, Any], artifacts: Path) -> None:
    server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕302号", "title": "关于报送年度工作总结的通知",
        "recipients": ["townships"], "deadline": later(5, 17),
    })
    phone = open_user("staff4", width=390, height=844)
    page = phone.page
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    item = page.locator(".todo-item").filter(has_text="关于报送年度工作总结的通知")
    expect(item.get_by_role("button", name="签收")).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "workbench-staff-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Back to the conversations, where the sidebar's entries are.
    page.get_by_role("link", name="会话").click()
    expect(page.locator("#room-list")).to_be_visible()
    page.get_by_role("link", name="通讯录").click()
    page.get_by_role("searchbox", name="查找人员").fill("wf")
    expect(page.locator("#people-results .person").first).to_contain_text("王芳")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "people-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    clerk = open_user("clerk", width=390, height=844)
    clerk.page.goto(f"{server.url}/#/todo")
    expect(clerk.page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    clerk.page.wait_for_timeout(300)
    clerk.page.screenshot(path=str(artifacts / "workbench-clerk-phone.png"))
    assert not phone.errors and not clerk.errors
