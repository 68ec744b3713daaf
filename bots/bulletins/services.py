"""Writes: 约稿, 投稿, the editors' decisions, assembling an issue, 签发, 印发, reads, 催阅 and
批示.

Every change locks the row it changes first (the item, or the issue; publication then also
the publication's row, which serialises numbering), applies once, updates the cards, and
appends its audit entries last. A second decision on an item or an issue finds the state
changed and answers 409; publishing before sign-off answers 409; a number already taken
answers 409 and rolls the whole publication back, so nothing is half-published.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date

from bots import clock, decisions
from bots.bulletins import audit_events, cards, followups, pdf, sealing, todo
from bots.bulletins.common import (
    MANAGER_ROLES,
    bulletin_bot,
    decision_content,
    editor_ids,
    is_editor,
    is_leader,
    issue_label,
    local_time,
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
    ReadRefresh,
    ReviewMessage,
    YearCounter,
)
from bots.bulletins.schemas import CallIn, InstructionIn, IssueIn, ItemIn, ResubmitIn
from bots.documents import groups
from bots.parsing import parse_time
from bots.people import find_person
from hub.chat import actions as chat
from hub.chat import selectors as chat_selectors
from hub.chat.models import Attachment, Message, Room
from hub.core.changes import record as record_change
from hub.lib import markdown
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit, personal, signing
from hub.seals.keys import active_key
from hub.seals.signing import precise_iso

MAX_TITLE_CHARS = 200
REMIND_EVERY = timedelta(minutes=10)
ITEM_LABELS = {"adopt": "采用", "decline": "不采用"}
ISSUE_LABELS = {"sign_off": "签发", "return": "退回"}


def _title(raw: str, what: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise bad_request(f"请填写{what}")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"{what}不能超过 {MAX_TITLE_CHARS} 个字")
    return title


def _require_editor(user: User, publication: Publication, what: str) -> None:
    if not is_editor(user, publication):
        raise forbidden(f"只有{name_of(publication)}的编辑可以{what}")


def parse_deadline(raw: str, *, now: datetime, label: str) -> datetime:
    """An ISO time, or a date meaning 17:30 that day (local time); in the future."""
    text = raw.strip()
    if not text:
        raise bad_request(f"请填写{label}")
    day = parse_date(text) if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text) else None
    value: datetime | None
    if day is not None:
        value = timezone.make_aware(datetime(day.year, day.month, day.day, 17, 30),
                                    timezone.get_current_timezone())
    else:
        value = parse_time(text, label=label)
    assert value is not None
    if value <= now:
        raise bad_request(f"{label}必须晚于现在")
    return value


def resolve_units(tokens: Sequence[str], *, what: str) -> list[Unit]:
    units, unknown = groups.resolve([t for t in tokens if t.strip()])
    if unknown:
        raise bad_request(f"找不到这些{what}：" + "、".join(t[:40] for t in unknown[:20]))
    if not units:
        raise bad_request(f"请指定{what}（单位代码、名称、简称，或 all 表示全部单位）")
    return units


def _unit_rooms(units: Sequence[Unit]) -> dict[int, int]:
    rooms = dict(Room.objects.filter(unit__in=units).values_list("unit_id", "id"))
    for unit in units:
        if unit.id not in rooms:
            rooms[unit.id] = chat.sync_unit_room(unit=unit).id
    return rooms


def message_as_is(message_id: int) -> dict[str, Any]:
    message = Message.objects.get(id=message_id)
    return chat_selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                        before_seq=message.seq + 1, limit=1)[0]


# --- 约稿 -------------------------------------------------------------------------------------------------
def submitted_counts(call: Call) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for unit_id in Item.objects.filter(call=call).values_list("unit_id", flat=True):
        counts[unit_id] += 1
    return counts


def create_call(*, user: User, publication: Publication, data: CallIn) -> Call:
    """An editor asks units for items by a deadline: a card in each unit's room, and
    `bulletin_submit` on their clerks' to-do lists until the unit has submitted."""
    now = clock.now()
    _require_editor(user, publication, "约稿")
    title = _title(data.title, "约稿主题")
    units = resolve_units(data.units, what="约稿单位")
    deadline = parse_deadline(data.deadline, now=now, label="截止时间")
    bot = bulletin_bot()
    with transaction.atomic():
        call = Call.objects.create(publication=publication, title=title, body=data.body.strip(),
                                   deadline=deadline, created_by=user, created_at=now)
        rooms = _unit_rooms(units)
        bot.join(sorted(rooms.values()))
        rows = []
        for unit in sorted(units, key=lambda u: rooms[u.id]):
            message = bot.post(room_id=rooms[unit.id], body=f"【约稿】{name_of(publication)}：{title}",
                               card=cards.call_card(call, unit_name=unit.name, submitted=0, now=now),
                               join=False)
            rows.append(CallUnit(call=call, unit=unit, message_id=message["id"]))
        CallUnit.objects.bulk_create(rows)
        todo.changed_units(unit_ids=[u.id for u in units])
        audit.append([audit_events.call_created(call=call, units=[u.code for u in units], at=now)])
    return call


