"""The decision engine the bots share: steps decided by people in order, several people in a
step (会签: all must agree; 或签: the first decision settles it), deputies (代批) who decide
for a principal while a delegation is active, and each decision signed with the decider's
personal key. Approvals (bots/approvals) and the outgoing document chain (bots/documents/chain)
keep their own rows (a place per person per step, with `user_id`, `decision`) and ask here who
decides, whether a step is settled and who stands in for whom.

Delegations are the approvals app's (`Delegation`): one deputy per period stands in for a
leader in everything the leader decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bots.approvals.models import Delegation
from hub.lib.errors import ApiError, forbidden


class Place(Protocol):
    user_id: int
    decision: str


def active_delegations(principal_ids: Sequence[int], *, now: datetime) -> list[Delegation]:
    return list(Delegation.objects.filter(
        principal_id__in=principal_ids, revoked_at__isnull=True, starts_at__lte=now,
        ends_at__gt=now).select_related("principal", "deputy").order_by("id"))


# A handover's standing delegation: long enough to outlast any pending decision.
STANDING_DAYS = 365 * 20


def standing_deputy(*, principal: Any, deputy: Any, now: datetime) -> Delegation:
    """工作移交: `deputy` stands in for `principal` (who is leaving) from now on, in everything
    the principal decides (approvals and the document chain). Idempotent."""
    from datetime import timedelta

    found = Delegation.objects.filter(principal=principal, deputy=deputy, revoked_at__isnull=True,
                                      starts_at__lte=now, ends_at__gt=now, note="工作移交").first()
    if found is not None:
        return found
    return Delegation.objects.create(principal=principal, deputy=deputy, starts_at=now,
                                     ends_at=now + timedelta(days=STANDING_DAYS),
                                     note="工作移交", created_at=now)


def deputies_of(principal_ids: Sequence[int], *, now: datetime) -> dict[int, list[int]]:
    """{principal id: [active deputy ids]}."""
    out: dict[int, list[int]] = {}
    for delegation in active_delegations(principal_ids, now=now):
        out.setdefault(delegation.principal_id, []).append(delegation.deputy_id)
    return out


def deciders(places: Sequence[Any], *, now: datetime) -> list[int]:
    """Who may decide now in a step: its people who have not, and their active deputies."""
    open_ = [p.user_id for p in places if not p.decision]
    deputies = deputies_of(open_, now=now)
    return sorted({*open_, *(d for p in open_ for d in deputies.get(p, []))})


def place_for(*, user: Any, places: Sequence[Any], now: datetime,
              labels: dict[str, str]) -> tuple[Any, Delegation | None] | None:
    """The place `user` decides in a step (their own, or a principal's as an active deputy),
    or None. Their own place already decided answers 409 naming the decision; a deputy whose
    delegation for an awaited principal is not active now answers 403."""
    own = next((p for p in places if p.user_id == user.id), None)
    if own is not None:
        if own.decision:
            raise ApiError("conflict", f"您已在本步骤作出决定（{labels.get(own.decision, own.decision)}），"
                                       "不能更改")
        return own, None
    open_ = {p.user_id: p for p in places if not p.decision}
    for delegation in active_delegations(list(open_), now=now):
        if delegation.deputy_id == user.id:
            return open_[delegation.principal_id], delegation
    lapsed = (Delegation.objects.filter(deputy=user, principal_id__in=list(open_))
              .select_related("principal").order_by("-ends_at").first())
    if lapsed is not None:
        if lapsed.revoked_at is not None:
            raise forbidden(f"{lapsed.principal.name}对您的代批委托已撤销")
        raise forbidden(f"您代{lapsed.principal.name}批的委托期为 {_local(lapsed.starts_at)} 至 "
                        f"{_local(lapsed.ends_at)}，现在不在委托期内")
    return None


def settles(*, mode: str, places: Sequence[Any], action: str, agree: str = "approve"
            ) -> str | None:
    """How a step ends after this decision, if it does: 或签 (`any`) with the first decision,
    会签 (`all`) with the first that is not `agree` or once everyone has agreed."""
    if mode == "any" or action != agree:
        return action
    if all(p.decision == agree for p in places):
        return agree
    return None


def _local(moment: datetime) -> str:
    from django.utils import timezone

    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
