"""Writes: opening a discussion, replies, 催办, closing with a signed conclusion.

Every change takes the discussion's row lock first (so a reply and the close cannot cross:
a reply after the close answers 409), re-renders the cards it changed, tells the to-do
lists, and appends its audit entry last. The owner's card carries the discussion's thread:
each reply and the conclusion are posted there by the bot, in the discussion's topic.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from bots import clock, jobs
from bots.discussions import audit_events, cards, todo
from bots.discussions.bot import DISCUSSION_BOT
from bots.discussions.models import AskedUnit, Discussion, Reply
from bots.discussions.schemas import DiscussionIn
from bots.discussions.selectors import (
    MANAGER_ROLES,
    access_discussion,
    repliers,
    signed_content,
)
from bots.documents import groups
from bots.parsing import parse_time
from bots.runtime import BotContext, get_bot
from hub.chat import actions as chat
from hub.chat.models import Message, Room
from hub.lib import markdown
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit, personal

MAX_TITLE_CHARS = 200
MAX_UNITS = 200
REMIND_EVERY = timedelta(minutes=10)
REMIND_JOB = "discussions.remind"
REMIND_BEFORE = timedelta(days=1)
REMIND_MIN_NOTICE = timedelta(hours=2)  # a deadline sooner than this gets no scheduled 催办


def remind_at(*, now: datetime, deadline: datetime) -> datetime | None:
    """When the units that have not replied are reminded: a day before the deadline, or
    half-way there for a deadline within two days (none for one within two hours)."""
    if deadline - now < REMIND_MIN_NOTICE:
        return None
    return max(deadline - REMIND_BEFORE, now + (deadline - now) / 2)


def bot() -> BotContext:
    return get_bot(DISCUSSION_BOT).context()


def topic_of(discussion: Discussion) -> str:
    return f"征求意见：{discussion.title}"[:chat.MAX_TOPIC_CHARS]


def parse_deadline(raw: str, *, now: datetime) -> datetime:
    """An ISO time, or a date meaning the end of that day (local time); in the future."""
    text = (raw or "").strip()
    if not text:
        raise bad_request("请填写截止时间")
    day = parse_date(text) if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text) else None
    if day is not None:
        value = timezone.make_aware(datetime(day.year, day.month, day.day, 23, 59, 59),
                                    timezone.get_current_timezone())
    else:
        parsed = parse_time(text, label="截止时间")
        assert parsed is not None
        value = parsed
    if value <= now:
        raise bad_request("截止时间必须晚于现在")
    return value


def owning_unit(*, user: User, code: str | None) -> Unit:
    """The unit the caller asks for: one where they are a clerk, leader or admin."""
    memberships = list(UnitMembership.objects.filter(user=user, role__in=MANAGER_ROLES)
                       .select_related("unit").order_by("unit__sort_order", "unit__code"))
    if code:
        chosen = [m for m in memberships if m.unit.code == code.strip()]
        if not chosen:
            raise forbidden("您不是该单位的收发员、领导或管理员，不能以该单位名义征求意见")
        return chosen[0].unit
    if not memberships:
        raise forbidden("只有单位的收发员、领导或管理员可以发起征求意见")
    return memberships[0].unit


# --- opening --------------------------------------------------------------------------------------
def open_discussion(*, owner: User, data: DiscussionIn) -> Discussion:
    """Store the discussion, put a card in each asked unit's room and the owner's card in
    their direct room with the bot, all or nothing."""
    now = clock.now()
    unit = owning_unit(user=owner, code=data.unit)
    title = " ".join(data.title.split())
    if not title:
        raise bad_request("请填写标题")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"标题不能超过 {MAX_TITLE_CHARS} 个字")
    question = data.question.strip()
    if not question:
        raise bad_request("请填写征求意见的事项")
    units, unknown = groups.resolve(data.units)
    if unknown:
        raise bad_request("找不到这些单位：" + "、".join(u[:40] for u in unknown[:20]))
    if not units:
        raise bad_request("请指定征求意见的单位（单位代码、名称或简称）")
    if len(units) > MAX_UNITS:
        raise bad_request(f"一次最多向 {MAX_UNITS} 个单位征求意见")
    deadline = parse_deadline(data.deadline, now=now)
    with transaction.atomic():
        discussion = Discussion.objects.create(
            owner=owner, unit=unit, title=title, question=question,
            question_html=markdown.render(question).html, deadline=deadline, created_at=now)
        asked = AskedUnit.objects.bulk_create([
            AskedUnit(discussion=discussion, unit=u, position=i) for i, u in enumerate(units)])
        context = bot()
        rooms = _unit_rooms([u.id for u in units])
        context.join(sorted(rooms.values()))
        people = repliers([u.id for u in units])
        for row in sorted(asked, key=lambda a: rooms[a.unit_id]):
            rendered = cards.unit_card(discussion, row, repliers=people[row.unit_id], now=now)
            message = chat.send_message(sender=context.user, room_id=rooms[row.unit_id],
                                        body=cards.summary(discussion), kind="card",
                                        card=rendered, check_rate=False,
                                        topic=topic_of(discussion)).message
            row.message_id = message["id"]
        AskedUnit.objects.bulk_update(asked, ["message"])
        tracking = chat.send_message(
            sender=context.user, room_id=context.direct_room(user=owner),
            body=f"【征求意见已发出】{title}", kind="card",
            card=cards.tracking_card(discussion, asked, now=now), check_rate=False,
            topic=topic_of(discussion)).message
        discussion.tracking_message_id = tracking["id"]
        discussion.save(update_fields=["tracking_message"])
        when = remind_at(now=now, deadline=deadline)
        if when is not None:
            jobs.schedule(kind=REMIND_JOB, run_at=when, payload={"discussion": discussion.id},
                          key=f"discussion:{discussion.id}:remind")
        todo.changed(user_ids=[u for ids in people.values() for u in ids])
        audit.append([audit_events.opened(discussion=discussion, units=[u.code for u in units],
                                          at=now)])
    return discussion


def _unit_rooms(unit_ids: list[int]) -> dict[int, int]:
    rooms = dict(Room.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "id"))
    for unit in Unit.objects.filter(id__in=set(unit_ids) - set(rooms)):
        rooms[unit.id] = chat.sync_unit_room(unit=unit).id
    return rooms


# --- rendering --------------------------------------------------------------------------------------
def _refresh_unit(discussion: Discussion, asked: AskedUnit, *, now: datetime) -> None:
    if asked.message_id is None:
        return
    people = repliers([asked.unit_id])[asked.unit_id]
    bot().update_card(message_id=asked.message_id,
                      card=cards.unit_card(discussion, asked, repliers=people, now=now))


def _refresh_tracking(discussion: Discussion, *, now: datetime) -> None:
    if discussion.tracking_message_id is None:
        return
    asked = list(AskedUnit.objects.filter(discussion=discussion).select_related("unit"))
    bot().update_card(message_id=discussion.tracking_message_id,
                      card=cards.tracking_card(discussion, asked, now=now))


def _in_thread(discussion: Discussion, body: str) -> None:
    """A message from the bot in the thread of the owner's card."""
    root = discussion.tracking_message_id
    if root is None:
        return
    room_id = Message.objects.filter(id=root).values_list("room_id", flat=True).first()
    if room_id is None:
        return
    chat.send_message(sender=bot().user, room_id=room_id, body=body, thread=root,
                      topic=topic_of(discussion), check_rate=False)


