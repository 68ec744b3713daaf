"""Writes: sending a notice, 收到, 催收, expiry, and keeping the cards' counts current.

Where the cards go: each recipient presses 收到 on exactly one card. People reached through a
unit press it on that unit's card in the unit's room (a notice to the whole district is 95
cards, not 900), people who are members of the room the notice was posted into press it
there, and people named one by one get a card in their direct room with the bot. A shared
card shows its 收到 button only to the recipients on it who have not pressed it.

Pressing 收到 writes the person's row (`UPDATE … WHERE acked_at IS NULL`, so it applies once)
and inserts a `CardRefresh` row; it takes no lock on the notice, so a thousand people
pressing at once do not queue behind each other. The refresher (a worker task, every
second) re-renders each card pressed on and the sender's counts once for however many
presses came in meanwhile: the sender's card changes at most once a second, not once a
press. A person's own card in their direct room is re-rendered at once.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_date

from bots import clock, jobs
from bots.documents import groups
from bots.notices import audit_events, cards, todo
from bots.notices.common import MANAGER_ROLES, may_manage, notice_bot, unit_counts
from bots.notices.models import CardRefresh, Notice, NoticeCard, NoticeFile, Recipient
from bots.notices.schemas import NoticeIn
from bots.parsing import parse_time
from bots.people import find_person, in_organisation
from hub.chat import actions as chat
from hub.chat.access import access_room
from hub.chat.models import Attachment, Message, Room, RoomMember
from hub.chat.serializers import message_prefetches, messages_dicts
from hub.lib import markdown
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit

logger = logging.getLogger("bots.notices")

MAX_TITLE_CHARS = 200
REMIND_EVERY = timedelta(minutes=10)
COALESCE = timedelta(seconds=1)  # the shortest time between two renders of a notice's cards
EXPIRE_JOB = "notices.expire"
EVERYONE = {"all", "全体", "全体人员", "所有人", "全部单位", "所有单位", "各单位", "全区各单位"}


# --- sending -------------------------------------------------------------------------------------------
@dataclass
class _Checked:
    unit: Unit
    title: str
    body: str
    html: str
    units: list[Unit]
    people: list[User]
    room: Room | None
    attachments: list[Attachment]
    expires_at: datetime | None
    audience: list[str]


def sending_unit(*, user: User, code: str | None) -> tuple[Unit, str]:
    """The unit the caller sends for, and their role in it."""
    memberships = list(UnitMembership.objects.filter(user=user).select_related("unit")
                       .order_by("unit__sort_order", "unit__code"))
    if code:
        chosen = [m for m in memberships if m.unit.code == code.strip()]
        if not chosen:
            raise forbidden("您不是该单位的人员，不能以该单位名义发布通知")
        return chosen[0].unit, chosen[0].role
    if not memberships:
        raise forbidden("只有单位的工作人员可以发布通知")
    if len(memberships) > 1:
        codes = "、".join(f"{m.unit.name}（{m.unit.code}）" for m in memberships)
        raise bad_request(f"您属于多个单位，请用 unit 指明发布单位：{codes}")
    return memberships[0].unit, memberships[0].role


def parse_expiry(raw: str | None, *, now: datetime) -> datetime | None:
    """An ISO time, or a date meaning the end of that day (local time)."""
    text = (raw or "").strip()
    if not text:
        return None
    day = parse_date(text) if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text) else None
    value: datetime | None
    if day is not None:
        value = timezone.make_aware(datetime(day.year, day.month, day.day, 23, 59, 59),
                                    timezone.get_current_timezone())
    else:
        value = parse_time(text, label="有效期")
    assert value is not None
    if value <= now:
        raise bad_request("有效期必须晚于现在")
    return value


def resolve_audience(tokens: Sequence[str]) -> tuple[list[Unit], list[User]]:
    """Units (codes, names, short names, groups such as 全部乡镇, `all` for every unit) and
    people (usernames or names); 400 naming whatever names nothing."""
    cleaned = [t.strip() for t in tokens if t.strip()]
    units, rest = groups.resolve(["all" if t.lower() in EVERYONE else t for t in cleaned])
    people: dict[int, User] = {}
    unknown = []
    for token in rest:
        person = find_person(token)
        if person is None or not in_organisation(person):
            unknown.append(token[:40])
        else:
            people.setdefault(person.id, person)
    if unknown:
        raise bad_request("找不到这些单位或人员：" + "、".join(unknown[:20])
                          + "（单位请用代码、名称或简称，人员请用用户名，全体请用 all）")
    return units, list(people.values())


def _check(*, sender: User, data: NoticeIn, now: datetime) -> _Checked:
    """Every check that needs no write, in the order a person would want to hear them."""
    unit, role = sending_unit(user=sender, code=data.unit)
    title = " ".join(data.title.split())
    if not title:
        raise bad_request("请填写通知标题")
    if len(title) > MAX_TITLE_CHARS:
        raise bad_request(f"标题不能超过 {MAX_TITLE_CHARS} 个字")
    units, people = resolve_audience(data.audience)
    if any(u.id != unit.id for u in units) and role not in MANAGER_ROLES:
        raise forbidden("只有本单位的收发员、领导或管理员可以向其他单位或全体人员发布通知")
    room = None
    if data.room is not None:
        member = access_room(user_id=sender.id, room_id=data.room)
        room = member.room
        if room.kind == Room.Kind.DIRECT:
            raise bad_request("通知不能发到私聊中：请选择频道、群组或单位群")
        if room.announce_only and member.role != RoomMember.Role.ADMIN:
            raise forbidden("本频道仅管理员可以发言，您不能在此发布通知")
    if data.pin and role not in MANAGER_ROLES and not (
            room is not None and RoomMember.objects.filter(
                room=room, user=sender, role=RoomMember.Role.ADMIN).exists()):
        raise forbidden("只有本单位的收发员、领导或管理员（或频道管理员）可以置顶通知")
    if not units and not people and room is None:
        raise bad_request("请指定通知对象：单位代码、人员用户名或 all（全体）")
    wanted = list(dict.fromkeys(data.attachments))
    found = {a.id: a for a in Attachment.objects.filter(id__in=wanted, uploader=sender)}
    if len(found) != len(wanted):
        raise not_found("附件")
    return _Checked(unit=unit, title=title, body=data.body.strip(),
                    html=markdown.render(data.body.strip()).html, units=units, people=people,
                    room=room, attachments=[found[i] for i in wanted],
                    expires_at=parse_expiry(data.expires_at, now=now),
                    audience=[t.strip() for t in data.audience if t.strip()])


@dataclass
class _Target:
    kind: str
    room_id: int
    unit_id: int | None = None
    user: User | None = None


def _recipients(c: _Checked, sender: User) -> dict[int, tuple[int | None, tuple[str, int]]]:
    """{user id: (unit of the ledger, (card kind, key))}: the room the notice was posted
    into first, then each named unit, then each named person; the sender is left out."""
    out: dict[int, tuple[int | None, tuple[str, int]]] = {}
    in_room: list[int] = []
    if c.room is not None:
        in_room = list(RoomMember.objects.filter(room=c.room, user__is_bot=False,
                                                 user__is_active=True)
                       .order_by("user_id").values_list("user_id", flat=True))
    by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, user_id in (UnitMembership.objects.filter(
            unit__in=c.units, user__is_bot=False, user__is_active=True)
            .order_by("user_id").values_list("unit_id", "user_id")):
        by_unit[unit_id].append(user_id)
    reached_by_unit: dict[int, int] = {}
    for unit in c.units:
        for user_id in by_unit[unit.id]:
            reached_by_unit.setdefault(user_id, unit.id)
    everyone = {*in_room, *reached_by_unit, *(p.id for p in c.people)}
    first_unit: dict[int, int] = {}
    for user_id, unit_id in (UnitMembership.objects.filter(user_id__in=everyone)
                             .order_by("unit__sort_order", "unit__code")
                             .values_list("user_id", "unit_id")):
        first_unit.setdefault(user_id, unit_id)
    for user_id in in_room:
        out[user_id] = (reached_by_unit.get(user_id, first_unit.get(user_id)), ("room", 0))
    for user_id, unit_id in reached_by_unit.items():
        out.setdefault(user_id, (unit_id, ("unit", unit_id)))
    for person in c.people:
        out.setdefault(person.id, (first_unit.get(person.id), ("person", person.id)))
    out.pop(sender.id, None)
    return out


def _chunks(attachment: Attachment) -> Iterator[bytes]:
    with open(chat.attachment_path(attachment), "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def send_notice(*, sender: User, data: NoticeIn) -> Notice:
    """Store the notice and deliver its cards, all or nothing: the cards, the sender's
    tracking card, the expiry job, the to-do entries and the audit entry."""
    now = clock.now()
    checked = _check(sender=sender, data=data, now=now)
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            notice = _send(sender=sender, c=checked, data=data, now=now, copies=copies)
    except BaseException:
        for copy in copies:
            chat.attachment_path(copy).unlink(missing_ok=True)
        raise
    return notice


def _send(*, sender: User, c: _Checked, data: NoticeIn, now: datetime,
          copies: list[Attachment]) -> Notice:
    bot = notice_bot()
    notice = Notice.objects.create(
        unit=c.unit, sender=sender, title=c.title, body=c.body, html=c.html,
        ack_required=data.ack_required, audience=c.audience, room=c.room, pin=data.pin,
        expires_at=c.expires_at, created_at=now)
    for original in c.attachments:
        copies.append(chat.store_attachment(uploader=bot.user, name=original.name,
                                            chunks=_chunks(original), declared_mime=original.mime))
    NoticeFile.objects.bulk_create([
        NoticeFile(notice=notice, attachment=copy, position=i, name=copy.name, sha256=copy.sha256)
        for i, copy in enumerate(copies)])
    reached = _recipients(c, sender)
    # One card per room: the posted-into room, each unit with someone on its card, each person.
    unit_ids = sorted({key for _, (kind, key) in reached.values() if kind == "unit"})
    unit_rooms = _unit_rooms(unit_ids)
    targets: dict[tuple[str, int], _Target] = {}
    if c.room is not None:
        targets[("room", 0)] = _Target(NoticeCard.Kind.ROOM, c.room.id)
    for unit_id in unit_ids:
        targets[("unit", unit_id)] = _Target(NoticeCard.Kind.UNIT, unit_rooms[unit_id], unit_id)
    people = {u.id: u for u in User.objects.filter(
        id__in=[key for _, (kind, key) in reached.values() if kind == "person"])}
    for user_id, user in people.items():
        targets[("person", user_id)] = _Target(NoticeCard.Kind.PERSON,
                                              bot.direct_room(user=user), user=user)
    bot.join(sorted({t.room_id for t in targets.values() if t.kind != NoticeCard.Kind.PERSON}))
    card_rows = {key: NoticeCard(notice=notice, kind=t.kind, room_id=t.room_id, unit_id=t.unit_id)
                 for key, t in targets.items()}
    NoticeCard.objects.bulk_create(list(card_rows.values()))
    recipients = [Recipient(notice=notice, user_id=user_id, unit_id=unit_id,
                            card=card_rows[target])
                  for user_id, (unit_id, target) in reached.items()]
    Recipient.objects.bulk_create(recipients, batch_size=1000)
    on_card: dict[int, list[int]] = defaultdict(list)
    for r in recipients:
        on_card[r.card.id].append(r.user_id)  # type: ignore[union-attr]
    notice.recipients_count = len(recipients)
    attachment_ids = [copy.id for copy in copies]
    # Rooms in id order, so that two notices to overlapping rooms lock them in one order.
    for card in sorted(card_rows.values(), key=lambda row: row.room_id):
        rendered = cards.notice_card(notice, card, pending=on_card[card.id], acked=0, now=now)
        message = bot.post(room_id=card.room_id, body=cards.summary(notice), card=rendered,
                           attachment_ids=attachment_ids, join=False)
        card.message_id = message["id"]
    NoticeCard.objects.bulk_update(list(card_rows.values()), ["message"])
    tracking = bot.direct(user=sender, body=f"【通知发布】{notice.title}",
                          card=render_tracking(notice, now=now))
    notice.tracking_message_id = tracking["id"]
    notice.save(update_fields=["recipients_count", "tracking_message"])
    if notice.expires_at is not None:
        jobs.schedule(kind=EXPIRE_JOB, run_at=notice.expires_at, payload={"notice": notice.id},
                      key=f"notice:{notice.id}:expire")
    if notice.ack_required:
        todo.changed(user_ids=list(reached))
    audit.append([audit_events.sent(notice=notice, units=[u.code for u in c.units],
                                    people=[p.username for p in c.people], at=now)])
    return notice


def _unit_rooms(unit_ids: list[int]) -> dict[int, int]:
    """Each unit's room id, making the room of a unit that has none yet."""
    rooms = dict(Room.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "id"))
    for unit in Unit.objects.filter(id__in=set(unit_ids) - set(rooms)):
        rooms[unit.id] = chat.sync_unit_room(unit=unit).id
    return rooms


