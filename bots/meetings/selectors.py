"""Reads: who may see a meeting, and meetings as the protocol writes them.

The organiser and the organising unit's members see the whole roster; an invited unit's
members, an invited person, a delegate and the people a unit named see the notice with
their own entries. Anyone else gets `not_found`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from bots import clock
from bots.meetings import cards
from bots.meetings.common import invitees_of, may_answer, may_organise
from bots.meetings.models import Invitee, Meeting
from hub.chat.serializers import attachment_dict, user_summary
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import UnitMembership, User
from hub.seals import audit


@dataclass
class Access:
    organiser: bool  # the organiser or a member of the organising unit
    may_change: bool  # the organiser or the organising unit's clerks and leaders
    invitees: set[int] = field(default_factory=set)  # entries the viewer may see



def _unit_ids(user: User) -> set[int]:
    return set(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True))


def _visible(user: User, units: set[int]) -> Q:
    return (Q(unit_id__in=units) | Q(user=user) | Q(delegate=user) | Q(attendees=user))


def access_meeting(*, user: User, meeting_id: Any) -> tuple[Meeting, Access]:
    """The meeting and what of it the caller may see; `not_found` if nothing."""
    mid = as_id(meeting_id)
    meeting = (Meeting.objects.select_related("unit", "organiser").filter(id=mid).first()
               if mid and mid < 2**63 else None)
    if meeting is None:
        raise not_found("会议")
    units = _unit_ids(user)
    organiser = meeting.organiser_id == user.id or meeting.unit_id in units
    mine = set(Invitee.objects.filter(meeting=meeting).filter(_visible(user, units))
               .values_list("id", flat=True))
    if not organiser and not mine:
        raise not_found("会议")
    return meeting, Access(organiser=organiser, may_change=may_organise(user=user, meeting=meeting),
                           invitees=mine)


def invitee_dict(invitee: Invitee, attendees: list[User]) -> dict[str, Any]:
    def person(user: User | None) -> dict[str, Any] | None:
        return user_summary(user) if user is not None else None

    names = cards.attendee_names(invitee, attendees)
    people = (attendees if invitee.state == Invitee.State.ATTENDING and invitee.unit_id
              else [invitee.user] if invitee.state == Invitee.State.ATTENDING and invitee.user
              else [invitee.delegate] if invitee.state == Invitee.State.DELEGATED and invitee.delegate
              else [])
    return {
        "id": invitee.id, "kind": invitee.kind,
        "unit": ({"id": invitee.unit.id, "code": invitee.unit.code, "name": invitee.unit.name}
                 if invitee.unit else None),
        "user": person(invitee.user), "name": invitee.name,
        "state": invitee.state, "state_label": invitee.get_state_display(),
        "answer": cards.answer_text(invitee, attendees),
        "attendees": [user_summary(u) for u in people if u is not None],
        "attendee_names": names,
        "reason": invitee.reason or None, "delegate": person(invitee.delegate),
        "responded_by": person(invitee.responded_by), "responded_at": iso(invitee.responded_at),
        "rsvp_reminders": invitee.rsvp_reminders,
        "last_reminded_at": iso(invitee.last_reminded_at), "message": invitee.message_id,
    }


def roster_dict(meeting: Meeting, access: Access) -> dict[str, Any]:
    invitees, attendees = invitees_of(meeting)
    visible = [i for i in invitees if access.organiser or i.id in access.invitees]
    entries = [invitee_dict(i, attendees.get(i.id, [])) for i in visible]
    return {
        "meeting": meeting.id,
        "totals": cards.totals(invitees, attendees) if access.organiser else None,
        "entries": entries,
        "attending": [e for e in entries if e["state"] in ("attending", "delegated")],
        "excused": [e for e in entries if e["state"] == "declined"],
        "pending": [e for e in entries if e["state"] == "pending"],
    }


def meeting_dict(meeting: Meeting, access: Access, *, viewer: User,
                 with_log: bool = True) -> dict[str, Any]:
    now = clock.now()
    roster = roster_dict(meeting, access)
    files = list(meeting.files.select_related("attachment").order_by("position"))
    answerable = [i.id for i in Invitee.objects.filter(id__in=access.invitees).select_related("unit")
                  if may_answer(user=viewer, invitee=i)]
    state = meeting.state
    if state == Meeting.State.SCHEDULED and now >= meeting.end:
        state = "ended"
    elif state == Meeting.State.SCHEDULED and now >= meeting.start:
        state = "started"
    return {
        "id": meeting.id, "title": meeting.title, "start": iso(meeting.start),
        "end": iso(meeting.end), "location": meeting.location, "agenda": meeting.agenda,
        "rsvp_by": iso(meeting.rsvp_by), "remind_before_minutes": meeting.remind_before_minutes,
        "state": state, "version": meeting.version,
        "unit": {"id": meeting.unit.id, "code": meeting.unit.code, "name": meeting.unit.name},
        "organiser": user_summary(meeting.organiser),
        "created_at": iso(meeting.created_at), "updated_at": iso(meeting.updated_at),
        "cancelled_at": iso(meeting.cancelled_at), "cancel_reason": meeting.cancel_reason or None,
        "attachments": [attachment_dict(f.attachment) for f in files],
        "invitees": roster["entries"], "roster": roster,
        "roster_message": meeting.roster_message_id if access.organiser else None,
        "viewer": {"organiser": access.organiser, "may_change": access.may_change,
                   "answers_for": answerable},
        "log": _log(meeting) if with_log and access.organiser else None,
    }


def _log(meeting: Meeting) -> list[dict[str, Any]]:
    return [{"seq": e.seq, "at": iso(e.at), "event": e.event,
             "actor": user_summary(e.actor) if e.actor else None,
             "data": {k: v for k, v in e.data.items() if k != "title"}}
            for e in audit.entries_for(subjects=[meeting.subject])]


def meetings_for(*, user: User, box: str, limit: int, offset: int) -> dict[str, Any]:
    """Meetings the caller organised (their units') or was invited to, newest start first."""
    units = _unit_ids(user)
    organised = Q(unit_id__in=units) | Q(organiser=user)
    invited = (Q(invitees__unit_id__in=units) | Q(invitees__user=user)
               | Q(invitees__delegate=user) | Q(invitees__attendees=user))
    condition = {"organised": organised, "invited": invited}.get(box, organised | invited)
    ids = list(Meeting.objects.filter(condition).order_by("-start", "-id")
               .values_list("id", flat=True).distinct())
    page = ids[offset:offset + limit]
    meetings = {m.id: m for m in Meeting.objects.filter(id__in=page).select_related("unit")}
    out = []
    for mid in page:
        meeting = meetings[mid]
        invitees = list(Invitee.objects.filter(meeting=meeting).filter(_visible(user, units))
                        .select_related("unit", "user").distinct())
        mine = [{"invitee": i.id, "unit": i.unit.code if i.unit else None, "state": i.state,
                 "message": i.message_id} for i in invitees]
        out.append({"id": meeting.id, "title": meeting.title, "start": iso(meeting.start),
                    "end": iso(meeting.end), "location": meeting.location,
                    "state": meeting.state, "rsvp_by": iso(meeting.rsvp_by),
                    "unit": {"code": meeting.unit.code, "name": meeting.unit.name},
                    "box": "organised" if meeting.unit_id in units or meeting.organiser_id == user.id
                    else "invited", "mine": mine})
    return {"total": len(ids), "results": out}
