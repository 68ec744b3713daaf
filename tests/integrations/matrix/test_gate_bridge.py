"""The compliance gate at work across the bridge: what it withholds, what it refuses, the
notices and the audit log."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.utils import timezone

from hub.chat import actions
from hub.chat.models import Message
from hub.seals import audit
from hub.seals.models import AuditEntry
from integrations.matrix import actions as bridging
from integrations.matrix.gate import REFUSED_NOTICE, WITHHELD_NOTICE
from tests.integrations.matrix.conftest import Bridged, wait_for
from tests.integrations.matrix.test_bridge import matrix_messages


def bodies(events: list[dict[str, Any]]) -> list[str]:
    return [e["content"].get("body", "") for e in events]


def test_withheld_messages_leave_a_neutral_notice_and_an_audit_entry(bridged: Bridged) -> None:
    b = bridged
    document = actions.send_message(sender=b.zhang, room_id=b.room.id, body="", kind="card",
                                    client_id="g1", card={"card_type": "document", "ref": 7,
                                                          "title": "关于防汛的通知", "fields": []})
    tracking = actions.send_message(sender=b.zhang, room_id=b.room.id, body="", kind="card",
                                    client_id="g2", card={"card_type": "document_tracking",
                                                          "ref": 7, "title": "跟踪", "fields": []})
    unknown = actions.send_message(sender=b.zhang, room_id=b.room.id, body="", kind="card",
                                   client_id="g3", card={"card_type": "bulletin", "ref": 1,
                                                         "title": "政务信息第3期", "fields": []})
    secret = actions.send_message(sender=b.zhang, room_id=b.room.id, client_id="g4",
                                  body="这份材料属于机密，请勿外传").message
    actions.send_message(sender=b.li, room_id=b.room.id, body="好的，收到", client_id="g5",
                         reply_to=secret["id"])
    actions.send_message(sender=b.li, room_id=b.room.id, body="下午三点碰头", client_id="g6")
    wait_for(lambda: "下午三点碰头" in bodies(matrix_messages(b)), what="the last message")
    events = matrix_messages(b)
    assert bodies(events) == [WITHHELD_NOTICE] * 4 + ["好的，收到", "下午三点碰头"]
    assert {e["sender"] for e in events[:4]} == {b.bot_mxid}
    # The reply goes, without the quote of what was withheld.
    assert "m.relates_to" not in events[4]["content"]
    assert not any("机密" in str(e["content"]) or "防汛" in str(e["content"]) for e in events)
    entries = list(AuditEntry.objects.filter(event="matrix.withheld").order_by("seq"))
    assert [(e.subject, e.data["rule"]) for e in entries] == [
        (f"message:{document.message['id']}", "document_card"),
        (f"message:{tracking.message['id']}", "document_card"),
        (f"message:{unknown.message['id']}", "default_deny"),
        (f"message:{secret['id']}", "classified_mark"),
    ]
    assert audit.verify_chain()[1] == []


def test_document_files_and_marked_file_names_are_withheld_without_notice(
        bridged: Bridged, matrix_settings: Any) -> None:
    from bots.documents.models import Document, DocumentAttachment

    b = bridged
    bridging.bridge_room(user=b.zhang, room_id=b.room.id, matrix_room=b.matrix_room,
                         notice_withheld=False)
    data = b"%PDF-1.4 official document body"
    sealed = actions.store_attachment(uploader=b.zhang, name="正式文件.pdf", chunks=[data])
    unit = b.zhang.unit_memberships.get().unit
    document = Document.objects.create(
        unit=unit, sender=b.zhang, doc_type="通知", number="卫健〔2026〕1号", number_raw="卫健〔2026〕1号",
        number_code="卫健", number_year=2026, number_seq=1, title="关于防汛的通知",
        issued_on=date(2026, 6, 1), sign_within_minutes=240, sent_at=timezone.now())
    DocumentAttachment.objects.create(document=document, attachment=sealed, position=0,
                                      name=sealed.name, size=sealed.size, sha256=sealed.sha256)
    copy = actions.store_attachment(uploader=b.zhang, name="随便看看.pdf", chunks=[data])
    assert copy.sha256 == hashlib.sha256(data).hexdigest()
    actions.send_message(sender=b.zhang, room_id=b.room.id, body="", client_id="d1",
                         attachment_ids=[copy.id])
    marked = actions.store_attachment(uploader=b.zhang, name="秘密-人员名单.xlsx", chunks=[b"x"])
    actions.send_message(sender=b.zhang, room_id=b.room.id, body="名单", client_id="d2",
                         attachment_ids=[marked.id])
    actions.send_message(sender=b.zhang, room_id=b.room.id, body="以上", client_id="d3")
    wait_for(lambda: "以上" in bodies(matrix_messages(b)), what="the last message")
    assert bodies(matrix_messages(b)) == ["以上"]  # nothing else: not even a notice
    rules = list(AuditEntry.objects.filter(event="matrix.withheld").values_list("data__rule",
                                                                                flat=True))
    assert sorted(rules) == ["classified_mark", "document_file"]


def test_classified_input_from_matrix_is_refused_with_a_notice(bridged: Bridged) -> None:
    b = bridged
    refused = b.alice.text(b.matrix_room, "绝密：明天的部署方案")
    url = b.alice.upload("秘密.docx", b"doc", "application/octet-stream")
    refused_file = b.alice.send(b.matrix_room, {"msgtype": "m.file", "body": "秘密.docx",
                                                "url": url, "info": {"size": 3}})
    fine = b.alice.text(b.matrix_room, "普通的消息")
    wait_for(lambda: Message.objects.filter(client_id=fine).exists(), what="the fine one")
    assert not Message.objects.filter(client_id__in=[refused, refused_file]).exists()
    assert [m.body for m in Message.objects.filter(room=b.room)] == ["普通的消息"]
    notices = [e for e in matrix_messages(b, b.bot_mxid) if e["content"]["body"] == REFUSED_NOTICE]
    assert len(notices) == 2
    entries = AuditEntry.objects.filter(event="matrix.refused")
    assert sorted(e.data["matrix_event"] for e in entries) == sorted([refused, refused_file])