# --- rendering ----------------------------------------------------------------------------------------
def card_counts(card: NoticeCard) -> tuple[list[int], int]:
    """(ids of the recipients on the card who have not pressed 收到, how many have)."""
    pending, acked = [], 0
    for user_id, acked_at in Recipient.objects.filter(card=card).values_list("user_id", "acked_at"):
        if acked_at is None:
            pending.append(user_id)
        else:
            acked += 1
    return pending, acked


def render_card(notice: Notice, card: NoticeCard, *, now: datetime) -> dict[str, Any]:
    pending, acked = card_counts(card)
    return cards.notice_card(notice, card, pending=pending, acked=acked, now=now)


def render_tracking(notice: Notice, *, now: datetime) -> dict[str, Any]:
    return cards.tracking_card(notice, units=unit_counts(notice), managers=[notice.sender_id],
                               now=now)


def _update(message_id: int | None, card: dict[str, Any]) -> dict[str, Any] | None:
    if message_id is None:
        return None
    return notice_bot().update_card(message_id=message_id, card=card)


def refresh_tracking(notice: Notice, *, now: datetime) -> dict[str, Any] | None:
    return _update(notice.tracking_message_id, render_tracking(notice, now=now))


def refresh_all(notice: Notice, *, now: datetime) -> None:
    """Re-render every card of the notice and the sender's (after expiry, for example)."""
    for card in NoticeCard.objects.filter(notice=notice).select_related("unit").order_by("room_id"):
        _update(card.message_id, render_card(notice, card, now=now))
    refresh_tracking(notice, now=now)


