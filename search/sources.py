"""What the index keeps of each searchable thing, read from the database: the pieces every
source shares (`Item`, `to_index`, people's names and units) and the core's own source,
messages. The bots' sources (documents, meetings, approvals ...) live with the bots and are
registered through search/registry.py.

A builder turns rows into index documents, in batches (a rebuild reads a million messages in
a few thousand queries). Each document carries its audience as `aud` terms: `r<room id>` for
a message, `u<unit id>` for a unit, `p<user id>` for a person, and terms of a source's own
that an audience provider (search/registry.py) hands to the callers who match them now, such
as `d<user id>` for an approver awaited on a pending approval, found by whoever is that
approver's deputy (代批) while the delegation is active. The searcher's filter is built from
the caller's current rooms, units and id and those extra terms (search/query.py `caller`), so
a delegation that starts, ends or is revoked changes what the deputy finds without touching
the index.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from hub.chat.actions import attachment_path
from hub.chat.models import Attachment, Message
from hub.org.models import UnitMembership, User
from search import index
from search.extract import extract


@dataclass
class FileRef:
    id: int
    name: str
    storage_name: str


@dataclass
class Item:
    """One index document before attachment text is added."""

    kind: str
    id: int
    fields: dict[str, Any]
    files: list[FileRef] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def stamp(self) -> str:
        """A digest of what was read from the database (not of the file text): an index
        entry with another stamp is stale."""
        data = {k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in sorted(self.fields.items())}
        data["files"] = [f.id for f in self.files]
        return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode(),
                            usedforsecurity=False).hexdigest()


def key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def units_of(user_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for user_id, code in (UnitMembership.objects.filter(user_id__in=set(user_ids))
                          .order_by("unit__sort_order", "unit__code")
                          .values_list("user_id", "unit__code")):
        out[user_id].append(code)
    return out


def names(users: Iterable[User | None]) -> str:
    lines: list[str] = []
    for user in users:
        if user is None:
            continue
        lines.append(user.display_name or user.username)
        lines.append(user.username)
    return "\n".join(dict.fromkeys(x for x in lines if x))


def year_of(moment: datetime) -> str:
    return str(timezone.localtime(moment).year)


# --- messages -----------------------------------------------------------------------------------
def messages(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
    """Items for messages (all when `ids` is None); a `(kind, id)` pair for a message that
    must not be in the index (deleted, gone, or not a text message)."""
    qs = Message.objects.select_related("sender").order_by("id")
    wanted: set[int] | None = None
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    yield from _message_batches(qs, wanted)


def _message_batches(qs: Any, wanted: set[int] | None, size: int = 2000
                     ) -> Iterator[Item | tuple[str, int]]:
    seen: set[int] = set()
    last = 0
    while True:
        batch = list(qs.filter(id__gt=last)[:size])
        if not batch:
            break
        last = batch[-1].id
        live = [m for m in batch if m.kind == Message.Kind.TEXT and not m.deleted]
        files: dict[int, list[FileRef]] = defaultdict(list)
        through = Message.attachments.through.objects.filter(
            message_id__in=[m.id for m in live]).select_related("attachment")
        for row in through:
            a: Attachment = row.attachment
            files[row.message_id].append(FileRef(a.id, a.name, a.storage_name))
        units = units_of(m.sender_id for m in live)
        live_ids = {m.id for m in live}
        for m in batch:
            seen.add(m.id)
            if m.id not in live_ids:
                yield ("message", m.id)
                continue
            yield Item("message", m.id, {
                "type": "message", "room": str(m.room_id), "sender": str(m.sender_id),
                "unit": ",".join(units.get(m.sender_id, [])), "year": year_of(m.created_at),
                "doctype": "", "attach": "1" if files.get(m.id) else "",
                "created": m.created_at, "title": "", "number": "", "body": m.body,
                "names": names([m.sender]), "aud": f"r{m.room_id}",
                "edited": m.edited_at, "topic": m.topic or "",
            }, files.get(m.id, []))
        if len(batch) < size:
            break
    for missing in (wanted or set()) - seen:
        yield ("message", missing)


def message_cards(ids: list[int]) -> dict[int, list[int]]:
    return {i: [i] for i in ids}


def count_messages() -> int:
    return Message.objects.filter(kind=Message.Kind.TEXT, deleted=False).count()

INDEXED = ("type", "room", "sender", "unit", "year", "doctype", "attach", "created", "title",
           "number", "body", "names", "aud")


def to_index(item: Item, *, with_files: bool = True) -> tuple[dict[str, Any], list[str]]:
    """The whoosh document for an item, and the files that could not be read."""
    doc = {name: item.fields[name] for name in INDEXED}
    doc["topic"] = item.fields.get("topic") or ""  # a message's 话题 (topic:)
    doc["created"] = doc["created"].astimezone(UTC).replace(tzinfo=None)
    doc["meta"] = index.meta(aud=doc["aud"], type=doc["type"], unit=doc["unit"],
                             year=doc["year"], doctype=doc["doctype"])
    doc["key"] = item.key
    doc["oid"] = item.id
    doc["stamp"] = item.stamp()
    failed: list[str] = []
    texts: list[str] = []
    for ref in item.files:
        texts.append(ref.name)
        if not with_files:
            continue
        got = extract(attachment_path(_attachment(ref)), name=ref.name)
        if got.error:
            failed.append(f"{ref.name}：{got.error}")
        elif got.text:
            texts.append(got.text)
    doc["files"] = "\n".join(texts)
    doc["failed"] = failed
    return doc, failed


def _attachment(ref: FileRef) -> Attachment:
    return Attachment(id=ref.id, name=ref.name, storage_name=ref.storage_name)
