"""Reads: who may see a notice, and notices as the protocol writes them.

The sender and the sending unit's clerks, leaders and admins (its managers) see the notice
with the lists of who has and has not pressed 收到; a recipient sees it without the lists.
Anyone else gets `not_found`, exactly as for an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q

from bots import clock
from bots.notices import cards
from bots.notices.common import MANAGER_ROLES, may_manage, unit_counts
from bots.notices.models import Notice, NoticeCard, NoticeFile, Recipient
from hub.chat.access import access_room
from hub.chat.models import RoomMember
from hub.chat.serializers import attachment_dict, user_summary
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import UnitMembership, User


@dataclass
class Access:
    manager: bool
    recipient: Recipient | None


def access_notice(*, user: User, notice_id: Any) -> tuple[Notice, Access]:
    nid = as_id(notice_id)
    notice = (Notice.objects.select_related("unit", "sender").filter(id=nid).first()
              if nid else None)
    if notice is None:
        raise not_found("通知")
    mine = Recipient.objects.select_related("card", "card__message", "unit").filter(
        notice=notice, user=user).first()
    manager = may_manage(user=user, notice=notice)
    if mine is None and not manager:
        raise not_found("通知")
    return notice, Access(manager=manager, recipient=mine)


def _unit(unit: Any) -> dict[str, Any] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def read_filter() -> Exists:
    """A recipient has read their card: their read position in its room is past it."""
    return Exists(RoomMember.objects.filter(
        room_id=OuterRef("card__room_id"), user_id=OuterRef("user_id"),
        last_read_seq__gte=OuterRef("card__message__seq")))


def read_count(notice: Notice) -> int:
    """Recipients who have opened their card (read past it) or pressed 收到."""
    return (Recipient.objects.filter(notice=notice)
            .filter(Q(acked_at__isnull=False) | read_filter()).count())


def _mine(recipient: Recipient | None) -> dict[str, Any] | None:
    if recipient is None:
        return None
    card = recipient.card
    return {"acked": recipient.acked_at is not None, "at": iso(recipient.acked_at),
            "unit": _unit(recipient.unit), "message": card.message_id if card else None,
            "room": card.room_id if card else None}


def notice_dict(notice: Notice, access: Access, *, viewer: User,
                now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    state = cards.state_of(notice, now=now)
    units = unit_counts(notice)
    acked = sum(u.acked for u in units)
    pending = sum(u.pending for u in units)
    files = NoticeFile.objects.filter(notice=notice).select_related("attachment")
    actions = []
    if (access.recipient is not None and access.recipient.acked_at is None
            and notice.ack_required and state == "open"):
        actions.append("ack")
    if access.manager and notice.ack_required and state == "open" and pending:
        actions.append("remind")
    read = read_count(notice)
    out: dict[str, Any] = {
        "id": notice.id, "title": notice.title, "body": notice.body, "html": notice.html,
        "unit": _unit(notice.unit), "sender": user_summary(notice.sender),
        "created_at": iso(notice.created_at), "expires_at": iso(notice.expires_at),
        "state": state, "ack_required": notice.ack_required, "pin": notice.pin,
        "room": notice.room_id, "audience": notice.audience,
        "attachments": [attachment_dict(f.attachment) for f in files],
        "totals": {"recipients": acked + pending, "acked": acked, "pending": pending,
                   "read": read},
        "read": read,
        "reminders": notice.reminders, "last_reminded_at": iso(notice.last_reminded_at),
        "mine": _mine(access.recipient),
        "viewer": {"manager": access.manager, "recipient": access.recipient is not None,
                   "actions": actions},
    }
    if access.manager:
        rows = list(Recipient.objects.filter(notice=notice).select_related("user", "unit")
                    .order_by("unit__sort_order", "unit__code", "user__username"))
        out["acked"] = [{"user": user_summary(r.user), "unit": _unit(r.unit), "at": iso(r.acked_at)}
                        for r in sorted((r for r in rows if r.acked_at is not None),
                                        key=lambda r: (r.acked_at, r.id))]
        out["pending"] = [{"user": user_summary(r.user), "unit": _unit(r.unit),
                           "reminders": r.reminders} for r in rows if r.acked_at is None]
        out["units"] = [{"unit": {"code": u.code, "name": u.name} if u.code else None,
                         "acked": u.acked, "pending": u.pending} for u in units]
        out["tracking_message"] = (notice.tracking_message_id
                                   if viewer.id == notice.sender_id else None)
    return out


def notices_for(*, user: User, box: str, expired: bool, limit: int, offset: int,
                room: int | None = None, pinned: bool = False) -> dict[str, Any]:
    """The caller's notices, newest first: `received` (they are a recipient), `sent` (they or
    a unit they manage sent it), or both; with `room` (one of the caller's rooms), the notices
    with a card in that room instead, and with `pinned` only those pinned to its top."""
    now = clock.now()
    managed = list(UnitMembership.objects.filter(user=user, role__in=MANAGER_ROLES)
                   .values_list("unit_id", flat=True))
    sent = Q(sender=user) | Q(unit_id__in=managed)
    received = Q(Exists(Recipient.objects.filter(notice=OuterRef("pk"), user=user)))
    if room is not None:
        member = access_room(user_id=user.id, room_id=room)
        qs = Notice.objects.filter(Exists(NoticeCard.objects.filter(
            notice=OuterRef("pk"), room_id=member.room_id)))
    else:
        qs = Notice.objects.filter({"sent": sent, "received": received,
                                    "all": sent | received}[box])
    if pinned:
        qs = qs.filter(pin=True)
    if not expired:
        qs = qs.filter(expired=False).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    total = qs.count()
    rows = list(qs.select_related("unit", "sender").order_by("-created_at", "-id")
                [offset:offset + limit])
    mine = {r.notice_id: r for r in Recipient.objects.filter(
        notice__in=rows, user=user).select_related("card", "unit")}
    cards_here: dict[int, int | None] = {}
    if room is not None:
        cards_here = dict(NoticeCard.objects.filter(notice__in=rows, room_id=room)
                          .values_list("notice_id", "message_id"))
    results = []
    for notice in rows:
        is_sender = notice.sender_id == user.id or notice.unit_id in managed
        item = {"id": notice.id, "title": notice.title, "unit": _unit(notice.unit),
                "sender": user_summary(notice.sender), "created_at": iso(notice.created_at),
                "expires_at": iso(notice.expires_at), "state": cards.state_of(notice, now=now),
                "ack_required": notice.ack_required, "box": "sent" if is_sender else "received",
                "pin": notice.pin, "mine": _mine(mine.get(notice.id)), "totals": None,
                "message": cards_here.get(notice.id)}
        if is_sender:
            counts = unit_counts(notice)
            item["totals"] = {"recipients": notice.recipients_count,
                              "acked": sum(u.acked for u in counts),
                              "pending": sum(u.pending for u in counts)}
        results.append(item)
    return {"total": total, "results": results}
