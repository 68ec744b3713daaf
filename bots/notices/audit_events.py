"""The audit events of a notice, one keyword-only function per kind."""

from __future__ import annotations

from datetime import datetime

from bots.notices.models import Notice, Recipient
from hub.lib.times import iso
from hub.seals.audit import Event


def _event(name: str, notice: Notice, actor_id: int | None, at: datetime,
           **data: object) -> Event:
    return Event(event=f"notice.{name}", subject=notice.subject, actor_id=actor_id,
                 data={"title": notice.title, **data}, at=at)


def sent(*, notice: Notice, units: list[str], people: list[str], at: datetime) -> Event:
    return _event("sent", notice, notice.sender_id, at, unit=notice.unit.code, units=units,
                  people=people, room=notice.room_id, recipients=notice.recipients_count,
                  ack_required=notice.ack_required, expires_at=iso(notice.expires_at))


def acked(*, notice: Notice, recipient: Recipient, at: datetime) -> Event:
    return _event("acked", notice, recipient.user_id, at, user=recipient.user_id)


def reminded(*, notice: Notice, actor_id: int, count: int, at: datetime) -> Event:
    return _event("reminded", notice, actor_id, at, pending=count)


def expired(*, notice: Notice, at: datetime) -> Event:
    return _event("expired", notice, None, at)
