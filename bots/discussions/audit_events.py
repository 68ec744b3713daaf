"""The audit events of a discussion, one keyword-only function per kind."""

from __future__ import annotations

from datetime import datetime

from bots.discussions.models import Discussion, Reply
from hub.lib.times import iso
from hub.seals.audit import Event


def _event(name: str, discussion: Discussion, actor_id: int | None, at: datetime,
           **data: object) -> Event:
    return Event(event=f"discussion.{name}", subject=discussion.subject, actor_id=actor_id,
                 data={"title": discussion.title, **data}, at=at)


def opened(*, discussion: Discussion, units: list[str], at: datetime) -> Event:
    return _event("opened", discussion, discussion.owner_id, at, units=units,
                  deadline=iso(discussion.deadline))


def replied(*, discussion: Discussion, reply: Reply, unit: str, at: datetime) -> Event:
    return _event("replied", discussion, reply.by_id, at, unit=unit, reply=reply.id,
                  replaces=reply.replaces_id)


def reminded(*, discussion: Discussion, actor_id: int | None, units: list[str],
             at: datetime) -> Event:
    return _event("reminded", discussion, actor_id, at, units=units)


def closed(*, discussion: Discussion, at: datetime) -> Event:
    return _event("closed", discussion, discussion.owner_id, at,
                  signature=discussion.signature_id)