def _refresh_pressed(notice: Notice, *, now: datetime) -> int:
    """Re-render the cards pressed on (and the sender's) once, and delete the rows read: a
    press that commits meanwhile keeps its row for the next turn. The caller holds the
    notice's row lock."""
    rows = list(CardRefresh.objects.filter(notice=notice).values_list("id", "card_id"))
    card_ids = {card_id for _, card_id in rows if card_id is not None}
    for card in (NoticeCard.objects.filter(id__in=card_ids).select_related("unit")
                 .order_by("room_id")):
        _update(card.message_id, render_card(notice, card, now=now))
    refresh_tracking(notice, now=now)
    CardRefresh.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
    Notice.objects.filter(id=notice.id).update(refreshed_at=now)
    return len(rows)


def refresh_pending() -> int:
    """The worker's turn (every second): re-render what was pressed on since the last turn,
    once per card, for every notice with presses waiting; returns how many presses were
    taken care of."""
    now = clock.now()
    done = 0
    for notice_id in set(CardRefresh.objects.values_list("notice_id", flat=True)[:5000]):
        with transaction.atomic():
            notice = (Notice.objects.select_for_update(of=("self",), skip_locked=True)
                      .select_related("unit", "sender").filter(id=notice_id).first())
            if notice is None:
                continue  # another refresher has it (or it is gone: the rows went with it)
            done += _refresh_pressed(notice, now=now)
    return done


