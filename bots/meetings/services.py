"""Writes: sending a meeting notice, answers to it, changes and cancellation.

Every change takes the meeting's row lock first (then an invitee's), applies once, updates
the cards and appends its audit entries last. Pressing a button again, or two people
answering at once for one unit, finds the answer already given and changes nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_date

from bots import clock
from bots.calendar import workdays
from bots.documents import groups
from bots.documents.common import actors_of
from bots.meetings import audit_events, cards, reminders
from bots.meetings import todo as meeting_todo
from bots.meetings.common import (
    invitees_of,
    may_answer,
    may_organise,
    meeting_bot,
)
from bots.meetings.models import Invitee, Meeting, MeetingFile
from bots.meetings.schemas import MeetingChangeIn, MeetingIn
from bots.parsing import parse_time, split_list
from bots.people import find_person, in_organisation
from hub.chat import actions as chat
from hub.chat import selectors as chat_selectors
from hub.chat.models import Attachment, Message, Room
from hub.core.changes import record as record_change
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit

MAX_TITLE_CHARS = 200
MANUAL_REMIND_EVERY = timedelta(minutes=5)
FAR_FUTURE = timedelta(days=2 * 366)


def summary(meeting: Meeting) -> str:
    where = f"｜{meeting.location}" if meeting.location else ""
    return f"【会议通知】{meeting.title}｜{cards.span(meeting)}{where}"


# --- reading what people type ---------------------------------------------------------------------
def parse_span(raw: str) -> tuple[datetime | None, datetime | None]:
    """`2026-03-02 09:00-11:30` (one day) or a start alone, for the command line."""
    text = raw.strip()
    match = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}:\d{2})\s*[-—~～至到]+\s*"
                         r"(?:(\d{4}-\d{1,2}-\d{1,2})[ T])?(\d{1,2}:\d{2})", text)
    if match is None:
        return parse_time(text, label="会议时间"), None
    day, start, end_day, end = match.groups()
    if parse_date(day) is None or (end_day and parse_date(end_day) is None):
        raise bad_request(f"会议时间“{text[:40]}”中的日期无效")
    return (parse_time(f"{day} {start}", label="开始时间"),
            parse_time(f"{end_day or day} {end}", label="结束时间"))


def organising_unit(*, user: User, code: str | None) -> Unit:
    """The unit the caller organises for: one they belong to."""
    units = [m.unit for m in UnitMembership.objects.filter(user=user).select_related("unit")]
    if code:
        wanted = code.strip().lower()
        chosen = [u for u in units if wanted in (u.code.lower(), u.name, u.short_name)]
        if chosen:
            return chosen[0]
        raise forbidden("只能以本人所在单位的名义发会议通知")
    if not units:
        raise forbidden("只有单位工作人员可以发会议通知")
    if len(units) > 1:
        names = "、".join(f"{u.name}（{u.code}）" for u in units)
        raise bad_request(f"您属于多个单位，请用 unit 指明组织单位：{names}")
    return units[0]


def resolve_invitees(tokens: Sequence[str], *, unit: Unit) -> tuple[list[Unit], list[User]]:
    """Units (codes, names, short names, groups such as 全部乡镇) and people (usernames or
    names), in the order named; 400 naming whatever names nothing."""
    units, rest = groups.resolve(tokens, issuing=unit)
    people: dict[int, User] = {}
    unknown = []
    for token in rest:
        person = find_person(token)
        if person is None or not in_organisation(person):
            unknown.append(token)
        else:
            people.setdefault(person.id, person)
    if unknown:
        raise bad_request("找不到这些参会单位或人员：" + "、".join(unknown[:20]))
    if not units and not people:
        raise bad_request("请指定参会单位或人员（单位代码、名称、分组如“全部乡镇”，或人员用户名）")
    return units, list(people.values())


# --- sending ---------------------------------------------------------------------------------------
@dataclass
class _Checked:
    unit: Unit
    title: str
    start: datetime
    end: datetime
    location: str
    agenda: str
    rsvp_by: datetime
    remind: int
    units: list[Unit]
    people: list[User]
    attachments: list[Attachment]


def default_rsvp_by(start: datetime, now: datetime) -> datetime:
    """One working day before the start (at the same time of day), or the start itself when
    that has passed already."""
    day_before = workdays.subtract_working_days(start, 1)
    return day_before if day_before > now else start


def check_times(*, start: datetime | None, end: datetime | None, rsvp_by: datetime | None,
                now: datetime) -> tuple[datetime, datetime, datetime]:
    if start is None:
        raise bad_request("请填写会议开始时间")
    if end is None:
        raise bad_request("请填写会议结束时间")
    if end <= start:
        raise bad_request("会议结束时间必须晚于开始时间")
    if start <= now:
        raise bad_request("会议开始时间已过，请填写将来的时间")
    if end - start > timedelta(days=14):
        raise bad_request("会议时长不能超过 14 天")
    if start > now + FAR_FUTURE:
        raise bad_request("会议时间太远")
    if rsvp_by is None:
        rsvp_by = default_rsvp_by(start, now)
    elif rsvp_by > start:
        raise bad_request("回复截止时间不能晚于会议开始时间")
    elif rsvp_by <= now:
        raise bad_request("回复截止时间已过")
    return start, end, rsvp_by


def _check(*, organiser: User, data: MeetingIn, now: datetime) -> _Checked:
    unit = organising_unit(user=organiser, code=data.unit)
    title = " ".join(data.title.split())
    if not title:
        raise bad_request("请填写会议名称")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"会议名称不能超过 {MAX_TITLE_CHARS} 个字")
    start, end, rsvp_by = check_times(
        start=parse_time(data.start, label="开始时间"), end=parse_time(data.end, label="结束时间"),
        rsvp_by=parse_time(data.rsvp_by, label="回复截止时间"), now=now)
    units, people = resolve_invitees(data.invitees, unit=unit)
    remind = (data.remind_before_minutes if data.remind_before_minutes is not None
              else settings.HUITONG_MEETING_REMIND_BEFORE_MINUTES)
    return _Checked(unit=unit, title=title, start=start, end=end,
                    location=" ".join(data.location.split()), agenda=data.agenda.strip(),
                    rsvp_by=rsvp_by, remind=remind, units=units, people=people,
                    attachments=_own_attachments(user=organiser, ids=data.attachments))


def _own_attachments(*, user: User, ids: list[int]) -> list[Attachment]:
    wanted = list(dict.fromkeys(ids))
    found = {a.id: a for a in Attachment.objects.filter(id__in=wanted, uploader=user)}
    if len(found) != len(wanted):
        raise not_found("附件")
    return [found[i] for i in wanted]


def _chunks(attachment: Attachment) -> Iterator[bytes]:
    with open(chat.attachment_path(attachment), "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def unit_rooms(units: Sequence[Unit]) -> dict[int, int]:
    rooms = dict(Room.objects.filter(unit__in=units).values_list("unit_id", "id"))
    for unit in units:
        if unit.id not in rooms:
            rooms[unit.id] = chat.sync_unit_room(unit=unit).id
    return rooms


def create_meeting(*, organiser: User, data: MeetingIn) -> Meeting:
    """Send a meeting notice, all or nothing: a card to each invited unit (in its room) and
    person (in their direct room with the bot), the roster card in the organising unit's
    room, the reminder jobs and the audit entry."""
    now = clock.now()
    checked = _check(organiser=organiser, data=data, now=now)
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            return _create(organiser=organiser, checked=checked, now=now, copies=copies)
    except BaseException:
        for copy in copies:
            chat.attachment_path(copy).unlink(missing_ok=True)
        raise


def _create(*, organiser: User, checked: _Checked, now: datetime,
            copies: list[Attachment]) -> Meeting:
    c = checked
    bot = meeting_bot()
    meeting = Meeting.objects.create(
        unit=c.unit, organiser=organiser, title=c.title, start=c.start, end=c.end,
        location=c.location, agenda=c.agenda, rsvp_by=c.rsvp_by, remind_before_minutes=c.remind,
        created_at=now, updated_at=now)
    for original in c.attachments:
        copies.append(chat.store_attachment(uploader=bot.user, name=original.name,
                                            chunks=_chunks(original), declared_mime=original.mime))
    MeetingFile.objects.bulk_create([MeetingFile(meeting=meeting, attachment=copy, position=i)
                                     for i, copy in enumerate(copies)])
    invitees = Invitee.objects.bulk_create(
        [Invitee(meeting=meeting, kind=Invitee.Kind.UNIT, unit=u, position=i)
         for i, u in enumerate(c.units)]
        + [Invitee(meeting=meeting, kind=Invitee.Kind.PERSON, user=p, position=len(c.units) + i)
           for i, p in enumerate(c.people)])
    rooms = unit_rooms([*c.units, c.unit])
    bot.join(sorted(rooms.values()))
    targets: list[tuple[int, Invitee]] = []
    for invitee in invitees:
        if invitee.unit is not None:
            targets.append((rooms[invitee.unit.id], invitee))
        else:
            assert invitee.user is not None
            targets.append((bot.direct_room(user=invitee.user), invitee))
    actors = actors_of([u.id for u in c.units])
    copy_ids = [copy.id for copy in copies]
    # Rooms in id order, so that notices to overlapping rooms lock them in one order.
    for room_id, invitee in sorted(targets, key=lambda t: t[0]):
        who = actors[invitee.unit.id] if invitee.unit is not None else [invitee.user_id or 0]
        card = cards.invitee_card(meeting, invitee, actors=who, attendees=[], now=now)
        message = bot.post(room_id=room_id, body=summary(meeting), card=card,
                           attachment_ids=copy_ids, join=False)
        invitee.message_id = message["id"]
    Invitee.objects.bulk_update(invitees, ["message"])
    roster = bot.post(room_id=rooms[c.unit.id], body=f"【会议回执】{meeting.title}",
                      card=roster_card(meeting, now=now), join=False)
    meeting.roster_message_id = roster["id"]
    meeting.save(update_fields=["roster_message"])
    reminders.schedule_for(meeting, now=now)
    record_change(kind="meeting", object_id=meeting.id)
    meeting_todo.changed(invitees)
    audit.append([audit_events.created(meeting=meeting, invitees=invitees, at=now)])
    return meeting


# --- cards after a change ---------------------------------------------------------------------------
def organiser_actors(meeting: Meeting) -> list[int]:
    return sorted({meeting.organiser_id, *actors_of([meeting.unit_id])[meeting.unit_id]})


def roster_card(meeting: Meeting, *, now: datetime) -> dict[str, Any]:
    invitees, attendees = invitees_of(meeting)
    return cards.roster_card(meeting, invitees, attendees, actors=organiser_actors(meeting),
                             now=now)


def refresh_roster(meeting: Meeting, *, now: datetime) -> None:
    if meeting.roster_message_id is not None:
        meeting_bot().update_card(message_id=meeting.roster_message_id,
                                  card=roster_card(meeting, now=now))


def refresh_invitee(meeting: Meeting, invitee: Invitee, *, now: datetime) -> dict[int, dict[str, Any]]:
    """Re-render an invitee's card (and their delegate's), and tell those who answer for it
    that their to-do may have changed; {message id: updated Message}."""
    invitee = (Invitee.objects.select_related("unit", "user", "delegate", "responded_by")
               .prefetch_related("attendees").get(id=invitee.id))
    bot = meeting_bot()
    updated = {}
    meeting_todo.changed([invitee])
    if invitee.message_id is not None:
        who = (actors_of([invitee.unit_id])[invitee.unit_id] if invitee.unit_id
               else [invitee.user_id])
        attendees = sorted(invitee.attendees.all(), key=lambda u: u.id)
        card = cards.invitee_card(meeting, invitee, actors=[u for u in who if u], attendees=attendees,
                                  now=now)
        updated[invitee.message_id] = bot.update_card(message_id=invitee.message_id, card=card)
    if invitee.delegate_message_id is not None:
        updated[invitee.delegate_message_id] = bot.update_card(
            message_id=invitee.delegate_message_id, card=cards.delegate_card(meeting, invitee))
    return updated


def refresh_all(meeting: Meeting, *, now: datetime) -> None:
    for invitee in Invitee.objects.filter(meeting=meeting).order_by("id"):
        refresh_invitee(meeting, invitee, now=now)
    refresh_roster(meeting, now=now)


def message_as_is(message: Message) -> dict[str, Any]:
    return chat_selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                        before_seq=message.seq + 1, limit=1)[0]


def _locked(meeting_id: int) -> Meeting:
    meeting = (Meeting.objects.select_for_update(of=("self",)).select_related("unit", "organiser")
               .filter(id=meeting_id).first())
    if meeting is None:
        raise not_found("会议")
    return meeting


# --- answers (card actions) ------------------------------------------------------------------------
ANSWERS = {"attend", "decline", "delegate"}


def on_meeting_card(*, user: User, message: Message, action: str,
                    params: dict[str, Any]) -> dict[str, Any]:
    """The handler the core calls for a press on a `meeting` card."""
    invitee = Invitee.objects.filter(message_id=message.id).values_list("id", flat=True).first()
    if invitee is None:
        if Invitee.objects.filter(delegate_message_id=message.id).exists():
            raise forbidden("代参通知没有可执行的操作，如需变更请联系委托人")
        raise not_found("会议")
    if action not in ANSWERS:
        raise bad_request(f"未知操作：{action}")
    updated = answer(user=user, invitee_id=invitee, action=action, params=params)
    return updated.get(message.id) or message_as_is(message)


def on_roster_card(*, user: User, message: Message, action: str,
                   params: dict[str, Any]) -> dict[str, Any]:
    meeting_id = Meeting.objects.filter(roster_message_id=message.id).values_list(
        "id", flat=True).first()
    if meeting_id is None:
        raise not_found("会议")
    if action == "remind":
        remind(user=user, meeting_id=meeting_id)
    elif action == "cancel":
        cancel_meeting(user=user, meeting_id=meeting_id, reason=params.get("comment") or "")
    else:
        raise bad_request(f"未知操作：{action}")
    return message_as_is(Message.objects.get(id=message.id))


def _check_open(meeting: Meeting, now: datetime) -> None:
    if meeting.state == Meeting.State.CANCELLED:
        raise ApiError("conflict", "会议已取消，不能再回复")
    if now >= meeting.end:
        raise ApiError("conflict", "会议已结束，不能再回复")
    if now >= meeting.start:
        raise ApiError("conflict", "会议已开始，不能再回复")


def _unit_people(unit: Unit, value: Any) -> list[User]:
    names = split_list(value) if isinstance(value, str) else [
        v for v in (value or []) if isinstance(v, str) and v.strip()]
    people: dict[int, User] = {}
    for name in names[:100]:
        person = find_person(name)
        if person is None or not UnitMembership.objects.filter(unit=unit, user=person).exists():
            raise bad_request(f"参会人员须是{unit.name}的人员：找不到“{name.strip()[:40]}”")
        people.setdefault(person.id, person)
    return list(people.values())


def answer(*, user: User, invitee_id: int, action: str,
           params: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Apply an answer once; returns the updated card messages ({} when nothing changed)."""
    now = clock.now()
    with transaction.atomic():
        meeting_id = Invitee.objects.values_list("meeting_id", flat=True).get(id=invitee_id)
        meeting = _locked(meeting_id)
        invitee = (Invitee.objects.select_for_update(of=("self",))
                   .select_related("unit", "user", "delegate").get(id=invitee_id))
        if not may_answer(user=user, invitee=invitee):
            if invitee.unit is not None:
                raise forbidden(f"只有{invitee.unit.name}的收发员或领导可以代表本单位回复")
            raise forbidden("只有受邀本人可以回复")
        _check_open(meeting, now)
        before = (invitee.state, invitee.reason, invitee.delegate_id,
                  sorted(invitee.attendees.values_list("id", flat=True)))
        old_delegate = invitee.delegate
        old_delegate_message = invitee.delegate_message_id
        attendees: list[User] = []
        if action == "attend":
            if invitee.unit is not None:
                named = params.get("attendees") or params.get("assignee")
                attendees = _unit_people(invitee.unit, named) or [user]
            state, reason, delegate = Invitee.State.ATTENDING, "", None
        elif action == "decline":
            reason = " ".join(str(params.get("comment") or "").split())[:2000]
            if not reason:
                raise bad_request("请假须写明理由")
            state, delegate = Invitee.State.DECLINED, None
        else:
            if invitee.unit is not None:
                raise bad_request("单位请用“参加”指明参会人员")
            delegate = _delegate(params.get("delegate"), invitee=invitee)
            state, reason = Invitee.State.DELEGATED, ""
        after = (state, reason, delegate.id if delegate else None, sorted(u.id for u in attendees))
        if after == before:
            return {}
        invitee.state, invitee.reason, invitee.delegate = state, reason, delegate
        invitee.responded_by, invitee.responded_at = user, now
        if delegate is None or (old_delegate and delegate.id != old_delegate.id):
            invitee.delegate_message = None
        invitee.save(update_fields=["state", "reason", "delegate", "responded_by",
                                    "responded_at", "delegate_message"])
        invitee.attendees.set(attendees)
        bot = meeting_bot()
        if old_delegate is not None and old_delegate_message is not None and (
                delegate is None or delegate.id != old_delegate.id):
            withdrawn = cards.delegate_card(meeting, invitee, active=False)
            bot.update_card(message_id=old_delegate_message, card=withdrawn)
            bot.direct(user=old_delegate, markdown=False,
                       body=f"{invitee.name}已撤回请您代为参加“{meeting.title}”的委托。")
        if delegate is not None and (old_delegate is None or delegate.id != old_delegate.id):
            message = bot.direct(user=delegate, body=f"{invitee.name}请您代为参加：{summary(meeting)}",
                                 card=cards.delegate_card(meeting, invitee))
            invitee.delegate_message_id = message["id"]
            Invitee.objects.filter(id=invitee.id).update(delegate_message_id=message["id"])
        updated = refresh_invitee(meeting, invitee, now=now)
        refresh_roster(meeting, now=now)
        record_change(kind="meeting", object_id=meeting.id)  # delegates and attendees see it
        audit.append([audit_events.answered(meeting=meeting, invitee=invitee, actor_id=user.id,
                                            attendees=[u.id for u in attendees], at=now)])
    return updated