def _locked(discussion_id: int) -> Discussion:
    return (Discussion.objects.select_for_update(of=("self",)).select_related("owner", "unit")
            .get(id=discussion_id))


# --- replies ----------------------------------------------------------------------------------------
def reply(*, user: User, discussion_id: Any, body: str, unit_code: str | None = None) -> Reply:
    """The caller's unit replies (a clerk or leader of an asked unit); a later reply of the
    same unit replaces the earlier on the ledger, both kept. Closed: 409."""
    discussion, access = access_discussion(user=user, discussion_id=discussion_id)
    if not access.reply_units:
        raise forbidden("只有被征求意见单位的收发员或领导可以回复意见")
    unit_ids = access.reply_units
    if unit_code:
        unit_ids = [u for u in unit_ids if Unit.objects.filter(id=u, code=unit_code.strip()).exists()]
        if not unit_ids:
            raise forbidden("您不能代表该单位回复意见")
    elif len(unit_ids) > 1:
        codes = "、".join(Unit.objects.filter(id__in=unit_ids).values_list("code", flat=True))
        raise bad_request(f"您属于多个被征求意见的单位，请用 unit 指明代表哪个单位回复：{codes}")
    text = body.strip()
    if not text:
        raise bad_request("请填写意见内容")
    now = clock.now()
    with transaction.atomic():
        discussion = _locked(discussion.id)
        if discussion.state == Discussion.State.CLOSED:
            raise ApiError("conflict", "征求意见已结束，不能再回复")
        asked = (AskedUnit.objects.select_for_update(of=("self",)).select_related("unit")
                 .get(discussion=discussion, unit_id=unit_ids[0]))
        previous = (Reply.objects.filter(discussion=discussion, unit_id=asked.unit_id)
                    .order_by("-at", "-id").first())
        html = markdown.render(text).html
        row = Reply.objects.create(discussion=discussion, unit=asked.unit, by=user, body=text,
                                   html=html, at=now, replaces=previous)
        asked.reply, asked.reply_html, asked.replied_at, asked.replied_by = text, html, now, user
        asked.save(update_fields=["reply", "reply_html", "replied_at", "replied_by"])
        _refresh_unit(discussion, asked, now=now)
        _refresh_tracking(discussion, now=now)
        label = "修改意见" if previous else "回复意见"
        _in_thread(discussion, f"【{asked.unit.name}】{user.name}{label}：\n\n{text}")
        if previous is None:
            todo.changed(user_ids=repliers([asked.unit_id])[asked.unit_id])
        audit.append([audit_events.replied(discussion=discussion, reply=row,
                                           unit=asked.unit.code, at=now)])
    return row


