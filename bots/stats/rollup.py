"""Keeping the daily rollups (DocumentDay) true.

A copy's figures change when it is delivered, signed, handled or returned, and each of those
writes an audit entry with the document as its subject. The worker's `stats.rollup` turn
(every 5 s) reads the audit log past its cursor, and recomputes every (unit, day) row of the
days on which the documents named were delivered: a day is a few thousand copies, read in one
query. Once a day (and on the first turn) it also rebuilds every day, a few weeks per turn,
so that nothing the log did not name can stay wrong for long. `manage.py stats_rollup --all`
rebuilds everything at once.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from bots import clock
from bots.documents.models import Delivery, Document
from bots.stats.models import ActiveDay, DocumentDay, DocumentMonth, RollupState
from hub.seals.models import AuditEntry

logger = logging.getLogger("bots.stats")

AUDIT_BATCH = 5000
# A turn of the rebuild reads this many days (a few thousand copies each), so that it never
# holds up the worker's other tasks for long.
REBUILD_DAYS_PER_TURN = 3
REBUILD_EVERY = timedelta(hours=24)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def bucket(minutes: int) -> int:
    """The histogram key of a sign time: exact minutes below 2 hours, 5-minute steps below a
    day, whole hours beyond (each key is the lower bound of its step)."""
    if minutes < 120:
        return minutes
    if minutes < 1440:
        return minutes - minutes % 5
    return minutes - minutes % 60


OPEN = (Delivery.State.DELIVERED, Delivery.State.SIGNED, Delivery.State.REGISTERED,
        Delivery.State.ASSIGNED)


def _rows(start: date, end: date, now: datetime) -> list[DocumentDay]:
    """The rows of the days start..end (inclusive), computed from the copies delivered then."""
    # Copies are delivered the moment their document is sent: read them through the
    # documents sent around those days (a small table), by the copies' (document, unit) index.
    sent = Document.objects.filter(
        sent_at__gte=day_start(start) - timedelta(days=1),
        sent_at__lt=day_start(end + timedelta(days=2))).values("id")
    copies = (Delivery.objects.filter(document_id__in=sent,
                                      delivered_at__gte=day_start(start),
                                      delivered_at__lt=day_start(end + timedelta(days=1)))
              .values_list("unit_id", "delivered_at", "signed_at", "state", "handled_at",
                           "document__sign_within_minutes", "document__deadline"))
    out: dict[tuple[int, date], DocumentDay] = {}
    minutes: dict[tuple[int, date], Counter[int]] = defaultdict(Counter)
    days_of: dict[datetime, date] = {}  # local dates by the hour: localtime() per copy is slow
    for unit_id, delivered, signed, state, handled_at, within, deadline in copies.iterator(
            chunk_size=5000):
        hour = delivered.replace(minute=0, second=0, microsecond=0)
        day = days_of.get(hour)
        if day is None:
            day = days_of[hour] = local_day(hour)
        key = (unit_id, day)
        row = out.get(key)
        if row is None:
            row = out[key] = DocumentDay(unit_id=unit_id, day=key[1], sign_minutes={},
                                         computed_at=now)
        row.received += 1
        if signed is not None:
            row.signed += 1
            waited = signed - delivered
            if waited <= timedelta(minutes=within):
                row.signed_on_time += 1
            minutes[key][bucket(max(0, int(waited.total_seconds() // 60)))] += 1
        if state in OPEN and deadline is not None:
            row.open_due += 1
            row.open_due_min = min(row.open_due_min or deadline, deadline)
            row.open_due_max = max(row.open_due_max or deadline, deadline)
        if state == Delivery.State.HANDLED:
            row.handled += 1
            if deadline is not None and handled_at is not None and handled_at > deadline:
                row.handled_late += 1
    for key, counted in minutes.items():
        out[key].sign_minutes = {str(m): n for m, n in sorted(counted.items())}
    return list(out.values())


def recompute(days: Iterable[date], *, now: datetime | None = None) -> int:
    """Recompute the rows of these days (runs of consecutive days read together); how many
    rows were written."""
    now = now or clock.now()
    wanted = sorted(set(days))
    written = 0
    index = 0
    while index < len(wanted):
        start = end = wanted[index]
        index += 1
        while index < len(wanted) and wanted[index] == end + timedelta(days=1) \
                and (wanted[index] - start).days < REBUILD_DAYS_PER_TURN:
            end = wanted[index]
            index += 1
        rows = _rows(start, end, now)
        with transaction.atomic():
            DocumentDay.objects.filter(day__gte=start, day__lte=end).delete()
            DocumentDay.objects.bulk_create(rows, batch_size=2000)
            _months(start, end)
        written += len(rows)
    return written


def month_of(day: date) -> date:
    return day.replace(day=1)


def _months(start: date, end: date) -> None:
    """Merge the day rows of the months start..end touch into their month rows."""
    first = month_of(start)
    last = (month_of(end) + timedelta(days=32)).replace(day=1)
    merged: dict[tuple[int, date], Counter[int]] = defaultdict(Counter)
    for unit_id, day, hist in DocumentDay.objects.filter(
            day__gte=first, day__lt=last, signed__gt=0).values_list("unit_id", "day",
                                                                     "sign_minutes"):
        counter = merged[(unit_id, month_of(day))]
        for value, n in hist.items():
            counter[int(value)] += n
    DocumentMonth.objects.filter(month__gte=first, month__lt=last).delete()
    DocumentMonth.objects.bulk_create([
        DocumentMonth(unit_id=unit_id, month=month,
                      sign_minutes={str(m): n for m, n in sorted(counter.items())})
        for (unit_id, month), counter in merged.items()], batch_size=2000)


def _document_ids(subjects: Iterable[str]) -> set[int]:
    ids = set()
    for subject in subjects:
        parts = subject.split(":")
        if len(parts) >= 2 and parts[0] == "document" and parts[1].isdigit():
            ids.add(int(parts[1]))
    return ids


def _state() -> RollupState:
    state, _ = RollupState.objects.get_or_create(id=1)
    return state


def follow_audit(*, batch: int = AUDIT_BATCH) -> int:
    """Recompute the days of the documents the audit log names past the cursor; how many
    rows were written."""
    state = _state()
    rows = list(AuditEntry.objects.filter(seq__gt=state.audit_seq).order_by("seq")
                .values_list("seq", "event", "subject", "actor_id", "at")[:batch])
    if not rows:
        return 0
    _active((actor, at) for _, _, _, actor, at in rows if actor)
    documents = _document_ids(s for _, event, s, _, _ in rows if event.startswith("document."))
    days = {local_day(d) for d in Delivery.objects.filter(document_id__in=documents)
            .values_list("delivered_at", flat=True)} if documents else set()
    written = recompute(days) if days else 0
    RollupState.objects.filter(id=1, audit_seq=state.audit_seq).update(audit_seq=rows[-1][0])
    return written


def _active(pairs: Iterable[tuple[int, datetime]]) -> None:
    wanted = {(user, local_day(at)) for user, at in pairs}
    if wanted:
        ActiveDay.objects.bulk_create([ActiveDay(user_id=u, day=d) for u, d in sorted(wanted)],
                                      ignore_conflicts=True)


def follow_messages(*, batch: int = AUDIT_BATCH) -> int:
    """Mark the senders of the messages past the cursor active on their days (people, not
    bots); how many messages were read."""
    from hub.chat.models import Message

    state = _state()
    rows = list(Message.objects.filter(id__gt=state.message_id).order_by("id")
                .values_list("id", "sender_id", "created_at", "sender__is_bot")[:batch])
    if not rows:
        return 0
    _active((sender, at) for _, sender, at, bot in rows if not bot)
    RollupState.objects.filter(id=1, message_id=state.message_id).update(message_id=rows[-1][0])
    return len(rows)


def rebuild_step(*, now: datetime | None = None) -> bool:
    """One step of the periodic rebuild; True while there is more to do."""
    now = now or clock.now()
    state = _state()
    if state.rebuild_next is None:
        if state.rebuilt_at is not None and now - state.rebuilt_at < REBUILD_EVERY:
            return False
        first = Delivery.objects.order_by("delivered_at").values_list(
            "delivered_at", flat=True).first()
        if first is None:
            RollupState.objects.filter(id=1).update(rebuilt_at=now)
            return False
        state.rebuild_next = local_day(first)
    start = state.rebuild_next
    end = start + timedelta(days=REBUILD_DAYS_PER_TURN - 1)
    recompute([start + timedelta(days=i) for i in range(REBUILD_DAYS_PER_TURN)], now=now)
    if end >= local_day(now):
        RollupState.objects.filter(id=1).update(rebuild_next=None, rebuilt_at=now)
        return False
    RollupState.objects.filter(id=1).update(rebuild_next=end + timedelta(days=1))
    return True


def rebuild_all(*, now: datetime | None = None) -> None:
    """Every day from the first delivery to today (the management command, tests)."""
    RollupState.objects.update_or_create(id=1, defaults={"rebuild_next": None,
                                                        "rebuilt_at": None})
    while rebuild_step(now=now):
        pass
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    RollupState.objects.filter(id=1).update(audit_seq=last)


def turn() -> Any:
    """The worker task."""
    from bots.stats import reports

    written = follow_audit()
    follow_messages()
    rebuild_step()
    try:
        reports.check()
    except Exception:
        logger.exception("the monthly report could not be drafted")
    return written
