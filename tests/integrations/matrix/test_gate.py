"""The gate's table, rule by rule, and its default: deny."""

from __future__ import annotations

import pytest

from integrations.matrix import gate
from integrations.matrix.gate import Item, decide


@pytest.mark.parametrize(("item", "allowed", "rule"), [
    (Item("out", "card", card_type="document"), False, "document_card"),
    (Item("out", "card", card_type="document_tracking"), False, "document_card"),
    (Item("out", "text", texts=("这是秘密",)), False, "classified_mark"),
    (Item("out", "text", texts=("",), file_names=("绝密名单.xlsx",)), False, "classified_mark"),
    (Item("in", "text", texts=("机密文件请查收",)), False, "classified_mark"),
    (Item("out", "edit", texts=("改成机密",)), False, "classified_mark"),
    (Item("out", "reaction", texts=("秘密",)), False, "classified_mark"),
    (Item("out", "card", texts=("机密",), card_type="approval"), False, "classified_mark"),
    (Item("out", "card", card_type="approval"), True, "summary_card"),
    (Item("out", "card", card_type="meeting"), True, "summary_card"),
    (Item("out", "card", card_type="meeting_roster"), False, "default_deny"),
    (Item("out", "card", card_type="bulletin"), False, "default_deny"),
    (Item("in", "card", card_type="approval"), False, "default_deny"),
    (Item("out", "system", texts=("某人加入",)), False, "default_deny"),
    (Item("out", "text", texts=("下午开会",)), True, "chat_text"),
    (Item("in", "text", texts=("收到",), file_names=("照片.png",)), True, "chat_text"),
    (Item("out", "read"), True, "signals"),
    (Item("out", "typing"), True, "signals"),
])
def test_rules(item: Item, allowed: bool, rule: str) -> None:
    verdict = decide(item)
    assert (verdict.allowed, verdict.rule) == (allowed, rule)


@pytest.mark.django_db
def test_a_file_equal_to_a_document_attachment_is_withheld(demo: dict) -> None:
    from datetime import date

    from django.utils import timezone

    from bots.documents.models import Document, DocumentAttachment
    from hub.chat.actions import store_attachment

    clerk = demo["users"]["clerk"]
    sealed = store_attachment(uploader=clerk, name="文件.pdf", chunks=[b"%PDF sealed"])
    document = Document.objects.create(
        unit=demo["units"]["zfb"], sender=clerk, doc_type="通知", number="区政办〔2026〕9号",
        number_raw="区政办〔2026〕9号", number_code="区政办", number_year=2026, number_seq=9,
        title="t", issued_on=date(2026, 1, 5), sign_within_minutes=240, sent_at=timezone.now())
    DocumentAttachment.objects.create(document=document, attachment=sealed, position=0,
                                      name="文件.pdf", size=sealed.size, sha256=sealed.sha256)
    out = Item("out", "text", texts=("",), file_names=("别的名字.pdf",), digests=(sealed.sha256,))
    assert decide(out).rule == "document_file"
    other = Item("out", "text", texts=("",), file_names=("x.pdf",), digests=("0" * 64,))
    assert decide(other).allowed


def test_every_rule_has_a_name_and_a_reason() -> None:
    names = [r.name for r in gate.RULES]
    assert len(names) == len(set(names))
    assert all(r.reason for r in gate.RULES)
    assert not gate.DEFAULT_DENY.allowed
