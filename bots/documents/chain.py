"""The outgoing chain (发文办理): 拟稿 → 核稿 → 签发 → 复核 → 登记 (numbering) → 用印分发.

A member of the issuing unit drafts (`create_draft`): the draft names its 核稿 steps (a step
with several people is 会签: all must approve) and its signer (签发人, a leader of the unit).
Each person, when their step starts, gets the draft's living card in their direct room with
the bot, with its text and files; they `approve` (核稿) or `sign_off` (签发), or `return` it to
the drafter with the reason. Deputies (代批) decide for their principals while a delegation
is active (bots/decisions.py). Each decision is signed with the decider's personal key over
what the draft said in that round (`DraftRevision`), so an edit later leaves it checkable.

A returned draft is corrected (`edit`) and resubmitted: the steps run again from the first,
as a new round. An edit after sign-off that changes its substance (文种, title, body,
recipients, files) needs a new sign-off (复核: a round with the sign-off step alone). A clerk of
the issuing unit then issues it (`issue`): 复核 checks that it reads as signed, the next
发文字号 of the unit's 机关代字 for the year is taken under the counter's row lock (gap-free,
also when two clerks issue at once), unless the drafter gave one, and the document is laid out
as a PDF, sealed (the seal covers the chain of signed decisions and the PDF) and delivered.

Every change takes the document's row lock first, applies once, updates the card in every
place it is shown and appends its audit entries last.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bots import clock, decisions
from bots.documents import audit_events, drafts, groups, rules
from bots.documents import delivery as delivering
from bots.documents.common import doc_bot, summary
from bots.documents.models import (
    ChainDecision,
    ChainStep,
    Document,
    DocumentAttachment,
    DraftMessage,
    DraftRevision,
    NumberCounter,
)
from bots.documents.schemas import DraftEditIn, DraftIn
from bots.people import find_person, in_organisation
from hub.chat.models import Attachment, Message
from hub.core import todo
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit, personal

MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 200


# --- the unit's rules ------------------------------------------------------------------------------
# --- what a draft says -----------------------------------------------------------------------------
# --- checking what a person typed -------------------------------------------------------------------
def drafting_unit(*, user: User, code: str | None) -> Unit:
    """The unit the caller drafts for: one they belong to (any role)."""
    units = [m.unit for m in UnitMembership.objects.filter(user=user).select_related("unit")]
    if code:
        chosen = [u for u in units if u.code == code.strip()]
        if chosen:
            return chosen[0]
        raise forbidden("只能以本人所在单位的名义拟稿")
    if not units:
        raise forbidden("只有单位工作人员可以拟稿")
    if len(units) > 1:
        names = "、".join(f"{u.name}（{u.code}）" for u in units)
        raise bad_request(f"您属于多个单位，请用 unit 指明发文单位：{names}")
    return units[0]


def _title(raw: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise bad_request("请填写标题")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"标题不能超过 {MAX_TITLE_CHARS} 个字")
    return title


def _body(raw: str) -> str:
    if len(raw) > MAX_BODY_CHARS:
        raise ApiError("too_large", f"正文不能超过 {MAX_BODY_CHARS} 个字")
    return raw


def _recipients(main: list[str], cc: list[str], *, unit: Unit) -> tuple[list[Unit], list[Unit]]:
    recipients, unknown = groups.resolve(main, issuing=unit)
    copies, unknown_cc = groups.resolve(cc, issuing=unit)
    if unknown or unknown_cc:
        raise bad_request("找不到这些收文单位：" + "、".join([*unknown, *unknown_cc]))
    named = {t.strip().lstrip("@").lower() for t in [*main, *cc]}
    if {unit.code.lower(), unit.name.lower(), unit.short_name.lower()} & named:
        raise bad_request("不能把公文发给本单位")
    if not recipients:
        raise bad_request("请指定主送单位")
    ids = {u.id for u in recipients}
    return recipients, [u for u in copies if u.id not in ids]


def _number(raw: str, *, unit: Unit, now: datetime, exclude: int | None = None
            ) -> rules.Number | None:
    if not raw.strip():
        return None
    number = rules.parse_number(raw, today_year=timezone.localtime(now).year)
    taken = Document.objects.filter(unit=unit, number_year=number.year, number_code=number.code,
                                    number_seq=number.seq, corrects__isnull=True)
    if exclude is not None:
        taken = taken.exclude(id=exclude)
    if taken.exists():
        raise ApiError("conflict", f"发文字号 {number.canonical} 已被本单位使用")
    return number


def _person(name: str, what: str) -> User:
    person = find_person(name)
    if person is None or not in_organisation(person):
        raise bad_request(f"找不到{what}“{name.strip()[:40]}”")
    return person


def _chain_people(*, drafter: User, unit: Unit, reviewers: list[list[str]], signer: str
                  ) -> tuple[list[list[User]], User]:
    steps: list[list[User]] = []
    for index, names in enumerate(reviewers):
        people: dict[int, User] = {}
        for name in names:
            person = _person(name, "核稿人")
            people.setdefault(person.id, person)
        if not people:
            raise bad_request(f"第{index + 1}步核稿没有核稿人")
        steps.append(list(people.values()))
    if not signer.strip():
        raise bad_request("请指定签发人（本单位领导）")
    leader = _person(signer, "签发人")
    if not UnitMembership.objects.filter(unit=unit, user=leader,
                                         role=UnitMembership.Role.LEADER).exists():
        raise bad_request(f"签发人须是{unit.name}的领导：{leader.name}不是")
    everyone = [p for step in steps for p in step] + [leader]
    if drafter.id in {p.id for p in everyone}:
        raise bad_request("拟稿人不能核稿或签发自己起草的公文")
    return steps, leader


def _attachments(*, user: User, ids: list[int]) -> list[Attachment]:
    return delivering.own_attachments(sender=user, ids=ids)


# --- drafting ----------------------------------------------------------------------------------------
def create_draft(*, user: User, data: DraftIn) -> Document:
    """Store a draft and start its chain, all or nothing: the revision of round 1, the steps,
    the drafter's card and the first step's cards, the audit entry."""
    now = clock.now()
    unit = drafting_unit(user=user, code=data.unit)
    secrecy = rules.check_not_classified(secrecy=data.secrecy, marks=data.marks, notes=data.notes,
                                         title=data.title, body=data.body, number=data.number)
    doc_type = rules.parse_doc_type(data.doc_type)
    title, body = _title(data.title), _body(data.body)
    urgency = rules.parse_urgency(data.urgency)
    main, cc = _recipients(data.recipients, data.cc, unit=unit)
    deadline = rules.parse_deadline(data.deadline, now=now)
    number = _number(data.number, unit=unit, now=now)
    steps, signer = _chain_people(drafter=user, unit=unit, reviewers=data.reviewers,
                                  signer=data.signer)
    attachments = _attachments(user=user, ids=data.attachments)
    from django.conf import settings

    sign_within = data.sign_within_minutes or settings.HUITONG_DOC_SIGN_WITHIN_MINUTES[urgency]
    bot = doc_bot()
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            document = Document.objects.create(
                unit=unit, sender=user, doc_type=doc_type,
                number=number.canonical if number else "", number_raw=number.raw if number else "",
                number_code=number.code if number else "",
                number_year=number.year if number else None,
                number_seq=number.seq if number else None, title=title, body=body,
                urgency=urgency, secrecy=secrecy, notes=data.notes.strip(),
                issued_on=timezone.localtime(now).date(), deadline=deadline,
                reply_required=data.reply_required, sign_within_minutes=sign_within,
                state=Document.State.REVIEWING if steps else Document.State.AWAITING_SIGNOFF,
                drafted_at=now, planned_main=[u.id for u in main], planned_cc=[u.id for u in cc])
            delivering.store_files(document, attachments, bot=bot, copies=copies)
            DraftRevision.objects.create(document=document, round=1, content=drafts.substance(document),
                                         created_at=now)
            _make_steps(document, round_=1, reviewers=steps, signer=signer)
            first = _activate(document, 0, now=now)
            targets: list[Target] = [(bot.direct_room(user=user), DraftMessage.Kind.DRAFTER, user,
                                      f"您起草的公文已送审：{summary(document)}")]
            targets += _step_targets(document, first, now=now)
            _post(document, targets, now=now)
            todo.changed(user_ids=drafts.deciders(first, now=now))
            audit.append([audit_events.drafted(document=document, steps=steps, signer=signer,
                                               at=now)])
    except IntegrityError as exc:
        delivering.discard(copies)
        if "document_number_unique" in str(exc) and number is not None:
            raise ApiError("conflict", f"发文字号 {number.canonical} 已被本单位使用") from exc
        raise
    except BaseException:
        delivering.discard(copies)
        raise
    return document


def _make_steps(document: Document, *, round_: int, reviewers: list[list[User]],
                signer: User | None) -> None:
    for index, people in enumerate(reviewers):
        step = ChainStep.objects.create(document=document, round=round_, index=index,
                                        role=ChainStep.Role.REVIEW)
        ChainDecision.objects.bulk_create([ChainDecision(step=step, user=p, position=i)
                                           for i, p in enumerate(people)])
    if signer is not None:
        step = ChainStep.objects.create(document=document, round=round_, index=len(reviewers),
                                        role=ChainStep.Role.SIGNOFF)
        ChainDecision.objects.create(step=step, user=signer, position=0)


def _structure(document: Document) -> tuple[list[list[User]], User]:
    """The reviewers and the signer as first submitted (a resubmission runs them again)."""
    steps = list(ChainStep.objects.filter(document=document, round=1)
                 .prefetch_related("places__user").order_by("index"))
    reviewers = [[p.user for p in s.places.all()] for s in steps
                 if s.role == ChainStep.Role.REVIEW]
    signer = next(p.user for s in steps if s.role == ChainStep.Role.SIGNOFF
                  for p in s.places.all())
    return reviewers, signer


def _activate(document: Document, index: int, *, now: datetime) -> ChainStep:
    step = ChainStep.objects.get(document=document, round=document.round, index=index)
    step.state, step.started_at = ChainStep.State.ACTIVE, now
    step.save(update_fields=["state", "started_at"])
    document.current_step = index
    return step


# --- the living card -----------------------------------------------------------------------------------
def refresh_cards(document: Document, *, now: datetime) -> dict[int, dict[str, Any]]:
    card = drafts.card_for(document, now=now)
    bot = doc_bot()
    ids = (DraftMessage.objects.filter(document=document).order_by("message_id")
           .values_list("message_id", flat=True))
    return {mid: bot.update_card(message_id=mid, card=card) for mid in ids}


Target = tuple[int, str, User | None, str]


def _step_targets(document: Document, step: ChainStep, *, now: datetime) -> list[Target]:
    bot = doc_bot()
    what = drafts.ROLE_LABELS[ChainStep.Role(step.role)]
    targets: list[Target] = []
    places = drafts.places_of(step)
    for place in places:
        targets.append((bot.direct_room(user=place.user), DraftMessage.Kind.DECIDER, place.user,
                        f"请{what}：{summary(document)}"))
    for delegation in decisions.active_delegations([p.user_id for p in places], now=now):
        targets.append((bot.direct_room(user=delegation.deputy), DraftMessage.Kind.DEPUTY,
                        delegation.deputy,
                        f"请代{delegation.principal.name}{what}：{summary(document)}"))
    return targets


def _post(document: Document, targets: list[Target], *, now: datetime) -> None:
    """Post the card in each target room not yet holding a copy, in room id order (so that
    concurrent changes lock overlapping rooms in one order), with the draft's files."""
    bot = doc_bot()
    card = drafts.card_for(document, now=now)
    files = list(DocumentAttachment.objects.filter(document=document).order_by("position")
                 .values_list("attachment_id", flat=True))
    held = set(DraftMessage.objects.filter(document=document)
               .values_list("message__room_id", flat=True))
    for room_id, kind, user, body in sorted(targets, key=lambda t: t[0]):
        if room_id in held:
            continue
        held.add(room_id)
        message = bot.post(room_id=room_id, body=body, card=card, attachment_ids=files,
                           join=False)
        DraftMessage.objects.create(document=document, message_id=message["id"], kind=kind,
                                    user=user)