# --- 催办 ---------------------------------------------------------------------------------------------
def remind(*, user: User | None, discussion_id: int, scheduled: bool = False) -> int:
    """Remind the units that have not replied, in their rooms, naming their clerks and
    leaders. By hand the owner may do so once per ten minutes (sooner: `rate_limited`).
    Returns how many units were reminded."""
    now = clock.now()
    with transaction.atomic():
        discussion = _locked(discussion_id)
        if user is not None and discussion.owner_id != user.id:
            raise forbidden("只有发起人可以催办")
        if discussion.state == Discussion.State.CLOSED:
            if scheduled:
                return 0
            raise ApiError("conflict", "征求意见已结束，无需催办")
        if (not scheduled and discussion.last_reminded_at is not None
                and now - discussion.last_reminded_at < REMIND_EVERY):
            wait = math.ceil((discussion.last_reminded_at + REMIND_EVERY - now).total_seconds())
            raise ApiError("rate_limited", f"刚刚催办过，请 {max(1, (wait + 59) // 60)} 分钟后再试",
                           retry_after=wait)
        pending = list(AskedUnit.objects.filter(discussion=discussion, replied_at__isnull=True)
                       .select_related("unit", "message"))
        if not pending:
            return 0
        people = repliers([a.unit_id for a in pending])
        names = dict(User.objects.filter(id__in={u for ids in people.values() for u in ids})
                     .values_list("id", "username"))
        context = bot()
        for asked in pending:
            if asked.message is None:
                continue
            who = " ".join(f"@{names[u]}" for u in people[asked.unit_id] if u in names)
            chat.send_message(
                sender=context.user, room_id=asked.message.room_id,
                body=f"【催办】请于{cards.local_time(discussion.deadline)}前回复征求意见"
                     f"“{discussion.title}”。{who}",
                thread=asked.message_id, topic=topic_of(discussion), check_rate=False)
        discussion.reminders += 1
        discussion.last_reminded_at = now
        discussion.save(update_fields=["reminders", "last_reminded_at"])
        _refresh_tracking(discussion, now=now)
        audit.append([audit_events.reminded(discussion=discussion,
                                            actor_id=user.id if user else None,
                                            units=[a.unit.code for a in pending], at=now)])
    return len(pending)


