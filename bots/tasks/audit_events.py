"""The audit events of a 督办 task, one keyword-only function per kind."""

from __future__ import annotations

from datetime import datetime

from bots.tasks.models import Task
from hub.seals.audit import Event


def _event(name: str, task: Task, actor_id: int | None, at: datetime, **data: object) -> Event:
    return Event(event=f"task.{name}", subject=task.subject, actor_id=actor_id,
                 data={"title": task.title, **data}, at=at)


def created(*, task: Task, units: list[str], at: datetime,
            milestones: list[tuple[str, datetime]] | None = None) -> Event:
    extra = {"milestones": [{"title": t, "deadline": d.isoformat()} for t, d in milestones]
             } if milestones else {}
    return _event("created", task, task.set_by_id, at, office=task.office.code,
                  lead_unit=task.lead_unit.code, units=units, deadline=task.deadline.isoformat(),
                  source=task.source_type, source_id=task.source_id, **extra)


def accepted(*, task: Task, actor_id: int, at: datetime) -> Event:
    return _event("accepted", task, actor_id, at)


def reported(*, task: Task, unit: str, report_id: int, actor_id: int, at: datetime) -> Event:
    return _event("reported", task, actor_id, at, unit=unit, report=report_id)


def milestone_reached(*, task: Task, milestone: int, title: str, late: bool, actor_id: int,
                      at: datetime) -> Event:
    return _event("milestone_reached", task, actor_id, at, milestone=milestone,
                  milestone_title=title, late=late)


def extension_requested(*, task: Task, extension_id: int, deadline: datetime, actor_id: int,
                        at: datetime) -> Event:
    return _event("extension_requested", task, actor_id, at, extension=extension_id,
                  deadline=deadline.isoformat())


def extension_decided(*, task: Task, extension_id: int, decision: str, actor_id: int,
                      at: datetime) -> Event:
    return _event("extension_decided", task, actor_id, at, extension=extension_id,
                  decision=decision, deadline=task.deadline.isoformat())


def completed(*, task: Task, actor_id: int, at: datetime) -> Event:
    return _event("completed", task, actor_id, at)


def closed(*, task: Task, actor_id: int, at: datetime) -> Event:
    return _event("closed", task, actor_id, at, signature=task.closing_signature_id)


def reminded(*, task: Task, reason: str, actor_id: int | None, at: datetime) -> Event:
    return _event("reminded", task, actor_id, at, reason=reason)


def escalated(*, task: Task, at: datetime) -> Event:
    return _event("escalated", task, None, at, unit=task.lead_unit.code)
