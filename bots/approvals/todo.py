"""The approvals' kind of work in the to-do list (hub/core/todo.py): `approval`, a request
whose current step awaits someone's decision. It waits on the awaited approver and on each
of their active deputies (代批) until one of them decides for that place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bots.approvals.models import Approval, ApprovalMessage, Delegation, Step, StepApprover
from hub.core import todo

KIND = "approval"


def _principals(user_ids: Sequence[int], now: datetime) -> dict[int, set[int]]:
    """Whom each person stands in for now (their own id included)."""
    out: dict[int, set[int]] = {uid: {uid} for uid in user_ids}
    for deputy, principal in Delegation.objects.filter(
            deputy_id__in=user_ids, revoked_at__isnull=True, starts_at__lte=now,
            ends_at__gt=now).values_list("deputy_id", "principal_id"):
        out[deputy].add(principal)
    return out


def _awaited(user_ids: set[int]) -> Any:
    """Places not yet decided in the current step of a pending request."""
    return StepApprover.objects.filter(
        user_id__in=user_ids, decision="", step__state=Step.State.ACTIVE,
        step__approval__state=Approval.State.PENDING)


def to_decide(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    principals = _principals([user.id], now)[user.id]
    places = list(_awaited(principals).select_related("step__approval__requester", "user")
                  .order_by("step__started_at", "id"))
    ids = {p.step.approval_id for p in places}
    # The copy of the card in the caller's own direct room with the bot, else any copy.
    copies: dict[int, int] = {}
    for approval_id, message_id, owner in (ApprovalMessage.objects.filter(approval_id__in=ids)
                                           .order_by("message_id")
                                           .values_list("approval_id", "message_id", "user_id")):
        if owner == user.id or approval_id not in copies:
            copies[approval_id] = message_id
    items: dict[int, todo.TodoItem] = {}
    for place in places:
        approval = place.step.approval
        own = place.user_id == user.id
        if approval.id in items and not own:
            continue
        items[approval.id] = todo.TodoItem(
            kind=KIND, ref=approval.id, title=approval.title,
            since=place.step.started_at or approval.created_at, message=copies.get(approval.id),
            extra={"requester": {"username": approval.requester.username,
                                 "display_name": approval.requester.name},
                   "on_behalf_of": None if own else {"username": place.user.username,
                                                     "display_name": place.user.name}})
    return list(items.values())


def count_to_decide(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    principals = _principals(user_ids, now)
    waiting: dict[int, set[int]] = {}
    for approver, approval_id in _awaited({p for ps in principals.values() for p in ps}
                                          ).values_list("user_id", "step__approval_id"):
        waiting.setdefault(approver, set()).add(approval_id)
    return {uid: len(set().union(*(waiting.get(p, set()) for p in ps)))
            for uid, ps in principals.items()}


def register() -> None:
    todo.register(kind=KIND, label="审批", object_type="approval", provider=to_decide,
                  counter=count_to_decide)


def changed(approval: Approval, *, now: datetime) -> None:
    """A request's steps or decisions changed: its approvers and their deputies are told."""
    approvers = list(StepApprover.objects.filter(step__approval=approval)
                     .values_list("user_id", flat=True).distinct())
    deputies = Delegation.objects.filter(principal_id__in=approvers, revoked_at__isnull=True,
                                         ends_at__gt=now).values_list("deputy_id", flat=True)
    todo.changed(user_ids=[*approvers, *deputies])