def refresh_call_card(call: Call, call_unit: CallUnit, *, now: datetime) -> None:
    if call_unit.message_id is None:
        return
    count = Item.objects.filter(call=call, unit_id=call_unit.unit_id).count()
    bulletin_bot().update_card(message_id=call_unit.message_id, card=cards.call_card(
        call, unit_name=call_unit.unit.name, submitted=count, now=now))


# --- 投稿 -------------------------------------------------------------------------------------------------
def submitting_unit(*, user: User, code: str | None) -> Unit:
    memberships = list(UnitMembership.objects.filter(user=user).select_related("unit")
                       .order_by("unit__sort_order", "unit__code"))
    if code:
        chosen = [m.unit for m in memberships if m.unit.code == code.strip()]
        if not chosen:
            raise forbidden("您不是该单位的人员，不能以该单位名义投稿")
        return chosen[0]
    if not memberships:
        raise forbidden("只有单位的工作人员可以投稿")
    if len(memberships) > 1:
        codes = "、".join(f"{m.unit.name}（{m.unit.code}）" for m in memberships)
        raise bad_request(f"您属于多个单位，请用 unit 指明投稿单位：{codes}")
    return memberships[0].unit


def submit_item(*, user: User, publication: Publication, data: ItemIn) -> Item:
    """Anyone in a unit submits an item (text, pictures, attachments), answering a call or
    not; each editor gets a card to adopt or decline it."""
    now = clock.now()
    unit = submitting_unit(user=user, code=data.unit)
    title = _title(data.title, "稿件标题")
    body = data.body.strip()
    if not body:
        raise bad_request("请填写稿件正文")
    call = None
    if data.call is not None:
        call = Call.objects.select_related("publication").filter(
            id=data.call, publication=publication).first()
        if call is None or not CallUnit.objects.filter(call=call, unit=unit).exists():
            raise bad_request(f"{unit.name}不在该约稿的范围内（或约稿不存在）")
    wanted = list(dict.fromkeys(data.attachments))
    found = {a.id: a for a in Attachment.objects.filter(id__in=wanted, uploader=user)}
    if len(found) != len(wanted):
        raise not_found("附件")
    editors = editor_ids(publication)
    bot = bulletin_bot()
    with transaction.atomic():
        item = Item.objects.create(publication=publication, call=call, unit=unit, submitter=user,
                                   title=title, body=body, html=markdown.render(body).html,
                                   submitted_at=now)
        ItemFile.objects.bulk_create([
            ItemFile(item=item, attachment=a, position=i, name=a.name, sha256=a.sha256)
            for i, a in enumerate(found[x] for x in wanted)])
        card = cards.item_card(item, editors=editors)
        for editor in User.objects.filter(id__in=editors).order_by("id"):
            message = bot.direct(user=editor, body=f"【投稿】{unit.name}：{title}", card=card)
            ReviewMessage.objects.create(item=item, message_id=message["id"])
        if call is not None:
            call_unit = CallUnit.objects.select_for_update().select_related("unit").get(
                call=call, unit=unit)
            if call_unit.submitted_at is None:
                call_unit.submitted_at = now
                call_unit.save(update_fields=["submitted_at"])
            refresh_call_card(call, call_unit, now=now)
            todo.changed_units(unit_ids=[unit.id])
        record_change(kind="bulletin_item", object_id=item.id)
        audit.append([audit_events.item_submitted(item=item, at=now)])
    return item


