"""The outgoing chain and incoming handling in the web client, in Chromium:
- 发文: the clerk drafts in the compose form and sends it for review (送审), the office head
  agrees (核稿) from the card on a phone, the leader signs off (签发) from the card in two taps,
  the clerk seals and issues it (用印分发) and all 95 units get it; the document's page shows
  the chain with valid signatures and links the GB/T 9704 PDF, which Chromium opens and
  `pdftotext` reads back.
- 收文: a township's leader instructs (批办: 批示, lead and co-handler, a deadline) on the card,
  the clerk circulates it (传阅) to two leaders in order after confirming whom, they read it, the
  lead handler completes it (办结) with the result and a file; the document's page shows every step.
Screenshots at desktop (1280x800) and phone (390x844) width go into test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, wait_until

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
RECIPIENTS = 95  # the demo's other units and as many townships as make up the district

SETUP = """
from hub.org import actions
from hub.org.models import Unit, User
district = Unit.objects.get(code="district")
# Other browser tests may have added a unit already (test_admin's 区医疗保障局).
others = Unit.objects.filter(merged_into=None).exclude(kind=Unit.Kind.DISTRICT).exclude(code="zfb").count()
Unit.objects.bulk_create([Unit(code=f"e2exz{n:03d}", name=f"第{n}试点乡人民政府",
    short_name=f"第{n}试点乡", kind=Unit.Kind.TOWNSHIP, parent=district, sort_order=500 + n)
    for n in range(__RECIPIENTS__ - others)], ignore_conflicts=True)
for username, code, role, name in [("zfb_head", "zfb", "staff", "周主任"),
        ("t1_head", "town1", "leader", "周镇长"), ("t1_vice", "town1", "leader", "吴副镇长"),
        ("t1_worker", "town1", "staff", "郑干事"), ("t1_helper", "town1", "staff", "冯干事")]:
    user, made = User.objects.get_or_create(username=username, defaults={"display_name": name})
    user.set_password(__PASSWORD__)
    user.save()
    actions.set_unit_membership(unit=Unit.objects.get(code=code), user=user, role=role)
"""

# The extra townships leave the groups and the unit lists again (merged: they stay only in the
# records that name them) and the extra people their units, so that the other browser tests
# see the demo (test_documents counts the people of 城关镇, test_notices the units).
TEARDOWN = """
from hub.org import actions
from hub.org.models import Unit, UnitMembership
district = Unit.objects.get(code="district")
Unit.objects.filter(code__startswith="e2exz").update(kind=Unit.Kind.DISTRICT, merged_into=district)
for m in UnitMembership.objects.filter(user__username__in=["zfb_head", "t1_head", "t1_vice",
                                                           "t1_worker", "t1_helper"]):
    actions.remove_unit_membership(unit=m.unit, user=m.user)
