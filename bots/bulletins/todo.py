"""The bulletins' to-do kinds: `bulletin_submit` (约稿 waiting on an asked unit's clerks until
their unit has submitted) and `bulletin_review` (an issue waiting on its signer, or on their
active deputy, for 签发)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bots.bulletins.models import CallUnit, Issue
from hub.core import todo as registry
from hub.org.models import UnitMembership

SUBMIT, REVIEW = "bulletin_submit", "bulletin_review"


def _clerk_units(user_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for user_id, unit_id in UnitMembership.objects.filter(
            user_id__in=user_ids, role=UnitMembership.Role.CLERK).values_list("user_id", "unit_id"):
        out.setdefault(user_id, []).append(unit_id)
    return out


def submit_items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    rows = (CallUnit.objects.filter(submitted_at__isnull=True, unit__memberships__user_id=user.id,
                                    unit__memberships__role=UnitMembership.Role.CLERK)
            .select_related("call", "call__publication", "unit").order_by("call__created_at"))
    return [registry.TodoItem(
        kind=SUBMIT, ref=r.call_id, title=f"《{r.call.publication.name}》约稿：{r.call.title}",
        since=r.call.created_at, message=r.message_id, deadline=r.call.deadline,
        overdue=r.call.deadline <= now, unit={"code": r.unit.code, "name": r.unit.name})
        for r in rows]


def submit_count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    by_user = _clerk_units(user_ids)
    waiting = Counter(CallUnit.objects.filter(
        unit_id__in={u for units in by_user.values() for u in units}, submitted_at__isnull=True)
        .values_list("unit_id", flat=True))
    return {uid: sum(waiting[u] for u in units) for uid, units in by_user.items()}


def _principals(user_id: int, now: datetime) -> Any:
    """The people whose 签发 the user decides: themselves and whoever named them deputy (a
    subquery: one query with the issues)."""
    from django.db.models import Q

    from bots.approvals.models import Delegation

    return Q(signer_id=user_id) | Q(signer_id__in=Delegation.objects.filter(
        deputy_id=user_id, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        .values("principal_id"))


def review_items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    rows = (Issue.objects.filter(_principals(user.id, now), state=Issue.State.AWAITING_SIGNOFF)
            .select_related("publication", "signer").order_by("updated_at", "id"))
    return [registry.TodoItem(
        kind=REVIEW, ref=i.id, title=f"签发《{i.publication.name}》" + (f"：{i.title}" if i.title else ""),
        since=i.updated_at, message=i.signer_message_id,
        extra={"signer": i.signer.name} if i.signer_id != user.id else {})
        for i in rows]


def review_count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    from bots.approvals.models import Delegation

    waiting = Counter(Issue.objects.filter(state=Issue.State.AWAITING_SIGNOFF)
                      .values_list("signer_id", flat=True))
    out = {uid: waiting[uid] for uid in user_ids}
    for deputy, principal in Delegation.objects.filter(
            deputy_id__in=user_ids, revoked_at__isnull=True, starts_at__lte=now,
            ends_at__gt=now).values_list("deputy_id", "principal_id"):
        if principal != deputy:
            out[deputy] += waiting[principal]
    return out


def changed(*, user_ids: Iterable[int]) -> None:
    registry.changed(user_ids=user_ids)


def changed_units(*, unit_ids: Iterable[int]) -> None:
    registry.changed_units(unit_ids=unit_ids)


def register() -> None:
    registry.register(kind=SUBMIT, label="约稿投稿", object_type="bulletin_call",
                      provider=submit_items, counter=submit_count)
    registry.register(kind=REVIEW, label="刊物签发", object_type="bulletin_issue",
                      provider=review_items, counter=review_count)
