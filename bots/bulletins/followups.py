"""A leader's 批示 on an item is a follow-up: units, a deadline and what to do. Other apps
(the supervision app's 督办 tasks) take it up by registering a hook here in their
AppConfig.ready(); each hook is called inside the transaction that stores the instruction,
so a task it makes commits with it or not at all:

    from bots.bulletins import followups

    def make_task(follow_up: followups.FollowUp) -> None:
        create_task(title=follow_up.title, lead_unit=follow_up.units[0], ...,
                    source={"bulletin_item": follow_up.item_id})

    followups.register(make_task)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FollowUp:
    instruction_id: int
    item_id: int
    issue_id: int | None
    title: str  # 落实“<item title>”的批示
    comment: str  # the instruction itself
    by: Any  # the leader (User)
    units: list[Any]  # the units named (Unit), in the order named
    deadline: datetime
    source: dict[str, int]  # {"bulletin_item": id}, as POST /tasks takes it


Hook = Callable[[FollowUp], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def unregister(hook: Hook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def run(follow_up: FollowUp) -> None:
    for hook in list(_hooks):
        hook(follow_up)