"""


def django(server: Any, code: str) -> None:
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,  # noqa: S603
                         env=server.env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.fixture(scope="module")
def chain_people(server: Any) -> Any:
    from tests.e2e.conftest import PASSWORD

    django(server, SETUP.replace("__RECIPIENTS__", str(RECIPIENTS)).replace("__PASSWORD__", repr(PASSWORD)))
    yield
    django(server, TEARDOWN)


def todo_item(server: Any, username: str, kind: str) -> dict[str, Any]:
    def find() -> Any:
        items = server.api(username, "GET", "/todo")["items"]
        return next((i for i in items if i["kind"] == kind), None)

    return wait_until(find, what=f"{kind} for {username}")


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"chain-{name}.png"))


def test_clerk_drafts_head_reviews_leader_signs_off_in_two_taps_clerk_issues_to_95_units(
        server: Any, open_user: Any, artifacts: Path, chain_people: Any) -> None:
    title = "关于开展冬季消防安全隐患排查整治的通知"  # not 大检查: test_documents searches that
    # 拟稿 and 送审 from the compose form (desktop).
    clerk = open_user("clerk")
    page = clerk.page
    page.get_by_role("button", name="发文", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("送审（核稿、签发后用印分发）").check()
    dialog.get_by_label("文种").select_option("通知")
    dialog.get_by_label("标题").fill(title)
    box = dialog.get_by_role("group", name="主送", exact=True)
    box.get_by_role("button", name="选择单位").click()
    box.get_by_role("checkbox", name="全部单位").check()
    box.get_by_role("button", name="完成").click()
    dialog.get_by_label("正文").fill("各单位：\n为切实做好冬季消防安全工作，决定开展消防安全大检查。\n请于月底前报送检查情况。")
    dialog.get_by_label("第 1 步").fill("zfb_head")
    dialog.get_by_role("option", name="周主任").click()
    dialog.get_by_role("radio", name="李明").check()
    shot(page, artifacts, "compose-desktop")
    dialog.get_by_role("button", name="送审", exact=True).click()
    expect(page.locator("#draft-state")).to_have_text("核稿中")
    expect(page.locator(".doc-chain")).to_contain_text("周主任")
    doc_id = int(page.url.rsplit("/", 1)[1])
    shot(page, artifacts, "draft-desktop")

    # 核稿 by the office head, from the card in their direct room with the bot, on a phone.
    item = todo_item(server, "zfb_head", "document_review")
    assert item["ref"] == doc_id
    head = open_user("zfb_head", room=item["room"], **PHONE)
    card = head.page.locator(f"#msg-{item['message']} .card")
    card.get_by_role("button", name="同意", exact=True).click()
    head.page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()
    expect(card.locator(".card-state")).to_have_text("待签发")
    shot(head.page, artifacts, "review-phone")

    # 签发 by the leader in two taps: 签发 on the card, then 签发 in the opinion dialog.
    item = todo_item(server, "leader", "document_signoff")
    leader = open_user("leader", room=item["room"], **PHONE)
    card = leader.page.locator(f"#msg-{item['message']} .card")
    expect(card).to_contain_text("为切实做好冬季消防安全工作")
    card.get_by_role("button", name="签发", exact=True).click()
    shot(leader.page, artifacts, "signoff-dialog-phone")
    leader.page.get_by_role("dialog").get_by_role("button", name="签发", exact=True).click()
    expect(card.locator(".card-state")).to_have_text("已签发，待用印分发")
    shot(leader.page, artifacts, "signoff-phone")

    # 用印分发 by the clerk from the draft's page: numbered, sealed, delivered to 95 units.
    page.goto(f"{server.url}/#/drafts/{doc_id}")
    page.get_by_role("button", name="用印分发").click()
    page.get_by_role("dialog").get_by_role("button", name="用印分发").click()
    page.wait_for_url(f"**/#/documents/{doc_id}")
    document = server.api("clerk", "GET", f"/documents/{doc_id}")
    assert document["state"] == "issued" and document["totals"]["recipients"] == RECIPIENTS
    assert document["signer"] == "李明"
    expect(page.locator(".doc-chain")).to_contain_text("签发")
    expect(page.locator(".doc-chain .chain-signed")).to_have_count(2)
    expect(page.locator("#doc-page").get_by_text(document["number"]).first).to_be_visible()
    shot(page, artifacts, "issued-desktop")
    # The units' table shows its first rows and a button for the rest.
    rows = page.locator(".doc-table tbody tr")
    expect(rows).to_have_count(12)
    page.get_by_role("button", name=f"显示全部 {RECIPIENTS} 个单位").click()
    expect(rows).to_have_count(RECIPIENTS)
    # A township's copy arrived.
    town = server.api("staff4", "GET", f"/documents/{doc_id}")
    assert [r["unit"]["code"] for r in town["recipients"]] == ["town1"]

    # The PDF: Chromium opens it in its viewer (inline, application/pdf); pdftotext reads it.
    link = page.locator("a.doc-pdf-link")
    href = link.get_attribute("href")
    response = page.request.get(f"{server.url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    pdf = artifacts / "chain-document.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,  # noqa: S603,S607
                          check=True).stdout
    assert title in text.replace("\n", "") and document["number"] in text
    with page.context.expect_page() as opened:
        link.click()
    viewer = opened.value
    viewer.wait_for_load_state()
    assert viewer.url.endswith(href)
    viewer.close()

    # The same document page on a phone.
    phone = open_user("clerk", **PHONE)
    phone.page.goto(f"{server.url}/#/documents/{doc_id}")
    expect(phone.page.locator(".doc-chain")).to_be_visible()
    shot(phone.page, artifacts, "issued-phone")
    for user in (clerk, head, leader, phone):
        assert user.errors == [], user.errors
    # The demo's units sign for it, so that it waits on nobody in the other browser tests
    # (test_shell empties the leader's 工作台, and the leader leads 区委办).
    for clerk_name in ("staff1", "staff2", "staff3", "staff4", "staff5", "staff6"):
        for copy in server.api(clerk_name, "GET", f"/documents/{doc_id}")["recipients"]:
            server.api(clerk_name, "POST", f"/messages/{copy['message']}/actions", {"action": "sign"})


def test_a_leader_instructs_the_clerk_circulates_readers_read_the_handler_completes(
        server: Any, open_user: Any, artifacts: Path, chain_people: Any) -> None:
    title = "关于报送冬季森林防火工作情况的通知"
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": "区府办〔2026〕901号", "title": title,
        "body": "各乡镇：\n请做好冬季森林防火工作。", "recipients": ["town1"], "reply_required": True})
    message = document["recipients"][0]["message"]
    server.api("staff4", "POST", f"/messages/{message}/actions", {"action": "sign"})
    server.api("staff4", "POST", f"/messages/{message}/actions",
               {"action": "propose", "comment": "拟请郑干事主办，冯干事协办。"})
    room = next(r["id"] for r in server.api("t1_head", "GET", "/rooms") if r.get("unit") == "town1")

    # 批办 by the township's leader on the card, on a phone.
    head = open_user("t1_head", room=room, **PHONE)
    card = head.page.locator(f"#msg-{message} .card")
    card.get_by_role("button", name="批办").click()
    dialog = head.page.get_by_role("dialog")
    dialog.get_by_role("button", name="请按要求落实，按期报送。").click()
    dialog.get_by_label("主办").select_option("t1_worker")
    dialog.get_by_role("checkbox", name="冯干事").check()
    dialog.get_by_label("办理期限").fill((date.today() + timedelta(days=10)).isoformat())
    shot(head.page, artifacts, "instruct-phone")
    dialog.get_by_role("button", name="批办").click()
    expect(card.locator(".card-state")).to_have_text("办理中")

    # 传阅 by the clerk (desktop): whom, in order, confirmed.
    clerk = open_user("staff4", room=room)
    card = clerk.page.locator(f"#msg-{message} .card")
    card.get_by_role("button", name="传阅").click()
    dialog = clerk.page.get_by_role("dialog")
    dialog.get_by_role("checkbox", name="吴副镇长").check()
    dialog.get_by_role("checkbox", name="周镇长").check()
    dialog.get_by_role("button", name="下一步").click()
    expect(dialog.locator(".handling-confirm")).to_contain_text("吴副镇长 → 周镇长")
    shot(clerk.page, artifacts, "circulate-desktop")
    dialog.get_by_role("button", name="确认传阅").click()
    expect(dialog).to_be_hidden()
    for reader in ("t1_vice", "t1_head"):
        item = todo_item(server, reader, "document_read")
        server.api(reader, "POST", f"/messages/{item['message']}/actions",
                   {"action": "read", "comment": "已阅。"})

    # 办结 by the lead handler from their card, on a phone.
    item = todo_item(server, "t1_worker", "document_handle")
    worker = open_user("t1_worker", room=item["room"], **PHONE)
    card = worker.page.locator(f"#msg-{item['message']} .card")
    card.get_by_role("button", name="办结").click()
    dialog = worker.page.get_by_role("dialog")
    dialog.get_by_role("textbox").first.fill("已按要求落实，共排查隐患12处，均已整改。")
    dialog.locator("input[type=file]").set_input_files([{
        "name": "隐患整改台账.txt", "mimeType": "text/plain", "buffer": "隐患整改台账：12处，已全部整改。".encode()}])
    expect(dialog.locator(".doc-file-done")).to_have_count(1)
    dialog.get_by_role("button", name="确定").click()
    expect(card.locator(".card-state")).to_have_text("已办结")
    copy = server.api("staff4", "GET", f"/documents/{document['id']}")["recipients"][0]
    assert [f["name"] for f in copy["result_files"]] == ["隐患整改台账.txt"]

    # The document's page shows every step with its comment.
    clerk.page.goto(f"{server.url}/#/documents/{document['id']}")
    log = clerk.page.locator(".doc-handling-log")
    for text in ("拟请郑干事主办", "请按要求落实", "已阅", "共排查隐患12处"):
        expect(log).to_contain_text(text)
    shot(clerk.page, artifacts, "incoming-desktop")
    phone = open_user("staff4", **PHONE)
    phone.page.goto(f"{server.url}/#/documents/{document['id']}")
    expect(phone.page.locator(".doc-handling-log")).to_be_visible()
    shot(phone.page, artifacts, "incoming-phone")
    for user in (head, clerk, worker, phone):
        assert user.errors == [], user.errors