def refresh_review_cards(item: Item) -> dict[int, dict[str, Any]]:
    card = cards.item_card(item, editors=editor_ids(item.publication))
    bot = bulletin_bot()
    return {m: bot.update_card(message_id=m, card=card)
            for m in ReviewMessage.objects.filter(item=item).values_list("message_id", flat=True)}


def decide_item(*, user: User, item_id: int, action: str, comment: str,
                title: str | None = None, body: str | None = None) -> dict[int, dict[str, Any]]:
    """采用 (with the editor's edits, the original kept) or 不采用 with a reason; once: a second
    decision answers 409."""
    if action not in ITEM_LABELS:
        raise bad_request(f"未知操作：{action}")
    now = clock.now()
    with transaction.atomic():
        item = (Item.objects.select_for_update(of=("self",))
                .select_related("publication", "unit", "submitter", "call").get(id=item_id))
        _require_editor(user, item.publication, "处理稿件")
        if item.state != Item.State.SUBMITTED:
            raise ApiError("conflict", f"该稿件已{item.get_state_display()}，不能再次处理")
        reason = " ".join(comment.split())[:2000]
        if action == "decline" and not reason:
            raise bad_request("不采用须写明理由")
        edited = False
        if action == "adopt":
            new_title = _title(title, "稿件标题") if title is not None else item.title
            new_body = body.strip() if body is not None else item.body
            if not new_body:
                raise bad_request("稿件正文不能为空")
            if (new_title, new_body) != (item.title, item.body):
                item.original_title, item.original_body = item.title, item.body
                item.title, item.body = new_title, new_body
                item.html = markdown.render(new_body).html
                edited = True
        item.state = Item.State.ADOPTED if action == "adopt" else Item.State.DECLINED
        item.decided_at, item.decided_by, item.decision_comment = now, user, reason
        item.save(update_fields=["state", "decided_at", "decided_by", "decision_comment", "title",
                                 "body", "html", "original_title", "original_body"])
        updated = refresh_review_cards(item)
        told = (f"您投给{name_of(item.publication)}的稿件“{item.title}”已被采用"
                + ("（编辑作了修改）" if edited else "") if action == "adopt"
                else f"您投给{name_of(item.publication)}的稿件“{item.title}”未被采用")
        bulletin_bot().direct(user=item.submitter, markdown=False,
                              body=told + (f"。意见：{reason}" if reason else "。"))
        record_change(kind="bulletin_item", object_id=item.id)
        audit.append([audit_events.item_decided(item=item, edited=edited, at=now)])
    return updated


def on_item_card(*, user: User, message: Message, action: str,
                 params: dict[str, Any]) -> dict[str, Any]:
    item_id = ReviewMessage.objects.filter(message_id=message.id).values_list(
        "item_id", flat=True).first()
    if item_id is None:
        raise not_found("稿件")
    state = Item.objects.filter(id=item_id).values_list("state", flat=True).first()
    pressed_again = {"adopt": Item.State.ADOPTED, "decline": Item.State.DECLINED}.get(action)
    if state == pressed_again:
        return message_as_is(message.id)  # the same decision again: the card as it stands
    updated = decide_item(user=user, item_id=item_id, action=action,
                          comment=str(params.get("comment") or ""))
    return updated.get(message.id) or message_as_is(message.id)


# --- assembling an issue -----------------------------------------------------------------------------------
def _signer(publication: Publication, raw: str) -> User:
    name = raw.strip()
    if not name:
        raise bad_request("请指定签发人")
    person = find_person(name)
    if person is None or not UnitMembership.objects.filter(
            user=person, unit=publication.unit, role=UnitMembership.Role.LEADER).exists():
        raise bad_request(f"签发人须是{publication.unit.name}的领导：“{name[:40]}”不是")
    return person