def _locked(document_id: int) -> Document:
    document = (Document.objects.select_for_update(of=("self",)).select_related("unit", "sender")
                .filter(id=document_id).first())
    if document is None:
        raise not_found("公文")
    return document


# --- deciding -------------------------------------------------------------------------------------------
def decide(*, user: User, document_id: int, action: str, comment: str,
           pressed_again_ok: bool = False) -> dict[int, dict[str, Any]]:
    """One decision on the current step, once: 核稿 `approve` or `return`, 签发 `sign_off` or
    `return`. Settles the step (会签: when all have approved) and moves the draft on. Returns
    the updated card messages. The same decision pressed again on the card
    (`pressed_again_ok`) changes nothing and returns {}; through the API it answers 409."""
    if action not in drafts.DECISION_LABELS:
        raise bad_request(f"未知操作：{action}")
    comment = " ".join(comment.split())[:2000]
    now = clock.now()
    with transaction.atomic():
        document = _locked(document_id)
        again = ChainDecision.objects.filter(step__document=document, step__round=document.round,
                                             decided_by=user, decision=action)
        if pressed_again_ok and again.exists():
            return {}
        if document.state not in drafts.DRAFT_STATES:
            raise ApiError("conflict", _not_deciding(document))
        step = ChainStep.objects.get(document=document, round=document.round,
                                     index=document.current_step)
        places = list(ChainDecision.objects.filter(step=step).select_for_update(of=("self",))
                      .select_related("user").order_by("position"))
        found = decisions.place_for(user=user, places=places, now=now, labels=drafts.DECISION_LABELS)
        if found is None:
            raise forbidden(_not_your_turn(document, step, user))
        _check_action(step, action, comment)
        place, delegation = found
        revision = DraftRevision.objects.get(document=document, round=document.round)
        place.decision, place.comment = action, comment
        place.decided_at, place.decided_by, place.delegation = now, user, delegation
        place.step = step
        place.signature = personal.sign(user=user, subject=place.subject,
                                        content=drafts.decision_content(document, step, place, revision),
                                        at=now)
        place.save(update_fields=["decision", "comment", "decided_at", "decided_by",
                                  "delegation", "signature"])
        events = [audit_events.decided(document=document, step=step, place=place, at=now)]
        agree = "sign_off" if step.role == ChainStep.Role.SIGNOFF else "approve"
        outcome = decisions.settles(mode="all", places=places, action=action, agree=agree)
        targets: list[Target] = []
        notices: list[str] = []
        tell = {place.user_id, *[p.user_id for p in places],
                *(d.deputy_id for d in decisions.active_delegations(
                    [p.user_id for p in places], now=now))}
        if outcome is not None:
            step.state = (ChainStep.State.RETURNED if outcome == "return"
                          else ChainStep.State.SIGNED_OFF if outcome == "sign_off"
                          else ChainStep.State.APPROVED)
            step.settled_at = now
            step.save(update_fields=["state", "settled_at"])
            if outcome == "approve":
                following = _activate(document, step.index + 1, now=now)
                if following.role == ChainStep.Role.SIGNOFF:
                    document.state = Document.State.AWAITING_SIGNOFF
                targets = _step_targets(document, following, now=now)
                tell |= set(drafts.deciders(following, now=now))
            elif outcome == "sign_off":
                document.state = Document.State.SIGNED_OFF
                document.signed_off_at = now
                document.signer = place.decided_by.name if place.decided_by else place.user.name
                document.issued_on = timezone.localtime(now).date()
                clerks = drafts.clerks_of(document.unit_id)
                bot = doc_bot()
                targets = [(bot.direct_room(user=c), DraftMessage.Kind.CLERK, c,
                            f"请用印分发（已签发）：{summary(document)}") for c in clerks]
                notices.append(f"✅ {document.signer}已签发您起草的公文“{document.title}”，"
                               "待收发员用印分发。")
                todo.changed_units(unit_ids=[document.unit_id])
            else:
                document.state = Document.State.RETURNED
                notices.append(f"↩️ {_who(place)}退回了您起草的公文“{document.title}”，理由："
                               f"{comment}。请修改后重新送审。")
        document.save(update_fields=["state", "current_step", "signed_off_at", "signer",
                                     "issued_on"])
        updated = refresh_cards(document, now=now)
        if targets:
            _post(document, targets, now=now)
        bot = doc_bot()
        for notice in notices:
            bot.direct(user=document.sender, body=notice, markdown=False)
        todo.changed(user_ids=[*tell, document.sender_id])
        audit.append(events)
    return updated


