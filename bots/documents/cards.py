"""The document cards as the protocol writes them: {card_type, ref, title, state, fields,
actions}. Each action names the people who may press it (`users`), so everyone else sees
the card without the button. Extra keys (`view`, `state_label`, `totals`, `recipients`...)
are additions for clients that know documents; others show `fields`.

Views: `unit` (the card in a recipient unit's room), `assignee` (the handler's card in their
direct room with the bot), `circulation` (a leader's copy to read), and the sender's
tracking card (`document_tracking`) in the issuing unit's room.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bots.documents.models import Circulation, Delivery, Document
from bots.documents.rules import chinese_date, local_time

CARD_TYPE = "document"
TRACKING_CARD_TYPE = "document_tracking"
RANK: dict[str, int] = {Delivery.State.DELIVERED: 0, Delivery.State.SIGNED: 1, Delivery.State.REGISTERED: 2,
        Delivery.State.ASSIGNED: 3, Delivery.State.HANDLED: 4}
STATE_LABELS: dict[str, str] = dict(Delivery.State.choices)
MAX_NAMES = 12


def _name(user: Any) -> str:
    return user.name if user is not None else ""


def _action(action: str, label: str, style: str, users: Sequence[int], **extra: Any) -> dict[str, Any]:
    return {"action": action, "label": label, "style": style, "users": sorted(set(users)), **extra}


def is_overdue(delivery: Delivery, document: Document, now: datetime) -> bool:
    """Not signed within the time allowed, or not handled by the deadline."""
    if delivery.state in (Delivery.State.HANDLED, Delivery.State.RETURNED):
        return False
    if delivery.state == Delivery.State.DELIVERED and now > delivery.delivered_at + timedelta(
            minutes=document.sign_within_minutes):
        return True
    return document.deadline is not None and now > document.deadline


def _common_fields(document: Document) -> list[dict[str, str]]:
    fields = [{"label": "发文字号", "value": document.number},
              {"label": "文种", "value": document.doc_type},
              {"label": "发文单位", "value": document.unit.name}]
    if document.urgency != Document.Urgency.NORMAL:
        fields.append({"label": "紧急程度", "value": document.get_urgency_display()})
    if document.signer:
        fields.append({"label": "签发人", "value": document.signer})
    fields.append({"label": "成文日期", "value": chinese_date(document.issued_on)})
    if document.deadline is not None:
        fields.append({"label": "办理期限", "value": local_time(document.deadline)})
    if document.reply_required:
        fields.append({"label": "答复要求", "value": "需答复办理结果"})
    return fields


def _handling_fields(delivery: Delivery, circulations: Sequence[Circulation]) -> list[dict[str, str]]:
    fields = [{"label": "状态", "value": STATE_LABELS[delivery.state]}]
    if delivery.signed_at:
        fields.append({"label": "签收", "value": f"{_name(delivery.signed_by)} {local_time(delivery.signed_at)}"})
    if delivery.incoming_number:
        fields.append({"label": "收文编号", "value": delivery.incoming_number})
    if delivery.proposal:
        fields.append({"label": "拟办意见", "value": delivery.proposal})
    if delivery.instruction:
        text = f"{_name(delivery.instructed_by)}：{delivery.instruction}"
        fields.append({"label": "批示", "value": f"{text} {local_time(delivery.instructed_at)}"})
    if delivery.assignee_id:
        fields.append({"label": "承办人", "value": _name(delivery.assignee)})
    helpers = list(delivery.co_assignees.all()) if delivery.pk else []
    if helpers:
        fields.append({"label": "协办人", "value": "、".join(_name(u) for u in helpers)})
    if delivery.handle_by:
        fields.append({"label": "承办期限", "value": local_time(delivery.handle_by)})
    if delivery.handled_at:
        text = f"{_name(delivery.handled_by)} {local_time(delivery.handled_at)}"
        fields.append({"label": "办结", "value": text})
        if delivery.reply:
            fields.append({"label": "办理结果", "value": delivery.reply})
    if delivery.returned_at:
        fields.append({"label": "退回", "value": f"{_name(delivery.returned_by)} "
                                                f"{local_time(delivery.returned_at)}：{delivery.return_reason}"})
    if circulations:
        parts = []
        for c in circulations:
            state = ("已阅" + (f"：{c.comment}" if c.comment else "") if c.read_at
                     else "待阅" if c.sent_at else "排队中")
            parts.append(f"{_name(c.reader)}（{state}）")
        fields.append({"label": "传阅", "value": " → ".join(parts)})
    return fields


def _base(document: Document, *, view: str, state: str, label: str) -> dict[str, Any]:
    return {"card_type": CARD_TYPE, "ref": document.id, "view": view, "title": document.title,
            "number": document.number, "doc_type": document.doc_type,
            "urgency": document.urgency, "state": state, "state_label": label}


def unit_card(document: Document, delivery: Delivery, *, actors: Sequence[int],
              circulations: Sequence[Circulation], leaders: Sequence[int] = ()
              ) -> dict[str, Any]:
    """`actors`: the clerks and leaders of the recipient unit; `leaders`: its leaders (who
    批办)."""
    state = delivery.state
    actions: list[dict[str, Any]] = []
    if state == Delivery.State.DELIVERED:
        actions.append(_action("sign", "签收", "primary", actors))
    if state in (Delivery.State.SIGNED,):
        actions.append(_action("register", "登记", "default", actors))
    if state in (Delivery.State.SIGNED, Delivery.State.REGISTERED, Delivery.State.ASSIGNED):
        actions.append(_action("propose", "拟办", "default", actors, comment="required",
                               hint="拟办意见"))
        if leaders:
            actions.append(_action("instruct", "批办", "primary", leaders, comment="required",
                                   hint="批示", param="assignee", params=[
                                       {"name": "assignee", "kind": "person", "label": "主办",
                                        "optional": True},
                                       {"name": "co_assignees", "kind": "people", "label": "协办",
                                        "optional": True},
                                       {"name": "deadline", "kind": "datetime",
                                        "label": "办理期限", "optional": True}],
                                   phrases=["请阅。", "请抓紧办理。", "请按要求落实，按期报送。"]))
    if state in (Delivery.State.SIGNED, Delivery.State.REGISTERED):
        actions.append(_action("assign", "指派承办", "primary", actors, param="assignee",
                               comment="optional", hint="拟办意见"))
    if state in (Delivery.State.SIGNED, Delivery.State.REGISTERED, Delivery.State.ASSIGNED):
        who = [*actors, delivery.assignee_id] if delivery.assignee_id else actors
        actions.append(_action("complete", "办结", "primary" if delivery.assignee_id else "default",
                               who, comment="required" if document.reply_required else "optional",
                               hint="办理结果", attachments="optional"))
    if state not in (Delivery.State.DELIVERED, Delivery.State.RETURNED):
        actions.append(_action("circulate", "传阅", "default", actors, param="readers",
                               params=[{"name": "readers", "kind": "people", "ordered": True,
                                        "label": "传阅人（按顺序）"}],
                               comment="optional", hint="送阅说明"))
    if state not in (Delivery.State.HANDLED, Delivery.State.RETURNED):
        actions.append(_action("return", "退回", "danger", actors, comment="required"))
    card = _base(document, view="unit", state=state, label=STATE_LABELS[state])
    card.update({
        "unit": delivery.unit.code,
        "kind": delivery.kind,
        "fields": [*_common_fields(document),
                   {"label": "收文类别", "value": delivery.get_kind_display()},
                   *_handling_fields(delivery, circulations)],
        "actions": actions,
    })
    return card


def assignee_card(document: Document, delivery: Delivery) -> dict[str, Any]:
    state = delivery.state
    actions = []
    if state == Delivery.State.ASSIGNED and delivery.assignee_id:
        actions.append(_action("complete", "办结", "primary", [delivery.assignee_id],
                               comment="required" if document.reply_required else "optional",
                               hint="办理结果", attachments="optional"))
    card = _base(document, view="assignee", state=state, label=STATE_LABELS[state])
    card.update({
        "unit": delivery.unit.code,
        "fields": [*_common_fields(document),
                   {"label": "承办单位", "value": delivery.unit.name},
                   {"label": "指派人", "value": _name(delivery.assigned_by)},
                   *_handling_fields(delivery, ())],
        "actions": actions,
    })
    return card


def circulation_card(document: Document, delivery: Delivery,
                     circulation: Circulation) -> dict[str, Any]:
    read = circulation.read_at is not None
    actions = [] if read else [_action("read", "已阅", "primary", [circulation.reader_id],
                                       comment="optional", hint="阅示",
                                       phrases=["已阅。", "已阅，同意。", "请抓紧办理。"])]
    card = _base(document, view="circulation", state="read" if read else "circulating",
                 label="已阅" if read else "待阅")
    fields = [*_common_fields(document), {"label": "传阅单位", "value": delivery.unit.name},
              {"label": "送阅人", "value": f"{_name(circulation.sent_by)} {local_time(circulation.sent_at)}"}]
    if circulation.note:
        fields.append({"label": "送阅说明", "value": circulation.note})
    if read:
        fields.append({"label": "阅毕", "value": local_time(circulation.read_at)})
        if circulation.comment:
            fields.append({"label": "阅示", "value": circulation.comment})
    card.update({"unit": delivery.unit.code, "fields": fields, "actions": actions})
    return card


def totals(document: Document, deliveries: Sequence[Delivery], now: datetime) -> dict[str, int]:
    count = {"recipients": len(deliveries), "delivered": 0, "signed": 0, "registered": 0,
             "assigned": 0, "handled": 0, "returned": 0, "unsigned": 0, "overdue": 0}
    for delivery in deliveries:
        count["delivered"] += 1
        if delivery.state == Delivery.State.RETURNED:
            count["returned"] += 1
            continue
        rank = RANK[delivery.state]
        count["signed"] += rank >= 1
        count["registered"] += delivery.registered_at is not None
        count["assigned"] += rank >= 3
        count["handled"] += rank >= 4
        count["unsigned"] += rank == 0
        count["overdue"] += is_overdue(delivery, document, now)
    return count


def _names(deliveries: Sequence[Delivery]) -> str:
    names = [d.unit.short_name or d.unit.name for d in deliveries]
    if len(names) > MAX_NAMES:
        return "、".join(names[:MAX_NAMES]) + f" 等 {len(names)} 个单位"
    return "、".join(names)


def recipient_summary(document: Document, delivery: Delivery, now: datetime) -> dict[str, Any]:
    from hub.lib.times import iso

    return {"unit": delivery.unit.code, "name": delivery.unit.name, "kind": delivery.kind,
            "state": delivery.state, "signed_at": iso(delivery.signed_at),
            "handled_at": iso(delivery.handled_at), "overdue": is_overdue(delivery, document, now),
            "reply": delivery.reply or None, "resent_as": delivery.resent_as_id}


def tracking_card(document: Document, deliveries: Sequence[Delivery], *, actors: Sequence[int],
                  now: datetime) -> dict[str, Any]:
    """`actors`: the clerks and leaders of the issuing unit (who may press 催办)."""
    count = totals(document, deliveries, now)
    open_ = count["recipients"] - count["handled"] - count["returned"]
    state = "completed" if open_ == 0 else "sent"
    fields = [
        {"label": "发文字号", "value": document.number},
        {"label": "发文时间", "value": local_time(document.sent_at)},
        {"label": "送达", "value": f"{count['delivered']} 个单位"},
        {"label": "已签收", "value": f"{count['signed']} / {count['recipients']}"},
        {"label": "已登记", "value": str(count["registered"])},
        {"label": "办理中", "value": str(count["assigned"] - count["handled"])},
        {"label": "已办结", "value": f"{count['handled']} / {count['recipients']}"},
    ]
    answered = [d for d in deliveries if d.state == Delivery.State.HANDLED and d.reply]
    for delivery in answered[:MAX_NAMES]:
        fields.append({"label": f"答复·{delivery.unit.short_name or delivery.unit.name}",
                       "value": delivery.reply[:200]})
    if count["returned"]:
        fields.append({"label": "已退回", "value": _names(
            [d for d in deliveries if d.state == Delivery.State.RETURNED])})
    if count["unsigned"]:
        fields.append({"label": "待签收", "value": _names(
            [d for d in deliveries if d.state == Delivery.State.DELIVERED])})
    if count["overdue"]:
        fields.append({"label": "逾期", "value": _names(
            [d for d in deliveries if is_overdue(d, document, now)])})
    if document.deadline is not None:
        fields.append({"label": "办理期限", "value": local_time(document.deadline)})
    actions = []
    if open_:
        actions.append(_action("remind", "催办", "default", actors))
    return {
        "card_type": TRACKING_CARD_TYPE, "ref": document.id, "view": "tracking",
        "title": document.title, "number": document.number, "state": state,
        "state_label": "已全部办结" if state == "completed" else "办理中",
        "fields": fields, "actions": actions, "totals": count,
        "recipients": [recipient_summary(document, d, now) for d in deliveries],
    }


# --- the draft's living card (发文办理) -------------------------------------------------------------
DRAFT_CARD_TYPE = "document_draft"
DRAFT_UNITS_NAMED = 6
DRAFT_BODY_CHARS = 2000
# 常用语 offered beside the opinion field.
PHRASES = {
    "approve": ["同意。", "核稿无误，请领导签发。", "同意，请按程序办理。"],
    "sign_off": ["同意。", "同意印发。", "同意，请抓紧办理。", "请抓紧办理。"],
    "return": ["请修改后再报。", "请补充相关依据后重新送审。", "文种使用不当，请修改。"],
}
DRAFT_STATE_LABELS = {"reviewing": "核稿中", "awaiting_signoff": "待签发", "returned": "已退回",
                      "signed_off": "已签发，待用印分发", "issued": "已印发"}
_DECISION_TEXT = {"approve": "同意", "sign_off": "签发", "return": "退回"}
_ROLE_TEXT = {"review": "核稿", "signoff": "签发"}


def _place_text(place: Any, step: Any) -> str:
    if not place.decision:
        waiting = {"active": "待办理", "waiting": "未开始"}.get(step.state, "未办理")
        return f"{place.user.name}：{waiting}"
    who = place.user.name
    if place.decided_by_id and place.decided_by_id != place.user_id and place.decided_by:
        who = f"{place.decided_by.name}（代{place.user.name}）"
    text = f"{who}：{_DECISION_TEXT[place.decision]}"
    if place.comment:
        text += f"“{place.comment}”"
    return f"{text} {local_time(place.decided_at)}"


def _unit_list(names: Sequence[str]) -> str:
    """Units named on a card: all of a few; of many (全部乡镇…) the first and how many, so
    that a card to 95 units stays a card (the draft's page lists them all)."""
    if len(names) <= DRAFT_UNITS_NAMED + 2:
        return "、".join(names)
    return "、".join(names[:DRAFT_UNITS_NAMED]) + f"等{len(names)}个单位"


def draft_card(document: Document, rounds: dict[int, list[Any]], *, role: str | None,
               deciders: Sequence[int], issuers: Sequence[int], recipients: Sequence[str],
               copies: Sequence[str]) -> dict[str, Any]:
    """The draft's card, the same in every copy. `rounds`: each round's steps with their
    places; `role`: the current step's (`review`/`signoff`) while it is being decided;
    `deciders`: who may decide now (the step's people who have not, their active deputies);
    `issuers`: the issuing unit's clerks once it is signed off."""
    state = document.state
    body = document.body if len(document.body) <= DRAFT_BODY_CHARS \
        else document.body[:DRAFT_BODY_CHARS] + "……"
    fields = [{"label": "文种", "value": document.doc_type},
              {"label": "拟稿", "value": f"{document.sender.name}（{document.unit.name}）"},
              {"label": "主送", "value": _unit_list(recipients)}]
    if copies:
        fields.append({"label": "抄送", "value": _unit_list(copies)})
    if document.urgency != Document.Urgency.NORMAL:
        fields.append({"label": "紧急程度", "value": document.get_urgency_display()})
    if document.number:
        fields.append({"label": "发文字号", "value": document.number})
    fields.append({"label": "状态", "value": DRAFT_STATE_LABELS[state]})
    for round_, steps in sorted(rounds.items()):
        prefix = f"第{round_}轮 " if len(rounds) > 1 else ""
        for step in steps:
            several = len(step.places.all()) > 1
            label = f"{prefix}{_ROLE_TEXT[step.role]}" + ("（会签）" if several else "")
            fields.append({"label": label, "value": "；".join(
                _place_text(p, step) for p in step.places.all())})
    if body:
        fields.append({"label": "正文", "value": body})
    actions: list[dict[str, Any]] = []
    if state in ("reviewing", "awaiting_signoff") and deciders:
        if role == "signoff":
            actions.append(_action("sign_off", "签发", "primary", deciders, comment="optional",
                                   phrases=PHRASES["sign_off"]))
        else:
            actions.append(_action("approve", "同意", "primary", deciders, comment="optional",
                                   phrases=PHRASES["approve"]))
        actions.append(_action("return", "退回", "danger", deciders, comment="required",
                               phrases=PHRASES["return"]))
    elif state == "returned":
        actions.append(_action("resubmit", "重新送审", "primary", [document.sender_id],
                               comment="optional", hint="修改说明"))
    elif state == "signed_off" and issuers:
        actions.append(_action("issue", "用印分发", "primary", issuers))
    return {
        "card_type": DRAFT_CARD_TYPE, "ref": document.id, "view": "draft",
        "title": document.title, "number": document.number, "doc_type": document.doc_type,
        "urgency": document.urgency, "state": state, "state_label": DRAFT_STATE_LABELS[state],
        "round": document.round, "body": body, "signer": document.signer,
        "unit": document.unit.code, "phrases": PHRASES, "fields": fields, "actions": actions,
    }
