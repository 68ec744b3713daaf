"""Writes: sending a document and every step of handling it.

Every function checks the caller's right and the document's state under row locks (the
document first, then the delivery), applies the change once, updates the cards, and appends
its audit entries last, so that the audit chain's lock is the last one a transaction takes.
Pressing again, or two people pressing at once, finds the state already changed and changes
nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bots import clock
from bots.documents import audit_events, cards, drafts, followups, groups, rules, supervision
from bots.documents import delivery as delivering
from bots.documents import todo as document_todo
from bots.documents.common import (
    ACTOR_ROLES,
    actors_of,
    circulations_of,
    deliveries_of,
    doc_bot,
    leader_ids_of,
    leaders_of,
    may_act,
    refresh_tracking,
    summary,
)
from bots.documents.models import (
    Circulation,
    Delivery,
    DeliveryFile,
    DeliveryStep,
    Document,
    DocumentAttachment,
    IncomingCounter,
)
from bots.documents.schemas import DocumentIn
from bots.runtime import BotContext
from hub.chat import actions as chat
from hub.chat.models import Attachment, Message, Room
from hub.core import todo
from hub.core.changes import record as record_change
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit

logger = logging.getLogger("bots.documents")

MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 200
MANUAL_REMIND_EVERY = timedelta(minutes=5)


def issuing_unit(*, user: User, code: str | None) -> Unit:
    """The unit the caller sends for: one where they are a clerk or leader."""
    memberships = list(UnitMembership.objects.filter(user=user).select_related("unit"))
    allowed = [m.unit for m in memberships if m.role in ACTOR_ROLES]
    if code:
        chosen = [u for u in allowed if u.code == code.strip()]
        if chosen:
            return chosen[0]
        raise forbidden("只有发文单位的收发员或领导可以发文：您不是该单位的收发员或领导")
    if not allowed:
        raise forbidden("只有发文单位的收发员或领导可以发文")
    if len(allowed) > 1:
        codes = "、".join(f"{u.name}（{u.code}）" for u in allowed)
        raise bad_request(f"您是多个单位的收发员或领导，请用 unit 指明发文单位：{codes}")
    return allowed[0]


# --- sending -----------------------------------------------------------------------------------------
@dataclass
class _Checked:
    unit: Unit
    doc_type: str
    number: rules.Number
    title: str
    body: str
    urgency: str
    secrecy: str
    recipients: list[Unit]
    cc: list[Unit]
    deadline: datetime | None
    issued_on: date
    sign_within: int
    attachments: list[Attachment]
    signer: str
    notes: str
    reply_required: bool


def _check(*, sender: User, data: DocumentIn, now: datetime) -> _Checked:
    """Every check that needs no write, in the order a person would want to hear them."""
    unit = issuing_unit(user=sender, code=data.unit)
    if not drafts.direct_issue_allowed(unit):
        raise forbidden(f"{unit.name}的公文须经核稿、签发后由收发员用印分发，不能直接发文：请送审"
                        "（POST /documents/drafts）")
    secrecy = rules.check_not_classified(secrecy=data.secrecy, marks=data.marks, notes=data.notes,
                                         title=data.title, body=data.body, number=data.number)
    doc_type = rules.parse_doc_type(data.doc_type)
    number = rules.parse_number(data.number, today_year=timezone.localtime(now).year)
    title = " ".join(data.title.split())
    if not title:
        raise bad_request("请填写标题")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"标题不能超过 {MAX_TITLE_CHARS} 个字")
    if len(data.body) > MAX_BODY_CHARS:
        raise ApiError("too_large", f"正文不能超过 {MAX_BODY_CHARS} 个字")
    urgency = rules.parse_urgency(data.urgency)
    recipients, unknown = groups.resolve(data.recipients, issuing=unit)
    cc, unknown_cc = groups.resolve(data.cc, issuing=unit)
    if unknown or unknown_cc:
        raise bad_request("找不到这些收文单位：" + "、".join([*unknown, *unknown_cc]))
    named = {t.strip().lstrip("@").lower() for t in [*data.recipients, *data.cc]}
    if {unit.code.lower(), unit.name.lower(), unit.short_name.lower()} & named:
        raise bad_request("不能把公文发给本单位")
    main_ids = {u.id for u in recipients}
    cc = [u for u in cc if u.id not in main_ids]
    if not recipients:
        raise bad_request("请指定主送单位")
    deadline = rules.parse_deadline(data.deadline, now=now)
    issued_on = rules.parse_issued_on(data.date, now=now)
    sign_within = data.sign_within_minutes or settings.HUITONG_DOC_SIGN_WITHIN_MINUTES[urgency]
    attachments = delivering.own_attachments(sender=sender, ids=data.attachments)
    if Document.objects.filter(unit=unit, number_year=number.year, number_code=number.code,
                               number_seq=number.seq).exists():
        raise ApiError("conflict", f"发文字号 {number.canonical} 已被本单位使用")
    return _Checked(unit=unit, doc_type=doc_type, number=number, title=title, body=data.body,
                    urgency=urgency, secrecy=secrecy, recipients=recipients, cc=cc,
                    deadline=deadline, issued_on=issued_on, sign_within=sign_within,
                    attachments=attachments, signer=data.signer.strip(),
                    notes=data.notes.strip(), reply_required=data.reply_required)


def send_document(*, sender: User, data: DocumentIn) -> Document:
    """Seal a document with the issuing unit's seal and deliver it to every recipient unit,
    all or nothing: a card in each unit's room, a tracking card in the issuing unit's room,
    the supervision jobs, and the audit entries."""
    now = clock.now()
    checked = _check(sender=sender, data=data, now=now)
    bot = doc_bot()
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            document = _send(sender=sender, checked=checked, bot=bot, now=now, copies=copies)
    except IntegrityError as exc:
        delivering.discard(copies)
        if "document_number_unique" in str(exc):
            raise ApiError("conflict",
                           f"发文字号 {checked.number.canonical} 已被本单位使用") from exc
        raise
    except BaseException:
        delivering.discard(copies)
        raise
    return document


def _send(*, sender: User, checked: _Checked, bot: BotContext, now: datetime,
          copies: list[Attachment]) -> Document:
    c = checked
    document = Document.objects.create(
        unit=c.unit, sender=sender, doc_type=c.doc_type, number=c.number.canonical,
        number_raw=c.number.raw, number_code=c.number.code, number_year=c.number.year,
        number_seq=c.number.seq, title=c.title, body=c.body, urgency=c.urgency,
        secrecy=c.secrecy, signer=c.signer, notes=c.notes, issued_on=c.issued_on,
        deadline=c.deadline, reply_required=c.reply_required,
        sign_within_minutes=c.sign_within, sent_at=now, state=Document.State.ISSUED,
        issued_by=sender)
    files = delivering.store_files(document, c.attachments, bot=bot, copies=copies)
    audit.append(delivering.deliver(document, main=c.recipients, cc=c.cc, files=files, bot=bot, now=now,
                         copies=copies))
    return document


# --- cards after a change ---------------------------------------------------------------------------
def refresh_delivery(document: Document, delivery: Delivery) -> dict[int, dict[str, Any]]:
    """Re-render the unit's card and the assignee's card, and tell the unit's people, the
    assignee and the readers that their to-do may have changed; {message id: updated Message}."""
    delivery = Delivery.objects.select_related(
        "unit", "signed_by", "assignee", "handled_by", "returned_by", "assigned_by").get(id=delivery.id)
    bot = doc_bot()
    updated = {}
    readers = Circulation.objects.filter(delivery=delivery).values_list("reader_id", flat=True)
    document_todo.changed(unit_ids=[delivery.unit_id],
                          user_ids=[delivery.assignee_id or 0, *readers])
    if delivery.message_id is not None:
        card = cards.unit_card(document, delivery,
                               actors=actors_of([delivery.unit_id])[delivery.unit_id],
                               circulations=circulations_of(delivery),
                               leaders=leader_ids_of([delivery.unit_id])[delivery.unit_id])
        updated[delivery.message_id] = bot.update_card(message_id=delivery.message_id, card=card)
    if delivery.assignee_message_id is not None:
        updated[delivery.assignee_message_id] = bot.update_card(
            message_id=delivery.assignee_message_id, card=cards.assignee_card(document, delivery))
    return updated


# --- card actions -----------------------------------------------------------------------------------
DELIVERY_ACTIONS = {"sign", "register", "propose", "instruct", "assign", "complete", "return",
                    "circulate"}


def on_document_card(*, user: User, message: Message, action: str,
                     params: dict[str, Any]) -> dict[str, Any]:
    """The handler the core calls for a press on a `document` card."""
    circulation = Circulation.objects.filter(message_id=message.id).first()
    if circulation is not None:
        if action != "read":
            raise bad_request(f"未知操作：{action}")
        return read_circulation(user=user, message=message, circulation_id=circulation.id,
                                comment=str(params.get("comment") or ""))
    delivery = Delivery.objects.filter(
        Q(message_id=message.id) | Q(assignee_message_id=message.id)).first()
    if delivery is None:
        raise not_found("公文")
    if action not in DELIVERY_ACTIONS:
        raise bad_request(f"未知操作：{action}")
    return act(user=user, message=message, delivery_id=delivery.id, action=action, params=params)


def on_tracking_card(*, user: User, message: Message, action: str,
                     params: dict[str, Any]) -> dict[str, Any]:
    document = Document.objects.filter(tracking_message_id=message.id).first()
    if document is None:
        raise not_found("公文")
    if action != "remind":
        raise bad_request(f"未知操作：{action}")
    remind(user=user, document_id=document.id)
    return delivering.message_as_is(Message.objects.get(id=message.id))


def _returned(delivery: Delivery) -> ApiError:
    return ApiError("conflict", f"该公文已被{delivery.unit.name}退回"
                                f"（理由：{delivery.return_reason}），不能再办理")


def _not_signed() -> ApiError:
    return ApiError("conflict", "请先签收该公文")


def _log(delivery: Delivery, action: str, *, actor: User | None, comment: str, at: datetime,
         **data: Any) -> None:
    DeliveryStep.objects.create(delivery=delivery, action=action, actor=actor,
                                comment=comment[:2000], data=data, at=at)


def act(*, user: User, message: Message, delivery_id: int, action: str,
        params: dict[str, Any]) -> dict[str, Any]:
    """Apply a handling step to one recipient unit's copy, once."""
    now = clock.now()
    with transaction.atomic():
        document = Document.objects.select_for_update(of=("self",)).select_related("unit").get(
            id=Delivery.objects.values_list("document_id", flat=True).get(id=delivery_id))
        delivery = Delivery.objects.select_for_update(of=("self",)).select_related("unit").get(
            id=delivery_id)
        step = STEPS[action]
        events = step(user=user, document=document, delivery=delivery, params=params, now=now)
        if not events:
            return delivering.message_as_is(message)
        updated = refresh_delivery(document, delivery)
        refresh_tracking(document, now=now)
        record_change(kind="document", object_id=document.id)  # assignee, circulation readers
        todo.changed_units(unit_ids=[delivery.unit_id])
        todo.changed(user_ids=_people_of(delivery))
        audit.append(events)
    return updated.get(message.id) or delivering.message_as_is(message)