def remind_job(due: jobs.Due) -> None:
    remind(user=None, discussion_id=int(due.payload["discussion"]), scheduled=True)


def register_jobs() -> None:
    jobs.register(REMIND_JOB, remind_job)


# --- closing ------------------------------------------------------------------------------------------
def close(*, user: User, discussion_id: Any, conclusion: str) -> Discussion:
    """The owner closes it with a written conclusion, signed with their personal key over
    the question, the conclusion and each unit's reply; the conclusion is posted in the
    thread, the cards lose their buttons and the to-do items go. A second close: 409."""
    discussion, access = access_discussion(user=user, discussion_id=discussion_id)
    if not access.owner:
        raise forbidden("只有发起人可以结束征求意见")
    text = conclusion.strip()
    if not text:
        raise bad_request("请填写结论")
    now = clock.now()
    with transaction.atomic():
        discussion = _locked(discussion.id)
        if discussion.state == Discussion.State.CLOSED:
            raise ApiError("conflict", "征求意见已经结束")
        discussion.state = Discussion.State.CLOSED
        discussion.closed_at = now
        discussion.conclusion = text
        discussion.conclusion_html = markdown.render(text).html
        discussion.signature = personal.sign(user=user, subject=discussion.subject,
                                             content=signed_content(discussion), at=now)
        discussion.save(update_fields=["state", "closed_at", "conclusion", "conclusion_html",
                                       "signature"])
        asked = list(AskedUnit.objects.filter(discussion=discussion)
                     .select_related("unit", "replied_by"))
        for row in asked:
            _refresh_unit(discussion, row, now=now)
        _refresh_tracking(discussion, now=now)
        _in_thread(discussion, f"【结论】{user.name}：\n\n{text}")
        pending = [a.unit_id for a in asked if a.replied_at is None]
        todo.changed(user_ids=[u for ids in repliers(pending).values() for u in ids])
        audit.append([audit_events.closed(discussion=discussion, at=now)])
    return discussion


# --- card buttons -----------------------------------------------------------------------------------
def _as_seen(message_id: int) -> dict[str, Any]:
    from hub.chat import selectors as chat_selectors

    message = Message.objects.get(id=message_id)
    return chat_selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                        before_seq=message.seq + 1, limit=1)[0]


def on_unit_card(*, user: User, message: Message, action: str,
                 params: dict[str, Any]) -> dict[str, Any]:
    """回复意见 on a unit's card, for that card's unit; the comment is the reply."""
    asked = AskedUnit.objects.select_related("unit").filter(message_id=message.id).first()
    if asked is None:
        raise not_found("征求意见")
    if action != "reply":
        raise bad_request(f"未知操作：{action}")
    reply(user=user, discussion_id=asked.discussion_id, body=str(params.get("comment") or ""),
          unit_code=asked.unit.code)
    return _as_seen(message.id)


def on_tracking_card(*, user: User, message: Message, action: str,
                     params: dict[str, Any]) -> dict[str, Any]:
    discussion_id = Discussion.objects.filter(tracking_message_id=message.id).values_list(
        "id", flat=True).first()
    if discussion_id is None:
        raise not_found("征求意见")
    if action == "remind":
        remind(user=user, discussion_id=discussion_id)
    elif action == "close":
        close(user=user, discussion_id=discussion_id,
              conclusion=str(params.get("comment") or ""))
    else:
        raise bad_request(f"未知操作：{action}")
    return _as_seen(message.id)
