"""The hash-chained audit log: `manage.py audit_verify` finds an altered or removed entry."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hub.seals import audit
from hub.seals.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def fill(n: int = 5) -> list[AuditEntry]:
    return audit.append([audit.Event(event="document.signed", subject=f"document:{i}",
                                     actor_id=None, data={"unit": "town1", "i": i})
                         for i in range(n)])


def run_verify() -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:
        return False, err.getvalue() + str(error)
    return True, out.getvalue()


def test_entries_chain_in_order_and_an_intact_log_verifies(db: Any) -> None:
    entries = fill(3) + fill(2)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    ok, text = run_verify()
    assert ok and "共 5 条" in text
    assert audit.head() == (5, entries[-1].hash)


def test_an_altered_entry_is_found(db: Any) -> None:
    fill()
    # Change a detail straight in the database, as someone with SQL access could.
    AuditEntry.objects.filter(seq=3).update(data={"unit": "town2", "i": 2})
    ok, text = run_verify()
    assert not ok and "第 3 条的内容与其哈希不符" in text


def test_an_altered_entry_with_its_hash_recomputed_breaks_the_next_link(db: Any) -> None:
    fill()
    entry = AuditEntry.objects.get(seq=2)
    forged = audit.entry_hash(seq=2, at=entry.at, actor_id=None, subject=entry.subject,
                              event="document.returned", data=entry.data,
                              prev_hash=entry.prev_hash)
    AuditEntry.objects.filter(seq=2).update(event="document.returned", hash=forged)
    ok, text = run_verify()
    assert not ok and "第 3 条与前一条的哈希链接断开" in text


def test_a_removed_entry_in_the_middle_is_found(db: Any) -> None:
    fill()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM seals_auditentry WHERE seq = 2")
    ok, text = run_verify()
    assert not ok and "第 2 条缺失" in text


def test_a_removed_last_entry_is_found_by_the_head(db: Any) -> None:
    fill()
    AuditEntry.objects.filter(seq=5).delete()
    ok, text = run_verify()
    assert not ok and "末尾条目已被删除" in text
    assert AuditHead.objects.get().seq == 5


def verify_against(path: Any, **extra: Any) -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", checkpoint=str(path), stdout=out, stderr=err, **extra)
    except CommandError as error:
        return False, err.getvalue() + str(error)
    return True, out.getvalue()


def test_a_truncated_tail_with_the_head_moved_back_is_caught_by_a_checkpoint(
        db: Any, tmp_path: Any, settings: Any) -> None:
    from hub.seals import checkpoint

    settings.HUITONG_AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    fill(3)
    assert checkpoint.write() is not None
    assert checkpoint.write() is None, "an unchanged head adds no line"
    fill(2)
    written = checkpoint.write()
    assert written is not None and written["seq"] == 5
    assert checkpoint.signature_valid(written)
    ok, text = verify_against(settings.HUITONG_AUDIT_CHECKPOINT_FILE)
    assert ok and "与 2 个检查点一致" in text, text

    # Delete the newest entry and move the head back one: the chain alone is consistent...
    newest = AuditEntry.objects.get(seq=5)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM seals_auditentry WHERE seq = 5")
    AuditHead.objects.filter(id=audit.HEAD_ID).update(seq=4, hash=newest.prev_hash)
    assert run_verify()[0], "without a checkpoint nothing shows"
    # ...but not with what was written outside the database.
    ok, text = verify_against(settings.HUITONG_AUDIT_CHECKPOINT_FILE)
    assert not ok and "第 5 条已不在日志中" in text, text


def test_a_forged_or_edited_checkpoint_is_refused(db: Any, tmp_path: Any) -> None:
    import json

    from hub.seals import checkpoint

    fill(2)
    good = checkpoint.current()
    edited = dict(good, seq=1)
    path = tmp_path / "cp.jsonl"
    path.write_text(json.dumps(edited) + "\n")
    ok, text = verify_against(path)
    assert not ok and "签名无效" in text
    path.write_text(json.dumps(good) + "\n")
    assert verify_against(path)[0]
    # Printable: the command prints the signed head.
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["seq"] == 2 and checkpoint.signature_valid(printed)