def _refresh_if_due(notice: Notice, *, now: datetime) -> int:
    """After a press, in its transaction (before the audit entry, so the notice's row lock
    comes first as everywhere): the first press after a quiet second re-renders at once (the
    leading edge, so a few presses show without waiting for the worker); the presses that
    follow within the second wait for the worker's turn (the trailing edge)."""
    due = (Notice.objects.filter(id=notice.id)
           .filter(Q(refreshed_at__isnull=True) | Q(refreshed_at__lte=now - COALESCE))
           .update(refreshed_at=now))
    return _refresh_pressed(notice, now=now) if due else 0


# The trailing edge in the process that took the presses: one timer per notice, a second
# after the first press it did not render, so that the last presses show within a second or
# two even while the worker is busy (recounting 900 people's to-do lists, say). The worker's
# `notices.refresh` turn remains the backstop (a process that stops loses its timers only).
TRAIL_IN_PROCESS = True
_timers: dict[int, threading.Timer] = {}
_timers_lock = threading.Lock()


def _trail(notice_id: int) -> None:
    with _timers_lock:
        if notice_id in _timers:
            return
        timer = threading.Timer(COALESCE.total_seconds(), _run_trail, args=(notice_id,))
        timer.daemon = True
        _timers[notice_id] = timer
    timer.start()


