"""Reads of the outgoing chain (发文办理): the unit's rules (机关代字, 发文机关标志, direct
sending), what a draft says and what its decisions sign, who decides now, the draft's living
card, the chain as the API shows it, checking the decision signatures, and who sees a draft.
Nothing here writes: bots/documents/chain.py (the writes), the selectors, the seal, the PDF
and the archive's kinds read through it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from bots import decisions
from bots.documents import cards
from bots.documents.models import (
    ChainDecision,
    ChainStep,
    Document,
    DocumentAttachment,
    DraftRevision,
    UnitDocumentSettings,
)
from hub.org.models import Unit, UnitMembership, User
from hub.seals import personal
from hub.seals.signing import precise_iso

DECISION_LABELS = {"approve": "同意", "sign_off": "签发", "return": "退回"}

ROLE_LABELS = {ChainStep.Role.REVIEW: "核稿", ChainStep.Role.SIGNOFF: "签发"}

DRAFT_STATES = (Document.State.REVIEWING, Document.State.AWAITING_SIGNOFF)

SUBSTANCE = ("doc_type", "title", "body", "recipients", "cc", "attachments")

SUBSTANCE_LABELS = {"doc_type": "文种", "title": "标题", "body": "正文", "recipients": "主送单位",
                    "cc": "抄送单位", "attachments": "附件", "number": "发文字号"}


def unit_settings(unit: Unit) -> UnitDocumentSettings:
    """The unit's settings row (unsaved defaults when it has none)."""
    found = UnitDocumentSettings.objects.filter(unit=unit).first()
    return found or UnitDocumentSettings(unit=unit, direct_issue=True)


def number_code(unit: Unit) -> str:
    """The unit's 机关代字 (e.g. 区府办): its setting, else its short name."""
    return unit_settings(unit).number_code or unit.short_name or unit.name


def masthead(unit: Unit) -> str:
    """The 发文机关标志 of the red header: its setting, else the unit's name and 文件."""
    return unit_settings(unit).masthead or f"{unit.name}文件"


def direct_issue_allowed(unit: Unit) -> bool:
    return unit_settings(unit).direct_issue


def codes(unit_ids: Sequence[int]) -> list[str]:
    by_id = dict(Unit.objects.filter(id__in=unit_ids).values_list("id", "code"))
    return [by_id[i] for i in unit_ids if i in by_id]


def substance(document: Document) -> dict[str, Any]:
    """What the signatures of a round cover: the draft as it reads now."""
    files = list(DocumentAttachment.objects.filter(document=document).order_by("position")
                 .values_list("name", "size", "sha256"))
    return {
        "doc_type": document.doc_type, "title": document.title,
        "body": document.body, "number": document.number,
        "recipients": codes(document.planned_main), "cc": codes(document.planned_cc),
        "attachments": [{"name": n, "size": size, "sha256": sha} for n, size, sha in files],
    }


def _digest(content: dict[str, Any]) -> dict[str, Any]:
    """A revision as a decision signs it: the body by its SHA-256."""
    out = {k: v for k, v in content.items() if k != "body"}
    out["body_sha256"] = hashlib.sha256(content["body"].encode("utf-8")).hexdigest()
    return out


def decision_content(document: Document, step: ChainStep, place: ChainDecision,
                     revision: DraftRevision) -> dict[str, Any]:
    """What a decision's signature covers: the draft as it read in that round, the unit, the
    step and its role, who decided for whom, what, with which opinion and when."""
    return {
        "document": document.id, "unit": document.unit.code, "round": step.round,
        "step": step.index, "role": step.role, "draft": _digest(revision.content),
        "approver": place.user.username,
        "decided_by": place.decided_by.username if place.decided_by else None,
        "delegation": place.delegation_id, "decision": place.decision, "comment": place.comment,
        "decided_at": precise_iso(place.decided_at) if place.decided_at else None,
    }


def places_of(step: ChainStep) -> list[ChainDecision]:
    return list(ChainDecision.objects.filter(step=step).select_related("user")
                .order_by("position"))


def deciders(step: ChainStep | None, *, now: datetime) -> list[int]:
    if step is None or step.state != ChainStep.State.ACTIVE:
        return []
    return decisions.deciders(places_of(step), now=now)


