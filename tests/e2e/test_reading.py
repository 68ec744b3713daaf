"""Alerts and reading in the browser: a notification for a new document card addressed to my
unit; a PDF previewed in the page; long messages collapsed with 展开; 免打扰, 置顶, 转发, 加急提醒
from the read list, and the emoji picker for reactions."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.browser

YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year

# Records every notification the page raises; the permission itself is the browser's, granted
# by the test through Playwright.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notes = [];
  class Recorded {
    constructor(title, options) { window.__notes.push({ title, body: (options || {}).body || "" }); }
    addEventListener() {}
    close() {}
    static get permission() { return Real.permission; }
    static requestPermission() { return Real.requestPermission(); }
  }
  window.Notification = Recorded;
})();
"""


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF with `text` (ASCII) on it."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal Word document with these paragraphs."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def test_a_new_document_card_for_my_unit_raises_a_notification(server: Any, open_user: Any) -> None:
    user = open_user("staff2", init_script=RECORD_NOTIFICATIONS)
    page = user.page
    user.context.grant_permissions(["notifications"], origin=server.url)
    page.goto(f"{server.url}/#/todo")
    page.locator("body[data-conn=live]").wait_for(state="attached")
    assert page.evaluate("Notification.permission") == "granted"
    server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕311号", "title": "关于做好流感防控工作的通知",
        "recipients": ["wsj"],
    })
    notes = wait_until(lambda: page.evaluate("window.__notes"), what="a notification")
    assert any("关于做好流感防控工作的通知" in n["body"] for n in notes), notes
    # 工作台 has it too, live.
    expect(page.locator(".todo-item").filter(has_text="关于做好流感防控工作的通知")).to_be_visible()
    # A plain message in a group raises none.
    group = server.group("staff1", "普通群聊", ["staff2"])
    server.send("staff1", group, "大家好")
    page.wait_for_timeout(1500)
    assert not any("大家好" in n["body"] for n in page.evaluate("window.__notes"))
    assert not user.errors, user.errors


def test_reading_in_a_room(server: Any, open_user: Any, artifacts: Path) -> None:
    room = server.group("staff5", "阅读测试组", ["staff6", "staff4"])
    other = server.group("staff6", "转发目标组", ["staff5"])
    pdf = server.upload("staff5", "会议纪要.pdf", pdf_bytes("Huitong minutes"), "application/pdf")
    server.send("staff5", room, "请看会议纪要", attachments=[pdf["id"]])
    docx = server.upload("staff5", "工作方案.docx", docx_bytes(["一、工作目标", "全面完成年度任务。"]),
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    server.send("staff5", room, "工作方案见附件", attachments=[docx["id"]])
    long_text = "\n".join(f"第{i}条：请各单位按时报送材料，逐项落实。" for i in range(1, 41))
    server.send("staff5", room, long_text)
    server.send("staff5", room, "明天上午九点开会")

    b = open_user("staff6", room=room)
    page = b.page
    # The PDF opens in the browser's viewer inside the page.
    page.locator(".attachment-file").filter(has_text="会议纪要.pdf").click()
    dialog = page.get_by_role("dialog")
    frame = dialog.locator("iframe.preview-frame")
    expect(frame).to_have_attribute("src", re.compile(rf"/attachments/{pdf['id']}/"))
    response = page.request.get(server.url + frame.get_attribute("src"))
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "pdf-preview-desktop.png"))
    page.keyboard.press("Escape")
    # A Word file as the server converted it.
    page.locator(".attachment-file").filter(has_text="工作方案.docx").click()
    expect(page.get_by_role("dialog").locator(".preview-doc")).to_contain_text("全面完成年度任务。")
    page.keyboard.press("Escape")

    # The long message is collapsed to half a screen; 展开 shows all of it.
    long_msg = b.messages().filter(has_text="第1条")
    body = long_msg.locator(".msg-body")
    expect(body).to_have_class(re.compile("msg-collapsed"))
    assert body.evaluate("el => el.clientHeight") <= 800 * 0.5
    long_msg.get_by_role("button", name="展开").click()
    expect(body).not_to_have_class(re.compile("msg-collapsed"))
    expect(long_msg.get_by_role("button", name="收起")).to_be_visible()

    # 免打扰: the room's bell, and the room list shows it.
    page.locator("#mute-btn").click()
    expect(page.locator("#mute-btn")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'.room-item[data-room="{room}"]')).to_have_class(re.compile("room-muted"))
    assert server.api("staff6", "GET", f"/rooms/{room}")["muted"] is True

    # An emoji from the picker's larger set.
    meeting = b.messages().filter(has_text="明天上午九点开会")
    meeting.hover()
    meeting.get_by_role("button", name="添加表情回应").click()
    page.get_by_role("menuitem", name="更多表情").click()
    page.get_by_role("menuitem", name="辛苦了").click()
    expect(meeting.locator(".reaction")).to_contain_text("辛苦了")

    # 转发 to another room, with a comment.
    meeting.hover()
    meeting.get_by_role("button", name="转发").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("searchbox", name="搜索会话").fill("转发目标")
    dialog.get_by_text("转发目标组").click()
    dialog.get_by_label("意见（选填）").fill("请大家准时参加")
    dialog.get_by_role("button", name="转发", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已转发到")).to_be_visible()
    copies = server.api("staff6", "GET", f"/rooms/{other}/messages")
    copy = next(m for m in copies if m.get("forwarded"))
    assert copy["body"] == "明天上午九点开会"

    # 置顶 by staff5 appears above the messages for staff6, live.
    a = open_user("staff5", room=room)
    pinned = a.messages().filter(has_text="明天上午九点开会")
    pinned.hover()
    pinned.get_by_role("button", name="置顶", exact=True).click()
    expect(page.locator("#pin-bar")).to_contain_text("明天上午九点开会")
    expect(a.page.locator("#pin-bar")).to_contain_text("明天上午九点开会")
    page.screenshot(path=str(artifacts / "reading-desktop.png"))

    # 加急提醒 from the read list: staff4 has not read it.
    a.messages().filter(has_text="明天上午九点开会").locator(".read-status").click()
    readers = a.page.get_by_role("dialog")
    expect(readers).to_contain_text("赵六")
    readers.get_by_role("button", name="加急提醒").click()
    expect(a.page.get_by_role("status").filter(has_text="已向 1 人发送加急提醒")).to_be_visible()
    direct = next(r for r in server.api("staff4", "GET", "/rooms")
                  if r["kind"] == "direct" and r["last_message"] and "加急" in r["last_message"]["body"])
    assert direct
    # Again at once (the list opened anew): the server's word that it is too soon.
    expect(readers.get_by_role("button", name="加急提醒")).to_be_disabled()
    a.page.keyboard.press("Escape")
    a.messages().filter(has_text="明天上午九点开会").locator(".read-status").click()
    a.page.get_by_role("dialog").get_by_role("button", name="加急提醒").click()
    expect(a.page.locator(".toast-error")).to_be_visible()
    assert not b.errors and not a.errors, (b.errors, a.errors)