def _items(publication: Publication, ids: Sequence[int], *, issue: Issue | None = None
           ) -> list[Item]:
    if not ids:
        raise bad_request("请选择编入本期的稿件")
    wanted = list(dict.fromkeys(ids))
    found = {i.id: i for i in Item.objects.filter(id__in=wanted, publication=publication)
             .select_related("unit")}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise bad_request(f"{name_of(publication)}没有这些稿件：" + "、".join(missing))
    not_adopted = [found[i].title for i in wanted if found[i].state != Item.State.ADOPTED]
    if not_adopted:
        raise bad_request("只能编入已采用的稿件：" + "、".join(f"“{t}”" for t in not_adopted))
    taken = IssueItem.objects.filter(item_id__in=wanted).select_related("issue", "item")
    if issue is not None:
        taken = taken.exclude(issue=issue)
    entry = taken.first()
    if entry is not None:
        raise ApiError("conflict", f"稿件“{entry.item.title}”已编入另一期（{issue_label(entry.issue)}）")
    return [found[i] for i in wanted]


def _audience(tokens: Sequence[str]) -> list[str]:
    cleaned = [t.strip() for t in tokens if t.strip()] or ["all"]
    resolve_units(cleaned, what="发送单位")
    return cleaned


def _titles(issue: Issue) -> list[tuple[str, str]]:
    return [(e.item.title, e.item.unit.short_name or e.item.unit.name)
            for e in IssueItem.objects.filter(issue=issue).select_related("item", "item__unit")
            .order_by("position")]


def _deciders(issue: Issue, *, now: datetime) -> list[int]:
    if issue.state != Issue.State.AWAITING_SIGNOFF:
        return []
    return decisions.deciders([_Place(issue.signer_id, "")], now=now)


@dataclass
class _Place:
    user_id: int
    decision: str


def _last_decision(issue: Issue) -> str:
    last = Decision.objects.filter(issue=issue).select_related("decided_by").order_by(
        "-round").first()
    if last is None:
        return ""
    return (f"{last.decided_by.name}{last.get_decision_display()}"
            + (f"：{last.comment}" if last.comment else "") + f"（{local_time(last.at)}）")


def refresh_issue_cards(issue: Issue, *, now: datetime) -> dict[int, dict[str, Any]]:
    """Re-render the signer's and the editors' cards of an issue."""
    titles = _titles(issue)
    decision = _last_decision(issue)
    bot = bulletin_bot()
    out = {}
    if issue.signer_message_id is not None:
        out[issue.signer_message_id] = bot.update_card(
            message_id=issue.signer_message_id,
            card=cards.review_card(issue, titles=titles, deciders=_deciders(issue, now=now),
                                   decision=decision))
    if issue.tracking_message_id is not None:
        out[issue.tracking_message_id] = bot.update_card(
            message_id=issue.tracking_message_id,
            card=cards.issue_card(issue, titles=titles, editors=editor_ids(issue.publication),
                                  reads=reads_of(issue), decision=decision))
    return out


def _ask_signer(issue: Issue, *, now: datetime) -> None:
    """The signer's card (and a copy for an active deputy) in their direct rooms."""
    bot = bulletin_bot()
    card = cards.review_card(issue, titles=_titles(issue), deciders=_deciders(issue, now=now))
    message = bot.direct(user=issue.signer, body=f"【请签发】{issue_label(issue)}", card=card)
    issue.signer_message_id = message["id"]
    for delegation in decisions.active_delegations([issue.signer_id], now=now):
        bot.direct(user=delegation.deputy, card=card,
                   body=f"【请代{issue.signer.name}签发】{issue_label(issue)}")
    todo.changed(user_ids=_deciders(issue, now=now))


def create_issue(*, user: User, publication: Publication, data: IssueIn) -> Issue:
    """An editor assembles an issue from adopted items and sends it to the signer."""
    now = clock.now()
    _require_editor(user, publication, "编辑刊期")
    items = _items(publication, data.items)
    signer = _signer(publication, data.signer)
    audience = _audience(data.audience)
    try:
        with transaction.atomic():
            issue = Issue.objects.create(publication=publication, title=" ".join(data.title.split()),
                                         editor=user, signer=signer, audience=audience,
                                         created_at=now, updated_at=now)
            IssueItem.objects.bulk_create([IssueItem(issue=issue, item=item, position=i)
                                           for i, item in enumerate(items)])
            _ask_signer(issue, now=now)
            tracking = bulletin_bot().direct(
                user=user, body=f"【刊期】{issue_label(issue)}已送{signer.name}签发",
                card=cards.issue_card(issue, titles=_titles(issue),
                                      editors=editor_ids(publication), reads=None))
            issue.tracking_message_id = tracking["id"]
            issue.save(update_fields=["signer_message", "tracking_message"])
            audit.append([audit_events.issue_created(issue=issue, items=[i.id for i in items],
                                                     at=now)])
    except IntegrityError as exc:
        raise ApiError("conflict", "所选稿件已编入另一期，请刷新后重试") from exc
    return issue


