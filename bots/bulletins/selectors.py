"""Reads: who may see what of the bulletins, and their objects as the protocol writes them.

- An item: its submitter, its unit's clerks, leaders and admins, the publication's editors,
  the signer of an issue it is in, whoever instructed on it, and, once published, the
  members of the units the issue went to.
- An issue: the editors, the signer (and their active deputy), the publishing unit's clerks,
  leaders and admins, and, once published, the members of the units it went to. Reads by unit
  are shown whole to the editors, the signer and the publishing unit's managers; a member of
  an audience unit sees their own units' entries.
- A call: the editors and the members of the units asked.
Anything else answers `not_found`, as for an id that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from bots import clock
from bots.approvals.models import Delegation
from bots.bulletins import sealing
from bots.bulletins.common import (
    MANAGER_ROLES,
    chinese_date,
    decision_content,
    editor_ids,
    is_editor,
    issue_label,
    manages_unit,
    name_of,
)
from bots.bulletins.models import (
    Call,
    CallUnit,
    Decision,
    Instruction,
    Issue,
    IssueItem,
    IssueRead,
    IssueUnit,
    Item,
    ItemFile,
    Publication,
)
from hub.chat.serializers import user_summary
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import Unit, UnitMembership, User
from hub.seals import personal


def _unit(unit: Unit | None) -> dict[str, Any] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _my_units(user: User) -> set[int]:
    return set(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True))


def _deputy_for(user: User, principal_id: int, now: datetime) -> bool:
    return Delegation.objects.filter(deputy=user, principal_id=principal_id,
                                     revoked_at__isnull=True, starts_at__lte=now,
                                     ends_at__gt=now).exists()


# --- publications -------------------------------------------------------------------------------------
def publication_dict(publication: Publication, *, user: User) -> dict[str, Any]:
    editors = list(publication.editors.order_by("username").values_list("username", flat=True))
    return {"id": publication.id, "code": publication.code, "name": publication.name,
            "unit": _unit(publication.unit), "editors": editors,
            "is_editor": user.username in editors, "last_total": publication.last_total}


def publications(*, user: User) -> list[dict[str, Any]]:
    return [publication_dict(p, user=user) for p in
            Publication.objects.select_related("unit").prefetch_related("editors")]


def sees_everything(user: User, publication: Publication) -> bool:
    """The editors and the publishing unit's clerks, leaders and admins."""
    return is_editor(user, publication) or manages_unit(user, publication.unit_id)


# --- calls --------------------------------------------------------------------------------------------------
def access_call(*, user: User, call_id: Any) -> Call:
    cid = as_id(call_id)
    call = (Call.objects.select_related("publication", "publication__unit", "created_by")
            .filter(id=cid).first() if cid else None)
    if call is None:
        raise not_found("约稿")
    if not is_editor(user, call.publication) and not CallUnit.objects.filter(
            call=call, unit_id__in=_my_units(user)).exists():
        raise not_found("约稿")
    return call


def call_dict(call: Call, *, user: User) -> dict[str, Any]:
    now = clock.now()
    rows = CallUnit.objects.filter(call=call).select_related("unit").order_by(
        "unit__sort_order", "unit__code")
    if not is_editor(user, call.publication):
        rows = rows.filter(unit_id__in=_my_units(user))
    counts: dict[int, int] = defaultdict(int)
    for unit_id in Item.objects.filter(call=call).values_list("unit_id", flat=True):
        counts[unit_id] += 1
    return {"id": call.id, "publication": call.publication.code, "title": call.title,
            "body": call.body, "deadline": iso(call.deadline), "overdue": call.deadline <= now,
            "created_by": user_summary(call.created_by), "created_at": iso(call.created_at),
            "units": [{"unit": _unit(r.unit), "submitted": r.submitted_at is not None,
                       "submitted_at": iso(r.submitted_at), "items": counts[r.unit_id],
                       "message": r.message_id} for r in rows]}


def calls(*, user: User, publication: Publication) -> list[dict[str, Any]]:
    qs = Call.objects.filter(publication=publication).select_related(
        "publication", "publication__unit", "created_by").order_by("-created_at", "-id")
    if not is_editor(user, publication):
        qs = qs.filter(units__unit_id__in=_my_units(user)).distinct()
    return [call_dict(c, user=user) for c in qs[:200]]


# --- items --------------------------------------------------------------------------------------------------
@dataclass
class ItemAccess:
    editor: bool
    submitter: bool


def _item_visible(user: User, item: Item) -> bool:
    if item.submitter_id == user.id or is_editor(user, item.publication):
        return True
    if manages_unit(user, item.unit_id):
        return True
    entry = IssueItem.objects.filter(item=item).select_related("issue").first()
    if entry is not None:
        issue = entry.issue
        if issue.signer_id == user.id:
            return True
        if issue.state == Issue.State.PUBLISHED and IssueUnit.objects.filter(
                issue=issue, unit_id__in=_my_units(user)).exists():
            return True
    return Instruction.objects.filter(item=item, by=user).exists()


