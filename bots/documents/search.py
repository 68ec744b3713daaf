"""Documents in the search index: the builder registered with search/registry.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from bots.documents.models import (
    ChainDecision,
    Circulation,
    Delivery,
    Document,
    DocumentAttachment,
)
from search.sources import FileRef, Item, names


def documents(ids: Iterable[int] | None) -> Iterator[Item | tuple[str, int]]:
    qs = Document.objects.select_related("unit", "sender").order_by("id")
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    # A draft is not searchable: it is seen by its chain, not by its unit (it is indexed
    # when it is issued).
    rows = [d for d in qs if d.state == Document.State.ISSUED]
    found = {d.id for d in rows}
    doc_ids = list(found)
    audience: dict[int, set[str]] = defaultdict(set)
    for doc_id, unit_id, assignee_id in Delivery.objects.filter(
            document_id__in=doc_ids).values_list("document_id", "unit_id", "assignee_id"):
        audience[doc_id].add(f"u{unit_id}")
        if assignee_id:
            audience[doc_id].add(f"p{assignee_id}")
    for doc_id, reader_id in Circulation.objects.filter(
            delivery__document_id__in=doc_ids, sent_at__isnull=False).values_list(
            "delivery__document_id", "reader_id"):
        audience[doc_id].add(f"p{reader_id}")
    for doc_id, user_id in Delivery.co_assignees.through.objects.filter(
            delivery__document_id__in=doc_ids).values_list("delivery__document_id", "user_id"):
        audience[doc_id].add(f"p{user_id}")
    for doc_id, user_id, decider_id in ChainDecision.objects.filter(
            step__document_id__in=doc_ids).values_list("step__document_id", "user_id",
                                                       "decided_by_id"):
        audience[doc_id] |= {f"p{u}" for u in (user_id, decider_id) if u}
    files: dict[int, list[FileRef]] = defaultdict(list)
    for f in DocumentAttachment.objects.filter(document_id__in=doc_ids).select_related(
            "attachment").order_by("position"):
        files[f.document_id].append(FileRef(f.attachment.id, f.name, f.attachment.storage_name))
    for d in rows:
        aud = {f"u{d.unit_id}", f"p{d.sender_id}", *audience[d.id]}
        yield Item("document", d.id, {
            "type": "document", "room": "", "sender": str(d.sender_id), "unit": d.unit.code,
            "year": str(d.issued_on.year), "doctype": d.doc_type,
            "attach": "1" if files.get(d.id) else "", "created": d.sent_at, "title": d.title,
            "number": f"{d.number}\n{d.number_raw}", "body": "\n".join(
                x for x in (d.body, d.notes, d.signer and f"签发人：{d.signer}",
                            f"{d.unit.name}") if x),
            "names": names([d.sender]) + (f"\n{d.signer}" if d.signer else ""),
            "aud": " ".join(sorted(aud)),
        }, files.get(d.id, []))
    if ids is not None:
        for missing in wanted - found:
            yield ("document", missing)


def cards(ids: list[int]) -> dict[int, list[int]]:
    """Where a document hit opens: the unit's card, the handler's, a reader's, the tracking
    card (the caller's own among them is chosen by search/selectors.py)."""
    out: dict[int, list[int]] = defaultdict(list)
    for doc_id, a, b in Delivery.objects.filter(document_id__in=ids).values_list(
            "document_id", "message_id", "assignee_message_id"):
        out[doc_id] += [m for m in (a, b) if m]
    for doc_id, m in Circulation.objects.filter(delivery__document_id__in=ids).values_list(
            "delivery__document_id", "message_id"):
        if m:
            out[doc_id].append(m)
    for doc_id, m in Document.objects.filter(id__in=ids).values_list(
            "id", "tracking_message_id"):
        if m:
            out[doc_id].append(m)
    return out


def register() -> None:
    from bots.documents.models import DOC_TYPES
    from search import registry

    registry.register_source(registry.Source(
        kind="document", label="公文", names=("doc", "documents"), build=documents,
        count=lambda: Document.objects.filter(state=Document.State.ISSUED).count(), cards=cards))
    registry.register_vocabulary(registry.Vocabulary(name="doctype", param="doc_type",
                                                     label="文种", values=DOC_TYPES))