def _delegate(value: Any, *, invitee: Invitee) -> User:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("请指定代参人")
    person = find_person(value)
    if person is None or not in_organisation(person):
        raise bad_request(f"代参人须是本组织内的人员：找不到“{value.strip()[:40]}”")
    if person.id == invitee.user_id:
        raise bad_request("不能委托自己代参")
    return person


# --- the organiser: change, cancel, remind ---------------------------------------------------------
def _require_organiser(user: User, meeting: Meeting, what: str) -> None:
    if not may_organise(user=user, meeting=meeting):
        raise forbidden(f"只有会议组织人或{meeting.unit.name}的收发员、领导可以{what}")


def _notify_everyone(meeting: Meeting, text: str) -> None:
    """A message to every invitee: in each invited unit's room, and directly to each invited
    person and each delegate."""
    bot = meeting_bot()
    invitees, _ = invitees_of(meeting)
    rooms = unit_rooms([i.unit for i in invitees if i.unit is not None])
    bot.join(sorted(rooms.values()))
    people: dict[int, User] = {}
    for invitee in invitees:
        if invitee.user is not None:
            people.setdefault(invitee.user.id, invitee.user)
        if invitee.delegate is not None and invitee.state == Invitee.State.DELEGATED:
            people.setdefault(invitee.delegate.id, invitee.delegate)
    targets = set(rooms.values()) | {bot.direct_room(user=p) for p in people.values()}
    # Rooms in id order, so that concurrent changes lock overlapping rooms in one order.
    for room_id in sorted(targets):
        bot.post(room_id=room_id, body=text, markdown=False, join=False)