def access_item(*, user: User, item_id: Any) -> tuple[Item, ItemAccess]:
    iid = as_id(item_id)
    item = (Item.objects.select_related("publication", "publication__unit", "unit", "submitter",
                                        "decided_by", "call").filter(id=iid).first()
            if iid else None)
    if item is None or not _item_visible(user, item):
        raise not_found("稿件")
    return item, ItemAccess(editor=is_editor(user, item.publication),
                            submitter=item.submitter_id == user.id)


def file_dict(item_id: int, index: int, f: ItemFile) -> dict[str, Any]:
    return {"name": f.name, "size": f.attachment.size, "mime": f.attachment.mime,
            "sha256": f.sha256, "picture": f.attachment.mime.startswith("image/"),
            "url": f"/api/v1/bulletins/items/{item_id}/files/{index}"}


def item_files(item_id: int) -> list[ItemFile]:
    return list(ItemFile.objects.filter(item_id=item_id).select_related("attachment")
                .order_by("position"))


def item_dict(item: Item, access: ItemAccess, *, page: bool = False) -> dict[str, Any]:
    entry = IssueItem.objects.filter(item=item).select_related(
        "issue", "issue__publication").first()
    actions = []
    if access.editor and item.state == Item.State.SUBMITTED:
        actions = ["adopt", "decline"]
    out = {
        "id": item.id, "publication": item.publication.code, "call": item.call_id,
        "unit": _unit(item.unit), "submitter": user_summary(item.submitter), "title": item.title,
        "body": item.body, "html": item.html, "state": item.state,
        "state_label": item.get_state_display(), "submitted_at": iso(item.submitted_at),
        "decided_at": iso(item.decided_at),
        "decided_by": user_summary(item.decided_by) if item.decided_by else None,
        "comment": item.decision_comment,
        "files": [file_dict(item.id, i, f) for i, f in enumerate(item_files(item.id))],
        "issue": {"id": entry.issue_id, "label": issue_label(entry.issue),
                  "state": entry.issue.state} if entry else None,
        "instructions": [instruction_dict(i) for i in Instruction.objects.filter(item=item)
                         .select_related("by").prefetch_related("units").order_by("id")],
        "viewer": {"editor": access.editor, "actions": actions},
    }
    if not page and (access.editor or access.submitter) and item.original_body:
        out["original"] = {"title": item.original_title, "body": item.original_body}
    return out


def instruction_dict(instruction: Instruction) -> dict[str, Any]:
    return {"id": instruction.id, "by": user_summary(instruction.by),
            "comment": instruction.comment, "deadline": iso(instruction.deadline),
            "units": [_unit(u) for u in instruction.units.order_by("sort_order", "code")],
            "at": iso(instruction.created_at)}


def items(*, user: User, publication: Publication, state: str, call: int | None, unit: str,
          limit: int, offset: int) -> dict[str, Any]:
    qs = Item.objects.filter(publication=publication)
    if not is_editor(user, publication):
        managed = UnitMembership.objects.filter(user=user, role__in=MANAGER_ROLES).values("unit_id")
        qs = qs.filter(Q(submitter=user) | Q(unit_id__in=managed))
    if state:
        qs = qs.filter(state=state)
    if call is not None:
        qs = qs.filter(call_id=call)
    if unit:
        qs = qs.filter(unit__code=unit)
    total = qs.count()
    rows = qs.select_related("unit", "submitter").order_by("-submitted_at", "-id")[offset:offset + limit]
    in_issue = dict(IssueItem.objects.filter(item__in=rows).values_list("item_id", "issue_id"))
    return {"total": total, "results": [
        {"id": i.id, "title": i.title, "unit": _unit(i.unit), "submitter": user_summary(i.submitter),
         "state": i.state, "state_label": i.get_state_display(), "call": i.call_id,
         "submitted_at": iso(i.submitted_at), "issue": in_issue.get(i.id)} for i in rows]}


# --- issues -------------------------------------------------------------------------------------------------
@dataclass
class IssueAccess:
    editor: bool
    signer: bool  # the signer, or their active deputy
    everything: bool  # sees every unit's reads
    units: list[int] = field(default_factory=list)  # the caller's units it went to


