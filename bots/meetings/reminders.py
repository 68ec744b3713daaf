"""Meeting reminders, as scheduled jobs.

- RSVP: `HUITONG_MEETING_RSVP_REMIND_WORKDAYS` working days (default 1) before the RSVP
  deadline, counted on the working-day calendar (so a Monday deadline is chased on Friday,
  or on a 调休 working Saturday), invitees that have not answered are reminded: a unit in its
  room (naming its clerks), a person in their direct room with the bot.
- Start: `remind_before_minutes` (default `HUITONG_MEETING_REMIND_BEFORE_MINUTES`, 60) before
  the start, everyone attending (a person, a delegate, the people a unit named) is told
  directly.

Jobs are keyed by the meeting's version: a change cancels them and schedules new ones, and
a job that finds the meeting changed or cancelled does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from bots import jobs
from bots.calendar import workdays
from bots.meetings import audit_events, cards
from bots.meetings.common import meeting_bot
from bots.meetings.models import Invitee, Meeting
from hub.chat.models import Room
from hub.org.models import UnitMembership, User
from hub.seals import audit
from hub.seals.audit import Event

RSVP_REMINDER = "meetings.rsvp_reminder"
START_REMINDER = "meetings.start_reminder"


def _key(meeting: Meeting, what: str) -> str:
    return f"meeting:{meeting.id}:v{meeting.version}:{what}"


def rsvp_reminder_at(meeting: Meeting, *, now: datetime) -> datetime | None:
    """When the not-yet-answered are chased: working days before the RSVP deadline, or
    half-way to it when that is already past; None when the deadline has passed."""
    if meeting.rsvp_by <= now:
        return None
    at = workdays.subtract_working_days(meeting.rsvp_by,
                                        settings.HUITONG_MEETING_RSVP_REMIND_WORKDAYS)
    if at <= now:
        at = now + (meeting.rsvp_by - now) / 2
    return at


def schedule_for(meeting: Meeting, *, now: datetime) -> None:
    """The meeting's reminder jobs (in the caller's transaction)."""
    at = rsvp_reminder_at(meeting, now=now)
    if at is not None:
        jobs.schedule(kind=RSVP_REMINDER, key=_key(meeting, "rsvp"), run_at=at,
                      payload={"meeting": meeting.id, "version": meeting.version})
    if meeting.remind_before_minutes > 0:
        at = meeting.start - timedelta(minutes=meeting.remind_before_minutes)
        if at > now:
            jobs.schedule(kind=START_REMINDER, key=_key(meeting, "start"), run_at=at,
                          payload={"meeting": meeting.id, "version": meeting.version})


def cancel(meeting: Meeting) -> None:
    jobs.cancel(key_prefix=f"meeting:{meeting.id}:")


def reschedule(meeting: Meeting, *, now: datetime) -> None:
    cancel(meeting)
    schedule_for(meeting, now=now)


def _clerk_mentions(unit_id: int) -> str:
    names = (UnitMembership.objects.filter(unit_id=unit_id, role=UnitMembership.Role.CLERK)
             .values_list("user__username", flat=True))
    return " ".join(f"@{n}" for n in names)


def remind_pending(meeting: Meeting, *, actor: User | None, now: datetime) -> list[Event]:
    """Remind every invitee that has not answered; returns the audit events (the caller
    appends them last)."""
    bot = meeting_bot()
    pending = list(Invitee.objects.filter(meeting=meeting, state=Invitee.State.PENDING)
                   .select_related("unit", "user"))
    rooms = dict(Room.objects.filter(unit_id__in=[i.unit_id for i in pending if i.unit_id])
                 .values_list("unit_id", "id"))
    bot.join(sorted(rooms.values()))
    text = (f"【会议催复】“{meeting.title}”（{cards.span(meeting)}）请于 "
            f"{cards.when(meeting.rsvp_by)} 前回复是否参加，请在会议通知卡片上选择参加、请假或代参。")
    events = []
    for invitee in sorted(pending, key=lambda i: rooms.get(i.unit_id or 0, 0)):
        if invitee.unit_id is not None:
            room = rooms.get(invitee.unit_id)
            if room is None:
                continue
            bot.post(room_id=room, body=f"{text} {_clerk_mentions(invitee.unit_id)}".strip(),
                     join=False)
            users: list[int] = []
        else:
            assert invitee.user is not None
            bot.direct(user=invitee.user, body=text, markdown=False)
            users = [invitee.user.id]
        invitee.rsvp_reminders += 1
        invitee.last_reminded_at = now
        invitee.save(update_fields=["rsvp_reminders", "last_reminded_at"])
        events.append(audit_events.reminded(meeting=meeting, invitee=invitee, reason="rsvp",
                                            actor_id=actor.id if actor else None, users=users,
                                            at=now))
    return events


def _current(due: jobs.Due) -> Meeting | None:
    meeting = (Meeting.objects.select_for_update(of=("self",)).select_related("unit")
               .filter(id=int(due.payload["meeting"])).first())
    if (meeting is None or meeting.state != Meeting.State.SCHEDULED
            or meeting.version != int(due.payload.get("version", 0))):
        return None
    return meeting


def rsvp_reminder(due: jobs.Due) -> None:
    meeting = _current(due)
    if meeting is None or due.now >= meeting.start:
        return
    audit.append(remind_pending(meeting, actor=None, now=due.now))


def attendees_of(meeting: Meeting) -> list[tuple[User, Invitee]]:
    """Everyone attending, with the invitation they attend for."""
    out: dict[int, tuple[User, Invitee]] = {}
    invitees = (Invitee.objects.filter(meeting=meeting).filter(
        Q(state=Invitee.State.ATTENDING) | Q(state=Invitee.State.DELEGATED))
        .select_related("unit", "user", "delegate").prefetch_related("attendees").order_by("id"))
    for invitee in invitees:
        if invitee.state == Invitee.State.DELEGATED and invitee.delegate is not None:
            out.setdefault(invitee.delegate.id, (invitee.delegate, invitee))
        elif invitee.unit_id is not None:
            for person in invitee.attendees.all():
                out.setdefault(person.id, (person, invitee))
        elif invitee.user is not None:
            out.setdefault(invitee.user.id, (invitee.user, invitee))
    return list(out.values())


def start_reminder(due: jobs.Due) -> None:
    meeting = _current(due)
    if meeting is None or due.now >= meeting.start:
        return
    bot = meeting_bot()
    where = f"在{meeting.location}" if meeting.location else ""
    people = attendees_of(meeting)
    for person, invitee in people:
        behalf = ""
        if invitee.state == Invitee.State.DELEGATED:
            behalf = f"（代{invitee.name}参会）"
        elif invitee.unit is not None:
            behalf = f"（代表{invitee.unit.name}）"
        bot.direct(user=person, markdown=False,
                   body=f"【会议提醒】“{meeting.title}”将于 {cards.when(meeting.start)} {where}召开，"
                        f"请准时参加{behalf}。")
    if people:
        audit.append([audit_events.reminded(meeting=meeting, invitee=None, reason="start",
                                            actor_id=None, users=[p.id for p, _ in people],
                                            at=due.now)])


def register() -> None:
    jobs.register(RSVP_REMINDER, rsvp_reminder)
    jobs.register(START_REMINDER, start_reminder)