def _run_trail(notice_id: int) -> None:
    with _timers_lock:
        _timers.pop(notice_id, None)
    try:
        with transaction.atomic():
            notice = (Notice.objects.select_for_update(of=("self",), skip_locked=True)
                      .select_related("unit", "sender").filter(id=notice_id).first())
            if notice is not None and CardRefresh.objects.filter(notice=notice).exists():
                _refresh_pressed(notice, now=clock.now())
    except Exception:
        logger.exception("notice %s: the cards could not be refreshed", notice_id)
    finally:
        connection.close()


# --- 收到 ------------------------------------------------------------------------------------------------
def ack(*, user: User, notice_id: int) -> tuple[Notice, Recipient, bool]:
    """The caller received the notice: recorded once (a second press changes nothing).
    Returns (notice, the caller's row, whether this press recorded it)."""
    now = clock.now()
    # The caller's row with the notice in one query (a storm of presses is mostly this).
    mine = Recipient.objects.select_related(
        "card", "card__unit", "notice", "notice__unit", "notice__sender").filter(
        notice_id=notice_id, user=user).first()
    if mine is None:
        Notice.objects.get(id=notice_id)  # DoesNotExist as before for a notice that is gone
        raise forbidden("您不在本通知的接收范围内，无需确认收到")
    notice = mine.notice
    if not notice.ack_required:
        raise ApiError("conflict", "此通知无需确认收到")
    if mine.acked_at is not None:
        return notice, mine, False
    if cards.state_of(notice, now=now) == "expired":
        raise ApiError("conflict", "通知已过期，不能再确认收到")
    with transaction.atomic():
        if not Recipient.objects.filter(id=mine.id, acked_at__isnull=True).update(acked_at=now):
            mine.refresh_from_db(fields=["acked_at"])
            return notice, mine, False  # pressed twice at once: the other press counted
        mine.acked_at = now
        card = mine.card
        if card is not None and card.kind == NoticeCard.Kind.PERSON:
            # Only this person sees their card: re-render it now; the sender's counts follow.
            _update(card.message_id, render_card(notice, card, now=now))
            CardRefresh.objects.create(notice=notice, card=None)
        else:
            CardRefresh.objects.create(notice=notice, card=card)
        todo.changed_later(user_id=user.id)
        if not _refresh_if_due(notice, now=now) and TRAIL_IN_PROCESS:
            transaction.on_commit(lambda: _trail(notice.id))
        audit.append([audit_events.acked(notice=notice, recipient=mine, at=now)])
    return notice, mine, True


def message_as_seen(message_id: int, card: dict[str, Any] | None = None, *,
                    message: Message | None = None) -> dict[str, Any]:
    """The card message as the API gives it (`card` in place of the stored one, when given);
    `message`, when the caller has it, is read again only for its attachments, reactions and
    mentions."""
    if message is None:
        message = Message.objects.select_related("sender").get(id=message_id)
    prefetch_related_objects([message], *message_prefetches())
    one = messages_dicts(message.room_id, [message])[0]
    return {**one, "card": card} if card is not None else one