def access_issue(*, user: User, issue_id: Any) -> tuple[Issue, IssueAccess]:
    iid = as_id(issue_id)
    issue = (Issue.objects.select_related("publication", "publication__unit", "signer", "editor",
                                          "published_by").filter(id=iid).first()
             if iid else None)
    if issue is None:
        raise not_found("刊期")
    now = clock.now()
    editor = is_editor(user, issue.publication)
    signer = issue.signer_id == user.id or _deputy_for(user, issue.signer_id, now)
    everything = editor or signer or manages_unit(user, issue.publication.unit_id)
    units: list[int] = []
    if issue.state == Issue.State.PUBLISHED:
        units = list(IssueUnit.objects.filter(issue=issue, unit_id__in=_my_units(user))
                     .values_list("unit_id", flat=True))
    if not everything and not units:
        raise not_found("刊期")
    return issue, IssueAccess(editor=editor, signer=signer, everything=everything, units=units)


def _chain(issue: Issue) -> list[dict[str, Any]]:
    out = []
    for d in (Decision.objects.filter(issue=issue)
              .select_related("user", "decided_by", "signature", "signature__key",
                              "signature__key__user").order_by("round")):
        check = personal.verify(signature=d.signature, subject=d.subject,
                                content=decision_content(issue, d),
                                describe=lambda path: "签发内容")
        out.append({"round": d.round, "role": "signoff", "user": user_summary(d.user),
                    "decided_by": user_summary(d.decided_by), "decision": d.decision,
                    "decision_label": d.get_decision_display(), "comment": d.comment,
                    "at": iso(d.at), "proxy": d.delegation_id is not None,
                    "signature_valid": check.valid})
    return out


def issue_units(issue: Issue, access: IssueAccess) -> list[dict[str, Any]]:
    rows = IssueUnit.objects.filter(issue=issue).select_related("unit").order_by(
        "unit__sort_order", "unit__code")
    if not access.everything:
        rows = rows.filter(unit_id__in=access.units)
    readers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for read in IssueRead.objects.filter(issue=issue).select_related("user").order_by("at", "id"):
        if read.unit_id is not None:
            readers[read.unit_id].append({"user": user_summary(read.user), "at": iso(read.at)})
    return [{"unit": _unit(r.unit), "read": r.first_read_at is not None,
             "read_at": iso(r.first_read_at), "readers": readers[r.unit_id],
             "reminders": r.reminders, "message": r.message_id} for r in rows]


def issue_dict(issue: Issue, access: IssueAccess, *, user: User) -> dict[str, Any]:
    entries = list(IssueItem.objects.filter(issue=issue).select_related(
        "item", "item__publication", "item__unit", "item__submitter", "item__decided_by",
        "item__call").order_by("position"))
    item_access = ItemAccess(editor=access.editor, submitter=False)
    published = issue.state == Issue.State.PUBLISHED
    actions = []
    if access.signer and issue.state == Issue.State.AWAITING_SIGNOFF:
        actions += ["sign_off", "return"]
    if access.editor and issue.state == Issue.State.SIGNED_OFF:
        actions.append("publish")
    if access.editor and issue.state == Issue.State.RETURNED:
        actions.append("resubmit")
    if access.editor and published:
        actions.append("remind")
    if access.units:
        actions.append("read")
    mine = IssueRead.objects.filter(issue=issue, user=user).first()
    seal = None
    if issue.signature_id is not None:
        signature = issue.signature
        assert signature is not None
        seal = {"unit": signature.key.unit.code, "unit_name": signature.key.seal_name,
                "key_id": signature.key.key_id, "alg": signature.alg,
                "signed_at": iso(signature.signed_at)}
    day = timezone.localtime(issue.published_at).date() if issue.published_at else None
    return {
        "id": issue.id, "publication": {"code": issue.publication.code,
                                        "name": issue.publication.name},
        "label": issue_label(issue), "title": issue.title, "state": issue.state,
        "state_label": issue.get_state_display(), "round": issue.round, "year": issue.year,
        "number": issue.number, "total_number": issue.total_number,
        "editor": user_summary(issue.editor), "signer": user_summary(issue.signer),
        "audience": issue.audience, "created_at": iso(issue.created_at),
        "signed_off_at": iso(issue.signed_off_at), "published_at": iso(issue.published_at),
        "masthead": {"name": issue.publication.name,
                     "issue": f"{issue.year}年第{issue.number}期" if published else None,
                     "total": f"总第{issue.total_number}期" if published else None,
                     "unit": f"{issue.publication.unit.name}编",
                     "date": chinese_date(day) if day else None},
        "items": [item_dict(e.item, item_access, page=True) for e in entries],
        "chain": _chain(issue),
        "units": issue_units(issue, access) if published else [],
        "seal": seal,
        "pdf": f"/api/v1/bulletins/issues/{issue.id}/pdf" if issue.pdf_id else None,
        "mine": {"read": mine is not None, "at": iso(mine.at) if mine else None}
        if access.units else None,
        "tracking_message": issue.tracking_message_id if access.editor else None,
        "signer_message": issue.signer_message_id if access.signer else None,
        "viewer": {"editor": access.editor, "signer": access.signer, "actions": actions},
    }