def _people_of(delivery: Delivery) -> list[int]:
    return [u for u in (delivery.assignee_id,
                        *delivery.co_assignees.values_list("id", flat=True),
                        *Circulation.objects.filter(delivery=delivery)
                        .values_list("reader_id", flat=True)) if u]


def _require_actor(user: User, delivery: Delivery, what: str) -> None:
    if not may_act(user=user, unit_id=delivery.unit_id):
        raise forbidden(f"只有{delivery.unit.name}的收发员或领导可以{what}")


def _require_open(delivery: Delivery) -> None:
    if delivery.state == Delivery.State.RETURNED:
        raise _returned(delivery)
    if delivery.state == Delivery.State.DELIVERED:
        raise _not_signed()


def _comment(params: dict[str, Any]) -> str:
    return " ".join(str(params.get("comment") or "").split())[:2000]


def _sign(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
          now: datetime) -> list[audit.Event]:
    _require_actor(user, delivery, "签收")
    if delivery.state == Delivery.State.RETURNED:
        raise _returned(delivery)
    if delivery.state != Delivery.State.DELIVERED:
        return []
    delivery.state, delivery.signed_at, delivery.signed_by = Delivery.State.SIGNED, now, user
    delivery.save(update_fields=["state", "signed_at", "signed_by"])
    _log(delivery, DeliveryStep.Action.SIGN, actor=user, comment="", at=now)
    return [audit_events.signed(document=document, delivery=delivery, actor_id=user.id, at=now)]