def _check_action(step: ChainStep, action: str, comment: str) -> None:
    if step.role == ChainStep.Role.SIGNOFF and action == "approve":
        raise bad_request("当前是签发环节，请选择“签发”或“退回”")
    if step.role == ChainStep.Role.REVIEW and action == "sign_off":
        raise bad_request("当前是核稿环节，请选择“同意”或“退回”；签发在核稿之后")
    if action == "return" and not comment:
        raise bad_request("退回须写明理由")


def _who(place: ChainDecision) -> str:
    if place.decided_by_id and place.decided_by_id != place.user_id and place.decided_by:
        return f"{place.decided_by.name}（代{place.user.name}）"
    return place.user.name


def _not_deciding(document: Document) -> str:
    if document.state == Document.State.SIGNED_OFF:
        return f"该公文已由{document.signer}签发，不能再核稿或签发"
    if document.state == Document.State.RETURNED:
        return "该公文已退回拟稿人修改，重新送审后才能办理"
    return f"该公文已印发（{document.number}），不能再核稿或签发"


def _not_your_turn(document: Document, step: ChainStep, user: User) -> str:
    later = ChainDecision.objects.filter(step__document=document, step__round=document.round,
                                         step__index__gt=step.index, user=user).first()
    if later is not None:
        role = drafts.ROLE_LABELS[ChainStep.Role(later.step.role)]
        return (f"尚未轮到您{role}：当前是第{step.index + 1}步"
                f"（{drafts.ROLE_LABELS[ChainStep.Role(step.role)]}）")
    return "您不是当前步骤的核稿人或签发人"