CHANGE_LABELS = {"title": "会议名称", "start": "开始时间", "end": "结束时间", "location": "地点",
                 "agenda": "议程", "rsvp_by": "回复截止", "remind_before_minutes": "会前提醒"}


def change_meeting(*, user: User, meeting_id: int, data: MeetingChangeIn) -> Meeting:
    """Change a scheduled meeting: every card shows the new version, every invitee is told
    what changed, and the reminders follow the new times."""
    now = clock.now()
    with transaction.atomic():
        meeting = _locked(meeting_id)
        _require_organiser(user, meeting, "修改会议")
        if meeting.state == Meeting.State.CANCELLED:
            raise ApiError("conflict", "会议已取消，不能修改")
        if now >= meeting.start:
            raise ApiError("conflict", "会议已开始，不能修改")
        new: dict[str, Any] = {}
        if data.title is not None:
            title = " ".join(data.title.split())
            if not title or len(title) > MAX_TITLE_CHARS:
                raise bad_request(f"会议名称不能为空，且不超过 {MAX_TITLE_CHARS} 个字")
            new["title"] = title
        if data.location is not None:
            new["location"] = " ".join(data.location.split())
        if data.agenda is not None:
            new["agenda"] = data.agenda.strip()
        if data.remind_before_minutes is not None:
            new["remind_before_minutes"] = data.remind_before_minutes
        start = parse_time(data.start, label="开始时间") or meeting.start
        end = parse_time(data.end, label="结束时间") or meeting.end
        rsvp_by = parse_time(data.rsvp_by, label="回复截止时间")
        # Without a new deadline the old one stays while it still comes before the start,
        # unless it was the default for the old start: then the new start's default applies.
        defaulted = meeting.rsvp_by in (workdays.subtract_working_days(meeting.start, 1),
                                        meeting.start)
        keep_rsvp = rsvp_by is None and meeting.rsvp_by <= start and not (
            defaulted and start != meeting.start)
        start, end, rsvp_by = check_times(start=start, end=end,
                                          rsvp_by=None if keep_rsvp else rsvp_by, now=now)
        if keep_rsvp:
            rsvp_by = meeting.rsvp_by
        new.update({"start": start, "end": end, "rsvp_by": rsvp_by})
        changes = {k: v for k, v in new.items() if getattr(meeting, k) != v}
        if not changes:
            return meeting
        for key, value in changes.items():
            setattr(meeting, key, value)
        meeting.version += 1
        meeting.updated_at = now
        meeting.save(update_fields=[*changes, "version", "updated_at"])
        refresh_all(meeting, now=now)
        lines = [_change_line(key, meeting) for key in changes]
        note = f"说明：{data.note.strip()}" if data.note.strip() else ""
        _notify_everyone(meeting, f"【会议变更】“{meeting.title}”有变更：" + "；".join(lines) + "。"
                         + note + "如需变更回复，请在会议通知卡片上重新选择。")
        reminders.reschedule(meeting, now=now)
        record_change(kind="meeting", object_id=meeting.id)
        audit.append([audit_events.changed(meeting=meeting, actor_id=user.id, at=now, fields={
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()})])
    return meeting


