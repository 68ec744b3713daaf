"""Meetings in the search index: the builder registered with search/registry.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from bots.meetings.models import Invitee, Meeting, MeetingFile
from search.sources import FileRef, Item, names, year_of


def meetings(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
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
            "year": year_of(m.start), "doctype": "", "attach": "1" if files.get(m.id) else "",
            "created": m.created_at, "title": m.title, "number": "",
            "body": "\n".join(x for x in (m.agenda, m.location and f"地点：{m.location}",
                                          m.cancel_reason) if x),
            "names": names([m.organiser]), "aud": " ".join(sorted(aud)),
            "state": m.state, "version": m.version,
        }, files.get(m.id, []))
    if ids is not None:
        for missing in wanted - found:
            yield ("meeting", missing)


def cards(ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for meeting_id, a, b in Invitee.objects.filter(meeting_id__in=ids).values_list(
            "meeting_id", "message_id", "delegate_message_id"):
        out[meeting_id] += [m for m in (a, b) if m]
    for meeting_id, m in Meeting.objects.filter(id__in=ids).values_list(
            "id", "roster_message_id"):
        if m:
            out[meeting_id].append(m)
    return out


def register() -> None:
    from search import registry

    registry.register_source(registry.Source(
        kind="meeting", label="会议", names=("meetings",), build=meetings,
        count=lambda: Meeting.objects.count(), cards=cards))
