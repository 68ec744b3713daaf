"""Reads: whose archive the caller sees, entries as the protocol writes them, the feed.

Who sees an entry is its kind's rule (archive/registry.py): kinds with the audience `unit`
(收文, 发文) are seen by every member of the entry's unit, as the unit's documents are; kinds
with `managers` (审批) by the unit's clerks, leaders and admins; and each kind may add the
people involved in the object (an approval's requester, approvers and deciders). Exports and
the feed cover the units the caller manages (clerk, leader, admin). The permission
`archive.view_all_archives` covers every unit. Anything else is `not_found`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from archive import registry
from archive.filing import MANAGER_ROLES
from archive.models import ArchiveEntry
from hub.lib.errors import bad_request, not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit
from hub.seals.models import AuditEntry

PERMISSION = "archive.view_all_archives"

# The order the metadata is shown and sent in (the database keeps JSON keys in its own order):
# the DA/T 46 elements every kind shares, then what the kinds registered, then the check and
# the filing itself.
METADATA_HEAD = ("档号", "全宗号", "门类", "年度", "保管期限", "机构（问题）", "件号", "题名",
                 "责任者", "文件编号", "日期", "文种", "密级")
METADATA_TAIL = ("真实性与完整性检测", "归档时间", "归档人")


def ordered(metadata: dict[str, Any]) -> dict[str, Any]:
    order = [*METADATA_HEAD, *(n for n in registry.metadata_order()
                               if n not in METADATA_HEAD and n not in METADATA_TAIL),
             *METADATA_TAIL]
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(metadata.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


@dataclass
class Scope:
    user: User
    everything: bool
    member_units: set[int] = field(default_factory=set)
    manager_units: set[int] = field(default_factory=set)


def scope(user: User) -> Scope:
    everything = user.has_perm(PERMISSION)
    rows = list(UnitMembership.objects.filter(user=user).values_list("unit_id", "role"))
    return Scope(user=user, everything=everything, member_units={u for u, _ in rows},
                 manager_units={u for u, r in rows if r in MANAGER_ROLES})


def visible(s: Scope) -> QuerySet[ArchiveEntry]:
    entries = ArchiveEntry.objects.all()
    if s.everything:
        return entries
    condition = Q(pk__in=[])
    for kind in registry.kinds():
        units = s.member_units if kind.audience == "unit" else s.manager_units
        condition |= Q(kind=kind.kind, unit_id__in=units)
        if kind.involved is not None:
            condition |= Q(kind=kind.kind, object_id__in=kind.involved(s.user))
    return entries.filter(condition)


def exportable(s: Scope) -> QuerySet[Unit]:
    return Unit.objects.all() if s.everything else Unit.objects.filter(id__in=s.manager_units)


def access_entry(*, user: User, entry_id: Any) -> ArchiveEntry:
    eid = as_id(entry_id)
    entry = (visible(scope(user)).select_related("unit").filter(id=eid).first()
             if eid else None)
    if entry is None:
        raise not_found("档案")
    return entry


def entry_dict(entry: ArchiveEntry, *, full: bool = False,
               logged: list[AuditEntry] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": entry.id, "seq": entry.seq, "archive_no": entry.archive_no, "kind": entry.kind,
        "kind_label": registry.label(entry.kind),
        "unit": {"code": entry.unit.code, "name": entry.unit.name}, "year": entry.year,
        "retention": entry.retention, "retention_label": entry.get_retention_display(),
        "item_no": entry.item_no, "title": entry.title, "number": entry.number,
        "doc_type": entry.doc_type or None, "date": entry.date.isoformat(),
        "responsible": entry.responsible, "secrecy": entry.secrecy,
        "document": entry.object_id if entry.object_type == "document" else None,
        "approval": entry.object_id if entry.object_type == "approval" else None,
        "object": {"type": entry.object_type, "id": entry.object_id},
        "files": [{"name": f["name"], "size": f["size"], "sha256": f["sha256"],
                   "url": f"/api/v1/archive/{entry.id}/files/{i}"}
                  for i, f in enumerate(entry.files)],
        "verified": entry.verified, "verify_detail": entry.verify_detail,
        "content_sha256": entry.content_sha256,
        "filed_at": iso(entry.filed_at), "filed_by": entry.filed_by_id,
    }
    if full:
        out["metadata"] = ordered(entry.metadata)
        out["log"] = log(entry, logged)
    return out


def audit_entries(entry: ArchiveEntry) -> list[AuditEntry]:
    """The audit log's entries for this item (as its kind trims them: for a received copy
    only the steps of its unit), then the filing itself."""
    found = audit.entries_for(subjects=[entry.object_subject, entry.subject])
    kind = registry.get(entry.kind)
    if kind is None or kind.log_filter is None:
        return found
    kept = set(id(e) for e in kind.log_filter(entry, found))
    return [e for e in found if id(e) in kept or e.subject == entry.subject]


def log(entry: ArchiveEntry, entries: list[AuditEntry] | None = None) -> list[dict[str, Any]]:
    """The handling steps (from `entries`, its audit entries when the caller has them); the
    filing shows once, as the item's own `*.archived` step."""
    labels = registry.event_labels()
    return [{"at": iso(e.at), "event": e.event,
             "actor": e.actor.name if e.actor else None,
             "detail": labels.get(e.event, "归档" if e.event.endswith(".archived") else e.event)}
            for e in (audit_entries(entry) if entries is None else entries)
            if e.event != "archive.filed"]


