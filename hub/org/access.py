"""Who may manage which unit and which person. Every unit code or username from a client
that leads to a change passes one of these functions.

A unit's administrators (role `admin`) manage it and every unit below it in the tree; the
superuser and the administrators of the district unit manage every unit. Units are public
(the directory shows them), so a unit one may not manage answers `forbidden`; an active
person likewise; an inactive person of a unit one does not manage answers `not_found`.
"""

from __future__ import annotations

from hub.lib.errors import ApiError, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User


def _descendants(unit_ids: set[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for uid, parent in Unit.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(uid)
    out, stack = set(), list(unit_ids)
    while stack:
        uid = stack.pop()
        if uid in out:
            continue
        out.add(uid)
        stack.extend(children.get(uid, ()))
    return out


def managed_unit_ids(user: User) -> set[int]:
    """Ids of every unit the user administers (their admin units and all below them)."""
    if user.is_superuser:
        return set(Unit.objects.values_list("id", flat=True))
    own = set(UnitMembership.objects.filter(user=user, role=UnitMembership.Role.ADMIN)
              .values_list("unit_id", flat=True))
    return _descendants(own) if own else set()


def viewing_unit_ids(user: User) -> set[int]:
    """Units whose people list the user may read: those they administer or lead (and below)."""
    if user.is_superuser:
        return set(Unit.objects.values_list("id", flat=True))
    own = set(UnitMembership.objects.filter(
        user=user, role__in=[UnitMembership.Role.ADMIN, UnitMembership.Role.LEADER])
        .values_list("unit_id", flat=True))
    return _descendants(own) if own else set()


def can_grant_admin(user: User) -> bool:
    """Granting the `admin` role is a district-level permission: the superuser, or an
    administrator of a unit at the top of the tree (the district)."""
    if user.is_superuser:
        return True
    return UnitMembership.objects.filter(user=user, role=UnitMembership.Role.ADMIN,
                                         unit__parent__isnull=True).exists()


def access_unit(*, user: User, code: str, manage: bool = True) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise not_found("单位")
    allowed = managed_unit_ids(user) if manage else viewing_unit_ids(user)
    if unit.id not in allowed:
        raise forbidden(f"您不是「{unit.name}」的单位管理员，不能管理该单位的人员"
                        if manage else f"只有「{unit.name}」的管理员和领导可以查看该单位的人员")
    return unit


def access_person(*, user: User, username: str) -> User:
    """A person the caller may manage: one of the person's units is managed by the caller
    (a person with no unit only by the superuser)."""
    person = User.objects.filter(username=username, is_bot=False, is_external=False).first()
    if person is None:
        raise not_found("人员")
    units = set(UnitMembership.objects.filter(user=person).values_list("unit_id", flat=True))
    managed = managed_unit_ids(user)
    if user.is_superuser or (units & managed):
        return person
    if not person.is_active:
        raise not_found("人员")
    raise ApiError("forbidden", f"「{person.name}」不在您管理的单位中")
