"""Who may see which units' figures: the supervising offices' clerks and leaders (the
district office) see every unit; a unit's leaders and admins see their own; nobody else sees
any. Reads only."""

from __future__ import annotations

from django.db.models import QuerySet

from bots.tasks.common import ACTOR_ROLES, supervising_codes
from hub.lib.errors import forbidden
from hub.org.models import Unit, UnitMembership, User

UNIT_ROLES = (UnitMembership.Role.LEADER, UnitMembership.Role.ADMIN)


def sees_all(user: User) -> bool:
    return UnitMembership.objects.filter(user=user, unit__code__in=supervising_codes(),
                                         role__in=ACTOR_ROLES).exists()


def units_for(*, user: User, unit: str | None = None, kind: str | None = None) -> list[Unit]:
    """The units whose figures the caller asked for and may see, in the directory's order;
    `forbidden` for a unit (or any figures) they may not see."""
    qs: QuerySet[Unit] = Unit.objects.exclude(kind=Unit.Kind.DISTRICT)
    if not sees_all(user):
        own = UnitMembership.objects.filter(user=user, role__in=UNIT_ROLES).values("unit_id")
        qs = qs.filter(id__in=own)
        if not qs.exists():
            raise forbidden("统计仅对单位领导和督办单位开放")
    if unit:
        qs = qs.filter(code=unit)
        if not qs.exists():
            raise forbidden("只能查看本单位的统计")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("sort_order", "code"))
