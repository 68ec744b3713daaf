"""Writes: submitting a request, decisions, resubmission after a return, deputies.

Every change takes the request's row lock first, so decisions on one request apply one at a
time: two countersigners pressing at the same moment are both recorded, once each, and the
step settles once. Each decision is signed with the decider's personal key and appended to
the audit log last; then the living card is re-rendered in every place it is shown, and the
requester is told.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from bots import clock, decisions
from bots.approvals import audit_events, cards, reminders
from bots.approvals import todo as approval_todo
from bots.approvals.common import (
    active_delegations,
    approval_bot,
    card_for,
    decision_content,
    summary,
)
from bots.approvals.models import (
    Approval,
    ApprovalFile,
    ApprovalMessage,
    Delegation,
    Revision,
    Step,
    StepApprover,
)
from bots.approvals.schemas import ApprovalIn, DelegationIn, StepIn
from bots.parsing import parse_time
from bots.people import find_person, in_organisation
from hub.chat import actions as chat
from hub.chat import selectors as chat_selectors
from hub.chat.access import access_room
from hub.chat.models import Attachment, Message, Room
from hub.core import todo as hub_todo
from hub.core.changes import record as record_change
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import User
from hub.seals import audit, personal

MAX_TITLE_CHARS = 200
MAX_DELEGATION = timedelta(days=180)


# --- submitting --------------------------------------------------------------------------------------
@dataclass
class _Checked:
    title: str
    body: str
    steps: list[tuple[str, list[User]]]
    room: Room | None
    attachments: list[Attachment]


def _steps(requester: User, raw: Sequence[list[str] | StepIn]) -> list[tuple[str, list[User]]]:
    if not raw:
        raise bad_request("请指定审批步骤：每一步一位或多位审批人")
    steps: list[tuple[str, list[User]]] = []
    unknown: list[str] = []
    for index, item in enumerate(raw):
        names, mode = (item.approvers, item.mode) if isinstance(item, StepIn) else (item, "all")
        people: dict[int, User] = {}
        for name in names:
            person = find_person(name)
            if person is None or not in_organisation(person):
                unknown.append(name.strip()[:40])
            else:
                people.setdefault(person.id, person)
        if not names:
            raise bad_request(f"第{index + 1}步没有审批人")
        if requester.id in people:
            raise bad_request("申请人不能审批自己的申请")
        steps.append((mode, list(people.values())))
    if unknown:
        raise bad_request("找不到这些审批人：" + "、".join(unknown))
    return steps


def _check(*, requester: User, data: ApprovalIn, room_id: int | None) -> _Checked:
    title = " ".join(data.title.split())
    if not title:
        raise bad_request("请填写审批事项的标题")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"标题不能超过 {MAX_TITLE_CHARS} 个字")
    steps = _steps(requester, data.steps)
    room = None
    if room_id is not None:
        room = access_room(user_id=requester.id, room_id=room_id).room
        if room.kind == Room.Kind.DIRECT:
            raise bad_request("审批卡片不能发到私聊中：请选择群聊、单位群或频道，或不指定会话")
    wanted = list(dict.fromkeys(data.attachments))
    found = {a.id: a for a in Attachment.objects.filter(id__in=wanted, uploader=requester)}
    if len(found) != len(wanted):
        raise not_found("附件")
    return _Checked(title=title, body=data.body.strip(), steps=steps, room=room,
                    attachments=[found[i] for i in wanted])


def _chunks(attachment: Attachment) -> Iterator[bytes]:
    with open(chat.attachment_path(attachment), "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def submit(*, requester: User, data: ApprovalIn, room_id: int | None = None) -> Approval:
    """Store a request and start its first step, all or nothing: the living card in the
    named room and in the requester's direct room with the bot, each first-step approver's
    card, the reminder jobs and the audit entry. `room_id` (a command's room) stands in for
    `data.room`."""
    now = clock.now()
    checked = _check(requester=requester, data=data,
                     room_id=room_id if room_id is not None else data.room)
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            return _submit(requester=requester, checked=checked, now=now, copies=copies)
    except BaseException:
        for copy in copies:
            chat.attachment_path(copy).unlink(missing_ok=True)
        raise


def _submit(*, requester: User, checked: _Checked, now: datetime,
            copies: list[Attachment]) -> Approval:
    c = checked
    bot = approval_bot()
    approval = Approval.objects.create(requester=requester, room=c.room, title=c.title,
                                       body=c.body, created_at=now, updated_at=now)
    Revision.objects.create(approval=approval, round=1, title=c.title, body=c.body,
                            created_at=now)
    for original in c.attachments:
        copies.append(chat.store_attachment(uploader=bot.user, name=original.name,
                                            chunks=_chunks(original), declared_mime=original.mime))
    ApprovalFile.objects.bulk_create([
        ApprovalFile(approval=approval, attachment=copy, position=i, name=copy.name,
                     sha256=copy.sha256) for i, copy in enumerate(copies)])
    _make_steps(approval, round_=1, structure=c.steps)
    first = _activate(approval, 0, now=now)
    card = card_for(approval, now=now)
    targets: list[tuple[int, str, User | None, str]] = []
    if c.room is not None:
        bot.join([c.room.id])
        targets.append((c.room.id, ApprovalMessage.Kind.ROOM, None, summary(approval)))
    targets.append((bot.direct_room(user=requester), ApprovalMessage.Kind.REQUESTER, requester,
                    f"您的申请已提交：{summary(approval)}"))
    targets += _approver_targets(approval, first, now=now)
    _post(approval, targets, card=card, attachment_ids=[copy.id for copy in copies])
    record_change(kind="approval", object_id=approval.id)
    approval_todo.changed(approval, now=now)
    audit.append([audit_events.submitted(approval=approval, steps=c.steps, at=now)])
    return approval


def _make_steps(approval: Approval, *, round_: int, structure: list[tuple[str, list[User]]]) -> None:
    for index, (mode, people) in enumerate(structure):
        step = Step.objects.create(approval=approval, round=round_, index=index, mode=mode)
        StepApprover.objects.bulk_create([StepApprover(step=step, user=p, position=i)
                                          for i, p in enumerate(people)])


def _structure(approval: Approval) -> list[tuple[str, list[User]]]:
    """The steps as first submitted (a resubmission runs them again)."""
    steps = Step.objects.filter(approval=approval, round=1).prefetch_related("approvers__user")
    return [(s.mode, [p.user for p in s.approvers.all()]) for s in steps.order_by("index")]


def _activate(approval: Approval, index: int, *, now: datetime) -> Step:
    step = Step.objects.get(approval=approval, round=approval.round, index=index)
    step.state, step.started_at = Step.State.ACTIVE, now
    step.save(update_fields=["state", "started_at"])
    approval.current_step = index
    reminders.schedule_for(approval, step, now=now)
    return step


def _approver_targets(approval: Approval, step: Step, *,
                      now: datetime) -> list[tuple[int, str, User | None, str]]:
    """A direct room per approver of the step, and per active deputy of one."""
    bot = approval_bot()
    places = list(step.approvers.select_related("user"))
    label = cards.step_label(Step.objects.prefetch_related("approvers").get(id=step.id))
    targets: list[tuple[int, str, User | None, str]] = []
    for place in places:
        targets.append((bot.direct_room(user=place.user), ApprovalMessage.Kind.APPROVER,
                        place.user, f"请审批（{label}）：{summary(approval)}"))
    for delegation in active_delegations([p.user_id for p in places], now=now):
        targets.append((bot.direct_room(user=delegation.deputy), ApprovalMessage.Kind.DEPUTY,
                        delegation.deputy, f"请代{delegation.principal.name}审批（{label}）："
                                           f"{summary(approval)}"))
    return targets


def _post(approval: Approval, targets: list[tuple[int, str, User | None, str]], *,
          card: dict[str, Any], attachment_ids: list[int] | None = None) -> None:
    """Post the card in each target room, in room id order (so that concurrent requests lock
    overlapping rooms in one order), and remember each copy."""
    bot = approval_bot()
    if attachment_ids is None:
        attachment_ids = list(ApprovalFile.objects.filter(approval=approval)
                              .values_list("attachment_id", flat=True))
    seen: set[int] = set()
    for room_id, kind, user, body in sorted(targets, key=lambda t: t[0]):
        if room_id in seen:
            continue
        seen.add(room_id)
        message = bot.post(room_id=room_id, body=body, card=card, attachment_ids=attachment_ids,
                           join=False)
        ApprovalMessage.objects.create(approval=approval, message_id=message["id"], kind=kind,
                                       user=user)


# --- the living card -----------------------------------------------------------------------------------
def refresh_cards(approval: Approval, *, now: datetime) -> dict[int, dict[str, Any]]:
    """Re-render the one card in every place it is shown, and tell its approvers and their
    deputies that their to-do may have changed; {message id: updated Message}."""
    approval_todo.changed(approval, now=now)
    card = card_for(approval, now=now)
    bot = approval_bot()
    ids = ApprovalMessage.objects.filter(approval=approval).order_by("message_id").values_list(
        "message_id", flat=True)
    return {mid: bot.update_card(message_id=mid, card=card) for mid in ids}


def message_as_is(message: Message) -> dict[str, Any]:
    return chat_selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                        before_seq=message.seq + 1, limit=1)[0]


def _locked(approval_id: int) -> Approval:
    approval = (Approval.objects.select_for_update(of=("self",)).select_related("requester")
                .filter(id=approval_id).first())
    if approval is None:
        raise not_found("审批")
    return approval


# --- decisions -------------------------------------------------------------------------------------------
def on_approval_card(*, user: User, message: Message, action: str,
                     params: dict[str, Any]) -> dict[str, Any]:
    """The handler the core calls for a press on an `approval` card."""
    approval_id = ApprovalMessage.objects.filter(message_id=message.id).values_list(
        "approval_id", flat=True).first()
    if approval_id is None:
        raise not_found("审批")
    comment = str(params.get("comment") or "")
    if action in cards.DECISION_LABELS:
        updated = decide(user=user, approval_id=approval_id, action=action, comment=comment)
    elif action == "resubmit":
        state = Approval.objects.filter(id=approval_id).values_list("state", "round").first()
        if state is not None and state[0] != Approval.State.RETURNED and state[1] > 1:
            return message_as_is(message)  # pressed again: already resubmitted
        updated = resubmit(user=user, approval_id=approval_id, title=None, body=None,
                           comment=comment)
    else:
        raise bad_request(f"未知操作：{action}")
    return updated.get(message.id) or message_as_is(message)


def decide(*, user: User, approval_id: int, action: str,
           comment: str) -> dict[int, dict[str, Any]]:
    """Record one decision on the current step, once; settle the step and the request when
    it decides them. Returns the updated card messages ({} when nothing changed)."""
    if action not in cards.DECISION_LABELS:
        raise bad_request(f"未知操作：{action}")
    now = clock.now()
    with transaction.atomic():
        approval = _locked(approval_id)
        # Pressing the same decision again answers the card as it stands.
        if StepApprover.objects.filter(step__approval=approval, step__round=approval.round,
                                       decided_by=user, decision=action).exists():
            return {}
        if approval.state != Approval.State.PENDING:
            raise ApiError("conflict", f"该申请已{approval.get_state_display()}，不能再审批")
        step = Step.objects.get(approval=approval, round=approval.round,
                                index=approval.current_step)
        places = list(StepApprover.objects.filter(step=step).select_for_update(of=("self",))
                      .select_related("user").order_by("position"))
        found = decisions.place_for(user=user, places=places, now=now,
                                    labels=cards.DECISION_LABELS)
        if found is None:
            later = StepApprover.objects.filter(step__approval=approval, step__round=approval.round,
                                                step__index__gt=step.index, user=user).exists()
            if later:
                raise forbidden(f"尚未轮到您审批：当前是第{step.index + 1}步")
            raise forbidden("您不是当前步骤的审批人")
        place, delegation = found
        place.decision = action
        place.comment = " ".join(comment.split())[:2000]
        place.decided_at, place.decided_by, place.delegation = now, user, delegation
        place.step = step
        place.signature = personal.sign(user=user, subject=place.subject,
                                        content=decision_content(approval, step, place), at=now)
        place.save(update_fields=["decision", "comment", "decided_at", "decided_by", "delegation",
                                  "signature"])
        events = [audit_events.decided(approval=approval, step=step, place=place, at=now)]
        outcome = decisions.settles(mode=step.mode, places=places, action=action)
        notices = [_decision_notice(approval, step, place)]
        targets: list[tuple[int, str, User | None, str]] = []
        if outcome is not None:
            step.state, step.settled_at = cards.STEP_OUTCOME[outcome], now
            step.save(update_fields=["state", "settled_at"])
            reminders.cancel_for(approval, step)
            last = not Step.objects.filter(approval=approval, round=approval.round,
                                           index=step.index + 1).exists()
            if outcome == "approve" and not last:
                following = _activate(approval, step.index + 1, now=now)
                targets = _approver_targets(approval, following, now=now)
            else:
                approval.state = cards.APPROVAL_OUTCOME[outcome]
                approval.settled_at = now
                notices.append(_outcome_notice(approval))
                events.append(audit_events.settled(approval=approval, at=now))
        approval.updated_at = now
        approval.save(update_fields=["state", "current_step", "settled_at", "updated_at"])
        updated = refresh_cards(approval, now=now)
        if targets:
            _post(approval, targets, card=card_for(approval, now=now))
        bot = approval_bot()
        for notice in notices:
            bot.direct(user=approval.requester, body=notice, markdown=False)
        record_change(kind="approval", object_id=approval.id)
        audit.append(events)
    return updated


def _decision_notice(approval: Approval, step: Step, place: StepApprover) -> str:
    text = (f"{cards.signer_text(place)}{cards.DECISION_LABELS[place.decision]}了您的申请"
            f"“{approval.title}”（{cards.step_label(Step.objects.prefetch_related('approvers').get(id=step.id))}）")
    return text + (f"，意见：{place.comment}" if place.comment else "。")


def _outcome_notice(approval: Approval) -> str:
    if approval.state == Approval.State.APPROVED:
        return f"✅ 您的申请“{approval.title}”已审批通过。"
    if approval.state == Approval.State.REJECTED:
        return f"❌ 您的申请“{approval.title}”未获同意。"
    return f"↩️ 您的申请“{approval.title}”被退回，可修改后在卡片上重新提交。"


def resubmit(*, user: User, approval_id: int, title: str | None, body: str | None,
             comment: str) -> dict[int, dict[str, Any]]:
    """The requester resubmits a returned request (revised, with a note): a new round runs
    the steps again from the first."""
    now = clock.now()
    with transaction.atomic():
        approval = _locked(approval_id)
        if approval.requester_id != user.id:
            raise forbidden("只有申请人可以重新提交")
        if approval.state != Approval.State.RETURNED:
            raise ApiError("conflict", f"该申请{approval.get_state_display()}，只有被退回的申请可以重新提交")
        if title is not None:
            title = " ".join(title.split())
            if not title or len(title) > MAX_TITLE_CHARS:
                raise bad_request(f"标题不能为空，且不超过 {MAX_TITLE_CHARS} 个字")
            approval.title = title
        if body is not None:
            approval.body = body.strip()
        structure = _structure(approval)
        approval.round += 1
        approval.state, approval.settled_at, approval.updated_at = Approval.State.PENDING, None, now
        note = " ".join(comment.split())[:2000]
        Revision.objects.create(approval=approval, round=approval.round, title=approval.title,
                                body=approval.body, note=note, created_at=now)
        _make_steps(approval, round_=approval.round, structure=structure)
        first = _activate(approval, 0, now=now)
        approval.save(update_fields=["title", "body", "round", "state", "settled_at",
                                     "updated_at", "current_step"])
        updated = refresh_cards(approval, now=now)
        _post(approval, _approver_targets(approval, first, now=now), card=card_for(approval, now=now))
        record_change(kind="approval", object_id=approval.id)
        audit.append([audit_events.resubmitted(approval=approval, note=note, at=now)])
    return updated


# --- deputies (代批) ---------------------------------------------------------------------------------------
def open_approvals_of(principal_id: int) -> list[int]:
    """Pending requests where the person has still to decide in the current step."""
    rows = (StepApprover.objects.filter(user_id=principal_id, decision="",
                                        step__state=Step.State.ACTIVE,
                                        step__approval__state=Approval.State.PENDING)
            .values_list("step__approval_id", flat=True))
    return sorted(set(rows))


def refresh_for(principal_id: int, *, now: datetime, tell: Delegation | None = None) -> None:
    """Re-render the cards where the principal is awaited (so a deputy's buttons appear or
    go), and give an active deputy a card of each in their direct room."""
    bot = approval_bot()
    for approval_id in open_approvals_of(principal_id):
        approval = _locked(approval_id)
        refresh_cards(approval, now=now)
        if tell is not None:
            room = bot.direct_room(user=tell.deputy)
            already = ApprovalMessage.objects.filter(approval=approval, user=tell.deputy,
                                                     message__room_id=room).exists()
            if not already:
                _post(approval, [(room, ApprovalMessage.Kind.DEPUTY, tell.deputy,
                                  f"请代{tell.principal.name}审批：{summary(approval)}")],
                      card=card_for(approval, now=now))


def delegation_boundary(due: Any) -> None:
    """The job at a delegation's start or end: the cards where its principal is awaited are
    re-rendered, so the deputy's buttons appear and go on time (a starting deputy also gets a
    card of each in their direct room)."""
    delegation = (Delegation.objects.select_related("principal", "deputy")
                  .filter(id=int(due.payload["delegation"])).first())
    if delegation is None or delegation.revoked_at is not None:
        return
    starting = due.payload.get("what") == "start"
    refresh_for(delegation.principal_id, now=due.now, tell=delegation if starting else None)
    hub_todo.changed(user_ids=[delegation.deputy_id])


def delegate(*, principal: User, data: DelegationIn) -> Delegation:
    """Name a deputy for a period (in the organisation, not oneself)."""
    now = clock.now()
    name = data.deputy.strip()
    if not name:
        raise bad_request("请指定代批人")
    deputy = find_person(name)
    if deputy is None or not in_organisation(deputy):
        raise bad_request(f"代批人须是本组织内的人员：找不到“{name[:40]}”")
    if deputy.id == principal.id:
        raise bad_request("不能委托自己代批")
    starts = parse_time(data.start, label="开始时间") or now
    ends = parse_time(data.end, label="结束时间")
    if ends is None:
        raise bad_request("请填写委托的结束时间")
    if ends <= starts or ends <= now:
        raise bad_request("委托的结束时间必须晚于开始时间和现在")
    if ends - starts > MAX_DELEGATION:
        raise bad_request("委托期限不能超过 180 天")
    with transaction.atomic():
        delegation = Delegation.objects.create(principal=principal, deputy=deputy,
                                               starts_at=starts, ends_at=ends,
                                               note=data.note.strip(), created_at=now)
        reminders.schedule_delegation(delegation, now=now)
        if starts <= now:
            refresh_for(principal.id, now=now, tell=delegation)
        approval_bot().direct(user=deputy, markdown=False, body=(
            f"{principal.name}委托您在 {cards.local_time(starts)} 至 {cards.local_time(ends)} "
            f"期间代为审批（代批）。" + (f"说明：{delegation.note}" if delegation.note else "")))
        audit.append([audit_events.delegated(delegation=delegation, at=now)])
    return delegation


def revoke_delegation(*, user: User, delegation_id: int) -> Delegation:
    now = clock.now()
    with transaction.atomic():
        delegation = (Delegation.objects.select_for_update(of=("self",))
                      .select_related("principal", "deputy").filter(id=delegation_id).first())
        if delegation is None:
            raise not_found("委托")
        if delegation.principal_id != user.id:
            raise forbidden("只有委托人可以撤销委托")
        if delegation.revoked_at is not None:
            return delegation
        delegation.revoked_at = now
        delegation.save(update_fields=["revoked_at"])
        refresh_for(delegation.principal_id, now=now)
        hub_todo.changed(user_ids=[delegation.deputy_id])
        audit.append([audit_events.delegation_revoked(delegation=delegation, actor_id=user.id,
                                                      at=now)])
    return delegation


def delegations_of(user: User) -> Any:
    return (Delegation.objects.filter(Q(principal=user) | Q(deputy=user))
            .select_related("principal", "deputy").order_by("-created_at", "-id"))


STEP_SPLIT = re.compile(r"\s*(?:>|＞|→|->|;|；)\s*")
ANY_SPLIT = re.compile(r"\s*[|｜/／]\s*")
ALL_SPLIT = re.compile(r"[,，、+＋\s]+")


def parse_steps(text: str) -> list[StepIn]:
    """`staff1 > leader,staff2 > staff3|staff4` (a command's 审批人): steps in order, `,` a
    countersign (会签), `|` an any-of step (或签); a step may also start with 会签: or 或签:."""
    steps = []
    for part in STEP_SPLIT.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        mode = "all"
        for prefix, value in (("会签", "all"), ("或签", "any")):
            if part.startswith(prefix) and len(part) > 2 and part[2] in ":：":
                part, mode = part[3:].strip(), value
        if ANY_SPLIT.search(part):
            names, mode = ANY_SPLIT.split(part), "any"
        else:
            names = ALL_SPLIT.split(part)
        steps.append(StepIn(approvers=[n for n in names if n], mode=mode))  # type: ignore[arg-type]
    return steps