# --- editing and resubmitting -------------------------------------------------------------------------
def edit(*, user: User, document_id: int, data: DraftEditIn) -> list[str]:
    """Change a returned draft (its next round signs the change) or a signed-off one: an
    edit of substance after sign-off goes back to the signer (复核: a new round with the
    sign-off step alone). Returns the names of the fields changed."""
    now = clock.now()
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            document = _locked(document_id)
            if not drafts.may_edit(user=user, document=document):
                raise forbidden("只有拟稿人或本单位收发员可以修改公文")
            if document.state == Document.State.ISSUED:
                raise ApiError("conflict", f"公文已印发（{document.number}），不能再修改")
            if document.state in drafts.DRAFT_STATES:
                raise ApiError("conflict", "公文正在核稿或签发中，退回后才能修改")
            before = drafts.substance(document)
            changed = _apply_edit(document, data, now=now, user=user, copies=copies,
                                  store=delivering.store_files)
            if not changed:
                return []
            document.save()
            after = drafts.substance(document)
            substantive = [k for k in drafts.SUBSTANCE if before[k] != after[k]]
            events = [audit_events.edited(document=document, actor_id=user.id,
                                          fields=changed, at=now)]
            if document.state == Document.State.SIGNED_OFF and substantive:
                _resign(document, now=now, note="签发后修改：" + "、".join(
                    drafts.SUBSTANCE_LABELS[k] for k in substantive), actor=user)
            refresh_cards(document, now=now)
            audit.append(events)
            return changed
    except BaseException:
        delivering.discard(copies)
        raise


