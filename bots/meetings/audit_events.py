"""The audit events of a meeting notice, one keyword-only function per kind."""

from __future__ import annotations

from datetime import datetime

from bots.meetings.models import Invitee, Meeting
from hub.lib.times import iso
from hub.seals.audit import Event


def _event(name: str, meeting: Meeting, actor_id: int | None, at: datetime,
           **data: object) -> Event:
    return Event(event=f"meeting.{name}", subject=meeting.subject, actor_id=actor_id,
                 data={"title": meeting.title, **data}, at=at)


def _who(invitee: Invitee) -> dict[str, object]:
    return {"invitee": invitee.id, "unit": invitee.unit.code if invitee.unit else None,
            "user": invitee.user_id}


def created(*, meeting: Meeting, invitees: list[Invitee], at: datetime) -> Event:
    return _event("created", meeting, meeting.organiser_id, at, unit=meeting.unit.code,
                  start=iso(meeting.start), end=iso(meeting.end), location=meeting.location,
                  rsvp_by=iso(meeting.rsvp_by),
                  units=[i.unit.code for i in invitees if i.unit is not None],
                  people=[i.user_id for i in invitees if i.user_id is not None])


def answered(*, meeting: Meeting, invitee: Invitee, actor_id: int, attendees: list[int],
             at: datetime) -> Event:
    return _event("answered", meeting, actor_id, at, **_who(invitee), state=invitee.state,
                  attendees=attendees, reason=invitee.reason,
                  delegate=invitee.delegate_id)


def changed(*, meeting: Meeting, actor_id: int, fields: dict[str, object], at: datetime) -> Event:
    return _event("changed", meeting, actor_id, at, version=meeting.version, changes=fields)


def cancelled(*, meeting: Meeting, actor_id: int, at: datetime) -> Event:
    return _event("cancelled", meeting, actor_id, at, reason=meeting.cancel_reason)


def reminded(*, meeting: Meeting, invitee: Invitee | None, reason: str, actor_id: int | None,
             users: list[int], at: datetime) -> Event:
    """`reason`: "rsvp" (not answered) or "start" (attendees, before the start)."""
    who = _who(invitee) if invitee is not None else {}
    return _event("reminded", meeting, actor_id, at, reason=reason, to=users, **who)
