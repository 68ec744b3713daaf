"""A leader's 批示 on an incoming document that names units to carry it out (a lead unit
and co-units, a deadline) is a follow-up: the supervision app (督办 tasks) takes it up by
registering a hook here in its AppConfig.ready(). Each hook is called inside the transaction
that stores the instruction, so a task it makes commits with it or not at all (a hook that
raises refuses the instruction with its reason)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FollowUp:
    document_id: int
    delivery_id: int
    unit: Any  # the receiving unit whose leader instructed (Unit)
    title: str  # 落实《<document title>》的批示
    comment: str  # the 批示
    by: Any  # the leader (User)
    units: list[Any]  # lead unit first, then co-units (Unit)
    deadline: datetime | None
    cycle: str  # report cycle: "", "weekly", "monthly"
    source: dict[str, int]  # {"document": id}, as POST /tasks takes it


Hook = Callable[[FollowUp], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def unregister(hook: Hook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def hooked() -> bool:
    return bool(_hooks)


def run(follow_up: FollowUp) -> None:
    for hook in list(_hooks):
        hook(follow_up)