def current_step(document: Document) -> ChainStep | None:
    if document.state not in DRAFT_STATES:
        return None
    return ChainStep.objects.filter(document=document, round=document.round,
                                    index=document.current_step).first()


def clerks_of(unit_id: int) -> list[User]:
    return list(User.objects.filter(unit_memberships__unit_id=unit_id, is_active=True,
                                     unit_memberships__role=UnitMembership.Role.CLERK)
                .order_by("id"))


def rounds_of(document: Document) -> dict[int, list[ChainStep]]:
    out: dict[int, list[ChainStep]] = {}
    for step in (ChainStep.objects.filter(document=document)
                 .prefetch_related("places__user", "places__decided_by")
                 .order_by("round", "index")):
        out.setdefault(step.round, []).append(step)
    return out


def card_for(document: Document, *, now: datetime) -> dict[str, Any]:
    rounds = rounds_of(document)
    step = current_step(document)
    waiting_on = deciders(step, now=now) if step is not None else []
    issuers = ([u.id for u in clerks_of(document.unit_id)]
               if document.state == Document.State.SIGNED_OFF else [])
    return cards.draft_card(document, rounds, role=step.role if step else None,
                            deciders=waiting_on, issuers=issuers,
                            recipients=_names(document.planned_main),
                            copies=_names(document.planned_cc))


def _names(unit_ids: Sequence[int]) -> list[str]:
    by_id = dict(Unit.objects.filter(id__in=unit_ids).values_list("id", "name"))
    return [by_id[i] for i in unit_ids if i in by_id]


def may_edit(*, user: User, document: Document) -> bool:
    return user.id == document.sender_id or UnitMembership.objects.filter(
        unit_id=document.unit_id, user=user, role=UnitMembership.Role.CLERK).exists()


def _signed_places(document: Document) -> list[ChainDecision]:
    return list(ChainDecision.objects.filter(step__document=document).exclude(decision="")
                .select_related("step", "user", "decided_by", "signature", "signature__key",
                                "signature__key__user")
                .order_by("step__round", "step__index", "position"))


def sealed_chain(document: Document) -> list[dict[str, Any]]:
    """The decisions the seal covers (every round's), each with a digest of its signature."""
    out = []
    for place in _signed_places(document):
        signature = place.signature
        out.append({
            "round": place.step.round, "step": place.step.index, "role": place.step.role,
            "approver": place.user.username,
            "decided_by": place.decided_by.username if place.decided_by else None,
            "decision": place.decision, "comment": place.comment,
            "decided_at": precise_iso(place.decided_at) if place.decided_at else None,
            "signature_sha256": hashlib.sha256(
                f"{signature.tbs}\n{signature.value}".encode()).hexdigest() if signature else None,
        })
    return out


def verify_decisions(document: Document) -> dict[str, Any]:
    """Every signed decision checked against what the rows say now: {valid, reason,
    decisions}."""
    revisions = {r.round: r for r in DraftRevision.objects.filter(document=document)}
    out: list[dict[str, Any]] = []
    for place in _signed_places(document):
        revision = revisions.get(place.step.round)
        if revision is None:
            out.append({"id": place.id, "round": place.step.round, "step": place.step.index,
                        "valid": False, "reason": "缺少该轮的稿件记录"})
            continue
        result = personal.verify(signature=place.signature, subject=place.subject,
                                 content=decision_content(document, place.step, place, revision),
                                 describe=_describe)
        out.append({"id": place.id, "round": place.step.round, "step": place.step.index,
                    "role": place.step.role, "approver": place.user.username,
                    "decided_by": place.decided_by.username if place.decided_by else None,
                    "decision": place.decision, **result.as_dict()})
    bad = next((d for d in out if not d["valid"]), None)
    reason = ("全部核稿签发签名有效" if bad is None else
              f"第{bad['round']}轮第{int(bad['step']) + 1}步 {bad.get('approver', '')} 的决定："
              f"{bad['reason']}")
    return {"valid": bad is None, "reason": reason, "decisions": out}


