"""Bulletin items in the search index: the source `bulletin_item` (type:刊物), registered with
search/registry.py. An item is found by its submitter, the publication's editors, its unit's
clerks, leaders and admins, the signer of its issue and, once the issue is published, every
member of the units it went to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from bots.bulletins.common import MANAGER_ROLES, name_of
from bots.bulletins.models import (
    Instruction,
    Issue,
    IssueItem,
    IssueUnit,
    Item,
    ItemFile,
    Publication,
)
from hub.org.models import UnitMembership
from search.sources import FileRef, names, year_of
from search.sources import Item as Entry

KIND = "bulletin_item"


def items(ids: Iterable[int] | None) -> Iterator[Entry | tuple[str, int]]:
    qs = Item.objects.select_related("publication", "unit", "submitter").order_by("id")
    wanted: set[int] = set()
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    rows = list(qs)
    found = {i.id for i in rows}
    audience: dict[int, set[str]] = defaultdict(set)
    editors: dict[int, set[str]] = defaultdict(set)
    for pub_id, user_id in Publication.editors.through.objects.filter(
            publication_id__in={i.publication_id for i in rows}).values_list(
            "publication_id", "user_id"):
        editors[pub_id].add(f"p{user_id}")
    managers: dict[int, set[str]] = defaultdict(set)
    for unit_id, user_id in UnitMembership.objects.filter(
            unit_id__in={i.unit_id for i in rows}, role__in=MANAGER_ROLES).values_list(
            "unit_id", "user_id"):
        managers[unit_id].add(f"p{user_id}")
    issues: dict[int, int] = dict(IssueItem.objects.filter(item_id__in=found)
                                  .values_list("item_id", "issue_id"))
    signers = dict(Issue.objects.filter(id__in=set(issues.values())).values_list("id", "signer_id"))
    published: dict[int, set[str]] = defaultdict(set)
    for issue_id, unit_id in IssueUnit.objects.filter(
            issue_id__in=set(issues.values()), issue__state=Issue.State.PUBLISHED).values_list(
            "issue_id", "unit_id"):
        published[issue_id].add(f"u{unit_id}")
    comments: dict[int, list[str]] = defaultdict(list)
    for item_id, by_id, comment in Instruction.objects.filter(item_id__in=found).values_list(
            "item_id", "by_id", "comment"):
        audience[item_id].add(f"p{by_id}")
        comments[item_id].append(comment)
    files: dict[int, list[FileRef]] = defaultdict(list)
    for f in ItemFile.objects.filter(item_id__in=found).select_related("attachment").order_by(
            "position"):
        files[f.item_id].append(FileRef(f.attachment.id, f.name, f.attachment.storage_name))
    for i in rows:
        aud = {f"p{i.submitter_id}", *editors[i.publication_id], *managers[i.unit_id],
               *audience[i.id]}
        in_issue = issues.get(i.id)
        if in_issue is not None:
            issue_id = in_issue
            aud.add(f"p{signers[issue_id]}")
            aud |= published[issue_id]
        yield Entry(KIND, i.id, {
            "type": KIND, "room": "", "sender": str(i.submitter_id), "unit": i.unit.code,
            "year": year_of(i.submitted_at), "doctype": "",
            "attach": "1" if files.get(i.id) else "", "created": i.submitted_at,
            "title": i.title, "number": "",
            "body": "\n".join([i.body, name_of(i.publication), i.unit.name, *comments[i.id]]),
            "names": names([i.submitter]), "aud": " ".join(sorted(aud)), "state": i.state,
        }, files.get(i.id, []))
    for missing in wanted - found:
        yield (KIND, missing)


def cards(ids: list[int]) -> dict[int, list[int]]:
    """Where a hit opens: the published issue's card in a unit room, else an editor's card."""
    from bots.bulletins.models import ReviewMessage

    out: dict[int, list[int]] = defaultdict(list)
    for item_id, message_id in IssueUnit.objects.filter(
            issue__entries__item_id__in=ids, message__isnull=False).values_list(
            "issue__entries__item_id", "message_id"):
        out[item_id].append(message_id)
    for item_id, message_id in ReviewMessage.objects.filter(item_id__in=ids).values_list(
            "item_id", "message_id"):
        out[item_id].append(message_id)
    return out


def register() -> None:
    from search import registry

    registry.register_source(registry.Source(
        kind=KIND, label="刊物", names=("bulletin", "bulletins", "电子刊物", "稿件"), build=items,
        count=lambda: Item.objects.count(), cards=cards))