def _locked_issue(issue_id: int) -> Issue:
    return (Issue.objects.select_for_update(of=("self",))
            .select_related("publication", "publication__unit", "signer", "editor")
            .get(id=issue_id))


def decide_issue(*, user: User, issue_id: int, action: str,
                 comment: str) -> dict[int, dict[str, Any]]:
    """签发 or 退回 by the signer (or their active deputy), signed with the decider's
    personal key; once per round: a second decision answers 409."""
    if action not in ISSUE_LABELS:
        raise bad_request(f"未知操作：{action}")
    now = clock.now()
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        if issue.state != Issue.State.AWAITING_SIGNOFF:
            raise ApiError("conflict", f"本期{issue.get_state_display()}，不能再签发或退回")
        found = decisions.place_for(user=user, places=[_Place(issue.signer_id, "")], now=now,
                                    labels=ISSUE_LABELS)
        if found is None:
            raise forbidden(f"只有签发人{issue.signer.name}（或其代批人）可以签发本期")
        _, delegation = found
        reason = " ".join(comment.split())[:2000]
        if action == "return" and not reason:
            raise bad_request("退回须写明理由")
        decision = Decision(issue=issue, round=issue.round, user=issue.signer, decided_by=user,
                            delegation=delegation, decision=action, comment=reason, at=now)
        decision.save()
        decision.signature = personal.sign(user=user, subject=decision.subject,
                                           content=decision_content(issue, decision), at=now)
        decision.save(update_fields=["signature"])
        if action == "sign_off":
            issue.state, issue.signed_off_at = Issue.State.SIGNED_OFF, now
        else:
            issue.state = Issue.State.RETURNED
        issue.updated_at = now
        issue.save(update_fields=["state", "signed_off_at", "updated_at"])
        updated = refresh_issue_cards(issue, now=now)
        verb = "已签发，可以印发" if action == "sign_off" else f"被退回，理由：{reason}"
        bulletin_bot().direct(user=issue.editor, markdown=False,
                              body=f"{issue_label(issue)}{verb}（{user.name}）")
        todo.changed(user_ids=[issue.signer_id, user.id])
        audit.append([audit_events.issue_decided(issue=issue, decision=decision, at=now)])
    return updated


def resubmit_issue(*, user: User, issue_id: int, data: ResubmitIn) -> Issue:
    """The editors change a returned issue where they say and send it to the signer again."""
    now = clock.now()
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        _require_editor(user, issue.publication, "重新提交")
        if issue.state != Issue.State.RETURNED:
            raise ApiError("conflict", f"本期{issue.get_state_display()}，只有被退回的刊期可以重新提交")
        if data.items is not None:
            items = _items(issue.publication, data.items, issue=issue)
            IssueItem.objects.filter(issue=issue).delete()
            IssueItem.objects.bulk_create([IssueItem(issue=issue, item=item, position=i)
                                           for i, item in enumerate(items)])
        if data.signer is not None:
            issue.signer = _signer(issue.publication, data.signer)
        if data.audience is not None:
            issue.audience = _audience(data.audience)
        if data.title is not None:
            issue.title = " ".join(data.title.split())
        issue.round += 1
        issue.state, issue.updated_at = Issue.State.AWAITING_SIGNOFF, now
        _ask_signer(issue, now=now)
        issue.save(update_fields=["signer", "audience", "title", "round", "state", "updated_at",
                                  "signer_message"])
        refresh_issue_cards(issue, now=now)
        audit.append([audit_events.issue_created(
            issue=issue, items=list(IssueItem.objects.filter(issue=issue)
                                    .values_list("item_id", flat=True)), at=now)])
    return issue


