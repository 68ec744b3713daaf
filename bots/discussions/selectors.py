"""Reads: who may see a discussion and how much of it, and the discussion as each sees it.

The owner and the owning unit's clerks, leaders and admins see everything; the members of
an asked unit see the question, their own unit's replies and the conclusion; everyone else
gets `not_found`. Only an asked unit's clerks and leaders reply for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from bots import clock
from bots.discussions.models import AskedUnit, Discussion, Reply
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import UnitMembership, User
from hub.seals import personal

MANAGER_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.LEADER,
                 UnitMembership.Role.ADMIN)
REPLY_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.LEADER)


@dataclass
class Access:
    owner: bool
    manager: bool
    units: list[int] = field(default_factory=list)        # asked units the caller is in
    reply_units: list[int] = field(default_factory=list)  # ... where they reply for it

    @property
    def full(self) -> bool:
        return self.owner or self.manager


def access_for(user: User, discussion: Discussion) -> Access | None:
    roles = dict(UnitMembership.objects.filter(user=user).values_list("unit_id", "role"))
    owner = discussion.owner_id == user.id
    manager = discussion.unit_id is not None and roles.get(discussion.unit_id) in MANAGER_ROLES
    asked = list(AskedUnit.objects.filter(discussion=discussion, unit_id__in=list(roles))
                 .order_by("position").values_list("unit_id", flat=True))
    if not (owner or manager or asked):
        return None
    return Access(owner=owner, manager=manager, units=asked,
                  reply_units=[u for u in asked if roles[u] in REPLY_ROLES])


def access_discussion(*, user: User, discussion_id: Any) -> tuple[Discussion, Access]:
    """The discussion and what the caller may do with it; `not_found` if they may not see it."""
    did = as_id(discussion_id)
    discussion = (Discussion.objects.select_related("owner", "unit").filter(id=did).first()
                  if did else None)
    access = access_for(user, discussion) if discussion is not None else None
    if discussion is None or access is None:
        raise not_found("征求意见")
    return discussion, access


def repliers(unit_ids: list[int]) -> dict[int, list[int]]:
    """{unit id: ids of its clerks and leaders}, the people who reply for it."""
    out: dict[int, list[int]] = {u: [] for u in unit_ids}
    for unit_id, user_id in (UnitMembership.objects.filter(
            unit_id__in=unit_ids, role__in=REPLY_ROLES, user__is_active=True)
            .values_list("unit_id", "user_id")):
        out[unit_id].append(user_id)
    return out


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"username": user.username, "display_name": user.name}


def signed_content(discussion: Discussion) -> dict[str, Any]:
    """What the owner signs when closing: the question, the conclusion and each unit's reply
    as it stands; recomputed from the rows when the signature is checked."""
    asked = AskedUnit.objects.filter(discussion=discussion).select_related("unit", "replied_by")
    return {"title": discussion.title, "question": discussion.question,
            "deadline": iso(discussion.deadline), "conclusion": discussion.conclusion,
            "replies": [{"unit": a.unit.code, "reply": a.reply if a.replied_at else None,
                         "by": a.replied_by.username if a.replied_by else None,
                         "at": iso(a.replied_at)} for a in asked]}


def signature_dict(discussion: Discussion) -> dict[str, Any] | None:
    if discussion.signature_id is None:
        return None
    checked = personal.verify(signature=discussion.signature, subject=discussion.subject,
                              content=signed_content(discussion), describe=lambda path: "结论或意见")
    return checked.as_dict()


def discussion_dict(discussion: Discussion, access: Access, *, viewer: User,
                    now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    asked = list(AskedUnit.objects.filter(discussion=discussion)
                 .select_related("unit", "replied_by").order_by("position", "id"))
    shown = asked if access.full else [a for a in asked if a.unit_id in access.units]
    replies = Reply.objects.filter(discussion=discussion).select_related("unit", "by")
    if not access.full:
        replies = replies.filter(unit_id__in=access.units)
    closed = discussion.state == Discussion.State.CLOSED
    open_ = not closed
    actions = []
    if open_ and access.reply_units:
        actions.append("reply")
    if open_ and access.owner:
        actions += ["remind", "close"]
    unit = discussion.unit
    return {
        "id": discussion.id, "title": discussion.title, "question": discussion.question,
        "question_html": discussion.question_html, "state": discussion.state,
        "deadline": iso(discussion.deadline),
        "overdue": open_ and discussion.deadline < now,
        "owner": _person(discussion.owner),
        "unit": {"code": unit.code, "name": unit.name} if unit else None,
        "created_at": iso(discussion.created_at), "closed_at": iso(discussion.closed_at),
        "units": [{"unit": {"code": a.unit.code, "name": a.unit.name},
                   "replied": a.replied_at is not None,
                   "reply": a.reply if a.replied_at else None,
                   "reply_html": a.reply_html if a.replied_at else None,
                   "by": _person(a.replied_by), "at": iso(a.replied_at),
                   "message": a.message_id} for a in shown],
        "totals": {"asked": len(asked), "replied": sum(1 for a in asked if a.replied_at),
                   "pending": sum(1 for a in asked if not a.replied_at)},
        "log": [{"unit": r.unit.code, "by": _person(r.by), "body": r.body, "at": iso(r.at),
                 "replaces": r.replaces_id} for r in replies],
        "conclusion": discussion.conclusion if closed else None,
        "conclusion_html": discussion.conclusion_html if closed else None,
        "signature": signature_dict(discussion) if closed else None,
        "thread": discussion.tracking_message_id if access.owner else None,
        "reminders": discussion.reminders if access.full else None,
        "viewer": {"owner": access.owner, "manager": access.manager,
                   "reply_units": [a.unit.code for a in asked if a.unit_id in access.reply_units],
                   "actions": actions},
    }


def discussions_for(*, user: User, box: str, state: str, limit: int,
                    offset: int) -> dict[str, Any]:
    """The discussions the caller may see, newest first: `mine` (owned, or of a unit they
    manage), `asked` (put to one of their units), or both."""
    roles = dict(UnitMembership.objects.filter(user=user).values_list("unit_id", "role"))
    managed = [u for u, r in roles.items() if r in MANAGER_ROLES]
    mine = Q(owner=user) | Q(unit_id__in=managed)
    asked = Q(asked__unit_id__in=list(roles))
    where = {"mine": mine, "asked": asked}.get(box, mine | asked)
    qs = Discussion.objects.filter(where).distinct()
    if state:
        qs = qs.filter(state=state)
    total = qs.count()
    rows = list(qs.select_related("owner", "unit").order_by("-created_at", "-id")
                [offset:offset + limit])
    pending = dict(AskedUnit.objects.filter(discussion__in=rows, replied_at__isnull=True)
                   .values("discussion_id").annotate(n=Count("id"))
                   .values_list("discussion_id", "n"))
    waiting_on_me = set(AskedUnit.objects.filter(
        discussion__in=rows, discussion__state=Discussion.State.OPEN, replied_at__isnull=True,
        unit_id__in=[u for u, r in roles.items() if r in REPLY_ROLES])
        .values_list("discussion_id", flat=True))
    now = clock.now()
    items = []
    for d in rows:
        items.append({"id": d.id, "title": d.title, "state": d.state,
                      "deadline": iso(d.deadline),
                      "overdue": d.state == Discussion.State.OPEN and d.deadline < now,
                      "owner": _person(d.owner),
                      "unit": {"code": d.unit.code, "name": d.unit.name} if d.unit else None,
                      "created_at": iso(d.created_at), "pending": pending.get(d.id, 0),
                      "mine": d.owner_id == user.id or d.unit_id in managed,
                      "waiting_for_me": d.id in waiting_on_me})
    return {"total": total, "items": items}
