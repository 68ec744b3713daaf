"""The bulletin cards: {card_type, ref, title, state, fields, actions} with extras.

- `bulletin_call` (each asked unit's room): a call for items (约稿) and whether the unit has
  submitted; no buttons (items are written on the bulletin's page).
- `bulletin_item` (each editor's direct room with the bot): a submitted item, with 采用
  (`adopt`, opinion optional) and 不采用 (`decline`, reason required) for the editors.
- `bulletin_review` (the signer's direct room, and their active deputy's): an issue awaiting
  签发, with `sign_off` and `return` (reason required).
- `bulletin_issue` (the assembling editor's direct room): the issue's progress; 印发
  (`publish`) once signed off, then the reads by unit as they come in and 催阅 (`remind`).
- `bulletin` (each audience unit's room): the published issue, with 阅读 (`read`) for all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bots.bulletins.common import issue_label, local_time, name_of
from bots.bulletins.models import Call, Issue, Item
from hub.lib.times import iso

CALL_CARD = "bulletin_call"
ITEM_CARD = "bulletin_item"
REVIEW_CARD = "bulletin_review"
ISSUE_CARD = "bulletin_issue"
BULLETIN_CARD = "bulletin"
EXCERPT = 200
MAX_LISTED = 8


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "……"


def call_card(call: Call, *, unit_name: str, submitted: int, now: Any) -> dict[str, Any]:
    state = "submitted" if submitted else ("overdue" if call.deadline <= now else "open")
    fields = [{"label": "刊物", "value": name_of(call.publication)},
              {"label": "截止时间", "value": local_time(call.deadline)},
              {"label": "约稿单位", "value": unit_name}]
    if call.body:
        fields.append({"label": "要求", "value": _excerpt(call.body)})
    fields.append({"label": "本单位投稿", "value": f"{submitted}篇" if submitted else "尚未投稿"})
    return {"card_type": CALL_CARD, "ref": call.id, "title": f"约稿：{call.title}",
            "state": state, "state_label": {"open": "待投稿", "overdue": "已逾期",
                                            "submitted": "已投稿"}[state],
            "publication": call.publication.code, "deadline": iso(call.deadline),
            "fields": fields, "actions": []}


def item_card(item: Item, *, editors: Sequence[int]) -> dict[str, Any]:
    fields = [{"label": "刊物", "value": name_of(item.publication)},
              {"label": "投稿单位", "value": item.unit.name},
              {"label": "投稿人", "value": item.submitter.name},
              {"label": "投稿时间", "value": local_time(item.submitted_at)}]
    if item.call_id:
        fields.append({"label": "约稿", "value": item.call.title})  # type: ignore[union-attr]
    fields.append({"label": "摘要", "value": _excerpt(item.body)})
    if item.state != Item.State.SUBMITTED:
        decided = f"{item.decided_by.name if item.decided_by else ''}{item.get_state_display()}"
        fields.append({"label": "处理", "value": decided + (
            f"：{item.decision_comment}" if item.decision_comment else "")})
    actions = []
    if item.state == Item.State.SUBMITTED and editors:
        actions = [{"action": "adopt", "label": "采用", "style": "primary", "comment": "optional",
                    "users": sorted(editors)},
                   {"action": "decline", "label": "不采用", "style": "danger",
                    "comment": "required", "users": sorted(editors)}]
    return {"card_type": ITEM_CARD, "ref": item.id, "title": item.title, "state": item.state,
            "state_label": item.get_state_display(), "publication": item.publication.code,
            "unit": item.unit.code, "fields": fields, "actions": actions}


def _issue_fields(issue: Issue, titles: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    listed = "；".join(f"{t}（{u}）" for t, u in titles[:MAX_LISTED])
    if len(titles) > MAX_LISTED:
        listed += f" 等{len(titles)}篇"
    fields = [{"label": "要目", "value": listed or "（无）"},
              {"label": "签发人", "value": issue.signer.name}]
    if issue.title:
        fields.insert(0, {"label": "专题", "value": issue.title})
    return fields


def review_card(issue: Issue, *, titles: Sequence[tuple[str, str]], deciders: Sequence[int],
                decision: str = "") -> dict[str, Any]:
    fields = _issue_fields(issue, titles) + [{"label": "编辑", "value": issue.editor.name}]
    if decision:
        fields.append({"label": "签发意见", "value": decision})
    actions = []
    if issue.state == Issue.State.AWAITING_SIGNOFF and deciders:
        actions = [{"action": "sign_off", "label": "签发", "style": "primary",
                    "comment": "optional", "users": sorted(deciders)},
                   {"action": "return", "label": "退回", "style": "danger",
                    "comment": "required", "users": sorted(deciders)}]
    return {"card_type": REVIEW_CARD, "ref": issue.id, "title": issue_label(issue),
            "state": issue.state, "state_label": issue.get_state_display(), "round": issue.round,
            "fields": fields, "actions": actions}


@dataclass
class Reads:
    units: int
    units_read: int
    readers: int
    unread: list[str]


def issue_card(issue: Issue, *, titles: Sequence[tuple[str, str]], editors: Sequence[int],
               reads: Reads | None, decision: str = "") -> dict[str, Any]:
    fields = _issue_fields(issue, titles)
    if decision:
        fields.append({"label": "签发意见", "value": decision})
    actions = []
    if issue.state == Issue.State.SIGNED_OFF:
        actions.append({"action": "publish", "label": "印发", "style": "primary",
                        "users": sorted(editors)})
    totals = None
    if issue.state == Issue.State.PUBLISHED and reads is not None:
        fields += [{"label": "印发时间", "value": local_time(issue.published_at)},
                   {"label": "已阅单位", "value": f"{reads.units_read} / {reads.units}"},
                   {"label": "阅读人数", "value": str(reads.readers)}]
        if reads.unread:
            more = f" 等{len(reads.unread)}个单位" if len(reads.unread) > MAX_LISTED else ""
            fields.append({"label": "未阅单位",
                           "value": "、".join(reads.unread[:MAX_LISTED]) + more})
            actions.append({"action": "remind", "label": "催阅", "style": "default",
                            "users": sorted(editors)})
        totals = {"units": reads.units, "units_read": reads.units_read,
                  "readers": reads.readers}
    return {"card_type": ISSUE_CARD, "ref": issue.id, "title": issue_label(issue),
            "state": issue.state, "state_label": issue.get_state_display(), "totals": totals,
            "fields": fields, "actions": actions}


def bulletin_card(issue: Issue, *, titles: Sequence[tuple[str, str]]) -> dict[str, Any]:
    fields = _issue_fields(issue, titles)
    fields.append({"label": "印发", "value": f"{issue.publication.unit.name} "
                                            f"{local_time(issue.published_at)}"})
    return {"card_type": BULLETIN_CARD, "ref": issue.id, "title": issue_label(issue),
            "state": "published", "state_label": "已印发", "publication": issue.publication.code,
            "year": issue.year, "number": issue.number, "total_number": issue.total_number,
            "fields": fields,
            "actions": [{"action": "read", "label": "阅读", "style": "primary"}]}
