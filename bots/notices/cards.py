"""The notice cards: {card_type, ref, title, state, fields, actions} with extras.

- `notice` (view `unit`, `room` or `person`): the notice in a unit's room, in the room it was
  posted into, or in one person's direct room with the bot. The 收到 button (`ack`) is shown
  to each recipient whose button is on that card until they press it; the card counts who
  has and has not (本单位已收到 8 / 未收到 2).
- `notice_tracking`: the sender's card in their direct room with the bot: 已收到 / 未收到 in
  all and by unit, and 催收 (`remind`) while anyone has not pressed 收到.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from bots.notices.models import Notice, NoticeCard
from hub.lib.times import iso

CARD_TYPE = "notice"
TRACKING_CARD_TYPE = "notice_tracking"
BODY_CHARS = 300
MAX_UNITS_LISTED = 8


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def summary(notice: Notice) -> str:
    return f"【通知】{notice.title}"


def state_of(notice: Notice, *, now: datetime) -> str:
    if notice.expired or (notice.expires_at is not None and notice.expires_at <= now):
        return "expired"
    return "open"


@dataclass
class UnitCount:
    code: str | None
    name: str
    acked: int
    pending: int


def _head(notice: Notice) -> dict[str, Any]:
    body = notice.body if len(notice.body) <= BODY_CHARS else notice.body[:BODY_CHARS] + "……"
    fields = [{"label": "发布单位", "value": notice.unit.name},
              {"label": "发布人", "value": notice.sender.name},
              {"label": "发布时间", "value": local_time(notice.created_at)}]
    if notice.expires_at is not None:
        fields.append({"label": "有效期至", "value": local_time(notice.expires_at)})
    return {"ref": notice.id, "title": notice.title, "body": body,
            "unit": {"code": notice.unit.code, "name": notice.unit.name},
            "sender": notice.sender.name, "created_at": iso(notice.created_at),
            "expires_at": iso(notice.expires_at), "ack_required": notice.ack_required,
            "pinned": notice.pin, "fields": fields}


def notice_card(notice: Notice, card: NoticeCard, *, pending: Sequence[int], acked: int,
                now: datetime) -> dict[str, Any]:
    """A notice card. `pending`: the ids of the recipients on this card who have not pressed
    收到; `acked`: how many on it have."""
    state = state_of(notice, now=now)
    head = _head(notice)
    total = acked + len(pending)
    if card.kind == NoticeCard.Kind.PERSON:
        if notice.ack_required and state == "open":
            state = "acked" if not pending and total else "open"
        label = {"open": "请确认收到" if notice.ack_required else "已发布",
                 "acked": "已确认收到", "expired": "已过期"}[state]
    else:
        # The card's head already says 通知: the state tells where it stands.
        opened = "已发布"
        if notice.ack_required and total:
            opened = "确认中" if pending else "已全部收到"
        label = {"open": opened, "expired": "已过期"}[state]
        if notice.ack_required and total:
            where = "本单位" if card.kind == NoticeCard.Kind.UNIT else "本群"
            head["fields"].append({"label": "确认情况",
                                   "value": f"{where}已收到 {acked} / 未收到 {len(pending)}"})
    actions = []
    if notice.ack_required and state == "open" and pending:
        actions.append({"action": "ack", "label": "收到", "style": "primary",
                        "users": sorted(pending)})
    return {"card_type": CARD_TYPE, "view": card.kind, "state": state, "state_label": label,
            "unit_code": card.unit.code if card.unit_id and card.unit else None,
            "totals": {"recipients": total, "acked": acked, "pending": len(pending)},
            **head, "actions": actions}


def tracking_card(notice: Notice, *, units: Sequence[UnitCount], managers: Sequence[int],
                  now: datetime) -> dict[str, Any]:
    """The sender's card. `units`: the counts by unit (people reached as themselves, outside
    any named unit, under their first unit); `managers`: who may press 催收."""
    state = state_of(notice, now=now)
    acked = sum(u.acked for u in units)
    pending = sum(u.pending for u in units)
    head = _head(notice)
    if notice.ack_required:
        if state == "open" and not pending:
            state = "completed"
        head["fields"] += [{"label": "已收到", "value": str(acked)},
                           {"label": "未收到", "value": str(pending)}]
        behind = sorted((u for u in units if u.pending), key=lambda u: -u.pending)
        if behind:
            listed = "、".join(f"{u.name} {u.pending}人" for u in behind[:MAX_UNITS_LISTED])
            more = f" 等{len(behind)}个单位" if len(behind) > MAX_UNITS_LISTED else ""
            head["fields"].append({"label": "未收到单位", "value": listed + more})
    else:
        head["fields"].append({"label": "送达", "value": f"{acked + pending}人"})
    if notice.reminders:
        head["fields"].append({"label": "催收", "value": f"{notice.reminders}次，最近 "
                                                         f"{local_time(notice.last_reminded_at)}"})
    label = {"open": "收集中" if notice.ack_required else "已发布", "completed": "已全部收到",
             "expired": "已过期"}[state]
    actions = []
    if notice.ack_required and state == "open" and pending and managers:
        actions.append({"action": "remind", "label": "催收", "style": "default",
                        "users": sorted(set(managers))})
    return {"card_type": TRACKING_CARD_TYPE, "state": state, "state_label": label,
            "totals": {"recipients": acked + pending, "acked": acked, "pending": pending},
            "units": [{"unit": u.code, "name": u.name, "acked": u.acked, "pending": u.pending}
                      for u in units],
            **head, "actions": actions}