def on_notice_card(*, user: User, message: Message, action: str,
                   params: dict[str, Any]) -> dict[str, Any]:
    """The handler the core calls for a press on a `notice` card: 收到 for oneself. The card
    comes back as it now stands for the presser, before the refresher stores it for all."""
    card = NoticeCard.objects.select_related("unit").filter(message_id=message.id).first()
    if card is None:
        raise not_found("通知")
    if action != "ack":
        raise bad_request(f"未知操作：{action}")
    notice, _, _ = ack(user=user, notice_id=card.notice_id)
    return message_as_seen(message.id, render_card(notice, card, now=clock.now()),
                           message=message)


def on_tracking_card(*, user: User, message: Message, action: str,
                     params: dict[str, Any]) -> dict[str, Any]:
    notice_id = Notice.objects.filter(tracking_message_id=message.id).values_list(
        "id", flat=True).first()
    if notice_id is None:
        raise not_found("通知")
    if action != "remind":
        raise bad_request(f"未知操作：{action}")
    remind(user=user, notice_id=notice_id)
    return message_as_seen(message.id)


# --- 催收 ------------------------------------------------------------------------------------------------
def remind(*, user: User, notice_id: int) -> int:
    """催收: everyone who has not pressed 收到 is reminded (mentioned on their card's room, or
    told directly). Once per ten minutes: sooner answers `rate_limited` with how long to
    wait. Returns how many people were reminded."""
    now = clock.now()
    with transaction.atomic():
        notice = (Notice.objects.select_for_update(of=("self",)).select_related("unit", "sender")
                  .get(id=notice_id))
        if not may_manage(user=user, notice=notice):
            raise forbidden("只有发布人和发布单位的收发员、领导可以催收")
        if not notice.ack_required:
            raise ApiError("conflict", "此通知无需确认收到，无需催收")
        if cards.state_of(notice, now=now) == "expired":
            raise ApiError("conflict", "通知已过期，不能再催收")
        if notice.last_reminded_at is not None and now - notice.last_reminded_at < REMIND_EVERY:
            wait = math.ceil((notice.last_reminded_at + REMIND_EVERY - now).total_seconds())
            raise ApiError("rate_limited", f"刚刚催收过，请 {max(1, (wait + 59) // 60)} 分钟后再试",
                           retry_after=wait)
        pending = list(Recipient.objects.filter(notice=notice, acked_at__isnull=True)
                       .select_related("user", "card").order_by("card__room_id", "user_id"))
        bot = notice_bot()
        shared: dict[int, list[User]] = defaultdict(list)
        for r in pending:
            if r.card is not None and r.card.kind == NoticeCard.Kind.PERSON:
                bot.direct(user=r.user, markdown=False,
                           body=f"【催收】{notice.sender.name}提醒您：请确认收到通知“{notice.title}”。")
            elif r.card is not None:
                shared[r.card.room_id].append(r.user)
        for room_id, people in sorted(shared.items()):
            names = " ".join(f"@{p.username}" for p in people)
            bot.post(room_id=room_id, body=f"【催收】请以下同志确认收到通知“{notice.title}”：{names}")
        Recipient.objects.filter(id__in=[r.id for r in pending]).update(
            reminders=F("reminders") + 1)
        notice.reminders += 1
        notice.last_reminded_at = now
        notice.save(update_fields=["reminders", "last_reminded_at"])
        refresh_tracking(notice, now=now)
        audit.append([audit_events.reminded(notice=notice, actor_id=user.id, count=len(pending),
                                            at=now)])
    return len(pending)


# --- expiry ------------------------------------------------------------------------------------------------
def expire(due: jobs.Due) -> None:
    """At its expiry a notice leaves the lists and the to-do lists, and its cards lose their
    buttons."""
    notice = (Notice.objects.select_for_update(of=("self",)).select_related("unit", "sender")
              .filter(id=due.payload["notice"]).first())
    if notice is None or notice.expired:
        return
    notice.expired = True
    notice.save(update_fields=["expired"])
    refresh_all(notice, now=due.now)
    todo.changed(user_ids=list(Recipient.objects.filter(notice=notice, acked_at__isnull=True)
                               .values_list("user_id", flat=True)))
    audit.append([audit_events.expired(notice=notice, at=due.now)])


def register_jobs() -> None:
    jobs.register(EXPIRE_JOB, expire)
