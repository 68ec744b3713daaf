"""Reads: finding people (by 汉字, pinyin or initials), the directory (通讯录), one person."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from hub.chat import presence
from hub.chat.serializers import user_full
from hub.lib.errors import not_found
from hub.org.models import Unit, UnitMembership, User
from hub.org.pinyin import match_rank, spell

# A unit's people in the directory: leaders first, then administrators, clerks, staff.
ROLE_ORDER: dict[str, int] = {UnitMembership.Role.LEADER: 0, UnitMembership.Role.ADMIN: 1,
              UnitMembership.Role.CLERK: 2, UnitMembership.Role.STAFF: 3}


def _full(users: list[User]) -> list[dict[str, Any]]:
    """Users as the protocol writes them, with their units and pinyin, in the given order."""
    if not users:
        return []
    memberships: dict[int, list[UnitMembership]] = {u.id: [] for u in users}
    for m in (UnitMembership.objects.filter(user_id__in=list(memberships)).select_related("unit")
              .order_by("unit__sort_order", "unit__code")):
        memberships[m.user_id].append(m)
    return [user_full(user, memberships[user.id]) for user in users]


def search_people(*, viewer: User, query: str, limit: int) -> list[dict[str, Any]]:
    """Active people whose name (汉字, full pinyin, initials, a syllable) or username
    `query` finds, people of the viewer's own units first, then by how well it matches,
    then by pinyin; bots after people. An empty query lists everyone in that order.

    The names are matched in Python over one narrow query: at a thousand people this takes a
    few milliseconds (docs/performance.md), and a renamed person is found by the new name."""
    mine = UnitMembership.objects.filter(user=viewer).values_list("unit_id", flat=True)
    neighbours = set(UnitMembership.objects.filter(unit_id__in=mine)
                     .values_list("user_id", flat=True))
    ranked: list[tuple[tuple[Any, ...], int]] = []
    for uid, username, display_name, is_bot in User.objects.filter(is_active=True).values_list(
            "id", "username", "display_name", "is_bot"):
        name = display_name or username
        rank = match_rank(query, name=name, username=username)
        if rank is None:
            continue
        key = (is_bot, uid not in neighbours, rank, spell(name).text or username.lower(),
               username)
        ranked.append((key, uid))
    ranked.sort()
    ids = [uid for _, uid in ranked[:limit]]
    users = {u.id: u for u in User.objects.filter(id__in=ids)}
    return _full([users[i] for i in ids if i in users])


def person(*, username: str) -> dict[str, Any]:
    """One active person by username, with units and roles and presence; `not_found`
    otherwise (everyone logged in may look people up, as in the directory)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise not_found("人员")
    (found,) = _full([user])
    return {**found, "presence": presence.statuses([user.id])[user.id]}


def directory(*, with_presence: bool = False) -> dict[str, Any]:
    """The unit tree with its people (bots and inactive accounts left out), each with their
    role and title; the units in their order, each unit's people leaders first."""
    memberships = Prefetch(
        "memberships", queryset=UnitMembership.objects.filter(
            user__is_active=True, user__is_bot=False).select_related("user"))
    units = list(Unit.objects.filter(merged_into__isnull=True).prefetch_related(memberships)
                 .order_by("sort_order", "code"))
    states: dict[int, str] = {}
    if with_presence:
        states = presence.statuses(sorted({m.user_id for u in units
                                           for m in u.memberships.all()}))
    out = []
    for unit in units:
        people = sorted(unit.memberships.all(), key=lambda m: (
            ROLE_ORDER.get(m.role, 9), spell(m.user.name).text or m.user.username))
        out.append({
            "id": unit.id, "code": unit.code, "name": unit.name, "short_name": unit.short_name,
            "kind": unit.kind, "parent": unit.parent_id, "sort_order": unit.sort_order,
            "people": [{
                "id": m.user.id, "username": m.user.username, "display_name": m.user.name,
                "title": m.user.title, "role": m.role, "is_bot": False,
                "pinyin": spell(m.user.name).text,
                **({"presence": states.get(m.user_id, "offline")} if with_presence else {}),
            } for m in people],
        })
    return {"units": out}


def managed_person(user: User) -> dict[str, Any]:
    """A person as their administrators see them: with `active`, `must_change_password`,
    `auth_source` and their roles by the protocol's names."""
    from hub.org.people import ROLE_NAMES

    units = [{"id": m.unit.id, "code": m.unit.code, "name": m.unit.name,
              "role": ROLE_NAMES.get(m.role, m.role)}
             for m in UnitMembership.objects.filter(user=user).select_related("unit")
             .order_by("unit__sort_order", "unit__code")]
    return {"id": user.id, "username": user.username, "display_name": user.name,
            "title": user.title, "units": units, "active": user.is_active,
            "must_change_password": user.must_change_password,
            "auth_source": user.auth_source or "local", "pinyin": spell(user.name).text,
            "last_login": user.last_login.isoformat().replace("+00:00", "Z")
            if user.last_login else None}


def unit_people(*, viewer: User, unit: Unit) -> dict[str, Any]:
    """The unit's people, inactive ones included (marked), leaders first, for its admins
    and leaders."""
    from hub.org.people import ROLE_NAMES

    rows = sorted(UnitMembership.objects.filter(unit=unit, user__is_bot=False)
                  .select_related("user"),
                  key=lambda m: (not m.user.is_active, ROLE_ORDER.get(m.role, 9),
                                 spell(m.user.name).text or m.user.username))
    return {"unit": {"id": unit.id, "code": unit.code, "name": unit.name},
            "people": [{"id": m.user.id, "username": m.user.username,
                        "display_name": m.user.name, "title": m.user.title,
                        "role": ROLE_NAMES.get(m.role, m.role), "active": m.user.is_active,
                        "must_change_password": m.user.must_change_password,
                        "pinyin": spell(m.user.name).text} for m in rows]}


def unit_audit(*, unit: Unit, limit: int) -> list[dict[str, Any]]:
    """The unit's administrative history (audit entries `org.*`), newest first."""
    from hub.seals.models import AuditEntry

    rows = (AuditEntry.objects.filter(subject=f"unit:{unit.id}", event__startswith="org.")
            .select_related("actor").order_by("-seq")[:limit])
    return [{"seq": e.seq, "at": e.at.isoformat().replace("+00:00", "Z"), "event": e.event,
             "by": e.actor.username if e.actor else None,
             "by_name": e.actor.name if e.actor else None, "data": e.data} for e in rows]
