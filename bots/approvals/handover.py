"""工作移交 for approvals: a person leaving hands the requests awaiting their decision to a
colleague as a standing deputy (代批). The decisions stay recorded as the deputy's, on behalf
of the place's approver, exactly as for a leader away; the deputy gets a card of each in
their direct room and the requests in their to-do list."""

from __future__ import annotations

from typing import Any

from bots import clock, decisions
from bots.approvals import services
from hub.org import handover


def pending(user: Any) -> int:
    return len(services.open_approvals_of(user.id))


def transfer(*, source: Any, target: Any, actor: Any) -> int:
    now = clock.now()
    waiting = services.open_approvals_of(source.id)
    delegation = decisions.standing_deputy(principal=source, deputy=target, now=now)
    services.refresh_for(source.id, now=now, tell=delegation)
    return len(waiting)


def register() -> None:
    handover.register(kind="approval", label="待审批", pending=pending, transfer=transfer)
