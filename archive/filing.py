"""Filing (归档): what was handled becomes an archive entry, once.

What can be filed, and when, is what the registered kinds say (archive/registry.py): received
copies handled by their unit, outgoing documents settled everywhere, settled approvals, and
whatever later apps register. The worker finds them two ways. Every two seconds
`file_recent` reads the audit log past its cursor and hands the events a kind listens for to
that kind, which names the items they may have made fileable: the log's seq grows in commit
order, so nothing committed is passed over, and the cost follows what happened since the
last turn, not the size of the archive. Every ten minutes (and in `manage.py archive_file`)
`file_pending` asks each kind for everything fileable and not filed, which catches what
predates the archive and any item whose filing failed. Each item is filed in a transaction of
its own in which its kind locks the source row and describes it, the next 件号 of its series
is taken under the counter's row lock, and the filing's entries end the audit log; the unique
constraint on the source makes a second filing of the same item fail instead of happening. A
failure files nothing and is logged; the next sweep tries again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from archive import registry, rules
from archive.models import ArchiveCounter, ArchiveCursor, ArchiveEntry
from archive.registry import ArchivableKind, Filing, Logged
from hub.lib.errors import ApiError, bad_request, not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.actions import ensure_password
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit
from hub.seals.canonical import canonical_json
from hub.seals.models import AuditEntry

logger = logging.getLogger("archive")

Retention = ArchiveEntry.Retention
MANAGER_ROLES = [UnitMembership.Role.CLERK, UnitMembership.Role.LEADER, UnitMembership.Role.ADMIN]


# --- the sweep -----------------------------------------------------------------------------------
def filed_sources(kind: ArchivableKind) -> Any:
    """The source ids of a kind already filed, as a subquery."""
    return ArchiveEntry.objects.filter(source_type=kind.source_type).values("source_id")


def file_pending(*, limit: int = 200) -> int:
    """File what is waiting, at most `limit` items of each kind; the number filed."""
    work: list[tuple[ArchivableKind, int]] = []
    for kind in registry.kinds():
        work += [(kind, source) for source in kind.pending(filed_sources(kind), limit)[:limit]]
    return _file_all(work)


def file_recent(*, batch: int = 500) -> int:
    """File what the audit log's newest events made fileable; the number filed."""
    cursor, _ = ArchiveCursor.objects.get_or_create(id=1)
    # Every entry past the cursor, not only the events wanted: the cursor then moves past
    # everything read, and an idle turn is one lookup on the seq index.
    rows = list(AuditEntry.objects.filter(seq__gt=cursor.seq).order_by("seq")
                .values_list("seq", "event", "subject")[:batch])
    if not rows:
        return 0
    kinds = registry.kinds()
    listened = {event for kind in kinds for event in kind.events}
    wanted = [seq for seq, event, _ in rows if event in listened]
    data_of = dict(AuditEntry.objects.filter(seq__in=wanted).values_list("seq", "data"))
    logged = [Logged(seq=seq, event=event, subject=subject, data=data_of.get(seq) or {})
              for seq, event, subject in rows if event in listened]
    work: list[tuple[ArchivableKind, int]] = []
    for kind in kinds:
        for event, sources_of in kind.events.items():
            mine = [row for row in logged if row.event == event]
            if mine:
                work += [(kind, source) for source in sources_of(mine)]
    filed = _file_all(list(dict.fromkeys(work)))
    ArchiveCursor.objects.filter(id=1, seq=cursor.seq).update(seq=rows[-1][0])
    return filed


def _file_all(work: list[tuple[ArchivableKind, int]]) -> int:
    filed = 0
    for kind, source_id in work:
        try:
            if file_item(kind, source_id) is not None:
                filed += 1
        except IntegrityError:
            pass  # filed meanwhile by someone else
        except ApiError as exc:
            logger.info("not filed: %s %s: %s", kind.kind, source_id, exc.detail)
        except Exception:
            logger.exception("filing %s %s failed", kind.kind, source_id)
    return filed


# --- filing one item ------------------------------------------------------------------------------
def _next_item_no(unit: Unit, year: int, retention: str, kind: str) -> int:
    ArchiveCounter.objects.get_or_create(unit=unit, year=year, retention=retention, kind=kind)
    counter = ArchiveCounter.objects.select_for_update().get(
        unit=unit, year=year, retention=retention, kind=kind)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _content_sha256(metadata: dict[str, Any], files: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json({"metadata": metadata, "files": files})).hexdigest()