def on_review_card(*, user: User, message: Message, action: str,
                   params: dict[str, Any]) -> dict[str, Any]:
    issue = Issue.objects.filter(signer_message_id=message.id).first()
    if issue is None:
        # A deputy's copy: the same issue, found by the card's ref.
        ref = (message.card or {}).get("ref")
        issue = Issue.objects.filter(id=ref if isinstance(ref, int) else 0).first()
    if issue is None:
        raise not_found("刊期")
    if action not in ISSUE_LABELS:
        raise bad_request(f"未知操作：{action}")
    last = Decision.objects.filter(issue=issue, round=issue.round).first()
    if last is not None and last.decision == action and last.decided_by_id == user.id:
        return message_as_is(message.id)
    updated = decide_issue(user=user, issue_id=issue.id, action=action,
                           comment=str(params.get("comment") or ""))
    return updated.get(message.id) or message_as_is(message.id)


# --- 印发 -----------------------------------------------------------------------------------------------------
def publish(*, user: User, issue_id: int) -> Issue:
    """Number the signed-off issue (the next 期号 of the year and 总期号, under the
    publication's row lock, gap-free), lay out and store its PDF, seal it with the publishing
    unit's seal and deliver a card to each audience unit's room, all or nothing."""
    now = clock.now()
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            return _publish(user=user, issue_id=issue_id, now=now, copies=copies)
    except IntegrityError as exc:
        _discard(copies)
        issue = Issue.objects.select_related("publication").get(id=issue_id)
        raise ApiError("conflict", f"{name_of(issue.publication)}的期号已被占用（两期同时印发或期号"
                                   "计数被改动），本期未印发，请重试") from exc
    except BaseException:
        _discard(copies)
        raise


def _discard(copies: list[Attachment]) -> None:
    for copy in copies:
        chat.attachment_path(copy).unlink(missing_ok=True)


def _publish(*, user: User, issue_id: int, now: datetime, copies: list[Attachment]) -> Issue:
    issue = _locked_issue(issue_id)
    publication = issue.publication
    _require_editor(user, publication, "印发")
    if issue.state == Issue.State.PUBLISHED:
        raise ApiError("conflict", f"本期已印发：{issue_label(issue)}")
    if issue.state != Issue.State.SIGNED_OFF:
        raise ApiError("conflict", f"本期{issue.get_state_display()}，须经签发后才能印发")
    # The publication's row lock serialises numbering across every process.
    locked = Publication.objects.select_for_update().get(id=publication.id)
    year = timezone.localtime(now).year
    YearCounter.objects.get_or_create(publication=locked, year=year)
    counter = YearCounter.objects.select_for_update().get(publication=locked, year=year)
    counter.last += 1
    locked.last_total += 1
    counter.save(update_fields=["last"])
    locked.save(update_fields=["last_total"])
    issue.year, issue.number, issue.total_number = year, counter.last, locked.last_total
    issue.state, issue.published_at, issue.published_by = Issue.State.PUBLISHED, now, user
    issue.save(update_fields=["year", "number", "total_number", "state", "published_at",
                              "published_by"])
    units = resolve_units(issue.audience, what="发送单位")
    IssueUnit.objects.bulk_create([IssueUnit(issue=issue, unit=u) for u in units])
    entries = list(IssueItem.objects.filter(issue=issue).select_related("item", "item__unit")
                   .order_by("position"))
    files: dict[int, list[ItemFile]] = defaultdict(list)
    for f in ItemFile.objects.filter(item_id__in=[e.item_id for e in entries]).select_related(
            "attachment").order_by("position"):
        files[f.item_id].append(f)
    bot = bulletin_bot()
    seal_name = active_key(unit=publication.unit).seal_name
    stored = pdf.store(issue, bot=bot, items=[e.item for e in entries], files=files,
                       audience=[u.name for u in units], seal_name=seal_name)
    copies.append(stored)
    issue.pdf = stored
    signature = signing.seal(unit=publication.unit, subject=issue.subject,
                             content=sealing.content(issue, pdf=stored,
                                                     hashes={stored.id: stored.sha256}),
                             at=now)
    issue.signature = signature
    issue.save(update_fields=["pdf", "signature"])
    rooms = _unit_rooms(units)
    bot.join(sorted(rooms.values()))
    card = cards.bulletin_card(issue, titles=_titles(issue))
    messages = {}
    for unit in sorted(units, key=lambda u: rooms[u.id]):
        messages[unit.id] = bot.post(room_id=rooms[unit.id], body=f"【电子刊物】{issue_label(issue)}",
                                     card=card, join=False)["id"]
    rows = list(IssueUnit.objects.filter(issue=issue))
    for row in rows:
        row.message_id = messages[row.unit_id]
    IssueUnit.objects.bulk_update(rows, ["message"])
    refresh_issue_cards(issue, now=now)
    for entry in entries:
        record_change(kind="bulletin_item", object_id=entry.item_id)
    audit.append([audit_events.published(issue=issue, signature=signature,
                                         units=[u.code for u in units], at=now)])
    return issue


