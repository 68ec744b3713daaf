"""Official documents (公文) in the web client: a clerk composes and sends one from the form,
the recipient units sign for it from their cards, the sender's tracking page follows live,
the seal verifies; a classified title and a used number are refused with the server's words.
Screenshots of the compose form and the tracking page at desktop and phone width go into
test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = datetime.now(LOCAL).year


def number(seq: int) -> str:
    return f"区府办〔{YEAR}〕{seq}号"


def in_days(days: int) -> str:
    return (datetime.now(LOCAL) + timedelta(days=days)).strftime("%Y-%m-%dT17:30")


def unit_room(server: Any, username: str, code: str) -> int:
    return next(r["id"] for r in server.api(username, "GET", "/rooms") if r["unit"] == code)


def card_of(document: dict[str, Any], code: str) -> int:
    return next(r["message"] for r in document["recipients"] if r["unit"]["code"] == code)


def choose_units(dialog: Any, legend: str, names: list[str]) -> None:
    box = dialog.get_by_role("group", name=legend, exact=True)
    box.get_by_role("button", name="选择单位").click()
    for name in names:
        box.get_by_role("checkbox", name=name).check()
    box.get_by_role("button", name="完成").click()


def fill_compose(page: Any, *, seq: int, title: str, to: list[str], cc: list[str] | None = None) -> Any:
    page.get_by_role("button", name="发文", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="发文", exact=True)).to_be_visible()
    dialog.get_by_label("文种").select_option("通知")
    dialog.get_by_label("发文字号").fill(number(seq))
    dialog.get_by_label("标题").fill(title)
    choose_units(dialog, "主送", to)
    if cc:
        choose_units(dialog, "抄送", cc)
    return dialog


def test_a_clerk_sends_a_document_and_the_tracking_page_follows_a_unit_signing_for_it(
        server: Any, open_user: Any, artifacts: Path) -> None:
    clerk = open_user("clerk")
    page = clerk.page
    title = "关于做好今冬明春安全生产工作的通知"
    dialog = fill_compose(page, seq=101, title=title, to=["全部乡镇（街道）"], cc=["区卫生健康局"])
    # The group covers its units; the chips say what was chosen.
    expect(dialog.get_by_role("group", name="主送", exact=True).locator(".chip")).to_have_text("全部乡镇（街道）")
    expect(dialog.get_by_role("group", name="抄送", exact=True).locator(".chip")).to_have_text("卫生局")
    dialog.get_by_text("加急", exact=True).click()
    dialog.get_by_label("办理期限").fill(in_days(7))
    dialog.get_by_label("签发人").fill("李明")
    dialog.get_by_label("需要收文单位答复办理结果").check()
    dialog.get_by_label("正文").fill(
        "为切实做好今冬明春安全生产工作，防范遏制各类事故发生，现将有关事项通知如下。\n"
        "请各单位高度重视，认真组织开展隐患排查，并于期限前报送工作开展情况。")
    page.locator("#doc-file-input").set_input_files([{
        "name": "安全生产检查表.txt", "mimeType": "text/plain", "buffer": ("检查项目\n" * 2000).encode(),
    }])
    expect(dialog.locator(".doc-file")).to_contain_text("已上传")
    body = dialog.locator(".dialog-body")
    body.evaluate("el => { el.scrollTop = 0; }")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "doc-compose-desktop.png"))
    body.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "doc-compose-desktop-bottom.png"))
    dialog.get_by_role("button", name="发出").click()

    # The sender lands on the tracking page: every recipient unit waiting to sign.
    expect(page.get_by_role("heading", name="发文跟踪", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/documents/\d+$"))
    rows = page.locator(".doc-table tbody tr")
    expect(rows).to_have_count(4)
    town1 = page.locator('.doc-table tr[data-unit="town1"]')
    expect(town1).to_contain_text("城关镇人民政府")
    expect(town1).to_contain_text("待签收")
    expect(page.locator('.doc-stat[data-stat="signed"] .doc-stat-n')).to_have_text("0")
    expect(page.locator(".doc-seal")).to_be_visible()
    expect(page.locator(".doc-sheet")).to_contain_text("安全生产检查表.txt")

    # The township's clerk signs for it on the card in the township's room.
    staff4 = open_user("staff4", room=unit_room(server, "staff4", "town1"))
    card = staff4.page.locator(".card").filter(has_text=title)
    expect(card.locator(".card-state")).to_have_text("待签收")
    expect(card.locator(".card-type")).to_have_text("公文")
    card.get_by_role("button", name="签收").click()
    expect(card.locator(".card-state")).to_have_text("已签收")
    expect(card.get_by_role("button", name="指派承办")).to_be_visible()
    staff4.page.wait_for_timeout(300)
    staff4.page.screenshot(path=str(artifacts / "doc-card-desktop.png"))

    # ...and the sender's page shows it without a reload.
    expect(town1.locator(".doc-state").first).to_have_text("已签收")
    expect(town1).to_contain_text("赵六")
    expect(page.locator('.doc-stat[data-stat="signed"] .doc-stat-n')).to_have_text("1")
    expect(page.locator('.doc-table tr[data-unit="town2"]')).to_contain_text("待签收")
    page.wait_for_timeout(2500)  # the changed row's highlight fades
    page.screenshot(path=str(artifacts / "doc-tracking-desktop.png"))

    page.get_by_role("button", name="验证签章").click()
    result = page.locator(".doc-verify-result")
    expect(result).to_contain_text("有效")
    expect(result).to_contain_text("内容自签章以来未被改动")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "doc-verify-desktop.png"))

    # 催办 reminds every unit that has not finished, once within five minutes.
    page.get_by_role("button", name="催办").click()
    expect(page.locator(".toast").last).to_contain_text("已向 4 个单位发出催办")
    page.get_by_role("button", name="催办").click()
    expect(page.locator(".toast").last).to_contain_text("未发出催办")

    # The tracking card in the issuing unit's room links back to this page.
    page.get_by_role("button", name="跟踪卡片").click()
    tracking = page.locator(".card.card-type-document_tracking").filter(has_text=title)
    expect(tracking.locator(".card-type")).to_have_text("发文跟踪")
    expect(tracking.locator(".card-state")).to_have_text("办理中")
    tracking.get_by_role("link", name="查看跟踪详情").click()
    expect(page.get_by_role("heading", name="发文跟踪", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#doc-page")).to_be_hidden()
    expect(tracking).to_be_visible()

    # The recipient opens the document from the card and sees its own unit's copy.
    staff4.page.locator(".card").filter(has_text=title).get_by_role("link", name="查看详情").click()
    expect(staff4.page.get_by_role("heading", name="本单位办理情况")).to_be_visible()
    expect(staff4.page.locator(".doc-table tbody tr")).to_have_count(1)
    expect(staff4.page.locator(".doc-sheet")).to_contain_text(title)
    staff4.page.wait_for_timeout(300)
    staff4.page.screenshot(path=str(artifacts / "doc-received-desktop.png"))
    assert not clerk.errors and not staff4.errors


def test_a_classified_title_and_a_used_number_are_refused_and_the_form_is_kept(
        server: Any, open_user: Any) -> None:
    server.api("clerk", "POST", "/documents", {
        "doc_type": "函", "number": number(102), "title": "关于商请协助做好统计工作的函",
        "recipients": ["wsj"],
    })
    clerk = open_user("clerk")
    page = clerk.page
    dialog = fill_compose(page, seq=103, title="机密★ 关于重点目标防护工作的通知", to=["区卫生健康局"])
    dialog.get_by_role("button", name="发出").click()
    error = page.locator("#doc-form-error")
    expect(error).to_contain_text("非涉密")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("标题")).to_have_value("机密★ 关于重点目标防护工作的通知")
    assert server.api("clerk", "GET", f"/documents?box=sent&q={quote('机密')}")["total"] == 0

    # A number the unit has used already: said at the number.
    dialog.get_by_label("标题").fill("关于档案管理工作的通知")
    dialog.get_by_label("发文字号").fill(number(102))
    dialog.get_by_role("button", name="发出").click()
    expect(error).to_contain_text("已被本单位使用")
    expect(dialog.get_by_label("发文字号")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("发文字号")).to_be_focused()
    assert server.api("clerk", "GET", f"/documents?box=sent&q={quote('档案管理')}")["total"] == 0

    # Nothing chosen as main recipient: said by the form before asking the server.
    dialog.get_by_label("发文字号").fill(number(104))
    dialog.get_by_role("group", name="主送", exact=True).get_by_role("button", name="移除 卫生局").click()
    dialog.get_by_role("button", name="发出").click()
    expect(dialog.locator("#doc-to-error")).to_have_text("请至少选择一个主送单位。")
    # Closed and opened again, the draft is still there.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="发文", exact=True).click()
    expect(page.get_by_role("dialog").get_by_label("标题")).to_have_value("关于档案管理工作的通知")
    assert not clerk.errors


def test_card_buttons_ask_for_a_reason_and_a_handler_from_the_unit(
        server: Any, open_user: Any) -> None:
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": number(105), "title": "关于报送冬季防火检查情况的通知",
        "recipients": ["town1", "town2"], "reply_required": True, "deadline": in_days(5)[:10],
    })
    title = document["title"]
    # 退回 needs a reason: an empty one is not sent.
    staff5 = open_user("staff5", room=unit_room(server, "staff5", "town2"))
    card = staff5.page.locator(".card").filter(has_text=title)
    card.get_by_role("button", name="退回").click()
    dialog = staff5.page.get_by_role("dialog")
    expect(dialog.get_by_label("退回理由（必填）")).to_be_visible()
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.get_by_role("alert")).to_have_text("请填写意见。")
    dialog.get_by_label("退回理由（必填）").fill("非本乡镇职责范围，请核实主送单位")
    dialog.get_by_role("button", name="确定").click()
    expect(card.locator(".card-state")).to_have_text("已退回")

    # 指派承办 offers the people of the unit only, then 办结 needs the reply.
    staff4 = open_user("staff4", room=unit_room(server, "staff4", "town1"))
    card = staff4.page.locator(".card").filter(has_text=title)
    card.get_by_role("button", name="签收").click()
    card.get_by_role("button", name="指派承办").click()
    dialog = staff4.page.get_by_role("dialog")
    options = dialog.locator(".assignee-option")
    expect(options).to_have_count(1)
    expect(options).to_contain_text("赵六")
    dialog.get_by_label(re.compile("赵六")).check()
    dialog.get_by_label("拟办意见（选填）").fill("请于本周内完成检查")
    dialog.get_by_role("button", name="确定").click()
    expect(card.locator(".card-state")).to_have_text("办理中")
    card.get_by_role("button", name="办结").click()
    dialog = staff4.page.get_by_role("dialog")
    dialog.get_by_label("办理结果（必填）").fill("已完成全镇冬季防火检查，未发现重大隐患。")
    dialog.get_by_role("button", name="确定").click()
    expect(card.locator(".card-state")).to_have_text("已办结")
    after = server.api("clerk", "GET", f"/documents/{document['id']}")
    assert after["totals"]["handled"] == 1 and after["totals"]["returned"] == 1
    assert not staff4.errors and not staff5.errors


def test_documents_list_tracking_and_compose_at_phone_width(
        server: Any, open_user: Any, artifacts: Path) -> None:
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": number(106), "title": "关于开展2026年度安全生产大检查的通知",
        "body": "为进一步压实安全生产责任，区政府决定在全区范围内开展安全生产大检查。"
                "请各单位按照附件要求组织实施，并于期限前报送检查情况。",
        "recipients": ["townships"], "cc": ["wsj"], "urgency": "urgent", "reply_required": True,
        "signer": "李明", "deadline": in_days(10),
    })
    server.api("staff2", "POST", f"/messages/{card_of(document, 'wsj')}/actions", {"action": "sign"})
    town1 = card_of(document, "town1")
    server.api("staff4", "POST", f"/messages/{town1}/actions", {"action": "sign"})
    server.api("staff4", "POST", f"/messages/{town1}/actions", {"action": "assign", "assignee": "staff4"})
    server.api("staff4", "POST", f"/messages/{town1}/actions",
               {"action": "complete", "comment": "已完成检查，报告见附件。"})
    server.api("staff6", "POST", f"/messages/{card_of(document, 'town3')}/actions",
               {"action": "return", "comment": "请补充检查表后重新发送"})

    phone = open_user("clerk", width=390, height=844)
    page = phone.page
    page.get_by_role("link", name="公文", exact=True).click()
    expect(page.get_by_role("heading", name="公文", exact=True)).to_be_visible()
    item = page.locator(".doc-item").filter(has_text=document["title"])
    expect(item).to_contain_text("已签收 2 / 4")
    page.get_by_role("tab", name="收文").click()
    expect(item).to_have_count(0)
    page.get_by_role("tab", name="发文").click()
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "doc-list-phone.png"))
    item.click()
    expect(page.get_by_role("heading", name="发文跟踪", exact=True)).to_be_visible()
    expect(page.locator('.doc-table tr[data-unit="town3"]')).to_contain_text("请补充检查表后重新发送")
    expect(page.locator('.doc-table tr[data-unit="town1"]')).to_contain_text("已办结")
    page.get_by_role("button", name="验证签章").click()
    expect(page.locator(".doc-verify-result")).to_contain_text("有效")
    page.locator(".doc-scroll").evaluate("el => { el.scrollTop = 0; }")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "doc-tracking-phone.png"))
    page.locator(".doc-sheet").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "doc-sheet-phone.png"))
    # The width is the screen's: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".doc-scroll").evaluate("el => el.scrollWidth <= el.clientWidth")

    # Back to the list, back to the rooms, and the compose form fills the screen.
    page.get_by_role("button", name="返回", exact=True).click()
    expect(page.get_by_role("heading", name="公文", exact=True)).to_be_visible()
    page.get_by_role("button", name="返回", exact=True).click()
    expect(page.locator("#room-list")).to_be_visible()
    page.get_by_role("button", name="发文", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("标题").fill("关于做好元旦春节期间值班工作的通知")
    dialog.get_by_role("group", name="主送", exact=True).get_by_role("button", name="选择单位").click()
    dialog.get_by_role("group", name="主送", exact=True).get_by_role("checkbox", name="全部乡镇（街道）").check()
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "doc-compose-phone.png"))
    assert dialog.evaluate("el => el.scrollWidth <= el.clientWidth + 1")

    desktop = open_user("clerk", width=1280, height=800)
    desktop.page.goto(f"{server.url}/#/documents/{document['id']}")
    expect(desktop.page.get_by_role("heading", name="发文跟踪", exact=True)).to_be_visible()
    expect(desktop.page.locator(".doc-table tbody tr")).to_have_count(4)
    desktop.page.wait_for_timeout(300)
    desktop.page.screenshot(path=str(artifacts / "doc-tracking-desktop-full.png"), full_page=True)
    desktop.page.get_by_role("link", name="公文", exact=True).click()
    expect(desktop.page.locator(".doc-item").first).to_be_visible()
    desktop.page.get_by_label("搜索公文").fill("大检查")
    expect(desktop.page.locator(".doc-item")).to_have_count(1)
    desktop.page.wait_for_timeout(300)
    desktop.page.screenshot(path=str(artifacts / "doc-list-desktop.png"))
    assert not phone.errors and not desktop.errors