def _facet(qs: QuerySet[ArchiveEntry], name: str) -> dict[str, int]:
    column = "unit__code" if name == "unit" else name
    return {str(row[column]): row["n"]
            for row in qs.values(column).annotate(n=Count("id")).order_by(column)}


def entries_for(*, user: User, year: int | None, unit: str | None, retention: str | None,
                kind: str | None, q: str, limit: int, offset: int) -> dict[str, Any]:
    s = scope(user)
    base = visible(s)
    filters: dict[str, Q] = {}
    if year is not None:
        filters["year"] = Q(year=year)
    if unit:
        if not Unit.objects.filter(code=unit).exists():
            raise bad_request(f"未知的单位“{unit[:40]}”")
        filters["unit"] = Q(unit__code=unit)
    if retention:
        filters["retention"] = Q(retention=retention)
    if kind:
        if registry.get(kind) is None:
            offered = "、".join(f"{k.kind}（{k.label}）" for k in registry.kinds())
            raise bad_request(f"未知的档案类别“{kind[:20]}”，可选：{offered}")
        filters["kind"] = Q(kind=kind)
    text = Q()
    for word in q.split():
        text &= (Q(title__icontains=word) | Q(number__icontains=word)
                 | Q(archive_no__icontains=word))

    def narrowed(leave_out: str | None = None) -> QuerySet[ArchiveEntry]:
        qs = base.filter(text)
        for name, condition in filters.items():
            if name != leave_out:
                qs = qs.filter(condition)
        return qs

    selection = narrowed()
    total = selection.count()
    page = list(selection.select_related("unit").order_by("-filed_at", "-id")
                [offset:offset + limit])
    return {
        "total": total,
        "entries": [entry_dict(e) for e in page],
        "facets": {name: _facet(narrowed(name), name)
                   for name in ("year", "unit", "retention", "kind")},
        "exportable": list(exportable(s).order_by("sort_order", "code")
                           .values_list("code", flat=True)),
    }


def feed(*, user: User, since: int, limit: int) -> dict[str, Any]:
    """Entries of the units the caller manages filed after `since`, in filing order."""
    s = scope(user)
    qs = ArchiveEntry.objects.filter(seq__gt=since).select_related("unit").order_by("seq")
    if not s.everything:
        qs = qs.filter(unit_id__in=s.manager_units)
    rows = list(qs[:limit + 1])
    page = rows[:limit]
    return {"entries": [entry_dict(e, full=True) for e in page],
            "next": page[-1].seq if page else since, "has_more": len(rows) > limit}