def on_issue_card(*, user: User, message: Message, action: str,
                  params: dict[str, Any]) -> dict[str, Any]:
    issue = Issue.objects.filter(tracking_message_id=message.id).first()
    if issue is None:
        raise not_found("刊期")
    if action == "publish":
        if issue.state == Issue.State.PUBLISHED and is_editor(user, issue.publication):
            return message_as_is(message.id)
        publish(user=user, issue_id=issue.id)
    elif action == "remind":
        remind_reads(user=user, issue_id=issue.id)
    else:
        raise bad_request(f"未知操作：{action}")
    return message_as_is(message.id)


# --- reads and 催阅 --------------------------------------------------------------------------------------------
def reads_of(issue: Issue) -> cards.Reads | None:
    if issue.state != Issue.State.PUBLISHED:
        return None
    rows = list(IssueUnit.objects.filter(issue=issue).select_related("unit")
                .order_by("unit__sort_order", "unit__code"))
    return cards.Reads(units=len(rows), units_read=sum(1 for r in rows if r.first_read_at),
                       readers=IssueRead.objects.filter(issue=issue).count(),
                       unread=[r.unit.short_name or r.unit.name for r in rows
                               if r.first_read_at is None])


def audience_units_of(user: User, issue: Issue) -> list[int]:
    return list(IssueUnit.objects.filter(issue=issue, unit__memberships__user=user)
                .order_by("unit__sort_order", "unit__code").values_list("unit_id", flat=True))


def mark_read(*, user: User, issue: Issue) -> IssueRead | None:
    """The caller opened the published issue: recorded once per person, under the first of
    their units it went to (and that unit's first reading); editors' cards follow through
    the refresher. None when the caller is not in its audience."""
    if issue.state != Issue.State.PUBLISHED:
        raise ApiError("conflict", "本期尚未印发")
    units = audience_units_of(user, issue)
    if not units:
        return None
    existing = IssueRead.objects.filter(issue=issue, user=user).first()
    if existing is not None:
        return existing
    now = clock.now()
    with transaction.atomic():
        rows = IssueRead.objects.bulk_create(
            [IssueRead(issue=issue, user=user, unit_id=units[0], at=now)], ignore_conflicts=True)
        IssueUnit.objects.filter(issue=issue, unit_id__in=units, first_read_at__isnull=True
                                 ).update(first_read_at=now)
        ReadRefresh.objects.create(issue=issue)
    return IssueRead.objects.filter(issue=issue, user=user).first() or rows[0]


def on_bulletin_card(*, user: User, message: Message, action: str,
                     params: dict[str, Any]) -> dict[str, Any]:
    row = IssueUnit.objects.select_related("issue").filter(message_id=message.id).first()
    if row is None:
        raise not_found("刊期")
    if action != "read":
        raise bad_request(f"未知操作：{action}")
    mark_read(user=user, issue=row.issue)
    return message_as_is(message.id)


def refresh_reads(*, limit: int = 5000) -> int:
    """Re-render the editors' card of each issue read since the last turn, once per issue
    (the worker runs it every second); returns how many reads were taken care of."""
    rows = list(ReadRefresh.objects.order_by("id").values_list("id", "issue_id")[:limit])
    by_issue: dict[int, list[int]] = defaultdict(list)
    for row_id, issue_id in rows:
        by_issue[issue_id].append(row_id)
    now = clock.now()
    for issue_id, ids in by_issue.items():
        with transaction.atomic():
            issue = (Issue.objects.select_for_update(of=("self",), skip_locked=True)
                     .select_related("publication", "signer", "editor").filter(id=issue_id).first())
            if issue is None:
                continue
            refresh_issue_cards(issue, now=now)
            ReadRefresh.objects.filter(id__in=ids).delete()
    return len(rows)


