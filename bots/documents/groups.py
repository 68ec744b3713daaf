"""Recipients by name: unit codes, names and short names, and named groups of units such as
all townships (全部乡镇)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.org.models import Unit


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    aliases: tuple[str, ...]
    kinds: tuple[str, ...]

    def units(self) -> list[Unit]:
        return list(Unit.objects.filter(kind__in=self.kinds).order_by("sort_order", "code"))


DEPARTMENT_KINDS = (Unit.Kind.PARTY, Unit.Kind.GOVERNMENT, Unit.Kind.MASS)
GROUPS = [
    Group("townships", "全部乡镇（街道）", ("全部乡镇", "所有乡镇", "各乡镇", "乡镇街道", "全部乡镇街道"),
          (Unit.Kind.TOWNSHIP,)),
    Group("departments", "全部区直部门", ("全部部门", "区直部门", "各部门", "区直各部门"), DEPARTMENT_KINDS),
    Group("all", "全部单位", ("所有单位", "各单位", "全区各单位"), (*DEPARTMENT_KINDS, Unit.Kind.TOWNSHIP)),
]


def group_named(token: str) -> Group | None:
    key = token.strip().lstrip("@").lower()
    for group in GROUPS:
        if key in (group.code, group.name.lower(), *group.aliases):
            return group
    return None


def groups_dicts() -> list[dict[str, object]]:
    return [{"code": g.code, "name": g.name, "aliases": list(g.aliases),
             "units": [u.code for u in g.units()]} for g in GROUPS]


def resolve(tokens: Iterable[str], *, issuing: Unit | None = None) -> tuple[list[Unit], list[str]]:
    """(units in the order named, tokens that name nothing). A group leaves out the issuing
    unit; a unit named twice counts once."""
    tokens = [t.strip().lstrip("@") for t in tokens if isinstance(t, str) and t.strip()]
    by_key: dict[str, Unit] = {}
    for unit in Unit.objects.exclude(kind=Unit.Kind.DISTRICT):
        for key in (unit.code.lower(), unit.name, unit.short_name):
            if key:
                by_key.setdefault(key, unit)
    found: dict[int, Unit] = {}
    unknown: list[str] = []
    for token in tokens:
        named = by_key.get(token.lower()) or by_key.get(token)
        if named is not None:
            found.setdefault(named.id, named)
            continue
        group = group_named(token)
        if group is None:
            unknown.append(token)
            continue
        for member in group.units():
            if issuing is None or member.id != issuing.id:
                found.setdefault(member.id, member)
    return list(found.values()), unknown