def file_item(kind: ArchivableKind, source_id: int, *, actor: User | None = None,
              retention: str | None = None) -> ArchiveEntry | None:
    """File one item of `kind` now, if it is fileable and not filed; None otherwise (a
    second filing asked for by a person answers 409)."""
    now = timezone.now()
    with transaction.atomic():
        filing = kind.prepare(source_id, actor, retention)
        if filing is None:
            return None
        if ArchiveEntry.objects.filter(source_type=kind.source_type,
                                       source_id=source_id).exists():
            if actor is not None:
                raise ApiError("conflict", f"该{kind.object_label}已归档")
            return None
        return _create(kind, source_id, filing, actor=actor, now=now)


def _create(kind: ArchivableKind, source_id: int, f: Filing, *, actor: User | None,
            now: datetime) -> ArchiveEntry:
    unit = f.unit
    item_no = _next_item_no(unit, f.year, f.retention, kind.kind)
    archive_no = rules.archive_number(unit_code=unit.code, year=f.year, retention=f.retention,
                                      class_code=kind.class_code, item_no=item_no)
    labels = {"档号": archive_no, "全宗号": rules.fonds_code(unit.code), "门类": "文书",
              "年度": str(f.year), "保管期限": Retention(f.retention).label,
              "机构（问题）": kind.label, "件号": f"{item_no:04d}",
              "归档时间": iso(now), "归档人": actor.name if actor else "系统自动归档",
              "真实性与完整性检测": "通过" if f.verified else f"未通过：{f.detail}"}
    metadata = {**labels, **f.metadata}
    entry = ArchiveEntry.objects.create(
        unit=unit, kind=kind.kind, year=f.year, retention=f.retention, item_no=item_no,
        archive_no=archive_no, title=f.title[:200], number=f.number, doc_type=f.doc_type,
        date=f.day, responsible=f.responsible[:200], secrecy=f.secrecy, metadata=metadata,
        files=f.files, verified=f.verified, verify_detail=f.detail[:300],
        content_sha256=_content_sha256(metadata, f.files), filed_at=now, filed_by=actor,
        source_type=kind.source_type, source_id=source_id, object_type=kind.object_type,
        object_id=f.object_id)
    source = entry.object_subject
    data = {"archive_no": archive_no, "unit": unit.code, "source": source,
            "retention": f.retention, "content_sha256": entry.content_sha256}
    logged = audit.append([
        audit.Event(event="archive.filed", subject=entry.subject,
                    actor_id=actor.id if actor else None, data=data, at=now),
        audit.Event(event=f"{kind.object_type}.archived", subject=source,
                    actor_id=actor.id if actor else None,
                    data={"unit": unit.code, "archive_no": archive_no}, at=now),
    ])
    entry.seq = logged[0].seq
    entry.save(update_fields=["seq"])
    return entry


def file_now(*, user: User, data: dict[str, Any], retention: str | None) -> ArchiveEntry:
    """`POST /archive`: file by hand what a kind lets people file (an outgoing document:
    a clerk or leader of the issuing unit)."""
    if retention is not None and retention not in Retention.values:
        raise bad_request("保管期限只能是 permanent（永久）、30y（定期30年）或 10y（定期10年）")
    for kind in registry.kinds():
        if kind.manual_field and kind.manual and data.get(kind.manual_field) is not None:
            object_id = as_id(data[kind.manual_field])
            if object_id is None:
                raise not_found("文件")
            source_id = kind.manual(user, object_id)
            entry = file_item(kind, source_id, actor=user, retention=retention)
            if entry is None:
                raise not_found("文件")
            return entry
    fields = "、".join(k.manual_field for k in registry.kinds() if k.manual_field)
    raise bad_request(f"请指明要归档的文件（{fields}）")


# --- the demo's archive system account ----------------------------------------------------------
ARCHIVIST = "archivist"


def ensure_archivist(password: str) -> None:
    """The demo's account for an outside archive system (区档案馆), with the permission to
    read and export every unit's archive and the demo users' password (a `seed_demo` hook)."""
    user, _ = User.objects.update_or_create(username=ARCHIVIST,
                                            defaults={"display_name": "区档案馆（接口）"})
    ensure_password(user=user, password=password)
    user.user_permissions.add(Permission.objects.get(codename="view_all_archives",
                                                     content_type__app_label="archive"))