def _apply_edit(document: Document, data: DraftEditIn, *, now: datetime, user: User,
                copies: list[Attachment], store: Any) -> list[str]:
    changed: list[str] = []
    unit = document.unit
    values = data.model_dump(exclude_unset=True)
    if "doc_type" in values and values["doc_type"] is not None:
        document.doc_type = rules.parse_doc_type(values["doc_type"])
        changed.append("doc_type")
    if "title" in values and values["title"] is not None:
        document.title = _title(values["title"])
        changed.append("title")
    if "body" in values and values["body"] is not None:
        document.body = _body(values["body"])
        changed.append("body")
    if data.recipients is not None or data.cc is not None:
        main = data.recipients if data.recipients is not None else drafts.codes(document.planned_main)
        cc = data.cc if data.cc is not None else drafts.codes(document.planned_cc)
        recipients, copies_to = _recipients(main, cc, unit=unit)
        document.planned_main = [u.id for u in recipients]
        document.planned_cc = [u.id for u in copies_to]
        changed += [k for k in ("recipients", "cc") if values.get(k) is not None]
    if data.urgency is not None:
        document.urgency = rules.parse_urgency(data.urgency)
        changed.append("urgency")
    if data.secrecy is not None or data.notes is not None:
        document.notes = (data.notes if data.notes is not None else document.notes).strip()
        document.secrecy = rules.check_not_classified(
            secrecy=data.secrecy if data.secrecy is not None else document.secrecy, marks="",
            notes=document.notes, title=document.title, body=document.body,
            number=document.number)
        changed += [k for k in ("secrecy", "notes") if values.get(k) is not None]
    if "deadline" in values:
        document.deadline = rules.parse_deadline(data.deadline, now=now)
        changed.append("deadline")
    if data.reply_required is not None:
        document.reply_required = data.reply_required
        changed.append("reply_required")
    if data.number is not None:
        number = _number(data.number, unit=unit, now=now, exclude=document.id)
        document.number = number.canonical if number else ""
        document.number_raw = number.raw if number else ""
        document.number_code = number.code if number else ""
        document.number_year = number.year if number else None
        document.number_seq = number.seq if number else None
        changed.append("number")
    if data.attachments is not None:
        originals = _attachments(user=user, ids=data.attachments)
        DocumentAttachment.objects.filter(document=document).delete()
        store(document, originals, bot=doc_bot(), copies=copies)
        changed.append("attachments")
    rules.check_not_classified(secrecy=document.secrecy, marks="", notes=document.notes,
                               title=document.title, body=document.body, number=document.number)
    return changed


