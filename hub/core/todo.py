"""The caller's to-do list (待办): one registry that every bot adds its kinds of work to.

A bot registers each kind when it starts (`register(kind=, label=, object_type=, provider=)`):
the provider answers, for one person, what of that kind waits for them now, as `TodoItem`s
that name the object and the card message where they act on it. `GET /api/v1/todo` asks every
provider and adds, per item, the card as the caller sees it (only the buttons they may press),
so a client acts in place without knowing the bots. A provider may also give a `counter` that
counts its items for many people at once; without one, counting calls the provider per person.

Live counts: any action that can change someone's to-do calls `changed(user_ids=…)` or
`changed_units(unit_ids=…)` inside its transaction. A few people are recounted right after the
commit, in the process that made the change; a change that reaches many (a document to 95
units) instead writes `TodoDirty` rows, committed with the change, that the worker task
`todo.publish` drains and recounts in bulk. Either way each person's sockets get
`{"type": "todo", "counts", "total"}` once the change is visible to a new `GET /todo`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from hub.core.models import TodoDirty
from hub.lib.times import iso

logger = logging.getLogger("hub.todo")

# Recounted after commit in the process that made the change up to this many people (or
# units); beyond, the rows go to the worker. Bulk counters recount a few hundred people in a
# few queries (docs/performance.md), so this bounds the work added to one request.
INLINE_MAX_USERS = 60
INLINE_MAX_UNITS = 3
# The worker recounts at most this many people per turn, in envelopes of this many.
DRAIN_MAX_ROWS = 20_000
ENVELOPE_USERS = 500


@dataclass
class TodoItem:
    """One thing waiting for someone. `message` is the card where they act on it (a card in a
    room they are in), `unit` the unit it waits on (`{"code", "name"}`) when it is a unit's."""

    kind: str
    ref: int
    title: str
    since: datetime
    message: int | None = None
    unit: dict[str, str] | None = None
    deadline: datetime | None = None
    overdue: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    def __call__(self, *, user: Any, now: datetime) -> list[TodoItem]: ...


class Counter(Protocol):
    def __call__(self, *, user_ids: Sequence[int], now: datetime) -> dict[int, int]: ...


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    object_type: str
    provider: Provider
    counter: Counter | None = None


_kinds: dict[str, Kind] = {}


def register(*, kind: str, label: str, object_type: str, provider: Provider,
             counter: Counter | None = None) -> None:
    """Add a kind of pending work (in the bot's AppConfig.ready). `label` is its Chinese name
    (签收), `object_type` the page that opens its objects (`document`, `approval`...).
    `counter(user_ids=, now=)` must agree with `len(provider(...))` for each person."""
    _kinds[kind] = Kind(kind=kind, label=label, object_type=object_type, provider=provider,
                        counter=counter)


def unregister(kind: str) -> None:
    _kinds.pop(kind, None)


def kinds() -> list[dict[str, str]]:
    return [{"kind": k.kind, "label": k.label, "object_type": k.object_type}
            for k in _kinds.values()]


# --- reading ---------------------------------------------------------------------------------------
def _cards(user_id: int, message_ids: set[int]) -> dict[int, tuple[int, dict[str, Any] | None]]:
    """The card messages among `message_ids` that are in a room the user is in, as
    {message id: (room id, card as the user sees it)}: one query."""
    from hub.chat.cards import for_viewer
    from hub.chat.models import Message

    if not message_ids:
        return {}
    rows = (Message.objects.filter(id__in=message_ids, room__members__user_id=user_id)
            .values_list("id", "room_id", "card", "deleted"))
    out: dict[int, tuple[int, dict[str, Any] | None]] = {}
    for message_id, room_id, card, deleted in rows:
        shown = None if deleted or not card else for_viewer({"card": card}, user_id)["card"]
        out[message_id] = (room_id, shown)
    return out


def _provided(kind: Kind, *, user: Any, now: datetime) -> list[TodoItem]:
    try:
        return list(kind.provider(user=user, now=now))
    except Exception:
        # One bot's fault must not empty everyone's 工作台.
        logger.exception("to-do provider %s failed for user %s", kind.kind, user.id)
        return []


def todo_for(*, user: Any, now: datetime | None = None) -> dict[str, Any]:
    """`{"total", "counts", "items"}`: everything waiting for the user, oldest first; every
    registered kind appears in `counts`, with 0 when nothing of it waits."""
    now = now or timezone.now()
    items: list[TodoItem] = []
    for kind in _kinds.values():
        items.extend(_provided(kind, user=user, now=now))
    items.sort(key=lambda i: (i.since, i.kind, i.ref))
    cards = _cards(user.id, {i.message for i in items if i.message})
    counts = dict.fromkeys(_kinds, 0)
    out = []
    for item in items:
        registered = _kinds.get(item.kind)
        if registered is None:
            continue
        counts[item.kind] += 1
        room, card = cards.get(item.message, (None, None)) if item.message else (None, None)
        out.append({
            "kind": item.kind, "label": registered.label, "title": item.title, "ref": item.ref,
            "object_type": registered.object_type,
            "message": item.message if room is not None else None, "room": room,
            "unit": item.unit, "since": iso(item.since), "deadline": iso(item.deadline),
            "overdue": item.overdue, "card": card, **item.extra,
        })
    return {"total": len(out), "counts": counts, "items": out}


