"""What a published issue's seal covers, and checking it.

The sealed content names the publication, the issue's number, the signer's decisions, the
audience, every item as published (title, unit, a digest of the text, each file's digest)
and the PDF's digest. Verification recomputes it from the rows and the files on disk."""

from __future__ import annotations

import hashlib
from typing import Any

from bots.bulletins.models import Decision, Issue, IssueItem, IssueUnit, ItemFile
from bots.documents.sealing import MISSING, file_sha256
from hub.chat.actions import attachment_path
from hub.chat.models import Attachment
from hub.lib.times import iso
from hub.seals import signing

LABELS = {"publication": "刊物", "year": "年度", "number": "期号", "total_number": "总期号",
          "title": "专题", "signer": "签发人", "decisions": "签发记录", "audience": "发送单位",
          "items": "稿件", "pdf": "版式文件（PDF）", "published_at": "印发时间"}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content(issue: Issue, *, pdf: Attachment | None, hashes: dict[int, str] | None = None
            ) -> dict[str, Any]:
    hashes = hashes or {}

    def sha(attachment: Attachment) -> str:
        return hashes.get(attachment.id) or file_sha256(attachment_path(attachment))

    entries = list(IssueItem.objects.filter(issue=issue).select_related("item", "item__unit")
                   .order_by("position"))
    files: dict[int, list[dict[str, str]]] = {}
    for f in ItemFile.objects.filter(item_id__in=[e.item_id for e in entries]).select_related(
            "attachment").order_by("position"):
        files.setdefault(f.item_id, []).append({"name": f.name, "sha256": sha(f.attachment)})
    decisions = [{"round": d.round, "decision": d.decision, "user": d.user.username,
                  "decided_by": d.decided_by.username, "signature": d.signature_id}
                 for d in Decision.objects.filter(issue=issue).select_related("user", "decided_by")
                 .order_by("round")]
    return {
        "publication": issue.publication.code, "name": issue.publication.name,
        "unit": issue.publication.unit.code, "year": issue.year, "number": issue.number,
        "total_number": issue.total_number, "title": issue.title,
        "signer": issue.signer.username, "decisions": decisions,
        "audience": sorted(IssueUnit.objects.filter(issue=issue)
                           .values_list("unit__code", flat=True)),
        "items": [{"id": e.item_id, "title": e.item.title, "unit": e.item.unit.code,
                   "body_sha256": digest(e.item.body), "files": files.get(e.item_id, [])}
                  for e in entries],
        "pdf": {"name": pdf.name, "sha256": sha(pdf)} if pdf is not None else None,
        "published_at": iso(issue.published_at),
    }


def _describe(path: tuple[Any, ...]) -> str:
    if not path:
        return "签章内容"
    label = LABELS.get(str(path[0]), str(path[0]))
    if path[0] == "items" and len(path) >= 2:
        what = {"title": "标题", "body_sha256": "正文", "files": "附件"}.get(
            str(path[2]) if len(path) >= 3 else "", "内容")
        return f"第{int(path[1]) + 1}篇稿件的{what}"
    if path[0] == "pdf" and len(path) >= 2 and path[1] == "sha256":
        return "版式文件（PDF）的内容"
    return f"“{label}”"


def verify(issue: Issue, *, pdf: Attachment | None) -> signing.Verification:
    signature = None
    if issue.signature_id is not None:
        signature = (signing.Signature.objects.select_related("key", "key__unit")
                     .filter(id=issue.signature_id).first())
    now = content(issue, pdf=pdf)
    result = signing.verify(signature=signature, subject=issue.subject, content=now,
                            describe=_describe)
    missing = [f["name"] for item in now["items"] for f in item["files"]
               if f["sha256"] == MISSING]
    if not result.valid and missing:
        return signing.Verification(False, f"附件“{missing[0]}”的文件已不存在", unit=result.unit,
                                    unit_name=result.unit_name, key_id=result.key_id,
                                    alg=result.alg, signed_at=result.signed_at)
    return result