def _resign(document: Document, *, now: datetime, note: str, actor: User) -> None:
    """复核: a new round with the sign-off step alone, to the same signer."""
    _, signer = _structure(document)
    document.round += 1
    document.state = Document.State.AWAITING_SIGNOFF
    document.signed_off_at = None
    document.signer = ""
    DraftRevision.objects.create(document=document, round=document.round,
                                 content=drafts.substance(document), note=note, created_at=now)
    _make_steps(document, round_=document.round, reviewers=[], signer=signer)
    step = _activate(document, 0, now=now)
    document.save(update_fields=["round", "state", "signed_off_at", "signer", "current_step"])
    _post(document, _step_targets(document, step, now=now), now=now)
    todo.changed(user_ids=drafts.deciders(step, now=now))
    todo.changed_units(unit_ids=[document.unit_id])


def resubmit(*, user: User, document_id: int, comment: str) -> dict[int, dict[str, Any]]:
    """The drafter sends a returned draft again: a new round runs the steps from the first."""
    now = clock.now()
    with transaction.atomic():
        document = _locked(document_id)
        if not drafts.may_edit(user=user, document=document):
            raise forbidden("只有拟稿人或本单位收发员可以重新送审")
        if document.state != Document.State.RETURNED:
            raise ApiError("conflict", f"该公文{document.get_state_display()}，只有被退回的公文可以重新送审")
        reviewers, signer = _structure(document)
        note = " ".join(comment.split())[:2000]
        document.round += 1
        document.state = (Document.State.REVIEWING if reviewers
                          else Document.State.AWAITING_SIGNOFF)
        DraftRevision.objects.create(document=document, round=document.round,
                                     content=drafts.substance(document), note=note, created_at=now)
        _make_steps(document, round_=document.round, reviewers=reviewers, signer=signer)
        first = _activate(document, 0, now=now)
        document.save(update_fields=["round", "state", "current_step"])
        updated = refresh_cards(document, now=now)
        _post(document, _step_targets(document, first, now=now), now=now)
        todo.changed(user_ids=[*drafts.deciders(first, now=now), document.sender_id])
        audit.append([audit_events.resubmitted(document=document, actor_id=user.id, note=note,
                                               at=now)])
    return updated


# --- issuing ---------------------------------------------------------------------------------------------
def next_number(unit: Unit, *, year: int) -> rules.Number:
    """The next 发文字号 of the unit's 机关代字 for the year, under the counter's row lock (the
    caller's transaction holds it until commit: concurrent issues wait and take the next one;
    a rollback gives the number back). Numbers a drafter gave are stepped over."""
    code = drafts.number_code(unit)
    NumberCounter.objects.get_or_create(unit=unit, code=code, year=year)
    counter = NumberCounter.objects.select_for_update().get(unit=unit, code=code, year=year)
    seq = counter.last + 1
    while Document.objects.filter(unit=unit, number_code=code, number_year=year,
                                  number_seq=seq, corrects__isnull=True).exists():
        seq += 1
    counter.last = seq
    counter.save(update_fields=["last"])
    canonical = f"{code}〔{year}〕{seq}号"
    return rules.Number(code=code, year=year, seq=seq, raw=canonical)


