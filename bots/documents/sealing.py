"""What a document's seal covers, and checking it.

The signed content is the document's metadata (every element the recipients see, the
recipient lists included) and, per attachment, its name, size and the SHA-256 of the stored
file. Verification recomputes the same content from the rows and from the files on disk as
they are now, so any changed field or byte shows, with what changed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from bots.documents.models import Delivery, Document, DocumentAttachment
from hub.chat.actions import attachment_path
from hub.lib.times import iso
from hub.seals import signing

FIELD_LABELS = {
    "id": "公文编号", "unit": "发文单位", "doc_type": "文种", "number": "发文字号", "title": "标题",
    "body": "正文", "urgency": "紧急程度", "secrecy": "密级", "signer": "签发人", "notes": "附注",
    "issued_on": "成文日期", "deadline": "办理期限", "reply_required": "答复要求",
    "recipients": "主送单位", "cc": "抄送单位", "attachments": "附件",
    "chain": "核稿签发记录", "pdf": "版式文件（PDF）",
}
MISSING = "missing"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except FileNotFoundError:
        return MISSING
    return digest.hexdigest()


def content(document: Document, *, files: list[DocumentAttachment] | None = None,
            hashes: dict[int, str] | None = None, chain: list[dict[str, Any]] | None = None,
            pdf_sha256: str | None = None) -> dict[str, Any]:
    """The sealed content. `hashes` maps attachment ids to known digests (at sealing time,
    the digests just computed); otherwise each file is read and hashed now. A document that
    went through 核稿 and 签发 also seals its signed decisions (`chain`, from
    drafts.sealed_chain), and an issued one its GB/T 9704 PDF's SHA-256 (read from the stored
    file when not given); a document sent before either existed seals neither, as then."""
    if files is None:
        files = list(document.files.select_related("attachment").order_by("position"))
    deliveries = list(Delivery.objects.filter(document=document).select_related("unit")
                      .values_list("unit__code", "kind"))
    attachments = []
    for item in files:
        digest = (hashes or {}).get(item.attachment_id) or file_sha256(attachment_path(item.attachment))
        attachments.append({"name": item.name, "size": item.size, "sha256": digest})
    out = {
        "id": document.id, "unit": document.unit.code, "doc_type": document.doc_type,
        "number": document.number, "title": document.title, "body": document.body,
        "urgency": document.urgency, "secrecy": document.secrecy, "signer": document.signer,
        "notes": document.notes, "issued_on": document.issued_on.isoformat(),
        "deadline": iso(document.deadline), "reply_required": document.reply_required,
        "recipients": sorted(code for code, kind in deliveries if kind == Delivery.Kind.MAIN),
        "cc": sorted(code for code, kind in deliveries if kind == Delivery.Kind.CC),
        "attachments": attachments,
    }
    if chain is None:
        from bots.documents.drafts import sealed_chain

        chain = sealed_chain(document)
    if chain:
        out["chain"] = chain
    if pdf_sha256 is None and document.pdf is not None:
        pdf_sha256 = file_sha256(attachment_path(document.pdf))
    if pdf_sha256 is not None:
        out["pdf"] = pdf_sha256
    return out


def _describe(files: list[DocumentAttachment]):  # noqa: ANN202
    def describe(path: tuple[Any, ...]) -> str:
        if not path:
            return "签章内容"
        label = FIELD_LABELS.get(str(path[0]), str(path[0]))
        if path[0] == "attachments" and len(path) >= 2:
            index = int(path[1])
            name = files[index].name if index < len(files) else f"第 {index + 1} 个"
            if len(path) >= 3 and path[2] == "sha256":
                return f"附件“{name}”的文件内容"
            return f"附件“{name}”"
        return f"“{label}”"

    return describe


def verify(document: Document, *, hashes: dict[int, str] | None = None) -> signing.Verification:
    """`hashes`: digests of the attachments' files just read by the caller (by attachment
    id), so that they are not read a second time."""
    files = list(document.files.select_related("attachment").order_by("position"))
    signature = None
    if document.signature_id is not None:
        signature = (signing.Signature.objects.select_related("key", "key__unit")
                     .filter(id=document.signature_id).first())
    now = content(document, files=files, hashes=hashes)
    missing = [a["name"] for a in now["attachments"] if a["sha256"] == MISSING]
    result = signing.verify(signature=signature, subject=document.subject, content=now,
                            describe=_describe(files))
    if result.valid or not missing:
        return result
    return signing.Verification(False, f"附件“{missing[0]}”的文件已不存在",
                                unit=result.unit, unit_name=result.unit_name,
                                key_id=result.key_id, alg=result.alg, signed_at=result.signed_at)
