"""The chat web client in Chromium, against a live server: two people talking."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.browser


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_login_page_speaks_chinese_and_refuses_a_wrong_password(server: Any, browser: Any) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_label("用户名").fill("staff1")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill("staff1")
    page.get_by_label("Password").fill("e2e-pass-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Search conversations")).to_be_visible()
    expect(page.get_by_role("heading", name="Channels")).to_be_visible()
    context.close()


def test_a_message_reaches_the_other_user_live_and_their_read_shows_to_the_sender(
        server: Any, open_user: Any) -> None:
    room = server.direct("staff1", "staff2")
    a = open_user("staff1", room=room)
    b = open_user("staff2")
    a.send("你好，下午三点开会，请准时参加。")
    mine = a.messages().filter(has_text="下午三点开会")
    expect(mine).to_have_count(1)
    status = mine.locator(".read-status")
    expect(status).to_have_text("未读")
    # B has the DM in the list with one unread, opens it and reads it.
    item = b.page.locator(f'.room-item[data-room="{room}"]')
    expect(item.locator(".unread-badge")).to_have_text("1")
    expect(item).to_contain_text("下午三点开会")
    expect(b.page).to_have_title(re.compile(r"^\(\d+\) "))
    b.open_room(room)
    expect(b.messages().filter(has_text="下午三点开会")).to_have_count(1)
    expect(item.locator(".unread-badge")).to_have_count(0)
    expect(status).to_have_attribute("data-read-count", "1")
    expect(status).to_have_text("已读")
    # The sender sees who read it.
    status.click()
    dialog = a.page.get_by_role("dialog")
    expect(dialog).to_contain_text("李四")
    assert not a.errors and not b.errors


COUNT_READ_FRAMES = """
window.__reads = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  try {
    const frame = JSON.parse(data);
    if (frame.type === "read") window.__reads.push(frame.seq);
  } catch (error) { /* not JSON: not ours to count */ }
  return send.call(this, data);
};
"""


def test_a_burst_read_live_reaches_the_server_as_a_few_read_positions(
        server: Any, open_user: Any) -> None:
    """Everyone answering 收到 at once: a reader with the room open sees every message at
    once, and tells the server where it has read to at most once a second, ending at the
    newest."""
    room = server.group("staff1", "收到测试组", ["staff2"])
    b = open_user("staff2", room=room, init_script=COUNT_READ_FRAMES)
    sent = [server.send("staff1", room, f"收到（{i}）") for i in range(1, 13)]
    for i in range(1, 13):
        expect(b.messages().filter(has_text=f"收到（{i}）")).to_have_count(1)
    newest = sent[-1]["seq"]

    def read_to_the_newest() -> bool:
        rooms = server.api("staff2", "GET", "/rooms")
        return next(r for r in rooms if r["id"] == room)["last_read_seq"] == newest

    wait_until(read_to_the_newest, what="the server to have staff2's read position")
    reads = b.page.evaluate("() => window.__reads")
    assert reads[-1] == newest
    assert reads == sorted(reads)
    assert len(reads) <= 4, f"one read frame per message is what this prevents: {reads}"
    assert not b.errors


def test_after_a_dropped_connection_each_message_shows_once_in_order(
        server: Any, open_user: Any) -> None:
    room = server.group("staff3", "重连测试组", ["staff4"])
    b = open_user("staff4", room=room)
    server.send("staff3", room, "连接断开前的消息")
    expect(b.messages().filter(has_text="连接断开前的消息")).to_have_count(1)
    sockets: list[Any] = []
    b.page.on("websocket", lambda ws: sockets.append(ws))

    b.context.set_offline(True)
    banner = b.page.locator("#conn-banner")
    expect(banner).to_be_visible()
    # Written while offline: pending, sent once the connection is back.
    b.send("我这边网络断了一下")
    expect(b.page.locator(".msg-pending")).to_have_count(1)
    bodies = [f"第{i}条：断线期间发送" for i in range(1, 6)]
    for body in bodies:
        server.send("staff3", room, body)
    b.context.set_offline(False)

    expect(banner).to_be_hidden(timeout=15000)
    for body in bodies:
        expect(b.messages().filter(has_text=body)).to_have_count(1)
    expect(b.page.locator(".msg-pending")).to_have_count(0)
    expect(b.messages().filter(has_text="我这边网络断了一下")).to_have_count(1)
    assert sockets, "the client did not open a new socket"
    texts = b.messages().locator(".msg-body").all_inner_texts()
    shown = [t for t in texts if "断线期间发送" in t]
    assert shown == bodies
    seqs = b.messages().evaluate_all("els => els.map(e => Number(e.dataset.seq))")
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    # The server stored the offline message once.
    history = server.api("staff3", "GET", f"/rooms/{room}/messages")
    assert [m["body"] for m in history].count("我这边网络断了一下") == 1
    assert not b.errors


def test_an_uploaded_image_previews_for_both_and_files_keep_chinese_names(
        server: Any, open_user: Any) -> None:
    room = server.group("staff1", "附件测试组", ["staff2"])
    a = open_user("staff1", room=room)
    b = open_user("staff2", room=room)
    a.page.locator("#file-input").set_input_files([
        {"name": "现场照片.png", "mimeType": "image/png", "buffer": png(64, 40, (26, 110, 245))},
        {"name": "关于做好年终工作的通知.txt", "mimeType": "text/plain", "buffer": "通知正文".encode()},
    ])
    expect(a.page.locator(".upload-item.upload-done")).to_have_count(2)
    a.send("请查收附件")
    for user in (a, b):
        message = user.messages().filter(has_text="请查收附件")
        image = message.locator(".attachment-image img")
        expect(image).to_have_attribute("alt", "现场照片.png")
        wait_until(lambda image=image: image.evaluate("img => img.complete && img.naturalWidth") == 64,
                   what="the image preview to load")
        link = message.locator(".attachment-file")
        expect(link.locator(".attachment-name")).to_have_text("关于做好年终工作的通知.txt")
    response = b.page.request.get(server.url + b.messages().filter(has_text="请查收附件")
                                  .locator(".attachment-file").get_attribute("href"))
    assert response.ok
    assert "%E5%85%B3%E4%BA%8E" in response.headers["content-disposition"]  # 关于, UTF-8
    assert response.body() == "通知正文".encode()


def test_an_upload_over_the_limit_shows_the_servers_message(server: Any, open_user: Any) -> None:
    room = server.group("staff5", "大文件测试组", ["staff6"])
    a = open_user("staff5", room=room)
    a.page.locator("#file-input").set_input_files([{
        "name": "超大文件.bin", "mimeType": "application/octet-stream",
        "buffer": b"\0" * (2 * 1024 * 1024 + 300 * 1024),
    }])
    expect(a.page.locator(".upload-item .upload-error")).to_have_text("文件不能超过 2 MB")


XSS = [
    "<script>window.__xss = 1; alert('script')</script>",
    "<img src=x onerror=\"window.__xss = 2; alert('img')\">",
    "<svg onload=alert('svg')></svg>",
    "\"><iframe src=\"javascript:alert('iframe')\"></iframe>",
    "[点我](javascript:alert('link'))",
    "![图](javascript:alert('image'))",
    "<a href=\"javascript:alert('a')\">链接</a>",
    "<style>body{display:none}</style>",
]


def test_a_message_full_of_html_and_script_renders_as_text(server: Any, open_user: Any) -> None:
    room = server.group("staff2", "安全测试组", ["staff3"])
    a = open_user("staff2", room=room)
    b = open_user("staff3", room=room)
    a.send("\n\n".join(XSS))
    for user in (a, b):
        body = user.messages().last.locator(".msg-body")
        expect(body).to_contain_text("<script>window.__xss = 1; alert('script')</script>")
        expect(body).to_contain_text("<img src=x onerror=")
        assert body.locator("script, img, svg, iframe, style, [onerror], [onload]").count() == 0
        assert body.locator("a[href^='javascript']").count() == 0
        assert user.page.evaluate("window.__xss === undefined")
        assert user.dialogs == []
        assert not user.errors


def test_a_cards_button_works_and_the_result_shows_for_everyone(server: Any, open_user: Any) -> None:
    room = server.group("clerk", "卡片测试组", ["staff1"])
    a = open_user("clerk", room=room)
    b = open_user("staff1", room=room)
    server.post_card(room, "关于年终总结的通知")
    for user in (a, b):
        card = user.page.locator(".card").filter(has_text="关于年终总结的通知")
        expect(card.locator(".card-state")).to_have_text("待确认")
        expect(card).to_contain_text("请确认已收到通知")
    b.page.locator(".card").get_by_role("button", name="确认").click()
    for user in (a, b):
        card = user.page.locator(".card").filter(has_text="关于年终总结的通知")
        expect(card.locator(".card-state")).to_have_text("已确认")
        expect(card).to_contain_text("确认人张三")
        expect(card.get_by_role("button", name="确认")).to_have_count(0)


def test_autocomplete_offers_bot_commands_people_and_units(server: Any, open_user: Any) -> None:
    room = server.group("staff6", "补全测试组", ["staff2"])
    a = open_user("staff6", room=room)
    box = a.page.locator("#composer-input")
    box.fill("/")
    box.press("End")
    box.type("e2")
    options = a.page.locator("#autocomplete [role=option]")
    expect(options.first).to_contain_text("/e2ecard")
    expect(options.first).to_contain_text("发一张测试卡片")
    box.fill("")
    box.type("请 @李四")
    expect(options.first).to_contain_text("李四")
    box.press("Enter")
    expect(box).to_have_value("请 @staff2 ")
    box.type("和 @wsj")
    expect(options.filter(has_text="区卫生健康局")).to_have_count(1)
    box.press("Enter")
    expect(box).to_have_value("请 @staff2 和 @wsj ")
    box.press("Enter")
    message = a.messages().last
    expect(message.locator(".mention")).to_have_count(2)
    expect(message.locator(".mention").first).to_have_text("@李四")


def test_an_expired_session_goes_to_login_and_keeps_the_draft(
        server: Any, open_user: Any) -> None:
    room = server.group("staff1", "草稿测试组", ["staff3"])
    a = open_user("staff1", room=room)
    a.page.locator("#composer-input").fill("还没写完的草稿")
    a.page.wait_for_timeout(400)  # the draft is saved as one types
    a.context.clear_cookies()
    a.context.set_offline(True)
    expect(a.page.locator("#conn-banner")).to_be_visible()  # the client has seen it go
    a.context.set_offline(False)
    a.page.wait_for_url(re.compile(r"/login/"))
    a.page.get_by_label("用户名").fill("staff1")
    a.page.get_by_label("密码").fill("e2e-pass-1")
    a.page.get_by_role("button", name="登录").click()
    expect(a.page.locator(f'.room-item[data-room="{room}"].active')).to_be_visible()
    expect(a.page.locator("#composer-input")).to_have_value("还没写完的草稿")


def test_history_loads_as_one_scrolls_up_with_no_message_twice(server: Any, open_user: Any) -> None:
    room = server.group("staff4", "历史记录测试组", ["staff5"])
    bodies = [f"历史消息 {i:03d}" for i in range(1, 71)]
    for body in bodies:
        server.send("staff5", room, body)
    a = open_user("staff4", room=room)
    expect(a.messages().filter(has_text="历史消息 070")).to_have_count(1)
    assert a.messages().count() == 50
    box = a.page.locator("#messages")

    def scrolled_to_the_start() -> bool:
        box.evaluate("el => { el.scrollTop = 0; }")
        return a.messages().count() == 70

    wait_until(scrolled_to_the_start, what="the older messages")
    expect(a.page.locator("#history-status")).to_have_text("已经是最早的消息了。")
    assert a.messages().locator(".msg-body").all_inner_texts() == bodies
    days = a.page.locator("#message-list .day-sep")
    expect(days).to_have_count(1)
    expect(days).to_have_text("今天")


def test_keyboard_jumps_to_the_next_unread_room_and_to_search(server: Any, open_user: Any) -> None:
    first = server.group("staff6", "快捷键测试一", ["staff5"])
    second = server.group("staff6", "快捷键测试二", ["staff5"])
    for room in server.api("staff5", "GET", "/rooms"):
        server.api("staff5", "POST", f"/rooms/{room['id']}/read", {"seq": room["last_seq"]})
    a = open_user("staff5", room=first)
    server.send("staff6", second, "有一条未读消息")
    item = a.page.locator(f'.room-item[data-room="{second}"]')
    expect(item.locator(".unread-badge")).to_have_text("1")
    a.page.keyboard.press("Alt+Shift+ArrowDown")
    expect(item).to_have_class(re.compile(r"\bactive\b"))
    expect(a.page.locator("#room-name")).to_have_text("快捷键测试二")
    expect(item.locator(".unread-badge")).to_have_count(0)
    a.page.keyboard.press("Control+k")
    expect(a.page.locator("#room-search")).to_be_focused()
    a.page.keyboard.type("测试一")
    a.page.keyboard.press("Enter")
    expect(a.page.locator("#room-name")).to_have_text("快捷键测试一")
    expect(a.page.locator("#composer-input")).to_be_focused()


# Stands in for the browser's Notification API (which headless Chromium does not show).
RECORD_NOTIFICATIONS = """
window.__notes = [];
window.Notification = class {
  constructor(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
  addEventListener() {}
  close() {}
};
"""


def test_direct_messages_and_mentions_raise_browser_notifications(server: Any, open_user: Any) -> None:
    elsewhere = server.group("staff6", "通知测试组", ["staff5"])
    mentions = server.group("staff5", "提及测试组", ["staff6"])
    dm = server.direct("staff5", "staff6")
    b = open_user("staff6", room=elsewhere, init_script=RECORD_NOTIFICATIONS)
    server.send("staff5", mentions, "没有提到任何人的消息")
    server.send("staff5", dm, "孙八，方便时回个电话")
    server.send("staff5", mentions, "@staff6 请看一下这份材料")
    wait_until(lambda: len(b.page.evaluate("window.__notes")) >= 2, what="two notifications")
    notes = b.page.evaluate("window.__notes")
    assert notes == [
        {"title": "钱七", "body": "孙八，方便时回个电话"},
        {"title": "钱七 在 提及测试组 中提到了你", "body": "@staff6 请看一下这份材料"},
    ]
