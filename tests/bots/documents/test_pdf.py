"""The issued document as a PDF per GB/T 9704: pdftotext (poppler-utils) finds its title,
number, body, 签发人 (for a 请示), 成文日期 and 版记; its fonts are embedded; the seal covers it;
recipients download it, others get not_found; the archive files it beside the sealed files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bots.documents.models import Document
from bots.documents.rules import chinese_date
from hub.chat.actions import attachment_path
from tests.bots.documents.test_chain import draft_body

pytestmark = pytest.mark.django_db
YEAR = timezone.localtime().year


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: run `make pdf-libs` (apt-get install poppler-utils)",
                    pytrace=False)
    return found


def issue(api: Any, **overrides: Any) -> dict[str, Any]:
    doc = api("clerk").post("/documents/drafts", draft_body(**overrides)).json()
    api("zfb_head").post(f"/documents/{doc['id']}/decide", {"action": "approve"})
    api("leader").post(f"/documents/{doc['id']}/decide", {"action": "sign_off",
                                                          "comment": "同意。"})
    issued = api("clerk").post(f"/documents/{doc['id']}/issue")
    assert issued.status_code == 200, issued.content
    return issued.json()


def text_of(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run([tool("pdftotext"), "-layout", str(path), "-"], capture_output=True,  # noqa: S603
                         text=True, check=True)
    return out.stdout


def test_the_pdf_has_the_layout_text_and_embedded_fonts(demo: Any, api: Any, person: Any,
                                                        tmp_path: Path) -> None:
    person("zfb_head", "zfb", "staff", "周主任")
    upload = api("clerk").upload("实施方案.docx", b"PK\x03\x04 not really").json()
    document = issue(api, doc_type="请示", title="关于申请冬季安全生产专项经费的请示",
                     body="区委：\n为做好冬季安全生产工作，拟申请专项经费。\n妥否，请批示。",
                     recipients=["qwb"], cc=["wsj"], notes="联系人：王芳", urgency="特急",
                     attachments=[upload["id"]])
    assert document["pdf"] == f"/api/v1/documents/{document['id']}/pdf"
    response = api("staff1").client.get(document["pdf"], headers=api("staff1").headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    text = text_of(data, tmp_path)
    flat = "".join(text.split())
    for expected in ("特急", "区政府办公室文件", f"区府办〔{YEAR}〕1号", "签发人：李明",
                     "关于申请冬季安全生产专项经费的请示", "区委办公室：", "为做好冬季安全生产工作，拟申请专项经费。",
                     "附件：1.实施方案", chinese_date(timezone.localtime().date()),
                     "（联系人：王芳）", "抄送：区卫生健康局。", "印发", "—1—"):
        assert expected in flat, (expected, text)
    fonts = subprocess.run([tool("pdffonts"), str(tmp_path / "doc.pdf")], capture_output=True,  # noqa: S603
                           text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(line.split()[-5:-3] == ["yes", "yes"] for line in cjk), fonts  # emb sub
    # The stored file is the one the seal covers; changing a byte shows.
    stored = Document.objects.get(id=document["id"]).pdf
    assert stored is not None and stored.sha256 in Document.objects.get(
        id=document["id"]).signature.tbs
    assert api("staff1").get(f"/documents/{document['id']}/verify").json()["valid"] is True
    path = attachment_path(stored)
    path.write_bytes(path.read_bytes() + b"%")
    verify = api("staff1").get(f"/documents/{document['id']}/verify").json()
    assert verify["valid"] is False and "版式文件" in verify["reason"]


def test_a_notice_puts_its_number_in_the_middle_and_only_readers_download_it(
        demo: Any, api: Any, person: Any, tmp_path: Path) -> None:
    person("zfb_head", "zfb", "staff", "周主任")
    document = issue(api)
    response = api("staff4").client.get(document["pdf"], headers=api("staff4").headers)
    text = text_of(b"".join(response.streaming_content), tmp_path)
    assert "签发人" not in text  # only 上行文 carry it in the header
    assert "关于做好冬季安全生产工作的通知" in text and f"区府办〔{YEAR}〕1号" in text
    assert "为切实做好冬季安全生产工作" in text
    assert api("staff2").get(f"/documents/{document['id']}/pdf").status_code == 404
    draft = api("clerk").post("/documents/drafts", draft_body(title="尚未印发的通知")).json()
    refused = api("clerk").get(f"/documents/{draft['id']}/pdf")
    assert refused.status_code == 409 and "尚未印发" in refused.json()["error"]["detail"]


def test_a_document_sent_directly_has_its_pdf_too(demo: Any, api: Any, tmp_path: Path) -> None:
    from tests.bots.conftest import document_body

    sent = api("clerk").post("/documents", document_body(signer="李明")).json()
    response = api("staff5").client.get(sent["pdf"], headers=api("staff5").headers)
    text = text_of(b"".join(response.streaming_content), tmp_path)
    assert sent["number"] in text and sent["title"] in text
