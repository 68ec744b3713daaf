"""Published issues in the archive: the kind 刊物 (class code `KW`), registered with
archive/registry.py. An issue is filed in its publishing unit's archive as soon as it is
published, with its PDF and its items' files, the result of checking its seal, and the
signer's decisions; every member of the publishing unit sees the entry."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from archive.registry import ArchivableKind, Filing, Logged, register
from bots.bulletins import sealing
from bots.bulletins.common import issue_label
from bots.bulletins.models import Decision, Issue, IssueItem, IssueUnit, ItemFile
from hub.lib.times import iso
from hub.org.models import User
from hub.seals.signing import precise_iso

EVENT_LABELS = {"bulletin.issue_created": "编辑成期", "bulletin.sign_off": "签发",
                "bulletin.return": "退回", "bulletin.published": "印发",
                "bulletin.reminded": "催阅", "bulletin_issue.archived": "归档"}
METADATA_ORDER = ("刊名", "期号", "总期号", "签发人", "稿件", "发送单位数", "附件数", "电子签章")


def prepare(issue_id: int, actor: User | None, retention: str | None) -> Filing | None:
    issue = (Issue.objects.select_for_update(of=("self",))
             .select_related("publication", "publication__unit", "signer", "pdf")
             .filter(id=issue_id).first())
    if issue is None or issue.state != Issue.State.PUBLISHED or issue.published_at is None:
        return None
    day = timezone.localtime(issue.published_at).date()
    entries = list(IssueItem.objects.filter(issue=issue).select_related("item", "item__unit")
                   .order_by("position"))
    files = []
    if issue.pdf is not None:
        files.append({"name": issue.pdf.name, "size": issue.pdf.size, "sha256": issue.pdf.sha256,
                      "attachment": issue.pdf_id})
    for f in ItemFile.objects.filter(item_id__in=[e.item_id for e in entries]).select_related(
            "attachment").order_by("item_id", "position"):
        files.append({"name": f.name, "size": f.attachment.size, "sha256": f.sha256,
                      "attachment": f.attachment_id})
    check = sealing.verify(issue, pdf=issue.pdf)
    number = f"{issue.publication.name}〔{issue.year}〕{issue.number}期"
    title = issue_label(issue) + (f"：{issue.title}" if issue.title else "")
    metadata: dict[str, Any] = {
        "题名": title,
        "责任者": issue.publication.unit.name, "文件编号": number, "日期": day.isoformat(),
        "文种": "电子刊物", "密级": "非密", "刊名": f"《{issue.publication.name}》",
        "期号": f"{issue.year}年第{issue.number}期", "总期号": f"总第{issue.total_number}期",
        "签发人": issue.signer.name,
        "稿件": [{"题名": e.item.title, "单位": e.item.unit.name} for e in entries],
        "发送单位数": IssueUnit.objects.filter(issue=issue).count(), "附件数": len(files),
        "电子签章": "有效" if check.valid else f"无效：{check.reason}",
    }
    return Filing(unit=issue.publication.unit, year=issue.year or day.year,
                  retention=retention or "30y", title=title, number=number,
                  doc_type="", day=day, responsible=issue.publication.unit.name, secrecy="非密",
                  metadata=metadata, files=files, verified=check.valid, detail=check.reason,
                  object_id=issue.id)


def pending(filed: QuerySet[Any], limit: int) -> list[int]:
    return list(Issue.objects.filter(state=Issue.State.PUBLISHED).exclude(id__in=filed)
                .order_by("published_at", "id").values_list("id", flat=True)[:limit])


def published(rows: list[Logged]) -> list[int]:
    return [row.object_id for row in rows if row.object_id is not None]


def verify(issue_id: int, hashes: dict[int, str]) -> tuple[bool, str]:
    issue = Issue.objects.select_related("publication", "pdf").filter(id=issue_id).first()
    if issue is None:
        return False, "刊期已不存在"
    result = sealing.verify(issue, pdf=issue.pdf)
    return result.valid, result.reason


def signatures(issue_id: int) -> list[dict[str, Any]]:
    issue = (Issue.objects.select_related("signature", "signature__key", "signature__key__unit")
             .filter(id=issue_id).first())
    if issue is None:
        return []
    out: list[dict[str, Any]] = []
    if issue.signature is not None:
        s, key = issue.signature, issue.signature.key
        out.append({"type": "seal", "subject": s.subject, "unit": key.unit.code,
                    "seal_name": key.seal_name, "key_id": key.key_id, "alg": s.alg,
                    "public_key": key.public_key, "signed_at": precise_iso(s.signed_at),
                    "tbs": s.tbs, "value": s.value})
    for d in (Decision.objects.filter(issue_id=issue_id)
              .select_related("signature", "signature__key", "signature__key__user")
              .order_by("round")):
        if d.signature is None:
            continue
        p, pkey = d.signature, d.signature.key
        out.append({"type": "decision", "subject": p.subject, "round": d.round,
                    "decision": d.decision, "signer": pkey.user.username, "key_id": pkey.key_id,
                    "alg": p.alg, "public_key": pkey.public_key,
                    "signed_at": precise_iso(p.signed_at), "at": iso(d.at), "tbs": p.tbs,
                    "value": p.value})
    return out


def register_kind() -> None:
    register(ArchivableKind(
        kind="bulletin", label="刊物", class_code="KW", source_type="bulletin_issue",
        object_type="bulletin_issue", object_label="刊物", prepare=prepare, pending=pending,
        events={"bulletin.published": published}, verify=verify, signatures=signatures,
        audience="unit", event_labels=EVENT_LABELS, metadata_order=METADATA_ORDER))