def issue(*, user: User, document_id: int) -> Document:
    """用印分发 by a clerk of the issuing unit after sign-off: 复核 (the draft reads as it was
    signed off, every decision signature holds), the number, the PDF, the seal over the chain,
    delivery to every recipient unit. All or nothing."""
    copies: list[Attachment] = []
    try:
        return _issue(user=user, document_id=document_id, copies=copies)
    except BaseException:
        delivering.discard(copies)
        raise


def _issue(*, user: User, document_id: int, copies: list[Attachment]) -> Document:
    now = clock.now()
    with transaction.atomic():
        document = _locked(document_id)
        if not UnitMembership.objects.filter(unit_id=document.unit_id, user=user,
                                             role=UnitMembership.Role.CLERK).exists():
            raise forbidden(f"只有{document.unit.name}的收发员可以用印分发")
        if document.state == Document.State.ISSUED:
            raise ApiError("conflict", f"该公文已印发（{document.number}）")
        if document.state != Document.State.SIGNED_OFF:
            raise ApiError("conflict", f"公文尚未签发（{document.get_state_display()}），不能用印分发")
        _review(document)
        if not document.number:
            number = next_number(document.unit, year=timezone.localtime(now).year)
            document.number, document.number_raw = number.canonical, number.raw
            document.number_code, document.number_year = number.code, number.year
            document.number_seq = number.seq
        document.state, document.sent_at, document.issued_by = Document.State.ISSUED, now, user
        document.save(update_fields=["number", "number_raw", "number_code", "number_year",
                                     "number_seq", "state", "sent_at", "issued_by"])
        main = _units_in_order(document.planned_main)
        cc = _units_in_order(document.planned_cc)
        files = list(DocumentAttachment.objects.filter(document=document)
                     .select_related("attachment").order_by("position"))
        events = [audit_events.issued(document=document, actor_id=user.id, at=now)]
        events += delivering.deliver(document, main=main, cc=cc, files=files, bot=doc_bot(), now=now,
                          copies=copies)
        refresh_cards(document, now=now)
        todo.changed_units(unit_ids=[document.unit_id])
        audit.append(events)
    return document


def _units_in_order(ids: Sequence[int]) -> list[Unit]:
    by_id = {u.id: u for u in Unit.objects.filter(id__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def _review(document: Document) -> None:
    """复核: the draft as it stands is what the last round signed, and every signature holds."""
    revision = DraftRevision.objects.get(document=document, round=document.round)
    now = drafts.substance(document)
    if now != revision.content:
        changed = [drafts.SUBSTANCE_LABELS.get(k, k) for k in now if now[k] != revision.content.get(k)]
        raise ApiError("conflict", "复核未通过：" + "、".join(changed) + "与签发时不一致，需重新签发")
    result = drafts.verify_decisions(document)
    if not result["valid"]:
        raise ApiError("conflict", f"复核未通过：{result['reason']}")


# --- reading the chain ------------------------------------------------------------------------------


# --- who sees a draft --------------------------------------------------------------------------------
# --- the card's buttons ---------------------------------------------------------------------------
def on_draft_card(*, user: User, message: Message, action: str,
                  params: dict[str, Any]) -> dict[str, Any]:
    """The handler the core calls for a press on a `document_draft` card."""
    document_id = DraftMessage.objects.filter(message_id=message.id).values_list(
        "document_id", flat=True).first()
    if document_id is None:
        raise not_found("公文")
    comment = str(params.get("comment") or "")
    if action in drafts.DECISION_LABELS:
        updated = decide(user=user, document_id=document_id, action=action, comment=comment,
                         pressed_again_ok=True)
    elif action == "resubmit":
        state = Document.objects.filter(id=document_id).values_list("state", "round").first()
        if state is not None and state[0] != Document.State.RETURNED and state[1] > 1:
            return delivering.message_as_is(message)  # pressed again: already resubmitted
        updated = resubmit(user=user, document_id=document_id, comment=comment)
    elif action == "issue":
        if Document.objects.filter(id=document_id, state=Document.State.ISSUED).exists():
            return delivering.message_as_is(message)  # pressed again: already issued
        issue(user=user, document_id=document_id)
        updated = {}
    else:
        raise bad_request(f"未知操作：{action}")
    return updated.get(message.id) or delivering.message_as_is(Message.objects.get(id=message.id))