def _next_incoming_number(unit: Unit, now: datetime) -> str:
    year = timezone.localtime(now).year
    IncomingCounter.objects.get_or_create(unit=unit, year=year)
    counter = IncomingCounter.objects.select_for_update().get(unit=unit, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{unit.short_name or unit.name}收〔{year}〕{counter.last}号"


def _register(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
              now: datetime) -> list[audit.Event]:
    _require_actor(user, delivery, "登记")
    _require_open(delivery)
    if delivery.registered_at is not None or cards.RANK[delivery.state] >= 2:
        return []
    given = " ".join((params.get("comment") or "").split())[:64]
    delivery.incoming_number = given or _next_incoming_number(delivery.unit, now)
    delivery.state, delivery.registered_at, delivery.registered_by = (
        Delivery.State.REGISTERED, now, user)
    delivery.save(update_fields=["state", "registered_at", "registered_by", "incoming_number"])
    _log(delivery, DeliveryStep.Action.REGISTER, actor=user, comment="", at=now,
         incoming_number=delivery.incoming_number)
    return [audit_events.registered(document=document, delivery=delivery, actor_id=user.id, at=now)]


def _unit_member(unit: Unit, username: Any, what: str) -> User:
    if not isinstance(username, str) or not username.strip():
        raise bad_request(f"请指定{what}")
    person = User.objects.filter(username=username.strip().lstrip("@"), is_active=True,
                                 is_bot=False, is_external=False).first()
    if person is None or not UnitMembership.objects.filter(unit=unit, user=person).exists():
        raise bad_request(f"{what}须是{unit.name}的人员：找不到“{username.strip()[:40]}”")
    return person


def _names_param(value: Any) -> list[str]:
    from bots.parsing import split_list

    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return split_list(value)


def _propose(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
             now: datetime) -> list[audit.Event]:
    """拟办: the clerk's proposal of how to handle it, for the unit's leader to 批办."""
    _require_actor(user, delivery, "拟办")
    _require_open(delivery)
    if delivery.state == Delivery.State.HANDLED:
        raise ApiError("conflict", "该公文已办结")
    comment = _comment(params)
    if not comment:
        raise bad_request("请填写拟办意见")
    if comment == delivery.proposal:
        return []
    delivery.proposal = comment
    delivery.save(update_fields=["proposal"])
    _log(delivery, DeliveryStep.Action.PROPOSE, actor=user, comment=comment, at=now)
    for leader in leaders_of(delivery.unit_id):
        if leader.id != user.id:
            doc_bot().direct(user=leader, markdown=False,
                             body=f"请批办：{summary(document)}。拟办意见：{comment}")
    return [audit_events.step(document=document, delivery=delivery, name="proposed",
                              actor_id=user.id, comment=comment, at=now)]


def _instruct(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
              now: datetime) -> list[audit.Event]:
    """批办/批示 by a leader of the receiving unit: the text, and optionally the lead handler
    (主办), co-handlers (协办) and a deadline."""
    if not UnitMembership.objects.filter(unit_id=delivery.unit_id, user=user,
                                         role=UnitMembership.Role.LEADER).exists():
        raise forbidden(f"只有{delivery.unit.name}的领导可以批办")
    _require_open(delivery)
    if delivery.state == Delivery.State.HANDLED:
        raise ApiError("conflict", "该公文已办结")
    comment = _comment(params)
    if not comment:
        raise bad_request("请填写批示意见")
    if delivery.instructed_at is not None and comment == delivery.instruction:
        return []
    lead = (_unit_member(delivery.unit, params["assignee"], "主办人")
            if params.get("assignee") else None)
    helpers = [_unit_member(delivery.unit, name, "协办人")
               for name in _names_param(params.get("co_assignees"))]
    helpers = [h for h in dict.fromkeys(helpers) if lead is None or h.id != lead.id]
    deadline = rules.parse_deadline(params.get("deadline"), now=now) if params.get(
        "deadline") else None
    delivery.instruction, delivery.instructed_at, delivery.instructed_by = comment, now, user
    delivery.handle_by = deadline or delivery.handle_by
    fields = ["instruction", "instructed_at", "instructed_by", "handle_by"]
    bot = doc_bot()
    if lead is not None and delivery.state != Delivery.State.ASSIGNED:
        delivery.state, delivery.assigned_at, delivery.assigned_by = (
            Delivery.State.ASSIGNED, now, user)
        delivery.assignee = lead
        message = bot.direct(user=lead, body=f"{user.name}批示：{comment}。请您主办：{summary(document)}",
                             card=cards.assignee_card(document, delivery))
        delivery.assignee_message_id = message["id"]
        fields += ["state", "assigned_at", "assigned_by", "assignee", "assignee_message"]
    delivery.save(update_fields=fields)
    if helpers:
        delivery.co_assignees.add(*helpers)
        for helper in helpers:
            bot.direct(user=helper, markdown=False,
                       body=f"{user.name}批示：{comment}。请您协办：{summary(document)}"
                            + (f"（主办：{lead.name}）" if lead else ""))
    task_units = _follow_up(user=user, document=document, delivery=delivery, params=params,
                            comment=comment, deadline=deadline)
    _log(delivery, DeliveryStep.Action.INSTRUCT, actor=user, comment=comment, at=now,
         assignee=lead.username if lead else None, co_assignees=[h.username for h in helpers],
         deadline=deadline.isoformat() if deadline else None, units=task_units)
    return [audit_events.step(document=document, delivery=delivery, name="instructed",
                              actor_id=user.id, comment=comment, at=now,
                              assignee=lead.id if lead else None,
                              co_assignees=[h.id for h in helpers],
                              deadline=deadline.isoformat() if deadline else None)]


def _follow_up(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
               comment: str, deadline: datetime | None) -> list[str]:
    """A 批示 naming units to carry it out (`lead_unit`, `co_units`) is handed to the
    follow-up hooks (督办 tasks) in this transaction; the units' codes, for the log."""
    if not params.get("lead_unit"):
        return []
    codes = [str(params["lead_unit"]).strip(), *_names_param(params.get("co_units"))]
    found = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise bad_request(f"找不到落实单位“{missing[0][:32]}”")
    if not followups.hooked():
        raise bad_request("未启用督办，批示不能指定落实单位")
    followups.run(followups.FollowUp(
        document_id=document.id, delivery_id=delivery.id, unit=delivery.unit,
        title=f"落实《{document.title}》的批示", comment=comment, by=user,
        units=[found[c] for c in dict.fromkeys(codes)], deadline=deadline,
        cycle=str(params.get("report_cycle") or "") if params.get("report_cycle") in (
            "weekly", "monthly") else "", source={"document": document.id}))
    return list(dict.fromkeys(codes))


def _assign(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
            now: datetime) -> list[audit.Event]:
    _require_actor(user, delivery, "指派承办")
    _require_open(delivery)
    if cards.RANK[delivery.state] >= 3:
        return []
    assignee = _unit_member(delivery.unit, params.get("assignee"), "承办人")
    delivery.state, delivery.assigned_at, delivery.assigned_by = Delivery.State.ASSIGNED, now, user
    delivery.assignee = assignee
    note = _comment(params)
    fields = ["state", "assigned_at", "assigned_by", "assignee", "assignee_message"]
    if note and not delivery.proposal:
        # The 拟办意见 typed when assigning is the unit's proposal of record.
        delivery.proposal = note
        fields.append("proposal")
    bot = doc_bot()
    body = (f"{user.name}请您承办{delivery.unit.name}收到的公文：{summary(document)}"
            + (f"。拟办意见：{note}" if note else ""))
    message = bot.direct(user=assignee, body=body, card=cards.assignee_card(document, delivery))
    delivery.assignee_message_id = message["id"]
    delivery.save(update_fields=fields)
    _log(delivery, DeliveryStep.Action.ASSIGN, actor=user, comment=note, at=now,
         assignee=assignee.username)
    return [audit_events.assigned(document=document, delivery=delivery, actor_id=user.id,
                                  at=now, comment=note)]


def _complete(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
              now: datetime) -> list[audit.Event]:
    if delivery.assignee_id != user.id:
        _require_actor(user, delivery, "办结")
    _require_open(delivery)
    if delivery.state == Delivery.State.HANDLED:
        return []
    reply = str(params.get("comment") or "").strip()
    if document.reply_required and not reply:
        raise bad_request("此公文要求答复，请在办结时填写办理结果")
    originals = delivering.own_attachments(sender=user, ids=list(params.get("attachments") or []))
    delivery.state, delivery.handled_at, delivery.handled_by = Delivery.State.HANDLED, now, user
    delivery.reply = reply[:2000]
    delivery.save(update_fields=["state", "handled_at", "handled_by", "reply"])
    bot = doc_bot()
    copies = []
    for index, original in enumerate(originals):
        copy = chat.store_attachment(uploader=bot.user, name=original.name,
                                     chunks=delivering.chunks(original), declared_mime=original.mime)
        copies.append(copy)
        DeliveryFile.objects.create(delivery=delivery, attachment=copy, position=index,
                                    name=copy.name, size=copy.size, sha256=copy.sha256)
    _log(delivery, DeliveryStep.Action.COMPLETE, actor=user, comment=delivery.reply, at=now,
         files=[c.name for c in copies])
    events = [audit_events.handled(document=document, delivery=delivery, actor_id=user.id,
                                   at=now, files=[c.sha256 for c in copies])]
    if delivery.reply or copies:
        # 答复: the result reaches the issuing unit's room and its tracking card.
        room = Room.objects.filter(unit_id=document.unit_id).values_list("id", flat=True).first()
        if room is not None:
            text = (f"【答复】{delivery.unit.name}已办结{summary(document)}"
                    + (f"，办理结果：{delivery.reply}" if delivery.reply else ""))
            bot.post(room_id=room, body=text, markdown=False,
                     attachment_ids=[c.id for c in copies] or None)
        _log(delivery, DeliveryStep.Action.ANSWER, actor=user, comment=delivery.reply, at=now)
        events.append(audit_events.step(document=document, delivery=delivery, name="answered",
                                        actor_id=user.id, comment=delivery.reply, at=now))
    return events


def _return(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
            now: datetime) -> list[audit.Event]:
    _require_actor(user, delivery, "退回公文")
    if delivery.state == Delivery.State.RETURNED:
        return []
    if delivery.state == Delivery.State.HANDLED:
        raise ApiError("conflict", "已办结的公文不能退回")
    reason = (params.get("comment") or "").strip()
    if not reason:
        raise bad_request("退回公文须写明理由")
    delivery.state, delivery.returned_at, delivery.returned_by = Delivery.State.RETURNED, now, user
    delivery.return_reason = reason[:2000]
    delivery.save(update_fields=["state", "returned_at", "returned_by", "return_reason"])
    _log(delivery, DeliveryStep.Action.RETURN, actor=user, comment=delivery.return_reason, at=now)
    room = Room.objects.filter(unit_id=document.unit_id).values_list("id", flat=True).first()
    if room is not None:
        doc_bot().post(room_id=room, body=f"【退文】{delivery.unit.name}退回了{summary(document)}，"
                                          f"理由：{delivery.return_reason}", markdown=False)
    return [audit_events.returned(document=document, delivery=delivery, actor_id=user.id, at=now)]


def _circulate(*, user: User, document: Document, delivery: Delivery, params: dict[str, Any],
               now: datetime) -> list[audit.Event]:
    """传阅: route the unit's copy to the readers chosen (`readers`, in order; `assignee` as a
    comma-separated list is read too), one after another: each gets a card when the one
    before has read it, and reads with a 阅示. `comment` is the note sent with it."""
    _require_actor(user, delivery, "传阅")
    _require_open(delivery)
    named = _names_param(params.get("readers")) or _names_param(params.get("assignee"))
    if not named:
        raise bad_request("请选择传阅人（可选多人，按所选顺序依次传阅）")
    readers = [_unit_member(delivery.unit, name, "传阅人") for name in named]
    already = set(Circulation.objects.filter(delivery=delivery).values_list("reader_id", flat=True))
    new = [r for r in dict.fromkeys(readers) if r.id not in already]
    if not new:
        return []
    note = _comment(params)
    last = Circulation.objects.filter(delivery=delivery).order_by("-position").first()
    start = (last.position + 1) if last else 0
    for offset, reader in enumerate(new):
        Circulation.objects.create(delivery=delivery, reader=reader, sent_by=user,
                                   position=start + offset, note=note, queued_at=now)
    _log(delivery, DeliveryStep.Action.CIRCULATE, actor=user, comment=note, at=now,
         readers=[r.username for r in new])
    events = [audit_events.circulated(document=document, delivery=delivery, readers=new,
                                      actor_id=user.id, comment=note, at=now)]
    _send_next_reader(document, delivery, now=now)
    return events


def _send_next_reader(document: Document, delivery: Delivery, *, now: datetime) -> None:
    """The next reader in line gets the card, unless someone is reading it now."""
    queue = list(Circulation.objects.filter(delivery=delivery).select_related("reader", "sent_by")
                 .order_by("position", "id"))
    if any(c.sent_at is not None and c.read_at is None for c in queue):
        return
    waiting = next((c for c in queue if c.sent_at is None), None)
    if waiting is None:
        return
    waiting.sent_at = now
    message = doc_bot().direct(user=waiting.reader,
                               body=f"请阅：{summary(document)}"
                                    + (f"（{waiting.note}）" if waiting.note else ""),
                               card=cards.circulation_card(document, delivery, waiting))
    waiting.message_id = message["id"]
    waiting.save(update_fields=["sent_at", "message"])


STEPS = {"sign": _sign, "register": _register, "propose": _propose, "instruct": _instruct,
         "assign": _assign, "complete": _complete, "return": _return, "circulate": _circulate}


def read_circulation(*, user: User, message: Message, circulation_id: int,
                     comment: str = "") -> dict[str, Any]:
    """已阅 with an optional 阅示; the next reader in line gets the card."""
    now = clock.now()
    with transaction.atomic():
        circulation = Circulation.objects.select_related("delivery").get(id=circulation_id)
        document = Document.objects.select_for_update().get(id=circulation.delivery.document_id)
        circulation = Circulation.objects.select_for_update().get(id=circulation_id)
        if circulation.reader_id != user.id:
            raise forbidden("只有传阅对象本人可以标记已阅")
        if circulation.read_at is not None:
            return delivering.message_as_is(message)
        circulation.read_at = now
        circulation.comment = " ".join(comment.split())[:2000]
        circulation.save(update_fields=["read_at", "comment"])
        document = Document.objects.select_related("unit").get(id=document.id)
        delivery = Delivery.objects.select_related("unit").get(id=circulation.delivery_id)
        circulation = Circulation.objects.select_related("reader", "sent_by").get(id=circulation.id)
        updated = doc_bot().update_card(
            message_id=message.id, card=cards.circulation_card(document, delivery, circulation))
        _log(delivery, DeliveryStep.Action.READ, actor=user, comment=circulation.comment, at=now)
        _send_next_reader(document, delivery, now=now)
        refresh_delivery(document, delivery)
        todo.changed(user_ids=_people_of(delivery))
        audit.append([audit_events.read(document=document, delivery=delivery,
                                        circulation=circulation, at=now)])
    return updated


# --- a returned copy corrected and sent again (退文更正重发) -------------------------------------------
def resend(*, user: User, document_id: int, data: Any) -> Document:
    """The issuing unit corrects a document that recipients returned and sends the corrected
    copy to them (the units named, each of which must have returned it): a new document with
    the same 发文字号, sealed anew, linked to the original (`corrects`); each returned copy
    records it. A change of substance (title, body, files) in a unit whose documents must be
    signed off is refused: that is a new draft."""
    now = clock.now()
    bot = doc_bot()
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            original = (Document.objects.select_for_update(of=("self",))
                        .select_related("unit").get(id=document_id))
            if not may_act(user=user, unit_id=original.unit_id):
                raise forbidden(f"只有{original.unit.name}的收发员或领导可以更正重发")
            returned = list(Delivery.objects.select_for_update(of=("self",)).select_related("unit")
                            .filter(document=original, state=Delivery.State.RETURNED,
                                    resent_as__isnull=True))
            by_code = {d.unit.code: d for d in returned}
            wanted = [c.strip() for c in data.units if c.strip()] or list(by_code)
            missing = [c for c in wanted if c not in by_code]
            if missing:
                raise bad_request("只能向退回该公文的单位更正重发：" + "、".join(missing))
            if not wanted:
                raise ApiError("conflict", "没有退回该公文的单位")
            comment = " ".join(data.comment.split())[:2000]
            if not comment:
                raise bad_request("请说明更正了什么")
            substantive = any(v is not None for v in (data.title, data.body, data.attachments))
            if substantive and not drafts.direct_issue_allowed(original.unit):
                raise ApiError("conflict", "本单位公文须经签发：更正标题、正文或附件请重新拟稿送审")
            fields = {f.name: getattr(original, f.name) for f in Document._meta.concrete_fields
                      if f.name not in ("id", "signature", "tracking_message", "pdf", "corrects",
                                        "last_manual_remind_at", "sent_at", "issued_by",
                                        "sender", "state")}
            corrected = Document(**fields)
            corrected.title = " ".join((data.title or original.title).split())
            corrected.body = data.body if data.body is not None else original.body
            corrected.notes = (data.notes if data.notes is not None else original.notes).strip()
            rules.check_not_classified(secrecy=corrected.secrecy, marks="", notes=corrected.notes,
                                       title=corrected.title, body=corrected.body,
                                       number=corrected.number)
            corrected.corrects, corrected.sender, corrected.issued_by = original, user, user
            corrected.state, corrected.sent_at = Document.State.ISSUED, now
            corrected.save()
            if data.attachments is not None:
                files = delivering.store_files(corrected, delivering.own_attachments(sender=user, ids=data.attachments),
                                    bot=bot, copies=copies)
            else:
                files = DocumentAttachment.objects.bulk_create([
                    DocumentAttachment(document=corrected, attachment_id=f.attachment_id,
                                       position=f.position, name=f.name, size=f.size,
                                       sha256=f.sha256) for f in original.files.all()])
            units = [by_code[c] for c in wanted]
            events = delivering.deliver(corrected,
                             main=[d.unit for d in units if d.kind == Delivery.Kind.MAIN],
                             cc=[d.unit for d in units if d.kind == Delivery.Kind.CC],
                             files=files, bot=bot, now=now, copies=copies)
            for delivery in units:
                delivery.resent_as = corrected
                delivery.save(update_fields=["resent_as"])
                _log(delivery, DeliveryStep.Action.RESENT, actor=user, comment=comment, at=now,
                     document=corrected.id)
                events.append(audit_events.step(document=original, delivery=delivery,
                                                name="resent", actor_id=user.id,
                                                comment=comment, at=now, corrected=corrected.id))
            refresh_tracking(original, now=now)
            audit.append(events)
    except BaseException:
        delivering.discard(copies)
        raise
    return corrected


# --- the unit's settings ---------------------------------------------------------------------------
def update_unit_settings(*, user: User, unit: Unit, data: Any) -> None:
    from bots.documents import selectors
    from bots.documents.models import UnitDocumentSettings

    if not selectors.may_change_settings(user=user, unit=unit):
        raise forbidden(f"只有{unit.name}的领导或单位管理员可以修改发文设置")
    with transaction.atomic():
        row, _ = UnitDocumentSettings.objects.select_for_update().get_or_create(unit=unit)
        if data.number_code is not None:
            code = data.number_code.strip()
            if code and not rules.NUMBER_CODE_RE.fullmatch(code):
                raise bad_request("机关代字只能由汉字、字母和数字组成（1–16 个字），例如 区府办")
            row.number_code = code
        if data.masthead is not None:
            row.masthead = " ".join(data.masthead.split())
        if data.direct_issue is not None:
            row.direct_issue = data.direct_issue
        row.save()
        audit.append([audit.Event(event="documents.settings_changed", subject=f"unit:{unit.code}",
                                  actor_id=user.id, data={
                                      "number_code": drafts.number_code(unit),
                                      "masthead": row.masthead,
                                      "direct_issue": row.direct_issue})])


# --- reminders (催办) ---------------------------------------------------------------------------------
def remind(*, user: User, document_id: int) -> int:
    """The issuing unit presses 催办: every recipient that has not signed, or has not handled
    a document with a deadline, is reminded now. Once per five minutes; returns how many
    units were reminded (0 when it was done a moment ago)."""
    now = clock.now()
    with transaction.atomic():
        document = Document.objects.select_for_update(of=("self",)).select_related("unit").get(
            id=document_id)
        if not may_act(user=user, unit_id=document.unit_id):
            raise forbidden(f"只有{document.unit.name}的收发员或领导可以催办")
        if (document.last_manual_remind_at is not None
                and now - document.last_manual_remind_at < MANUAL_REMIND_EVERY):
            return 0
        open_ = [d for d in deliveries_of(document)
                 if d.state not in (Delivery.State.HANDLED, Delivery.State.RETURNED)]
        events = supervision.remind_units(document=document, deliveries=open_, round_=0,
                                          actor=user, now=now)
        document.last_manual_remind_at = now
        document.save(update_fields=["last_manual_remind_at"])
        refresh_tracking(document, now=now)
        audit.append(events)
    return len(open_)