def _change_line(key: str, meeting: Meeting) -> str:
    label = CHANGE_LABELS[key]
    if key in ("start", "end"):
        return f"时间改为 {cards.span(meeting)}"
    if key == "rsvp_by":
        return f"回复截止改为 {cards.when(meeting.rsvp_by)}"
    if key == "agenda":
        return "议程已更新"
    if key == "remind_before_minutes":
        return f"会前提醒改为 {meeting.remind_before_minutes} 分钟"
    return f"{label}改为“{getattr(meeting, key)}”"


def cancel_meeting(*, user: User, meeting_id: int, reason: str) -> Meeting:
    now = clock.now()
    with transaction.atomic():
        meeting = _locked(meeting_id)
        _require_organiser(user, meeting, "取消会议")
        if meeting.state == Meeting.State.CANCELLED:
            return meeting
        if now >= meeting.end:
            raise ApiError("conflict", "会议已结束，不能取消")
        reason = " ".join((reason or "").split())[:2000]
        if not reason:
            raise bad_request("取消会议须写明原因")
        meeting.state, meeting.cancelled_at, meeting.cancel_reason = (
            Meeting.State.CANCELLED, now, reason)
        meeting.version += 1
        meeting.updated_at = now
        meeting.save(update_fields=["state", "cancelled_at", "cancel_reason", "version",
                                    "updated_at"])
        refresh_all(meeting, now=now)
        _notify_everyone(meeting, f"【会议取消】原定 {cards.span(meeting)} 召开的“{meeting.title}”"
                                  f"已取消。原因：{reason}")
        reminders.cancel(meeting)
        record_change(kind="meeting", object_id=meeting.id)
        audit.append([audit_events.cancelled(meeting=meeting, actor_id=user.id, at=now)])
    return meeting


