"""The known bugs of the web client, each with the test that shows it fixed: the 指派承办
list's radios and names, the 拟办意见 shown from the unit's record, 传阅 asking whom with a
confirmation, no raw Markdown in a document's body, the typing line ending with the message,
the 发文 form's errors going once fixed, a file over the limit not reading as the limit, a
待我审批 row opening the approval's page, bots shown online."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.browser

YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year


def test_assigning_circulating_and_reading_a_received_document(server: Any, open_user: Any) -> None:
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕321号", "title": "关于做好冬季供暖保障工作的通知",
        "recipients": ["town1"], "body": "## 一、总体要求\n请**各乡镇**于`12月10日`前报送供暖情况。\n- 落实专人负责",
    })
    card = next(r["message"] for r in document["recipients"] if r["unit"]["code"] == "town1")
    server.api("staff4", "POST", f"/messages/{card}/actions", {"action": "sign"})
    room = int(server.api("staff4", "GET", f"/messages/{card}")["room"])
    user = open_user("staff4", room=room)
    page = user.page
    msg = user.messages().filter(has_text="关于做好冬季供暖保障工作的通知")

    # 指派承办: round radios beside each person's name.
    msg.get_by_role("button", name="指派承办").click()
    dialog = page.get_by_role("dialog")
    option = dialog.locator(".assignee-option").filter(has_text="赵六")
    expect(option.locator(".person-name")).to_be_visible()
    box = option.locator("input[type=radio]").bounding_box()
    assert box and box["width"] <= 20 and box["height"] <= 20, box
    option.click()
    dialog.get_by_label("拟办意见（选填）").fill("请赵六同志牵头办理")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog).to_be_hidden()

    # 传阅 asks whom (among the unit's people, in reading order), then asks again before it goes.
    msg.get_by_role("button", name="传阅").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="下一步").click()
    expect(dialog.locator(".field-error")).to_have_text("请选择传阅人。")
    dialog.get_by_role("checkbox", name="赵六").check()
    dialog.get_by_role("button", name="下一步").click()
    expect(dialog.locator(".handling-confirm")).to_contain_text("赵六")
    expect(dialog.locator(".handling-confirm")).to_contain_text("依次")
    dialog.get_by_role("button", name="确认传阅").click()
    expect(dialog).to_be_hidden()

    def readers() -> list[str]:
        mine = next(r for r in server.api("staff4", "GET", f"/documents/{document['id']}")["recipients"]
                    if r["unit"]["code"] == "town1")
        return [c["user"]["username"] for c in mine["circulation"]]

    assert wait_until(lambda: readers() == ["staff4"], what="the circulation")

    # The document's page: the body without Markdown marks, the 拟办意见 from the unit's record.
    page.goto(f"{server.url}/#/documents/{document['id']}")
    sheet = page.locator(".doc-sheet-body")
    expect(sheet).to_contain_text("一、总体要求")
    expect(sheet).to_contain_text("请各乡镇于12月10日前报送供暖情况。")
    assert not re.search(r"\*\*|##|`", sheet.inner_text())
    expect(page.locator(".doc-handling-log")).to_contain_text("请赵六同志牵头办理")
    assert not user.errors, user.errors


def test_the_chat_bugs(server: Any, open_user: Any) -> None:
    room = server.group("staff5", "输入状态测试组", ["staff6"])
    a = open_user("staff5", room=room)
    b = open_user("staff6", room=room)
    # The typing line ends with the message, not seconds later.
    a.page.locator("#composer-input").press_sequentially("马上到")
    expect(b.page.locator("#typing")).to_contain_text("正在输入")
    a.page.locator("#composer-input").press("Enter")
    expect(b.messages().filter(has_text="马上到")).to_be_visible()
    expect(b.page.locator("#typing")).to_have_text("", timeout=1500)

    # A file just over the limit does not read as the limit.
    a.page.locator("#file-input").set_input_files([{
        "name": "超大文件.bin", "mimeType": "application/octet-stream", "buffer": b"\0" * (2 * 1024 * 1024 + 1),
    }])
    item = a.page.locator(".upload-item").filter(has_text="超大文件.bin")
    expect(item.locator(".upload-error")).to_have_text("文件不能超过 2 MB")
    expect(item).to_contain_text("2.1 MB")

    # Bots are online.
    bot_room = int(server.api("staff5", "POST", "/rooms", {"kind": "direct", "members": ["gongwen"]})["id"])
    a.page.reload()
    a.page.locator(f'.room-item[data-room="{bot_room}"]').click()
    expect(a.page.locator("#room-sub")).to_contain_text("在线")
    expect(a.page.locator(f'.room-item[data-room="{bot_room}"] .presence')).to_have_class(re.compile("presence-online"))
    assert not a.errors and not b.errors


def test_the_compose_form_and_the_approvals_list(server: Any, open_user: Any) -> None:
    clerk = open_user("clerk")
    page = clerk.page
    page.get_by_role("button", name="发文", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="发出").click()
    title = dialog.get_by_label("标题")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#doc-title-error")).to_have_text("请填写标题。")
    expect(page.locator("#doc-form-error")).to_be_visible()
    # Each error goes as its field is filled; the summary with the last of them.
    title.fill("关于做好岁末年初安全生产工作的通知")
    expect(dialog.locator("#doc-title-error")).to_have_text("")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("发文字号").fill(f"区府办〔{YEAR}〕322号")
    expect(page.locator("#doc-form-error")).to_be_visible()
    box = dialog.get_by_role("group", name="主送", exact=True)
    box.get_by_role("button", name="选择单位").click()
    box.get_by_role("checkbox", name="区卫生健康局").check()
    expect(dialog.locator("#doc-to-error")).to_have_text("")
    expect(page.locator("#doc-form-error")).to_be_hidden()
    page.keyboard.press("Escape")

    # A row of 待我审批 opens the approval's page.
    approval = server.api("staff6", "POST", "/approvals", {
        "title": "关于增设便民服务窗口的请示", "body": "拟增设窗口两个。", "steps": [["leader"]],
    })
    leader = open_user("leader")
    leader.page.get_by_role("link", name="审批", exact=True).click()
    expect(leader.page.get_by_role("tab", name="待我审批")).to_have_attribute("aria-selected", "true")
    leader.page.locator(".doc-item").filter(has_text="关于增设便民服务窗口的请示").click()
    expect(leader.page).to_have_url(re.compile(rf"#/approvals/{approval['id']}$"))
    expect(leader.page.locator(".wk-hero")).to_contain_text("关于增设便民服务窗口的请示")
    # And so does its item on 工作台.
    leader.page.get_by_role("link", name="工作台").click()
    leader.page.locator(".todo-item").filter(has_text="关于增设便民服务窗口的请示").get_by_role("link").click()
    expect(leader.page).to_have_url(re.compile(rf"#/approvals/{approval['id']}$"))
    # Decided, so that it waits on nobody's list in the tests that follow.
    card = leader.page.locator(".wk-hero")
    expect(card).to_be_visible()
    server.api("leader", "POST", f"/approvals/{approval['id']}/decide", {"action": "approve"})
    assert not clerk.errors and not leader.errors