def remind_reads(*, user: User, issue_id: int) -> int:
    """催阅: each audience unit where nobody has opened the issue is reminded in its room.
    Once per ten minutes (sooner: `rate_limited`); returns how many units."""
    now = clock.now()
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        _require_editor(user, issue.publication, "催阅")
        if issue.state != Issue.State.PUBLISHED:
            raise ApiError("conflict", "本期尚未印发，无需催阅")
        if issue.last_reminded_at is not None and now - issue.last_reminded_at < REMIND_EVERY:
            wait = math.ceil((issue.last_reminded_at + REMIND_EVERY - now).total_seconds())
            raise ApiError("rate_limited", f"刚刚催阅过，请 {max(1, (wait + 59) // 60)} 分钟后再试",
                           retry_after=wait)
        unread = list(IssueUnit.objects.filter(issue=issue, first_read_at__isnull=True)
                      .select_related("unit", "message").order_by("unit__sort_order", "unit__code"))
        bot = bulletin_bot()
        for row in unread:
            if row.message is not None:
                bot.post(room_id=row.message.room_id, markdown=False,
                         body=f"【催阅】请及时阅读{issue_label(issue)}（{issue.publication.unit.name}）。")
        IssueUnit.objects.filter(id__in=[r.id for r in unread]).update(reminders=F("reminders") + 1)
        issue.reminders += 1
        issue.last_reminded_at = now
        issue.save(update_fields=["reminders", "last_reminded_at"])
        refresh_issue_cards(issue, now=now)
        audit.append([audit_events.reminded(issue=issue, actor_id=user.id,
                                            units=[r.unit.code for r in unread], at=now)])
    return len(unread)


# --- 批示 -----------------------------------------------------------------------------------------------------
def instruct(*, user: User, item: Item, data: InstructionIn) -> Instruction:
    """A leader's 批示 on an item names units and a deadline: each unit is told in its room,
    the follow-up hooks (督办) take it up, and the instruction is signed by the leader."""
    now = clock.now()
    if not is_leader(user):
        raise forbidden("只有领导可以对稿件作出批示")
    comment = data.comment.strip()
    if not comment:
        raise bad_request("请填写批示内容")
    units = resolve_units(data.units, what="落实单位")
    deadline = parse_deadline(data.deadline, now=now, label="办理期限")
    entry = IssueItem.objects.filter(item=item).select_related("issue").first()
    bot = bulletin_bot()
    with transaction.atomic():
        instruction = Instruction.objects.create(item=item, by=user, comment=comment,
                                                 deadline=deadline, created_at=now)
        instruction.units.set(units)
        instruction.signature = personal.sign(user=user, subject=instruction.subject, content={
            "item": item.id, "title": item.title,
            "body_sha256": hashlib.sha256(item.body.encode()).hexdigest(),
            "comment": comment, "units": [u.code for u in units],
            "deadline": precise_iso(deadline), "by": user.username, "at": precise_iso(now)},
            at=now)
        instruction.save(update_fields=["signature"])
        rooms = _unit_rooms(units)
        bot.join(sorted(rooms.values()))
        where = f"{issue_label(entry.issue)}刊发的" if entry is not None else ""
        for unit in sorted(units, key=lambda u: rooms[u.id]):
            bot.post(room_id=rooms[unit.id], markdown=False, join=False,
                     body=(f"【领导批示】{user.name}对{where}“{item.title}”批示：{comment}"
                           f"。请{unit.name}于{local_time(deadline)}前落实并报告。"))
        followups.run(followups.FollowUp(
            instruction_id=instruction.id, item_id=item.id,
            issue_id=entry.issue_id if entry else None, title=f"落实“{item.title}”的批示",
            comment=comment, by=user, units=units, deadline=deadline,
            source={"bulletin_item": item.id}))
        record_change(kind="bulletin_item", object_id=item.id)
        audit.append([audit_events.instructed(instruction=instruction,
                                              units=[u.code for u in units], at=now)])
    return instruction


def managed_units(user: User) -> list[int]:
    return list(UnitMembership.objects.filter(user=user, role__in=MANAGER_ROLES)
                .values_list("unit_id", flat=True))
