"""Approvals in the search index: the builder registered with search/registry.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from bots import clock
from bots.approvals.models import (
    Approval,
    ApprovalFile,
    ApprovalMessage,
    Delegation,
    Step,
    StepApprover,
)
from hub.org.models import User
from search.sources import FileRef, Item, names, units_of, year_of


def approvals(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
    qs = Approval.objects.select_related("requester").order_by("id")
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    rows = list(qs)
    found = {a.id for a in rows}
    audience: dict[int, set[str]] = defaultdict(set)
    people: dict[int, list[User]] = defaultdict(list)
    comments: dict[int, list[str]] = defaultdict(list)
    for place in StepApprover.objects.filter(step__approval_id__in=found).select_related(
            "user", "step", "step__approval").order_by("step__round", "step__index", "position"):
        approval_id = place.step.approval_id
        audience[approval_id].add(f"p{place.user_id}")
        if place.decided_by_id:
            audience[approval_id].add(f"p{place.decided_by_id}")
        if (not place.decision and place.step.state == Step.State.ACTIVE
                and place.step.approval.state == Approval.State.PENDING):
            # Awaited: whoever is their deputy (代批) while the search runs sees it too.
            audience[approval_id].add(f"d{place.user_id}")
        people[approval_id].append(place.user)
        if place.comment:
            comments[approval_id].append(place.comment)
    files: dict[int, list[FileRef]] = defaultdict(list)
    for f in ApprovalFile.objects.filter(approval_id__in=found).select_related(
            "attachment").order_by("position"):
        files[f.approval_id].append(FileRef(f.attachment.id, f.name, f.attachment.storage_name))
    units = units_of(a.requester_id for a in rows)
    for a in rows:
        aud = {f"p{a.requester_id}", *audience[a.id]}
        if a.room_id:
            aud.add(f"r{a.room_id}")
        yield Item("approval", a.id, {
            "type": "approval", "room": "", "sender": str(a.requester_id),
            "unit": ",".join(units.get(a.requester_id, [])), "year": year_of(a.created_at),
            "doctype": "", "attach": "1" if files.get(a.id) else "", "created": a.created_at,
            "title": a.title, "number": "", "body": "\n".join([a.body, *comments[a.id]]),
            "names": names([a.requester, *people[a.id]]), "aud": " ".join(sorted(aud)),
            "state": a.state,
        }, files.get(a.id, []))
    if ids is not None:
        for missing in wanted - found:
            yield ("approval", missing)


def cards(ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for approval_id, m in ApprovalMessage.objects.filter(approval_id__in=ids).values_list(
            "approval_id", "message_id"):
        out[approval_id].append(m)
    return out


def deputy_terms(user: User) -> list[str]:
    """`d<principal>` for each person whose active delegation names the user as deputy: they
    find the approvals awaiting that person (see `approvals` above)."""
    now = clock.now()
    return [f"d{p}" for p in Delegation.objects.filter(
        deputy=user, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        .values_list("principal_id", flat=True)]


def register() -> None:
    from search import registry

    registry.register_source(registry.Source(
        kind="approval", label="审批", names=("approvals",), build=approvals,
        count=lambda: Approval.objects.count(), cards=cards))
    registry.register_audience("approval_deputies", deputy_terms)
