"""The meeting cards: {card_type, ref, title, state, fields, actions} with extras.

- `meeting` (view `unit`, `person` or `delegate`): an invitee's card. A unit's card is in its
  room: its clerks and leaders see 参加 (naming who attends, `param: "attendees"`) and 请假
  (reason required). A person's card is in their direct room with the bot: 参加, 请假 and 代参
  (`param: "delegate"`). A delegate gets a copy without buttons.
- `meeting_roster`: the organiser's card in the organising unit's room, with the live roster
  and 催复 (remind those who have not answered) and 取消会议 (reason required).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from bots.meetings.models import Invitee, Meeting
from hub.lib.times import iso

CARD_TYPE = "meeting"
ROSTER_CARD_TYPE = "meeting_roster"
STATE_LABELS: dict[str, str] = dict(Invitee.State.choices)
MAX_NAMES = 12
WEEKDAYS = "一二三四五六日"


def when(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def span(meeting: Meeting) -> str:
    start, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    if start.date() == end.date():
        return f"{when(meeting.start)}—{end:%H:%M}"
    return f"{when(meeting.start)} 至 {when(meeting.end)}"


def _action(action: str, label: str, style: str, users: Sequence[int], **extra: Any) -> dict[str, Any]:
    return {"action": action, "label": label, "style": style, "users": sorted(set(users)), **extra}


def meeting_fields(meeting: Meeting) -> list[dict[str, str]]:
    fields = [{"label": "时间", "value": span(meeting)}]
    if meeting.location:
        fields.append({"label": "地点", "value": meeting.location})
    fields.append({"label": "组织单位", "value": meeting.unit.name})
    fields.append({"label": "回复截止", "value": when(meeting.rsvp_by)})
    if meeting.agenda:
        agenda = meeting.agenda if len(meeting.agenda) <= 500 else meeting.agenda[:500] + "……"
        fields.append({"label": "议程", "value": agenda})
    if meeting.state == Meeting.State.CANCELLED:
        fields.append({"label": "已取消", "value": meeting.cancel_reason or "会议已取消"})
    return fields


def attendee_names(invitee: Invitee, attendees: Sequence[Any]) -> list[str]:
    """The people attending for an invitee (by name)."""
    if invitee.state == Invitee.State.ATTENDING:
        if invitee.kind == Invitee.Kind.UNIT:
            return [a.name for a in attendees]
        return [invitee.user.name] if invitee.user else []
    if invitee.state == Invitee.State.DELEGATED and invitee.delegate is not None:
        return [invitee.delegate.name]
    return []


def answer_text(invitee: Invitee, attendees: Sequence[Any]) -> str:
    if invitee.state == Invitee.State.ATTENDING:
        names = "、".join(attendee_names(invitee, attendees))
        return f"参加（{names}）" if invitee.kind == Invitee.Kind.UNIT and names else "参加"
    if invitee.state == Invitee.State.DECLINED:
        return f"请假：{invitee.reason}"
    if invitee.state == Invitee.State.DELEGATED and invitee.delegate is not None:
        return f"由{invitee.delegate.name}代参"
    return "未回复"


def is_open(meeting: Meeting, now: datetime) -> bool:
    """Answers are taken until the meeting starts, unless it was cancelled."""
    return meeting.state == Meeting.State.SCHEDULED and now < meeting.start


def _base(meeting: Meeting, *, view: str, state: str, label: str) -> dict[str, Any]:
    return {"card_type": CARD_TYPE, "ref": meeting.id, "view": view, "title": meeting.title,
            "state": state, "state_label": label, "meeting_state": meeting.state,
            "start": iso(meeting.start), "end": iso(meeting.end), "location": meeting.location,
            "rsvp_by": iso(meeting.rsvp_by), "version": meeting.version}


def invitee_card(meeting: Meeting, invitee: Invitee, *, actors: Sequence[int],
                 attendees: Sequence[Any], now: datetime) -> dict[str, Any]:
    """`actors`: who may answer (a unit's clerks and leaders, or the person)."""
    cancelled = meeting.state == Meeting.State.CANCELLED
    state = "cancelled" if cancelled else invitee.state
    label = "会议已取消" if cancelled else STATE_LABELS[invitee.state]
    card = _base(meeting, view=invitee.kind, state=state, label=label)
    fields = meeting_fields(meeting)
    fields.append({"label": "回复" if invitee.kind == Invitee.Kind.PERSON else "本单位回复",
                   "value": answer_text(invitee, attendees)})
    if invitee.responded_by is not None and invitee.responded_at is not None:
        fields.append({"label": "回复人", "value": f"{invitee.responded_by.name} "
                                                  f"{when(invitee.responded_at)}"})
    actions: list[dict[str, Any]] = []
    if is_open(meeting, now):
        if invitee.kind == Invitee.Kind.UNIT:
            actions.append(_action("attend", "参加", "primary", actors, param="attendees",
                                   hint="参会人员（本单位人员的用户名，多人用逗号分隔；不填为本人）"))
            actions.append(_action("decline", "请假", "danger", actors, comment="required"))
        else:
            actions.append(_action("attend", "参加", "primary", actors))
            actions.append(_action("decline", "请假", "danger", actors, comment="required"))
            actions.append(_action("delegate", "代参", "default", actors, param="delegate",
                                   hint="代参人的用户名"))
    card.update({
        "invitee": invitee.id,
        "unit": invitee.unit.code if invitee.unit else None,
        "attendees": attendee_names(invitee, attendees),
        "reason": invitee.reason or None,
        "delegate": invitee.delegate.username if invitee.delegate else None,
        "fields": fields,
        "actions": actions,
    })
    return card


def delegate_card(meeting: Meeting, invitee: Invitee, *, active: bool | None = None) -> dict[str, Any]:
    """The delegate's copy; `active=False` for a delegate whose errand was withdrawn."""
    cancelled = meeting.state == Meeting.State.CANCELLED
    if active is None:
        active = invitee.state == Invitee.State.DELEGATED and invitee.delegate is not None
    state = "cancelled" if cancelled else ("delegated" if active else "withdrawn")
    label = "会议已取消" if cancelled else ("请代为参会" if active else "委托已撤回")
    card = _base(meeting, view="delegate", state=state, label=label)
    principal = invitee.user.name if invitee.user else ""
    card.update({"invitee": invitee.id,
                 "fields": [*meeting_fields(meeting), {"label": "委托人", "value": principal}],
                 "actions": []})
    return card


def totals(invitees: Sequence[Invitee], attendees: dict[int, list[Any]]) -> dict[str, int]:
    count = {"invited": len(invitees), "attending": 0, "declined": 0, "delegated": 0,
             "pending": 0, "people": 0}
    for invitee in invitees:
        count[invitee.state] += 1
        count["people"] += len(attendee_names(invitee, attendees.get(invitee.id, [])))
    return count


def _names(invitees: Sequence[Invitee]) -> str:
    names = [i.unit.short_name or i.unit.name if i.unit else i.name for i in invitees]
    if len(names) > MAX_NAMES:
        return "、".join(names[:MAX_NAMES]) + f" 等 {len(names)} 个"
    return "、".join(names)


def roster_entry(invitee: Invitee, attendees: Sequence[Any]) -> dict[str, Any]:
    return {"invitee": invitee.id, "kind": invitee.kind,
            "unit": invitee.unit.code if invitee.unit else None,
            "user": invitee.user.username if invitee.user else None,
            "name": invitee.name, "state": invitee.state,
            "attendees": attendee_names(invitee, attendees), "reason": invitee.reason or None}


def roster_card(meeting: Meeting, invitees: Sequence[Invitee], attendees: dict[int, list[Any]],
                *, actors: Sequence[int], now: datetime) -> dict[str, Any]:
    """`actors`: the organiser and the organising unit's clerks and leaders."""
    count = totals(invitees, attendees)
    cancelled = meeting.state == Meeting.State.CANCELLED
    fields = [*meeting_fields(meeting),
              {"label": "邀请", "value": f"{count['invited']} 个单位或人员"},
              {"label": "参加", "value": f"{count['attending'] + count['delegated']}"
                                        f"（共 {count['people']} 人）"},
              {"label": "请假", "value": str(count["declined"])},
              {"label": "未回复", "value": str(count["pending"])}]
    for wanted, heading in ((Invitee.State.ATTENDING, "参加名单"), (Invitee.State.DELEGATED, "代参"),
                            (Invitee.State.DECLINED, "请假名单"), (Invitee.State.PENDING, "未回复名单")):
        group = [i for i in invitees if i.state == wanted]
        if not group:
            continue
        if wanted == Invitee.State.PENDING:
            value = _names(group)
        else:
            value = "；".join(f"{i.name}：{answer_text(i, attendees.get(i.id, []))}"
                             for i in group[:MAX_NAMES])
            if len(group) > MAX_NAMES:
                value += f" 等 {len(group)} 个"
        fields.append({"label": heading, "value": value})
    actions = []
    if is_open(meeting, now):
        if count["pending"]:
            actions.append(_action("remind", "催复", "default", actors))
        actions.append(_action("cancel", "取消会议", "danger", actors, comment="required"))
    ended = not cancelled and now >= meeting.end
    state = "cancelled" if cancelled else ("ended" if ended else "scheduled")
    label = {"cancelled": "已取消", "ended": "已结束", "scheduled": "报名中"}[state]
    if state == "scheduled" and now >= meeting.start:
        state, label = "started", "进行中"
    return {
        "card_type": ROSTER_CARD_TYPE, "ref": meeting.id, "view": "roster", "title": meeting.title,
        "state": state, "state_label": label, "start": iso(meeting.start), "end": iso(meeting.end),
        "location": meeting.location, "rsvp_by": iso(meeting.rsvp_by), "version": meeting.version,
        "fields": fields, "actions": actions, "totals": count,
        "roster": [roster_entry(i, attendees.get(i.id, [])) for i in invitees],
    }
