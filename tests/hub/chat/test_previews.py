"""Previews of attachments: DOCX (mammoth) and XLSX (openpyxl) as sanitized HTML made in a
child process under memory and time limits and cached by content; text read in place;
images and PDFs from the inline download, which the client's pages may frame."""

from __future__ import annotations

import io
from typing import Any

import pytest

from hub.chat import previews
from tests.hub.chat.test_api import make_group, sent

pytestmark = pytest.mark.django_db


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("关于开展安全检查的通知", level=1)
    document.add_paragraph("各单位：<script>alert(1)</script>请于本周五前完成自查。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "单位", "联系人"
    table.cell(1, 0).text, table.cell(1, 1).text = "城关镇", "赵六"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows: int = 3) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(["单位", "人数"])
    for i in range(rows):
        sheet.append([f"单位{i}", i])
    sheet.append(["<b>注</b>", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def posted(demo: Any, api: Any) -> Any:
    """`posted(name, data)`: a file clerk posts in a group with staff1; its Attachment."""
    group = make_group(api, "clerk", "staff1")["id"]

    def post(name: str, data: bytes) -> dict[str, Any]:
        attachment = api("clerk").upload(name, data).json()
        sent(api, "clerk", group, "附件", attachments=[attachment["id"]])
        return attachment

    return post


def preview(api: Any, username: str, attachment: dict[str, Any]) -> Any:
    return api(username).get(f"/attachments/{attachment['id']}/preview")


def test_docx_becomes_sanitized_html(api: Any, posted: Any) -> None:
    file = posted("通知.docx", docx_bytes())
    answer = preview(api, "staff1", file)
    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "html" and body["url"] == file["url"]
    assert "<h1>关于开展安全检查的通知</h1>" in body["html"]
    assert "<table>" in body["html"] and "<td><p>城关镇</p></td>" in body["html"]
    assert "<script>" not in body["html"] and "&lt;script&gt;" in body["html"]


def test_xlsx_becomes_a_table_with_capped_rows(api: Any, posted: Any) -> None:
    small = preview(api, "staff1", posted("名单.xlsx", xlsx_bytes())).json()
    assert small["kind"] == "html" and small["truncated"] is False, small
    assert "<h3>汇总</h3>" in small["html"] and "<td>单位2</td><td>2</td>" in small["html"]
    assert "&lt;b&gt;注&lt;/b&gt;" in small["html"]
    large = preview(api, "staff1", posted("大表.xlsx", xlsx_bytes(rows=500))).json()
    assert large["truncated"] is True
    assert large["html"].count("<tr>") == 200


def test_text_images_and_pdfs(api: Any, posted: Any) -> None:
    text = preview(api, "staff1", posted("说明.txt", "第一行\n第二行".encode())).json()
    assert text == {"kind": "text", "url": text["url"], "text": "第一行\n第二行",
                    "truncated": False}
    gbk = preview(api, "staff1", posted("旧.txt", "国标编码".encode("gb18030"))).json()
    assert gbk["text"] == "国标编码"
    png = posted("图.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    assert preview(api, "staff1", png).json() == {"kind": "image", "url": png["url"]}
    pdf = posted("文件.pdf", b"%PDF-1.4\n%%EOF\n")
    assert preview(api, "staff1", pdf).json() == {"kind": "pdf", "url": pdf["url"]}
    shown = api("staff1").client.get(pdf["url"], headers=api("staff1").headers)
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in shown["Content-Security-Policy"]
    assert "sandbox" in shown["Content-Security-Policy"]
    download = api("staff1").client.get(pdf["url"] + "?download=1",
                                        headers=api("staff1").headers)
    assert download["X-Frame-Options"] == "DENY"
    other = preview(api, "staff1", posted("压缩包.zip", b"PK\x03\x04")).json()
    assert other["kind"] == "none" and other["reason"]


def test_a_file_the_converter_cannot_read_gets_no_preview(api: Any, posted: Any) -> None:
    body = preview(api, "staff1", posted("坏文件.docx", b"not a zip at all")).json()
    assert body["kind"] == "none" and "无法读取" in body["reason"]


def test_the_child_is_held_to_its_memory_limit(api: Any, posted: Any, settings: Any) -> None:
    settings.HUITONG_PREVIEW_MEMORY_MB = 40  # too little to load the parser at all
    body = preview(api, "staff1", posted("通知.docx", docx_bytes())).json()
    assert body["kind"] == "none" and body["reason"]


def test_the_child_is_stopped_at_the_time_limit(api: Any, posted: Any, settings: Any,
                                                monkeypatch: Any) -> None:
    settings.HUITONG_PREVIEW_SECONDS = 1
    monkeypatch.setattr(previews, "CHILD", "tests.hub.chat.slow_child")
    body = preview(api, "staff1", posted("通知.docx", docx_bytes())).json()
    assert body == {"kind": "none", "reason": "转换超时（1 秒）", "url": body["url"]}


def test_a_preview_is_made_once_per_content(api: Any, posted: Any, monkeypatch: Any) -> None:
    data = docx_bytes()
    first = preview(api, "staff1", posted("通知.docx", data)).json()

    def no_second_conversion(*args: Any) -> Any:
        raise AssertionError("converted again")

    monkeypatch.setattr(previews, "convert", no_second_conversion)
    again = preview(api, "staff1", posted("通知（副本）.docx", data)).json()
    assert again["html"] == first["html"] and again["url"] != first["url"]


def test_only_those_who_may_download_it_see_a_preview(api: Any, posted: Any) -> None:
    file = posted("通知.docx", docx_bytes())
    hidden = preview(api, "staff2", file)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
