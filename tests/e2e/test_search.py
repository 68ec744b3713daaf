"""Full-text search in the web client: a user searches a Chinese word from a message in one of
their rooms and a 发文字号 like 94号 from the sidebar's box, sees the results grouped by type
with highlighted snippets, opens the message in its room (history loaded back to it) and sees
it highlighted; a message in a room they are not in is not found; a bad filter shows the
server's words. Screenshots of the search page at desktop and phone width go into
test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _manage

pytestmark = pytest.mark.browser

YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year
WORD = "汛期巡查"


def test_a_user_finds_a_message_and_a_document_and_opens_the_message_in_its_room(
        server: Any, open_user: Any, artifacts: Path) -> None:
    mine = server.group("staff4", "防汛值班组", ["staff5"])
    target = server.send("staff5", mine, f"请各村今晚落实{WORD}，发现险情立即上报。")
    for i in range(60):  # the message is further back than the first page of history
        server.send("staff5", mine, f"值班记录第{i + 1}条")
    other = server.group("staff6", "别人的小组", ["staff5"])
    server.send("staff5", other, f"这条{WORD}的消息在别人的房间里")
    server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕94号", "title": f"关于做好{WORD}工作的通知",
        "body": "请各乡镇加强汛期巡查，确保安全度汛。", "recipients": ["town1"]})
    _manage(server.env, "search_rebuild", "--no-files")

    user = open_user("staff4")
    page = user.page
    box = page.locator("#room-search")
    box.fill(WORD)
    expect(page.locator("#search-all")).to_contain_text(f"搜索全部“{WORD}”")
    page.screenshot(path=str(artifacts / "search-sidebar-desktop.png"), clip={"x": 0, "y": 0, "width": 300, "height": 260})
    box.press("Enter")  # no conversation is called that: Enter searches everything
    expect(page).to_have_url(re.compile(r"#/search\?q="))
    search = page.locator("#search-page")
    expect(search.get_by_role("heading", name="搜索", exact=True)).to_be_visible()
    expect(page.locator("#search-input")).to_have_value(WORD)
    expect(search.locator(".search-total")).to_have_text("共 2 条结果")
    messages = search.locator(".search-group-message")
    expect(messages.get_by_role("heading")).to_contain_text("消息")
    expect(messages.locator(".search-hit")).to_have_count(1)  # not the other room's
    expect(messages.locator(".search-hit")).to_contain_text("防汛值班组")
    expect(messages.locator(".search-snippet mark").first).to_have_text(WORD)
    documents = search.locator(".search-group-document")
    expect(documents.get_by_role("heading")).to_contain_text("公文")
    expect(documents.locator(".search-hit")).to_contain_text(f"区府办〔{YEAR}〕94号")
    expect(search.locator(".search-facet").first).to_contain_text("类型")
    expect(search.get_by_role("button", name="相关度")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "search-desktop.png"))

    # A 发文字号 by its sequence.
    page.locator("#search-input").fill("94号")
    page.locator("#search-input").press("Enter")
    expect(search.locator(".search-total")).to_have_text("共 1 条结果")
    expect(search.locator(".search-group-document .search-hit")).to_contain_text("94号")
    expect(search.locator(".search-group-message")).to_have_count(0)

    # The server's words for a bad filter.
    page.locator("#search-input").fill("foo:bar")
    page.locator("#search-input").press("Enter")
    expect(search.get_by_role("alert")).to_contain_text("不认识的筛选条件")

    # The other room's message is not found.
    page.locator("#search-input").fill("别人的房间")
    page.locator("#search-input").press("Enter")
    expect(search.locator(".search-none")).to_be_visible()

    # Back to the word; a click on the message opens it in its room, highlighted.
    page.locator("#search-input").fill(WORD)
    page.locator("#search-input").press("Enter")
    search.locator(".search-group-message .search-hit").click()
    expect(search).to_be_hidden()
    expect(page.locator("#room-name")).to_have_text("防汛值班组")
    hit = page.locator(f"#msg-{target['id']}")
    expect(hit).to_have_class(re.compile(r"\bmsg-found\b"))
    expect(hit).to_be_in_viewport()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "search-found-desktop.png"))

    # Back returns to the results.
    page.go_back()
    expect(search).to_be_visible()
    expect(search.locator(".search-total")).to_have_text("共 2 条结果")
    assert not user.errors, user.errors


def test_the_document_type_facet_asks_the_server(server: Any, open_user: Any) -> None:
    """A click on a 文种 shows that 文种's documents with the server's total, not a filter
    over the page already shown."""
    word = "秋冬季森林防火"
    for n, kind in ((95, "通知"), (96, "函"), (97, "函")):
        server.api("clerk", "POST", "/documents", {
            "doc_type": kind, "number": f"区府办〔{YEAR}〕{n}号", "title": f"关于{word}的{kind}",
            "recipients": ["town2"]})
    _manage(server.env, "search_rebuild", "--no-files")
    page = open_user("staff5").page
    page.locator("#room-search").fill(word)
    page.locator("#room-search").press("Enter")
    search = page.locator("#search-page")
    expect(search.locator(".search-total")).to_have_text("共 3 条结果")
    facet = search.locator(".search-facet", has_text="文种")
    chip = facet.get_by_role("button", name=re.compile("^函"))
    expect(chip).to_contain_text("2")
    chip.click()
    expect(page).to_have_url(re.compile(r"doc_type=%E5%87%BD|doc_type=函"))
    expect(search.locator(".search-total")).to_have_text("共 2 条结果")
    expect(search.locator(".search-hit")).to_have_count(2)
    expect(chip).to_have_attribute("aria-pressed", "true")
    chip.click()  # and off again
    expect(search.locator(".search-total")).to_have_text("共 3 条结果")


def test_the_search_page_at_phone_width(server: Any, open_user: Any, artifacts: Path) -> None:
    user = open_user("staff4", width=390, height=844)
    page = user.page
    page.goto(f"{server.url}/#/search?q={quote(WORD)}")
    search = page.locator("#search-page")
    expect(search.locator(".search-hit").first).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "search-phone.png"))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    search.get_by_role("button", name="最新").click()
    expect(search.get_by_role("button", name="最新")).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(re.compile(r"sort=newest"))
    search.locator(".search-group-document .search-hit").click()
    expect(page).to_have_url(re.compile(r"#/documents/\d+$"))
    expect(page.locator("#doc-page")).to_be_visible()
    expect(search).to_be_hidden()
    assert not user.errors, user.errors
