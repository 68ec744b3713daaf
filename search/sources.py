"""What the index keeps of each searchable thing, read from the database.

One builder per kind turns rows into index documents, in batches (a rebuild reads a million
messages in a few thousand queries). Each document carries its audience as `aud` terms:
`r<room id>` for a message (and an approval posted in a room), `u<unit id>` for the units that
sent or received a document or organised or were invited to a meeting, `p<user id>` for people
named on it (assignees, circulation readers, invited people, delegates, requesters,
approvers), and `d<user id>` for an approver who is awaited on a pending approval, so that
their deputy (代批) finds it while the delegation is active. The searcher's filter is built
from the caller's current rooms, units and id, and the people whose active delegation names
the caller (search/query.py `caller`): a delegation that starts, ends or is revoked changes
what the deputy finds without touching the index.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from hub.chat.actions import attachment_path
from hub.chat.models import Attachment, Message
from hub.org.models import UnitMembership, User
from search import index
from search.extract import extract

KINDS = ("message", "document", "meeting", "approval")


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


def _units_of(user_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for user_id, code in (UnitMembership.objects.filter(user_id__in=set(user_ids))
                          .order_by("unit__sort_order", "unit__code")
                          .values_list("user_id", "unit__code")):
        out[user_id].append(code)
    return out


def _names(users: Iterable[User | None]) -> str:
    lines: list[str] = []
    for user in users:
        if user is None:
            continue
        lines.append(user.display_name or user.username)
        lines.append(user.username)
    return "\n".join(dict.fromkeys(x for x in lines if x))


def _year(moment: datetime) -> str:
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
        units = _units_of(m.sender_id for m in live)
        live_ids = {m.id for m in live}
        for m in batch:
            seen.add(m.id)
            if m.id not in live_ids:
                yield ("message", m.id)
                continue
            yield Item("message", m.id, {
                "type": "message", "room": str(m.room_id), "sender": str(m.sender_id),
                "unit": ",".join(units.get(m.sender_id, [])), "year": _year(m.created_at),
                "doctype": "", "attach": "1" if files.get(m.id) else "",
                "created": m.created_at, "title": "", "number": "", "body": m.body,
                "names": _names([m.sender]), "aud": f"r{m.room_id}",
                "edited": m.edited_at,
            }, files.get(m.id, []))
        if len(batch) < size:
            break
    for missing in (wanted or set()) - seen:
        yield ("message", missing)


# --- documents ----------------------------------------------------------------------------------
def documents(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
    from bots.documents.models import Circulation, Delivery, Document, DocumentAttachment

    qs = Document.objects.select_related("unit", "sender").order_by("id")
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    rows = list(qs)
    found = {d.id for d in rows}
    doc_ids = list(found)
    audience: dict[int, set[str]] = defaultdict(set)
    for doc_id, unit_id, assignee_id in Delivery.objects.filter(
            document_id__in=doc_ids).values_list("document_id", "unit_id", "assignee_id"):
        audience[doc_id].add(f"u{unit_id}")
        if assignee_id:
            audience[doc_id].add(f"p{assignee_id}")
    for doc_id, reader_id in Circulation.objects.filter(
            delivery__document_id__in=doc_ids).values_list("delivery__document_id", "reader_id"):
        audience[doc_id].add(f"p{reader_id}")
    files: dict[int, list[FileRef]] = defaultdict(list)
    for f in DocumentAttachment.objects.filter(document_id__in=doc_ids).select_related(
            "attachment").order_by("position"):
        files[f.document_id].append(FileRef(f.attachment.id, f.name, f.attachment.storage_name))
    for d in rows:
        aud = {f"u{d.unit_id}", f"p{d.sender_id}", *audience[d.id]}
        yield Item("document", d.id, {
            "type": "document", "room": "", "sender": str(d.sender_id), "unit": d.unit.code,
            "year": str(d.issued_on.year), "doctype": d.doc_type,
            "attach": "1" if files.get(d.id) else "", "created": d.sent_at, "title": d.title,
            "number": f"{d.number}\n{d.number_raw}", "body": "\n".join(
                x for x in (d.body, d.notes, d.signer and f"签发人：{d.signer}",
                            f"{d.unit.name}") if x),
            "names": _names([d.sender]) + (f"\n{d.signer}" if d.signer else ""),
            "aud": " ".join(sorted(aud)),
        }, files.get(d.id, []))
    if ids is not None:
        for missing in wanted - found:
            yield ("document", missing)


# --- meetings -----------------------------------------------------------------------------------
def meetings(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
    from bots.meetings.models import Invitee, Meeting, MeetingFile

    qs = Meeting.objects.select_related("unit", "organiser").order_by("id")
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    rows = list(qs)
    found = {m.id for m in rows}
    audience: dict[int, set[str]] = defaultdict(set)
    for invitee in Invitee.objects.filter(meeting_id__in=found).prefetch_related("attendees"):
        if invitee.unit_id:
            audience[invitee.meeting_id].add(f"u{invitee.unit_id}")
        for user_id in (invitee.user_id, invitee.delegate_id):
            if user_id:
                audience[invitee.meeting_id].add(f"p{user_id}")
        for person in invitee.attendees.all():
            audience[invitee.meeting_id].add(f"p{person.id}")
    files: dict[int, list[FileRef]] = defaultdict(list)
    for f in MeetingFile.objects.filter(meeting_id__in=found).select_related(
            "attachment").order_by("position"):
        a = f.attachment
        files[f.meeting_id].append(FileRef(a.id, a.name, a.storage_name))
    for m in rows:
        aud = {f"u{m.unit_id}", f"p{m.organiser_id}", *audience[m.id]}
        yield Item("meeting", m.id, {
            "type": "meeting", "room": "", "sender": str(m.organiser_id), "unit": m.unit.code,
            "year": _year(m.start), "doctype": "", "attach": "1" if files.get(m.id) else "",
            "created": m.created_at, "title": m.title, "number": "",
            "body": "\n".join(x for x in (m.agenda, m.location and f"地点：{m.location}",
                                          m.cancel_reason) if x),
            "names": _names([m.organiser]), "aud": " ".join(sorted(aud)),
            "state": m.state, "version": m.version,
        }, files.get(m.id, []))
    if ids is not None:
        for missing in wanted - found:
            yield ("meeting", missing)


# --- approvals ----------------------------------------------------------------------------------
def approvals(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
    from bots.approvals.models import Approval, ApprovalFile, Step, StepApprover

    qs = Approval.objects.select_related("requester").order_by("id")
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    rows = list(qs)
    found = {a.id for a in rows}
    audience: dict[int, set[str]] = defaultdict(set)
    people: dict[int, list[User]] = defaultdict(list)
    comments: dict[int, list[str]] = defaultdict(list)
    for place in StepApprover.objects.filter(step__approval_id__in=found).select_related(
            "user", "step", "step__approval").order_by("step__round", "step__index", "position"):
        approval_id = place.step.approval_id
        audience[approval_id].add(f"p{place.user_id}")
        if place.decided_by_id:
            audience[approval_id].add(f"p{place.decided_by_id}")
        if (not place.decision and place.step.state == Step.State.ACTIVE
                and place.step.approval.state == Approval.State.PENDING):
            # Awaited: whoever is their deputy (代批) while the search runs sees it too.
            audience[approval_id].add(f"d{place.user_id}")
        people[approval_id].append(place.user)
        if place.comment:
            comments[approval_id].append(place.comment)
    files: dict[int, list[FileRef]] = defaultdict(list)
    for f in ApprovalFile.objects.filter(approval_id__in=found).select_related(
            "attachment").order_by("position"):
        files[f.approval_id].append(FileRef(f.attachment.id, f.name, f.attachment.storage_name))
    units = _units_of(a.requester_id for a in rows)
    for a in rows:
        aud = {f"p{a.requester_id}", *audience[a.id]}
        if a.room_id:
            aud.add(f"r{a.room_id}")
        yield Item("approval", a.id, {
            "type": "approval", "room": "", "sender": str(a.requester_id),
            "unit": ",".join(units.get(a.requester_id, [])), "year": _year(a.created_at),
            "doctype": "", "attach": "1" if files.get(a.id) else "", "created": a.created_at,
            "title": a.title, "number": "", "body": "\n".join([a.body, *comments[a.id]]),
            "names": _names([a.requester, *people[a.id]]), "aud": " ".join(sorted(aud)),
            "state": a.state,
        }, files.get(a.id, []))
    if ids is not None:
        for missing in wanted - found:
            yield ("approval", missing)


BUILDERS: dict[str, Callable[[Iterable[int] | None], Iterator[Item | tuple[str, int]]]] = {
    "message": messages, "document": documents, "meeting": meetings, "approval": approvals,
}

INDEXED = ("type", "room", "sender", "unit", "year", "doctype", "attach", "created", "title",
           "number", "body", "names", "aud")


def to_index(item: Item, *, with_files: bool = True) -> tuple[dict[str, Any], list[str]]:
    """The whoosh document for an item, and the files that could not be read."""
    doc = {name: item.fields[name] for name in INDEXED}
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
