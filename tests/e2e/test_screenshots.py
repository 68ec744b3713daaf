"""Screenshots of the chat with a realistic conversation, at desktop and phone width, into
test-artifacts/ (not committed) for a person to look at."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.browser


def landscape_png(width: int = 480, height: int = 300) -> bytes:
    """A small picture: sky, hills and a field, drawn pixel by pixel."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            hill = height * 0.55 + 28 * math.sin(x / 55) + 12 * math.sin(x / 17)
            if y < hill:
                t = y / hill
                pixel = (int(120 + 90 * t), int(175 + 60 * t), int(245 - 10 * t))
            elif y < height * 0.78:
                pixel = (58, 140 - int((y - hill) / 3), 84)
            else:
                pixel = (214 - (x + y) % 23, 176 - (x * 3 + y) % 19, 92)
            row += bytes(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


DOCUMENT_CARD = {
    "card_type": "document", "ref": 12, "title": "关于报送2025年度工作总结的通知", "state": "待签收",
    "fields": [
        {"label": "发文字号", "value": "区府办〔2025〕12号"},
        {"label": "发文机关", "value": "区政府办公室"},
        {"label": "紧急程度", "value": "加急"},
        {"label": "办理期限", "value": "12月20日"},
    ],
    "actions": [
        {"action": "sign", "label": "签收", "style": "primary"},
        {"action": "return", "label": "退回", "style": "default"},
    ],
}


def build_conversation(server: Any) -> int:
    room = server.group("clerk", "年终工作协调群", ["leader", "staff1", "staff2", "staff3"])
    first = server.send("clerk", room, "各位领导、同事：年终总结材料请于 **12月20日前** 报送区政府办公室，逾期请说明原因。")
    server.send("staff2", room, "收到，卫生局这边正在汇总，周三可以报送。")
    server.send("leader", room, "@clerk 请把去年的模板发到群里，方便大家参照。")
    template = server.upload("clerk", "2025年度工作总结模板.docx", b"PK\x03\x04" + b"\0" * 48_000,
                             "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    server.send("clerk", room, "模板见附件，格式按公文标准执行。", attachments=[template["id"]])
    server.send("staff1", room, "区委办的材料周四前可以报送。", reply_to=first["id"])
    photo = server.upload("staff3", "文体局活动现场.png", landscape_png(), "image/png")
    server.send("staff3", room, "上周“全民健身”活动现场照片，供总结材料使用：", attachments=[photo["id"]])
    server.send("leader", room, "今天下午的会议议程：\n1. 各单位年终总结进度\n2. 明年重点工作安排\n\n请各单位负责同志准时参加。")
    server.post_card(room, DOCUMENT_CARD["title"], DOCUMENT_CARD)
    server.api("staff1", "POST", f"/messages/{first['id']}/reactions", {"emoji": "👍"})
    server.api("staff2", "POST", f"/messages/{first['id']}/reactions", {"emoji": "收到"})
    server.api("staff3", "POST", f"/messages/{first['id']}/reactions", {"emoji": "收到"})
    for reader in ("staff1", "staff2", "staff3"):
        last = server.api(reader, "GET", f"/rooms/{room}")["last_seq"]
        server.api(reader, "POST", f"/rooms/{room}/read", {"seq": last - 1})
    # Other conversations in the viewer's list.
    dm = server.direct("staff2", "leader")
    server.send("staff2", dm, "李区长，卫生局的总结初稿已发您邮箱，请审阅。")
    dm2 = server.direct("leader", "staff1")
    server.send("leader", dm2, "材料收到了，辛苦。")
    general = next(r["id"] for r in server.api("leader", "GET", "/rooms") if r["name"] == "general")
    server.send("clerk", general, "通知：本周五 18:00 起进行系统维护，预计一小时。")
    qwb = next(r["id"] for r in server.api("leader", "GET", "/rooms") if r["unit"] == "qwb")
    server.send("staff1", qwb, "区委办本周值班表已更新。")
    return room


def test_screenshots_at_desktop_and_phone_width(server: Any, open_user: Any, artifacts: Path) -> None:
    room = build_conversation(server)
    desktop = open_user("leader", room=room, width=1280, height=800)
    page = desktop.page
    expect(page.locator(".card")).to_contain_text("区府办〔2025〕12号")
    image = page.locator(".attachment-image img")
    wait_until(lambda: image.evaluate("img => img.complete && img.naturalWidth") > 0, what="the photo")
    page.locator("#composer-input").click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "chat-desktop.png"))
    page.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    page.locator(".msg-other").first.hover()
    page.screenshot(path=str(artifacts / "chat-desktop-top.png"))

    phone = open_user("leader", room=room, width=390, height=844)
    expect(phone.page.locator("#back-btn")).to_be_visible()
    wait_until(lambda: phone.page.locator(".attachment-image img").evaluate(
        "img => img.complete && img.naturalWidth") > 0, what="the photo")
    phone.page.wait_for_timeout(300)
    phone.page.screenshot(path=str(artifacts / "chat-phone.png"))
    phone.page.locator("#back-btn").click()
    expect(phone.page.locator("#room-list")).to_be_visible()
    phone.page.screenshot(path=str(artifacts / "rooms-phone.png"))

    page.locator("#new-chat-btn").click()
    expect(page.get_by_role("dialog")).to_contain_text("张三")
    page.screenshot(path=str(artifacts / "new-chat-desktop.png"))
    for name in ("chat-desktop", "chat-desktop-top", "chat-phone", "rooms-phone", "new-chat-desktop"):
        assert (artifacts / f"{name}.png").stat().st_size > 10_000
    assert not desktop.errors and not phone.errors
