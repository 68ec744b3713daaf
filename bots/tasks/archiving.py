"""Closed 督办 tasks in the archive: the kind 督办 (class code `DB`, 定期10年), registered with
archive/registry.py. A task is filed in its supervising office's archive once it is closed
(销号), with its reports' files and the check of the closer's signature; the office's members
see the entry, and so do the lead and co-units' members."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from archive.registry import ArchivableKind, Filing, Logged, register
from bots.tasks import services
from bots.tasks.models import Report, Task, TaskUnit
from hub.org.models import UnitMembership, User
from hub.seals import personal
from hub.seals.signing import precise_iso

EVENT_LABELS = {"task.created": "立项交办", "task.accepted": "接收", "task.reported": "进展汇报",
                "task.extension_requested": "申请延期", "task.extension_decided": "延期审批",
                "task.completed": "办结", "task.closed": "销号", "task.reminded": "催办",
                "task.escalated": "督办升级", "task.archived": "归档"}
METADATA_ORDER = ("督办事项", "来源", "批示", "主办单位", "协办单位", "办结期限", "办结情况",
                  "进展汇报", "销号人", "销号签名")


def _describe(path: tuple[Any, ...]) -> str:
    labels = {"title": "督办事项", "result": "办结情况", "deadline": "办结期限",
              "lead_unit": "主办单位", "completed_at": "办结时间"}
    return f"“{labels.get(str(path[0]), str(path[0]))}”" if path else "销号内容"


def check(task: Task) -> personal.PersonalVerification:
    signature = None
    if task.closing_signature_id is not None:
        signature = (personal.PersonalSignature.objects.select_related("key", "key__user")
                     .filter(id=task.closing_signature_id).first())
    return personal.verify(signature=signature, subject=task.subject,
                           content=services.closing_content(task), describe=_describe)


def prepare(task_id: int, actor: User | None, retention: str | None) -> Filing | None:
    task = (Task.objects.select_for_update(of=("self",))
            .select_related("office", "lead_unit", "closed_by", "instructed_by")
            .filter(id=task_id).first())
    if task is None or task.state != Task.State.CLOSED or task.closed_at is None:
        return None
    day = timezone.localtime(task.closed_at).date()
    reports = list(Report.objects.filter(task=task).select_related("unit", "by")
                   .prefetch_related("attachments"))
    files = [{"name": a.name, "size": a.size, "sha256": a.sha256, "attachment": a.id}
             for r in reports for a in r.attachments.all()]
    co = [u.unit.name for u in TaskUnit.objects.filter(task=task, role=TaskUnit.Role.CO)
          .select_related("unit").order_by("id")]
    result = check(task)
    metadata: dict[str, Any] = {
        "题名": task.title, "责任者": task.office.name, "文件编号": f"督办〔{day.year}〕{task.id}号",
        "日期": day.isoformat(), "文种": "督办事项", "密级": "非密", "督办事项": task.title,
        "来源": task.source_type or "交办", "批示": task.instruction,
        "主办单位": task.lead_unit.name, "协办单位": "、".join(co),
        "办结期限": precise_iso(task.deadline), "办结情况": task.result,
        "进展汇报": [{"单位": r.unit.name, "汇报人": r.by.name, "时间": precise_iso(r.created_at),
                  "内容": r.body} for r in reports],
        "销号人": task.closed_by.name if task.closed_by else "",
        "销号签名": "有效" if result.valid else f"无效：{result.reason}",
    }
    return Filing(unit=task.office, year=day.year, retention=retention or "10y",
                  title=task.title, number=metadata["文件编号"], doc_type="", day=day,
                  responsible=task.office.name, secrecy="非密", metadata=metadata, files=files,
                  verified=result.valid, detail=result.reason, object_id=task.id)


def pending(filed: QuerySet[Any], limit: int) -> list[int]:
    return list(Task.objects.filter(state=Task.State.CLOSED).exclude(id__in=filed)
                .order_by("closed_at", "id").values_list("id", flat=True)[:limit])


def closed(rows: list[Logged]) -> list[int]:
    return [row.object_id for row in rows if row.object_id is not None]


def verify(task_id: int, hashes: dict[int, str]) -> tuple[bool, str]:
    task = Task.objects.select_related("lead_unit", "closed_by").filter(id=task_id).first()
    if task is None:
        return False, "督办事项已不存在"
    result = check(task)
    return result.valid, result.reason


def signatures(task_id: int) -> list[dict[str, Any]]:
    task = (Task.objects.select_related("closing_signature", "closing_signature__key",
                                        "closing_signature__key__user")
            .filter(id=task_id).first())
    if task is None or task.closing_signature is None:
        return []
    s, key = task.closing_signature, task.closing_signature.key
    return [{"type": "decision", "subject": s.subject, "decision": "close",
             "signer": key.user.username, "key_id": key.key_id, "alg": s.alg,
             "public_key": key.public_key, "signed_at": precise_iso(s.signed_at), "tbs": s.tbs,
             "value": s.value}]


def involved(user: User) -> Any:
    """The lead and co-units' members see the entries of their tasks."""
    units = UnitMembership.objects.filter(user=user).values("unit_id")
    return TaskUnit.objects.filter(unit_id__in=units).values("task_id")


def register_kind() -> None:
    register(ArchivableKind(
        kind="task", label="督办", class_code="DB", source_type="task", object_type="task",
        object_label="督办事项", prepare=prepare, pending=pending, events={"task.closed": closed},
        verify=verify, signatures=signatures, audience="unit", involved=involved,
        event_labels=EVENT_LABELS, metadata_order=METADATA_ORDER))
