"""工作移交 for approvals: a person leaving hands the requests awaiting their decision to a
colleague as a standing deputy (代批). The decisions stay recorded as the deputy's, on behalf
of the place's approver, exactly as for a leader away; the deputy gets a card of each in
their direct room and the requests in their to-do list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bots import clock
from bots.approvals import services
from bots.approvals.models import Delegation
from hub.org import handover

# The standing delegation of a handover: long enough to outlast any pending request.
HANDOVER_YEARS = 20


def pending(user: Any) -> int:
    return len(services.open_approvals_of(user.id))


def transfer(*, source: Any, target: Any, actor: Any) -> int:
    now = clock.now()
    waiting = services.open_approvals_of(source.id)
    delegation = Delegation.objects.create(
        principal=source, deputy=target, starts_at=now,
        ends_at=now + timedelta(days=365 * HANDOVER_YEARS), note="工作移交", created_at=now)
    services.refresh_for(source.id, now=now, tell=delegation)
    return len(waiting)


def register() -> None:
    handover.register(kind="approval", label="待审批", pending=pending, transfer=transfer)