def remind(*, user: User, meeting_id: int) -> int:
    """催复 by the organiser: every invitee that has not answered is reminded now. Once per
    five minutes; returns how many were reminded."""
    now = clock.now()
    with transaction.atomic():
        meeting = _locked(meeting_id)
        _require_organiser(user, meeting, "催复")
        if not cards.is_open(meeting, now):
            raise ApiError("conflict", "会议已取消或已开始，不需要催复")
        if (meeting.last_manual_remind_at is not None
                and now - meeting.last_manual_remind_at < MANUAL_REMIND_EVERY):
            return 0
        events = reminders.remind_pending(meeting, actor=user, now=now)
        meeting.last_manual_remind_at = now
        meeting.save(update_fields=["last_manual_remind_at"])
        audit.append(events)
    return len(events)


def rsvp(*, user: User, meeting_id: int, action: str, unit: str | None,
         params: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """An answer given on the meeting's page rather than its card: for the caller, or for
    the named unit they answer for."""
    invitees = list(Invitee.objects.filter(meeting_id=meeting_id).select_related("unit", "user"))
    mine = [i for i in invitees if may_answer(user=user, invitee=i)]
    if unit:
        mine = [i for i in mine if i.unit is not None and unit.strip().lower() in (
            i.unit.code.lower(), i.unit.name, i.unit.short_name)]
    if not mine:
        raise forbidden("您不是受邀人员，也不能代表受邀单位回复")
    if len(mine) > 1:
        person = [i for i in mine if i.kind == Invitee.Kind.PERSON]
        if not person or unit:
            names = "、".join(i.unit.code for i in mine if i.unit is not None)
            raise bad_request(f"您可以代表多个单位回复，请用 unit 指明：{names}")
        mine = person
    return answer(user=user, invitee_id=mine[0].id, action=action, params=params)