SIGNED_LABELS = {"document": "公文编号", "unit": "拟稿单位", "round": "轮次", "step": "步骤",
                 "role": "环节", "draft": "稿件内容", "approver": "核稿签发人",
                 "decided_by": "签批人", "delegation": "委托", "decision": "决定",
                 "comment": "意见", "decided_at": "时间"}


def _describe(path: tuple[Any, ...]) -> str:
    if not path:
        return "签名内容"
    if path[0] == "draft" and len(path) > 1:
        return f"稿件的“{SUBSTANCE_LABELS.get(str(path[1]).replace('body_sha256', 'body'), path[1])}”"
    return f"“{SIGNED_LABELS.get(str(path[0]), str(path[0]))}”"


@dataclass
class ChainView:
    entries: list[dict[str, Any]]
    actions: list[str]


def chain_dicts(document: Document, *, viewer: User, now: datetime) -> ChainView:
    """The chain as `GET /documents/{id}` gives it: every place of every round (decided or
    awaited), with whether its signature holds; and what the viewer may do now."""
    checked = {d["id"]: d["valid"] for d in verify_decisions(document)["decisions"]}
    entries = []
    for round_, steps in sorted(rounds_of(document).items()):
        for step in steps:
            for place in step.places.all():
                entries.append({
                    "round": round_, "step": step.index, "role": step.role,
                    "role_label": ROLE_LABELS[ChainStep.Role(step.role)],
                    "state": step.state, "user": _summary(place.user),
                    "decided_by": _summary(place.decided_by) if place.decided_by_id else None,
                    "proxy": bool(place.decided_by_id and place.decided_by_id != place.user_id),
                    "decision": place.decision or None,
                    "decision_label": DECISION_LABELS.get(place.decision, "待办理"),
                    "comment": place.comment or None,
                    "at": _iso(place.decided_at),
                    "signature_valid": checked.get(place.id) if place.decision else None,
                })
    card = card_for(document, now=now)
    actions = [a["action"] for a in card["actions"] if viewer.id in a.get("users", [])]
    return ChainView(entries=entries, actions=actions)


def _summary(user: User | None) -> dict[str, Any] | None:
    from hub.chat.serializers import user_summary

    return user_summary(user) if user is not None else None


def _iso(moment: datetime | None) -> str | None:
    from hub.lib.times import iso

    return iso(moment)


def archive_record(document: Document) -> list[dict[str, Any]]:
    """The chain as the archive keeps it (in Chinese)."""
    return [{"轮次": p.step.round, "步骤": p.step.index + 1,
             "环节": ROLE_LABELS[ChainStep.Role(p.step.role)], "办理人": p.user.name,
             "决定": DECISION_LABELS.get(p.decision, p.decision), "意见": p.comment,
             "决定人": p.decided_by.name if p.decided_by else "", "时间": _iso(p.decided_at)}
            for p in _signed_places(document)]


def signature_records(document: Document) -> list[dict[str, Any]]:
    """The decision signatures with their public keys and signed bytes (the export package)."""
    out = []
    for place in _signed_places(document):
        signature = place.signature
        if signature is None:
            continue
        key = signature.key
        out.append({"type": "decision", "subject": signature.subject, "round": place.step.round,
                    "step": place.step.index + 1, "role": place.step.role,
                    "approver": place.user.username, "signer": key.user.username,
                    "key_id": key.key_id, "alg": signature.alg, "public_key": key.public_key,
                    "signed_at": precise_iso(signature.signed_at), "tbs": signature.tbs,
                    "value": signature.value})
    return out


def may_see_draft(*, user: User, document: Document, now: datetime) -> bool:
    """The drafter, everyone in its chain (and whoever decided), their active deputies, and
    the issuing unit's clerks, leaders and admins."""
    if user.id == document.sender_id:
        return True
    places = ChainDecision.objects.filter(step__document=document)
    if places.filter(Q(user=user) | Q(decided_by=user)).exists():
        return True
    if UnitMembership.objects.filter(unit_id=document.unit_id, user=user).exclude(
            role=UnitMembership.Role.STAFF).exists():
        return True
    principals = list(places.values_list("user_id", flat=True))
    return any(d.deputy_id == user.id
               for d in decisions.active_delegations(principals, now=now))
