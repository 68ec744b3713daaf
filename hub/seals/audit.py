"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the canonical JSON of its seq, time, actor, subject, event,
data and the previous entry's hash. `verify_chain` walks the log and reports an altered entry
(its hash no longer matches), a removed one (a gap in seq, a broken link) and a removed tail
(the head row names a later entry than the last one found).

Appending locks the head row. Call `append` last in a transaction, after every other row lock
it takes, so that a transaction holding the head never waits for anything else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.seals.canonical import canonical_json
from hub.seals.models import AuditEntry, AuditHead
from hub.seals.signing import precise_iso

GENESIS = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class Event:
    """One state change to record: `subject` names the object ("document:12"), `event` the
    change ("document.signed"), `data` its details (JSON without floats)."""

    event: str
    subject: str
    actor_id: int | None
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def entry_hash(*, seq: int, at: datetime, actor_id: int | None, subject: str, event: str,
               data: dict[str, Any], prev_hash: str) -> str:
    content = {"seq": seq, "at": precise_iso(at), "actor": actor_id, "subject": subject,
               "event": event, "data": data, "prev": prev_hash}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(id=HEAD_ID).first()
    if head is not None:
        return head
    # First use (or a lost head row): start from the newest entry, if any.
    last = AuditEntry.objects.order_by("-seq").first()
    try:
        with transaction.atomic():
            AuditHead.objects.create(id=HEAD_ID, seq=last.seq if last else 0,
                                     hash=last.hash if last else GENESIS)
    except IntegrityError:
        pass
    return AuditHead.objects.select_for_update().get(id=HEAD_ID)


def append(events: Sequence[Event]) -> list[AuditEntry]:
    """Chain `events` onto the log, in order, inside the caller's transaction."""
    if not events:
        return []
    with transaction.atomic():
        head = _locked_head()
        seq, prev = head.seq, head.hash
        now = timezone.now()
        entries = []
        for event in events:
            seq += 1
            at = event.at or now
            digest = entry_hash(seq=seq, at=at, actor_id=event.actor_id, subject=event.subject,
                                event=event.event, data=event.data, prev_hash=prev)
            entries.append(AuditEntry(seq=seq, at=at, actor_id=event.actor_id,
                                      subject=event.subject, event=event.event, data=event.data,
                                      prev_hash=prev, hash=digest))
            prev = digest
        AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(id=HEAD_ID).update(seq=seq, hash=prev)
    return entries


@dataclass(frozen=True)
class Problem:
    seq: int
    reason: str


def _entries(batch: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(*, batch: int = 2000) -> tuple[int, list[Problem]]:
    """(entries checked, problems found), the problems in log order."""
    problems: list[Problem] = []
    expected_seq, prev = 1, GENESIS
    count = 0
    for entry in _entries(batch):
        count += 1
        if entry.seq != expected_seq:
            missing = (f"第 {expected_seq} 条" if entry.seq == expected_seq + 1
                       else f"第 {expected_seq}–{entry.seq - 1} 条")
            problems.append(Problem(expected_seq, f"{missing}缺失（已被删除）"))
        if entry.prev_hash != prev:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条与前一条的哈希链接断开"))
        recomputed = entry_hash(seq=entry.seq, at=entry.at, actor_id=entry.actor_id,
                                subject=entry.subject, event=entry.event, data=entry.data,
                                prev_hash=entry.prev_hash)
        if recomputed != entry.hash:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条的内容与其哈希不符（已被改动）"))
        expected_seq, prev = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(id=HEAD_ID).first()
    last_seq = expected_seq - 1
    if head is None:
        if count:
            problems.append(Problem(last_seq, "链头记录缺失"))
    elif head.seq != last_seq or head.hash != prev:
        if head.seq > last_seq:
            problems.append(Problem(last_seq + 1, f"链头记录到第 {head.seq} 条，日志只到第 "
                                                  f"{last_seq} 条（末尾条目已被删除）"))
        else:
            problems.append(Problem(last_seq, "链头记录与最后一条不符"))
    return count, problems


def head() -> tuple[int, str]:
    """The chain's newest (seq, hash): worth copying somewhere outside the database, since a
    log rewritten wholesale by someone with database access can only be caught from outside."""
    row = AuditHead.objects.filter(id=HEAD_ID).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def entries_for(*, subjects: Sequence[str]) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(subject__in=subjects).select_related("actor")
                .order_by("seq"))