def issues(*, user: User, publication: Publication, year: int | None, state: str, limit: int,
           offset: int) -> dict[str, Any]:
    """Back issues of a publication by year (published ones; editors and the publishing
    unit's managers also see those in the making with state=all), newest first."""
    qs = Issue.objects.filter(publication=publication)
    everything = sees_everything(user, publication)
    if not everything:
        qs = qs.filter(state=Issue.State.PUBLISHED,
                       units__unit_id__in=_my_units(user)).distinct()
    elif state != "all":
        qs = qs.filter(state=Issue.State.PUBLISHED)
    years: dict[int, int] = defaultdict(int)
    for y in qs.exclude(year__isnull=True).values_list("year", flat=True):
        if y is not None:
            years[y] += 1
    if year is not None:
        qs = qs.filter(year=year)
    total = qs.count()
    rows = list(qs.select_related("publication", "signer")
                .order_by("-year", "-number", "-created_at")[offset:offset + limit])
    counts: dict[int, int] = defaultdict(int)
    for issue_id in IssueItem.objects.filter(issue__in=rows).values_list("issue_id", flat=True):
        counts[issue_id] += 1
    read = set(IssueRead.objects.filter(issue__in=rows, user=user).values_list("issue_id", flat=True))
    return {"publication": publication.code, "name": name_of(publication),
            "years": [{"year": y, "count": n} for y, n in sorted(years.items(), reverse=True)],
            "total": total, "results": [
                {"id": i.id, "label": issue_label(i), "title": i.title, "state": i.state,
                 "year": i.year, "number": i.number, "total_number": i.total_number,
                 "published_at": iso(i.published_at), "signer": i.signer.name,
                 "items": counts[i.id], "read": i.id in read} for i in rows]}


def verify(issue: Issue) -> dict[str, Any]:
    if issue.state != Issue.State.PUBLISHED:
        return {"valid": False, "seal": None, "signed_at": None, "reason": "本期尚未印发，没有签章"}
    return sealing.verify(issue, pdf=issue.pdf).as_dict()


# --- 考核通报: counts per unit and month ----------------------------------------------------------------
def _month(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    local = timezone.localtime(moment)
    return f"{local.year}-{local.month:02d}"


def stats(*, user: User, publication: Publication, month: str | None,
          year: int | None) -> dict[str, Any]:
    """Each unit's submissions (by the month submitted), adoptions and declines (by the month
    decided) and items published (by the month of the issue), per month: for the editors and
    the publishing unit's managers every unit, for others their own units."""
    if month is None and year is None:
        month = _month(clock.now())
    months = [month] if month else [f"{year}-{m:02d}" for m in range(1, 13)]
    first_year = int(months[0][:4])
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime(first_year, int(months[0][5:]), 1), tz)
    last_year, last_month = int(months[-1][:4]), int(months[-1][5:])
    end = timezone.make_aware(datetime(last_year + (last_month == 12), last_month % 12 + 1, 1), tz)
    qs = Item.objects.filter(publication=publication)
    if not sees_everything(user, publication):
        qs = qs.filter(unit_id__in=_my_units(user))
    table: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: {"submitted": 0, "adopted": 0, "declined": 0, "published": 0})
    seen: set[int] = set()
    rows = (qs.filter(Q(submitted_at__gte=start, submitted_at__lt=end)
                      | Q(decided_at__gte=start, decided_at__lt=end)
                      | Q(entry__issue__published_at__gte=start,
                          entry__issue__published_at__lt=end))
            .select_related("unit").values_list("unit_id", "submitted_at", "decided_at", "state",
                                                "entry__issue__published_at").distinct())
    for unit_id, submitted_at, decided_at, state, published_at in rows:
        seen.add(unit_id)
        if (m := _month(submitted_at)) in months:
            table[(m, unit_id)]["submitted"] += 1
        if (m := _month(decided_at)) in months and state in ("adopted", "declined"):
            table[(m, unit_id)][state] += 1
        if (m := _month(published_at)) in months:
            table[(m, unit_id)]["published"] += 1
    order = list(Unit.objects.filter(id__in=seen).order_by("sort_order", "code"))
    out = []
    for m in months:
        lines = [{"unit": _unit(u), **table[(m, u.id)]} for u in order if (m, u.id) in table]
        totals = {k: sum(table[(m, u.id)][k] for u in order if (m, u.id) in table)
                  for k in ("submitted", "adopted", "declined", "published")}
        out.append({"month": m, "units": lines, "totals": totals})
    return {"publication": publication.code, "months": out}


def editors_of(publication: Publication) -> list[int]:
    return editor_ids(publication)
