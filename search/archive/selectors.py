"""Reads: whose archive the caller sees, entries as the protocol writes them, the feed.

Document entries (收文, 发文) are seen by every member of the entry's unit, as the unit's
documents are; approval entries by the request's requester, approvers and deciders and by
the unit's clerks, leaders and admins. Exports and the feed cover the units the caller
manages (clerk, leader, admin). The permission `archive.view_all_archives` covers every
unit. Anything else is `not_found`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from bots.approvals.models import Approval
from hub.lib.errors import bad_request, not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit
from hub.seals.models import AuditEntry
from search.archive.filing import MANAGER_ROLES
from search.archive.models import ArchiveEntry

Kind = ArchiveEntry.Kind
PERMISSION = "archive.view_all_archives"

EVENT_LABELS = {
    "document.sent": "发文", "document.delivered": "送达", "document.signed": "签收",
    "document.registered": "登记", "document.assigned": "指派承办", "document.handled": "办结",
    "document.returned": "退回", "document.circulated": "传阅", "document.read": "阅读",
    "document.reminded": "催办", "document.escalated": "督办升级",
    "document.archived": "归档", "approval.submitted": "提交申请",
    "approval.decided": "审批", "approval.settled": "审批结束",
    "approval.resubmitted": "修改后重新提交", "approval.reminded": "催办",
    "approval.archived": "归档",
}


# The order the metadata is shown and sent in (the database keeps JSON keys in its own order).
METADATA_ORDER = (
    "档号", "全宗号", "门类", "年度", "保管期限", "机构（问题）", "件号", "题名", "责任者", "文件编号",
    "日期", "文种", "密级", "紧急程度", "签发人", "发文人", "主送", "抄送", "附注", "附件数",
    "收文编号", "收文类别", "承办人", "办结人", "办结时间", "办理结果", "办理情况", "申请单位",
    "申请时间", "审批结果", "轮次", "内容", "审批记录", "电子签章", "真实性与完整性检测",
    "归档时间", "归档人",
)
_RANK = {name: i for i, name in enumerate(METADATA_ORDER)}


def ordered(metadata: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(metadata.items(), key=lambda kv: (_RANK.get(kv[0], len(_RANK)), kv[0])))


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
    involved = Approval.objects.filter(
        Q(requester=s.user) | Q(steps__approvers__user=s.user)
        | Q(steps__approvers__decided_by=s.user)).values("id")
    return entries.filter(
        Q(kind__in=[Kind.INCOMING, Kind.OUTGOING], unit_id__in=s.member_units)
        | Q(kind=Kind.APPROVAL, unit_id__in=s.manager_units)
        | Q(kind=Kind.APPROVAL, approval_id__in=involved))


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
        "kind_label": entry.get_kind_display(),
        "unit": {"code": entry.unit.code, "name": entry.unit.name}, "year": entry.year,
        "retention": entry.retention, "retention_label": entry.get_retention_display(),
        "item_no": entry.item_no, "title": entry.title, "number": entry.number,
        "doc_type": entry.doc_type or None, "date": entry.date.isoformat(),
        "responsible": entry.responsible, "secrecy": entry.secrecy,
        "document": entry.document_id, "approval": entry.approval_id,
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


def source_subject(entry: ArchiveEntry) -> str:
    return f"approval:{entry.approval_id}" if entry.approval_id else f"document:{entry.document_id}"


def audit_entries(entry: ArchiveEntry) -> list[AuditEntry]:
    """The audit log's entries for this item: for a received copy only the steps of its unit
    (and the sending), then the filing itself."""
    found = audit.entries_for(subjects=[source_subject(entry), entry.subject])
    if entry.kind != Kind.INCOMING:
        return found
    return [e for e in found if e.event == "document.sent" or e.subject == entry.subject
            or e.data.get("unit") == entry.unit.code]


def log(entry: ArchiveEntry, entries: list[AuditEntry] | None = None) -> list[dict[str, Any]]:
    """The handling steps (from `entries`, its audit entries when the caller has them); the
    filing shows once, as the item's own `*.archived` step."""
    return [{"at": iso(e.at), "event": e.event,
             "actor": e.actor.name if e.actor else None,
             "detail": EVENT_LABELS.get(e.event, e.event)}
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
    from hub.seals import checkpoint

    return {"entries": [entry_dict(e, full=True) for e in page],
            "next": page[-1].seq if page else since, "has_more": len(rows) > limit,
            # The audit head, signed: an archive system keeping these can later prove that
            # nothing was cut from the end of the log (hub/seals/checkpoint.py).
            "audit_checkpoint": checkpoint.current()}