def counts_for(*, user_ids: Iterable[int], now: datetime | None = None
               ) -> dict[int, dict[str, int]]:
    """Each person's counts per kind, computed in bulk where the kinds have counters."""
    from hub.org.models import User

    now = now or timezone.now()
    ids = sorted(set(user_ids))
    out: dict[int, dict[str, int]] = {uid: dict.fromkeys(_kinds, 0) for uid in ids}
    if not ids:
        return out
    people: dict[int, Any] | None = None
    for kind in _kinds.values():
        try:
            if kind.counter is not None:
                counted = kind.counter(user_ids=ids, now=now)
            else:
                if people is None:
                    people = {u.id: u for u in User.objects.filter(id__in=ids)}
                counted = {uid: len(kind.provider(user=u, now=now)) for uid, u in people.items()}
        except Exception:
            logger.exception("to-do counter %s failed", kind.kind)
            continue
        for uid, n in counted.items():
            if uid in out:
                out[uid][kind.kind] = n
    return out


# --- announcing changes ------------------------------------------------------------------------------
def _expand(user_ids: Iterable[int], unit_ids: Iterable[int]) -> set[int]:
    """The people behind a set of people and units (active, not bots: bots have no to-do)."""
    from hub.org.models import UnitMembership, User

    people = set(user_ids)
    units = set(unit_ids)
    if units:
        people |= set(UnitMembership.objects.filter(unit_id__in=units)
                      .values_list("user_id", flat=True))
    if not people:
        return set()
    return set(User.objects.filter(id__in=people, is_active=True, is_bot=False)
               .values_list("id", flat=True))


def publish_counts(user_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recount these people and send each of their sockets a `todo` frame; how many."""
    from hub.chat import events
    from hub.lib.realtime import publish

    counts = counts_for(user_ids=user_ids, now=now)
    ids = sorted(counts)
    for start in range(0, len(ids), ENVELOPE_USERS):
        chunk = {uid: counts[uid] for uid in ids[start:start + ENVELOPE_USERS]}
        publish(events.todo(chunk))
    return len(ids)


def _write_rows(users: Iterable[int], units: Iterable[int]) -> None:
    TodoDirty.objects.bulk_create(
        [TodoDirty(user_id=u) for u in sorted(set(users))]
        + [TodoDirty(unit_id=u) for u in sorted(set(units))])


class _Pending:
    """The people and units a transaction said changed, recounted after it commits; one per
    transaction (it is the on_commit callback itself, so a rollback drops it)."""

    def __init__(self) -> None:
        self.users: set[int] = set()
        self.units: set[int] = set()
        self.spilled = False

    def add(self, users: Iterable[int], units: Iterable[int]) -> None:
        if self.spilled:
            _write_rows(users, units)
            return
        self.users.update(users)
        self.units.update(units)
        if len(self.users) > INLINE_MAX_USERS or len(self.units) > INLINE_MAX_UNITS:
            # Too many to recount in this request: rows in this transaction, for the worker.
            _write_rows(self.users, self.units)
            self.users, self.units, self.spilled = set(), set(), True

    def __call__(self) -> None:
        if not self.users and not self.units:
            return
        try:
            publish_counts(_expand(self.users, self.units))
        except Exception:
            logger.exception("to-do counts could not be published")


def _pending() -> _Pending:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Pending):
                return func
    pending = _Pending()
    if connection.in_atomic_block:
        transaction.on_commit(pending, robust=True)
    return pending


def changed(*, user_ids: Iterable[int]) -> None:
    """These people's to-do may have changed: call inside the transaction of the change.
    Their sockets hear the new counts after it commits (never if it rolls back)."""
    ids = [int(u) for u in user_ids if u]
    if not ids:
        return
    pending = _pending()
    pending.add(ids, ())
    if not transaction.get_connection().in_atomic_block:
        pending()


def changed_units(*, unit_ids: Iterable[int]) -> None:
    """The to-do of everyone in these units may have changed (work waiting on a unit's
    clerks or leaders): call inside the transaction of the change."""
    ids = [int(u) for u in unit_ids if u]
    if not ids:
        return
    pending = _pending()
    pending.add((), ids)
    if not transaction.get_connection().in_atomic_block:
        pending()


def drain(*, limit: int = DRAIN_MAX_ROWS) -> int:
    """The worker task: take the rows that changes left, recount those people in bulk and
    publish their counts. Returns how many people were told."""
    with transaction.atomic():
        rows = list(TodoDirty.objects.select_for_update(skip_locked=True).order_by("id")
                    .values_list("id", "user_id", "unit_id")[:limit])
        if not rows:
            return 0
        TodoDirty.objects.filter(id__in=[r[0] for r in rows]).delete()
    people = _expand((u for _, u, _ in rows if u), (u for _, _, u in rows if u))
    return publish_counts(people)
