"""A document's seal: verification says valid, and says invalid with the reason after a
byte of an attachment changes on disk or a field changes in the database."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bots.documents.models import Document, DocumentAttachment
from hub.chat.actions import attachment_path
from tests.bots.conftest import document_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(demo: Any, api: Any) -> dict[str, Any]:
    upload = api("clerk").upload("实施方案.txt", "一、工作目标\n二、工作措施\n".encode()).json()
    response = api("clerk").post("/documents", document_body(attachments=[upload["id"]]))
    assert response.status_code == 201
    return response.json()


def verify(api: Any, document: dict[str, Any], who: str = "clerk") -> dict[str, Any]:
    response = api(who).get(f"/documents/{document['id']}/verify")
    assert response.status_code == 200
    return response.json()


def verify_command(*refs: str) -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_document", *refs, stdout=out, stderr=err)
    except CommandError as error:
        return False, err.getvalue() + str(error)
    return True, out.getvalue()


def test_a_sent_document_verifies_for_sender_and_recipients(sealed: dict[str, Any],
                                                           api: Any) -> None:
    for who in ("clerk", "staff4"):
        result = verify(api, sealed, who)
        assert result["valid"] is True
        assert result["seal"]["unit"] == "zfb" and result["seal"]["key_id"] == sealed["seal"]["key_id"]
        assert result["signed_at"] == sealed["seal"]["signed_at"] and result["reason"]
    assert api("staff3").get(f"/documents/{sealed['id']}/verify").status_code == 404
    ok, text = verify_command(str(sealed["id"]))
    assert ok and "全部有效" in text


def test_one_changed_byte_of_an_attachment_on_disk_makes_it_invalid(
        sealed: dict[str, Any], api: Any) -> None:
    path = attachment_path(DocumentAttachment.objects.get(document_id=sealed["id"]).attachment)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify(api, sealed)
    assert result["valid"] is False
    assert "附件“实施方案.txt”的文件内容与签章时不一致" in result["reason"]
    ok, text = verify_command(sealed["number"])
    assert not ok and "实施方案.txt" in text


def test_a_field_changed_in_the_database_makes_it_invalid(sealed: dict[str, Any],
                                                         api: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET title = %s WHERE id = %s",
                       ["关于取消冬季安全生产工作的通知", sealed["id"]])
    result = verify(api, sealed)
    assert result["valid"] is False and "“标题”与签章时不一致" in result["reason"]


def test_a_recipient_added_in_the_database_makes_it_invalid(sealed: dict[str, Any], api: Any,
                                                          demo: Any) -> None:
    from bots.documents.models import Delivery

    document = Document.objects.get(id=sealed["id"])
    Delivery.objects.create(document=document, unit=demo["units"]["wsj"],
                            delivered_at=document.sent_at)
    result = verify(api, sealed)
    assert result["valid"] is False and "主送单位" in result["reason"]


def test_a_removed_file_is_reported(sealed: dict[str, Any], api: Any) -> None:
    attachment_path(DocumentAttachment.objects.get(document_id=sealed["id"]).attachment).unlink()
    result = verify(api, sealed)
    assert result["valid"] is False and "已不存在" in result["reason"]
