"""The bridge's database side: synchronous functions the bridge runs in a thread.

Outbound (Huitong → Matrix): `plan_messages` reads the messages of a bridged room past its
`sent_seq` cursor and decides, through the gate, what each becomes on Matrix; the bridge
sends and `record_sent` / `record_withheld` store the event ids and move the cursor in one
transaction. Outbox rows are read by `outbox_rows` and removed by `finish_outbox`.

Inbound (Matrix → Huitong): `store_transaction` keeps a pushed transaction and its events
before the homeserver is answered; `apply_*` apply one event and mark it done in the same
transaction, so each is applied once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from hub.chat import actions
from hub.chat.models import Message, Reaction, Room, RoomMember
from hub.lib.errors import ApiError
from hub.org.models import UnitMembership, User
from integrations.matrix import gate, render
from integrations.matrix.config import DEVICE_ID, Config, ghost_localpart
from integrations.matrix.models import (
    EventMap,
    GhostMembership,
    InboundEvent,
    InboundTxn,
    MatrixRoom,
    MatrixUser,
    Outbox,
)

logger = logging.getLogger("hub.matrix")
Part = EventMap.Part


# --- people ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ghost:
    user_id: int
    mxid: str
    localpart: str
    display_name: str
    registered: bool
    current_name: str


def ghost_display_name(user: User) -> str:
    """姓名（单位简称）: the person's name and their first unit's short name."""
    membership = (UnitMembership.objects.filter(user=user).select_related("unit")
                  .order_by("unit__sort_order", "unit__code").first())
    if membership is None:
        return user.name
    unit = membership.unit.short_name or membership.unit.name
    return f"{user.name}（{unit}）"


def ghost_for(config: Config, user_id: int) -> Ghost:
    user = User.objects.get(id=user_id)
    if user.is_external:
        raise ValueError("people on Matrix have no ghost")
    row, _ = MatrixUser.objects.get_or_create(
        user=user, defaults={"mxid": config.ghost_mxid(user.username), "ghost": True})
    return Ghost(user_id=user.id, mxid=row.mxid, localpart=ghost_localpart(user.username),
                 display_name=ghost_display_name(user), registered=row.registered,
                 current_name=row.display_name)


def ghost_registered(user_id: int, display_name: str) -> None:
    MatrixUser.objects.filter(user_id=user_id).update(registered=True, display_name=display_name)


def ghost_joined(user_id: int, bridge_id: int) -> bool:
    return GhostMembership.objects.filter(ghost__user_id=user_id, bridge_id=bridge_id).exists()


def set_ghost_joined(user_id: int, bridge_id: int, joined: bool) -> None:
    ghost = MatrixUser.objects.get(user_id=user_id)
    if joined:
        GhostMembership.objects.get_or_create(ghost=ghost, bridge_id=bridge_id)
    else:
        GhostMembership.objects.filter(ghost=ghost, bridge_id=bridge_id).delete()


_USERNAME_SAFE = re.compile(r"[^\w.+-]")


def external_user(mxid: str, display_name: str = "") -> User:
    """The Huitong user standing for a person on Matrix (made on first sight): no password,
    no unit, `is_external`."""
    row = MatrixUser.objects.select_related("user").filter(mxid=mxid).first()
    if row is not None:
        user = row.user
        if display_name and display_name != user.display_name:
            User.objects.filter(id=user.id).update(display_name=display_name[:64])
            user.display_name = display_name[:64]
        return user
    localpart, _, server = mxid.removeprefix("@").partition(":")
    base = _USERNAME_SAFE.sub("_", f"{localpart}@{server}")[:140]
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    with transaction.atomic():
        user = User(username=username, display_name=(display_name or localpart)[:64],
                    is_external=True)
        user.set_unusable_password()
        user.save()
        MatrixUser.objects.create(user=user, mxid=mxid, ghost=False, registered=True,
                                  display_name=display_name[:255])
    return user


# --- bridges -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BridgeInfo:
    id: int
    room_id: int
    matrix_room_id: str
    notice_withheld: bool


def active_bridges() -> list[BridgeInfo]:
    return [BridgeInfo(b.id, b.room_id, b.matrix_room_id, b.notice_withheld)
            for b in MatrixRoom.objects.filter(active=True)]


def notice_withheld(bridge_id: int) -> bool:
    """The room's setting now (a pump runs on with the snapshot it started with)."""
    return bool(MatrixRoom.objects.filter(id=bridge_id).values_list("notice_withheld", flat=True)
                .first())


def bridges_with_work() -> list[int]:
    """Active bridges with messages past their cursor or outbox rows waiting."""
    behind = set(MatrixRoom.objects.filter(active=True, room__last_seq__gt=F("sent_seq"))
                 .values_list("id", flat=True))
    queued = set(Outbox.objects.filter(bridge__active=True).values_list("bridge_id", flat=True)
                 .distinct())
    return sorted(behind | queued)


def bridge_of_matrix_room(matrix_room_id: str) -> MatrixRoom | None:
    return MatrixRoom.objects.filter(matrix_room_id=matrix_room_id, active=True).first()


# --- outbound messages -----------------------------------------------------------------------------
@dataclass
class FileOut:
    txn_id: str
    path: Path
    name: str
    mime: str
    size: int


@dataclass
class Plan:
    """What one Huitong message becomes on Matrix."""

    message_id: int
    seq: int
    action: str  # "send", "withhold", "skip"
    sender_id: int = 0
    contents: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # part, txn, content
    files: list[FileOut] = field(default_factory=list)
    verdict: gate.Verdict | None = None


def message_item(message: Message, attachments: list[Any]) -> gate.Item:
    card = message.card if message.kind == Message.Kind.CARD else None
    texts = [message.body]
    if card:
        texts += [str(card.get("title", "")), str(card.get("state_label", ""))]
        texts += [f"{f.get('label', '')} {f.get('value', '')}" for f in card.get("fields") or []
                  if isinstance(f, dict)]
    kind: gate.Kind = "card" if message.kind == Message.Kind.CARD else (
        "text" if message.kind == Message.Kind.TEXT else "system")
    return gate.Item(direction="out", kind=kind, texts=tuple(texts),
                     file_names=tuple(a.name for a in attachments),
                     digests=tuple(a.sha256 for a in attachments),
                     card_type=str(card.get("card_type", "")) if card else None)


def _event_of(bridge_id: int, message_id: int | None, parts: tuple[str, ...]) -> str | None:
    if message_id is None:
        return None
    row = (EventMap.objects.filter(bridge_id=bridge_id, message_id=message_id, part__in=parts)
           .order_by("id").values_list("event_id", flat=True).first())
    return row


def plan_messages(config: Config, bridge_id: int, *, limit: int = 20) -> list[Plan]:
    from hub.chat.actions import attachment_path

    bridge = MatrixRoom.objects.get(id=bridge_id)
    messages = list(Message.objects.filter(room_id=bridge.room_id, seq__gt=bridge.sent_seq)
                    .select_related("sender").prefetch_related("attachments")
                    .order_by("seq")[:limit])
    plans = []
    for message in messages:
        plan = Plan(message_id=message.id, seq=message.seq, action="skip",
                    sender_id=message.sender_id)
        plans.append(plan)
        # People on Matrix sent theirs there; a deleted message has nothing to show.
        if message.sender.is_external or message.deleted:
            continue
        attachments = list(message.attachments.all())
        verdict = gate.decide(message_item(message, attachments))
        if not verdict.allowed:
            plan.action, plan.verdict = "withhold", verdict
            continue
        plan.action = "send"
        if message.kind == Message.Kind.CARD:
            content = render.card_summary(message.card or {}, public_url=config.public_url)
            plan.contents.append((Part.NOTICE, f"ht{message.id}n", content))
            continue
        # A reply to something withheld (or never sent) goes without its quote.
        parent = _event_of(bridge_id, message.reply_to_id, (Part.TEXT, Part.FILE, Part.NOTICE))
        if message.body.strip():
            plan.contents.append((Part.TEXT, f"ht{message.id}t", render.text_content(
                body=message.body, html=message.html, reply_to_event=parent)))
        for n, attachment in enumerate(attachments):
            plan.files.append(FileOut(txn_id=f"ht{message.id}f{n}",
                                      path=attachment_path(attachment), name=attachment.name,
                                      mime=attachment.mime, size=attachment.size))
    return plans


def record_sent(bridge_id: int, plan: Plan, events: list[tuple[str, str]]) -> None:
    with transaction.atomic():
        for part, event_id in events:
            EventMap.objects.get_or_create(bridge_id=bridge_id, event_id=event_id,
                                           defaults={"message_id": plan.message_id, "part": part})
        MatrixRoom.objects.filter(id=bridge_id, sent_seq__lt=plan.seq).update(sent_seq=plan.seq)


def record_withheld(bridge_id: int, plan: Plan, notice_event: str | None) -> None:
    """The message stays in Huitong: the audit log says so, and the cursor moves on."""
    assert plan.verdict is not None
    with transaction.atomic():
        bridge = MatrixRoom.objects.select_for_update().get(id=bridge_id)
        if bridge.sent_seq >= plan.seq:
            return
        if notice_event:
            EventMap.objects.get_or_create(bridge_id=bridge_id, event_id=notice_event,
                                           defaults={"message_id": plan.message_id,
                                                     "part": Part.WITHHELD})
        MatrixRoom.objects.filter(id=bridge_id).update(sent_seq=plan.seq)
        gate.record(verdict=plan.verdict, direction="out", subject=f"message:{plan.message_id}",
                    actor_id=plan.sender_id, room_id=bridge.room_id,
                    matrix_room_id=bridge.matrix_room_id)


def advance(bridge_id: int, seq: int) -> None:
    MatrixRoom.objects.filter(id=bridge_id, sent_seq__lt=seq).update(sent_seq=seq)


# --- outbound changes ------------------------------------------------------------------------------
@dataclass
class Step:
    """One outbox row made ready: `action` is what the bridge does on Matrix."""

    row_id: int
    action: str  # "send", "redact", "receipt", "typing", "join", "leave", "drop", "wait"
    user_id: int | None = None  # whose ghost acts (None: the bridge's bot)
    content: dict[str, Any] | None = None
    event_type: str = "m.room.message"
    events: list[str] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    record_reaction: tuple[int, int, str] | None = None  # message, user, emoji
    verdict: gate.Verdict | None = None
    message_id: int | None = None


def _state(bridge: MatrixRoom, message: Message | None) -> str:
    """"mapped", "gone" (withheld, skipped or deleted: nothing to change on Matrix) or
    "wait" (not sent yet)."""
    if message is None:
        return "gone"
    if EventMap.objects.filter(bridge=bridge, message=message).exclude(
            part=Part.WITHHELD).exists():
        return "mapped"
    return "gone" if message.seq <= bridge.sent_seq else "wait"


def outbox_steps(config: Config, bridge_id: int, *, limit: int = 50) -> list[Step]:
    bridge = MatrixRoom.objects.get(id=bridge_id)
    rows = list(Outbox.objects.filter(bridge_id=bridge_id).select_related("message")
                .order_by("id")[:limit])
    steps: list[Step] = []
    for row in rows:
        step = _step(config, bridge, row)
        steps.append(step)
        if step.action == "wait":
            break  # later rows wait too: changes go out in the order they were made
    return steps


def _step(config: Config, bridge: MatrixRoom, row: Outbox) -> Step:
    step = Step(row_id=row.id, action="drop", user_id=row.actor_id, message_id=row.message_id)
    message = row.message
    if row.kind in ("join", "leave"):
        step.action, step.users = row.kind, list(row.data.get("users", []))
        return step
    if row.kind == "typing":
        fresh = timezone.now() - row.created_at < timedelta(seconds=10)
        step.action = "typing" if fresh else "drop"
        return step
    if row.kind == "read":
        target = (EventMap.objects.filter(bridge=bridge, message__room_id=bridge.room_id,
                                          message__seq__lte=row.data.get("seq", 0))
                  .exclude(part__in=(Part.REACTION, Part.WITHHELD))
                  .order_by("-message__seq", "-id").values_list("event_id", flat=True).first())
        if target:
            step.action, step.events = "receipt", [target]
        return step
    state = _state(bridge, message)
    if state != "mapped":
        if state == "wait":
            step.action = "wait"
        return step
    assert message is not None
    if row.kind == "delete":
        step.action = "redact"
        step.events = list(EventMap.objects.filter(bridge=bridge, message=message)
                           .exclude(part=Part.REACTION).values_list("event_id", flat=True))
        if message.sender_id != row.actor_id:
            step.user_id = None  # an admin's deletion: the bot redacts
        return step
    if row.kind == "edit":
        target = _event_of(bridge.id, message.id, (Part.TEXT,))
        if target is None or message.deleted:
            return step
        verdict = gate.decide(gate.Item(direction="out", kind="edit", texts=(message.body,)))
        if not verdict.allowed:
            step.action, step.verdict = "withhold", verdict
            return step
        step.action = "send"
        step.content = render.replacement(target, render.text_content(
            body=message.body, html=message.html, reply_to_event=None))
        return step
    if row.kind == "card":
        target = _event_of(bridge.id, message.id, (Part.NOTICE,))
        if target is None or message.deleted:
            return step
        verdict = gate.decide(message_item(message, []))
        if not verdict.allowed:
            step.action, step.verdict = "withhold", verdict
            return step
        step.action, step.user_id = "send", message.sender_id
        step.content = render.replacement(
            target, render.card_summary(message.card or {}, public_url=config.public_url))
        return step
    if row.kind == "reaction":
        emoji = str(row.data.get("emoji", ""))
        if row.data.get("on"):
            target = _event_of(bridge.id, message.id, (Part.TEXT, Part.NOTICE, Part.FILE))
            verdict = gate.decide(gate.Item(direction="out", kind="reaction", texts=(emoji,)))
            if target is None or not verdict.allowed:
                return step
            step.action, step.event_type = "send", "m.reaction"
            step.content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": target,
                                             "key": emoji}}
            step.record_reaction = (message.id, row.actor_id or 0, emoji)
        else:
            step.action = "redact"
            step.events = list(EventMap.objects.filter(
                bridge=bridge, message=message, part=Part.REACTION, user_id=row.actor_id,
                emoji=emoji, from_matrix=False).values_list("event_id", flat=True)) \
                if row.actor_id is not None else []
        return step
    return step


def finish_step(bridge_id: int, step: Step, event_id: str | None = None) -> None:
    with transaction.atomic():
        if step.record_reaction and event_id:
            message_id, user_id, emoji = step.record_reaction
            EventMap.objects.get_or_create(
                bridge_id=bridge_id, event_id=event_id,
                defaults={"message_id": message_id, "part": Part.REACTION, "user_id": user_id,
                          "emoji": emoji})
        if step.action == "redact" and step.events:
            EventMap.objects.filter(bridge_id=bridge_id, event_id__in=step.events,
                                    part=Part.REACTION).delete()
        if step.action == "withhold" and step.verdict is not None:
            bridge = MatrixRoom.objects.get(id=bridge_id)
            if Outbox.objects.filter(id=step.row_id).exists():
                gate.record(verdict=step.verdict, direction="out",
                            subject=f"message:{step.message_id}", actor_id=step.user_id,
                            room_id=bridge.room_id, matrix_room_id=bridge.matrix_room_id)
        Outbox.objects.filter(id=step.row_id).delete()


# --- inbound -----------------------------------------------------------------------------------------
def store_transaction(txn_id: str, body: dict[str, Any]) -> bool:
    """Keep a pushed transaction and its events; False when it was stored before. Runs
    before the homeserver is answered, so an answered transaction is never lost."""
    events = [e for e in body.get("events") or [] if isinstance(e, dict)]
    ephemeral = [e for e in (body.get("ephemeral") or body.get("de.sorunome.msc2409.ephemeral")
                             or []) if isinstance(e, dict)]
    with transaction.atomic():
        txn, created = InboundTxn.objects.get_or_create(txn_id=txn_id[:255])
        if not created:
            return False
        rows = []
        for event in events:
            event_id = event.get("event_id")
            if not isinstance(event_id, str) or not event_id:
                continue
            rows.append(InboundEvent(key=event_id[:255], txn=txn, payload=event,
                                     matrix_room_id=str(event.get("room_id", ""))[:255]))
        for n, event in enumerate(ephemeral):
            rows.append(InboundEvent(key=f"{txn_id[:200]}#{n}", txn=txn, ephemeral=True,
                                     payload=event,
                                     matrix_room_id=str(event.get("room_id", ""))[:255]))
        # An event pushed again in a later transaction is kept (and applied) once.
        InboundEvent.objects.bulk_create(rows, ignore_conflicts=True)
    return True


def backfill_since(bridge_id: int) -> float | None:
    """The bridge's start as Matrix milliseconds, or None if it has ended."""
    bridge = MatrixRoom.objects.filter(id=bridge_id, active=True).first()
    if bridge is None:
        return None
    start = bridge.since or bridge.created_at
    return start.timestamp() * 1000


def backfill(config: Config, bridge_id: int, events: list[dict[str, Any]]) -> int:
    """Keep the room events (from the room's history on the homeserver) that no pushed
    transaction brought: a homeserver that stops may lose the events it had queued for the
    bridge in memory. Events are applied once whichever way they came. Returns how many."""
    since = backfill_since(bridge_id)
    if since is None:
        return 0
    bridge = MatrixRoom.objects.get(id=bridge_id)
    wanted = [e for e in events if isinstance(e.get("event_id"), str)
              and not config.is_ours(str(e.get("sender", "")))
              and isinstance(e.get("origin_server_ts"), int) and e["origin_server_ts"] >= since]
    if not wanted:
        return 0
    ids = [e["event_id"] for e in wanted]
    known = set(InboundEvent.objects.filter(key__in=ids).values_list("key", flat=True))
    known |= set(EventMap.objects.filter(bridge=bridge, event_id__in=ids)
                 .values_list("event_id", flat=True))
    missing = [e for e in wanted if e["event_id"] not in known]
    if not missing:
        return 0
    missing.sort(key=lambda e: e["origin_server_ts"])
    with transaction.atomic():
        txn = InboundTxn.objects.create(
            txn_id=f"backfill:{bridge_id}:{timezone.now().timestamp()}")
        InboundEvent.objects.bulk_create(
            [InboundEvent(key=e["event_id"][:255], txn=txn, payload={**e, "room_id":
                          bridge.matrix_room_id}, matrix_room_id=bridge.matrix_room_id)
             for e in missing], ignore_conflicts=True)
    return len(missing)


def pending_events(limit: int = 100) -> list[InboundEvent]:
    return list(InboundEvent.objects.filter(done_at__isnull=True).order_by("id")[:limit])


def mark_done(row_id: int, result: str) -> None:
    InboundEvent.objects.filter(id=row_id, done_at__isnull=True).update(
        done_at=timezone.now(), result=result[:200])


def prune_inbound(days: int = 7) -> None:
    InboundTxn.objects.filter(received_at__lt=timezone.now() - timedelta(days=days)).delete()


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def client_id_for(event_id: str) -> str:
    return event_id if len(event_id) <= 64 else "mx:" + hashlib.sha256(event_id.encode()).hexdigest()[:60]


def _ensure_member(room: Room, user: User) -> None:
    if not RoomMember.objects.filter(room=room, user=user).exists():
        actions.add_members(room=room, users=[user])


def _message_of_event(bridge: MatrixRoom, event_id: str) -> EventMap | None:
    return (EventMap.objects.select_related("message").filter(bridge=bridge, event_id=event_id)
            .first())


@dataclass
class Outcome:
    result: str
    refuse_notice: bool = False  # the bot tells the Matrix room it was not taken


def _refuse(bridge: MatrixRoom, row: InboundEvent, verdict: gate.Verdict,
            user: User | None) -> Outcome:
    gate.record(verdict=verdict, direction="in", subject=f"matrix:{row.key}",
                actor_id=user.id if user else None, room_id=bridge.room_id,
                matrix_room_id=bridge.matrix_room_id, event_id=row.key)
    return Outcome(f"refused: {verdict.rule}", refuse_notice=verdict.rule == "classified_mark")


def apply_event(config: Config, row_id: int, file: tuple[Path, str, str] | None = None,
                file_refused: str = "") -> Outcome:
    """Apply one stored event (and mark it done) in one transaction. `file`: (path of the
    downloaded bytes, name, mime) for a file message, or `file_refused` why it was not read."""
    with transaction.atomic():
        row = InboundEvent.objects.select_for_update().get(id=row_id)
        if row.done_at is not None:
            return Outcome("done before")
        try:
            with transaction.atomic():
                outcome = _apply(config, row, file, file_refused)
        except ApiError as error:
            outcome = Outcome(f"not applied: {error.code} {error.detail}")
        except (OperationalError, InterfaceError):
            raise  # the database is away: the event stays pending and is tried again
        except Exception as error:
            # One malformed event must not hold up the others: it is kept, marked failed.
            logger.exception("applying Matrix event %s failed", row.key)
            outcome = Outcome(f"failed: {type(error).__name__}")
        row.done_at, row.result = timezone.now(), outcome.result[:200]
        row.save(update_fields=["done_at", "result"])
        return outcome


def _apply(config: Config, row: InboundEvent, file: tuple[Path, str, str] | None,
           file_refused: str) -> Outcome:
    event = row.payload
    bridge = bridge_of_matrix_room(row.matrix_room_id)
    if bridge is None:
        return Outcome("ignored: room not bridged")
    kind = event.get("type")
    content = as_dict(event.get("content"))
    if row.ephemeral:
        return _apply_ephemeral(config, bridge, kind, content, row)
    sender = str(event.get("sender", ""))
    if config.is_ours(sender):
        return Outcome("ignored: our own")
    if kind == "m.room.encryption":
        MatrixRoom.objects.filter(id=bridge.id).update(active=False, ended_at=timezone.now())
        logger.warning("Matrix room %s turned on encryption: bridge ended", bridge.matrix_room_id)
        return Outcome("bridge ended: encrypted")
    if kind == "m.room.member":
        target = str(event.get("state_key", ""))
        if config.is_ours(target):
            return Outcome("ignored: our own")
        membership = content.get("membership")
        raw_name = content.get("displayname")
        name = raw_name if isinstance(raw_name, str) else ""
        if membership == "join":
            user = external_user(target, name)
            _ensure_member(bridge.room, user)
            return Outcome("joined")
        if membership in ("leave", "ban"):
            row_user = MatrixUser.objects.filter(mxid=target, ghost=False).first()
            if row_user is not None:
                actions.remove_members(room=bridge.room, user_ids=[row_user.user_id])
            return Outcome("left")
        return Outcome("ignored: membership")
    user = external_user(sender)
    if kind == "m.room.redaction":
        target_id = event.get("redacts") or content.get("redacts")
        mapped = _message_of_event(bridge, str(target_id or ""))
        if mapped is None or not mapped.from_matrix:
            return Outcome("ignored: redaction of something not from Matrix")
        if mapped.part == Part.REACTION:
            if mapped.user_id == user.id:
                actions.set_reaction(user=user, message_id=mapped.message_id, emoji=mapped.emoji,
                                     on=False)
            mapped.delete()
            return Outcome("reaction removed")
        actions.delete_message(user=user, message_id=mapped.message_id)
        return Outcome("deleted")
    if kind == "m.reaction":
        relates = as_dict(content.get("m.relates_to"))
        key = str(relates.get("key", ""))
        mapped = _message_of_event(bridge, str(relates.get("event_id", "")))
        if mapped is None or not key or relates.get("rel_type") != "m.annotation":
            return Outcome("ignored: reaction to nothing bridged")
        verdict = gate.decide(gate.Item(direction="in", kind="reaction", texts=(key,)))
        if not verdict.allowed:
            return _refuse(bridge, row, verdict, user)
        _ensure_member(bridge.room, user)
        actions.set_reaction(user=user, message_id=mapped.message_id, emoji=key[:32], on=True)
        EventMap.objects.get_or_create(bridge=bridge, event_id=row.key, defaults={
            "message_id": mapped.message_id, "part": Part.REACTION, "user": user,
            "emoji": key[:32], "from_matrix": True})
        return Outcome("reacted")
    if kind != "m.room.message":
        return Outcome(f"ignored: {kind}")
    relates = as_dict(content.get("m.relates_to"))
    if relates.get("rel_type") == "m.replace":
        mapped = _message_of_event(bridge, str(relates.get("event_id", "")))
        new = as_dict(content.get("m.new_content"))
        if mapped is None or not mapped.from_matrix or mapped.part != Part.TEXT:
            return Outcome("ignored: edit of something not from Matrix")
        body, _ = render.incoming_text(new)
        verdict = gate.decide(gate.Item(direction="in", kind="edit", texts=(body,)))
        if not verdict.allowed:
            return _refuse(bridge, row, verdict, user)
        actions.edit_message(user=user, message_id=mapped.message_id, body=body)
        return Outcome("edited")
    msgtype = content.get("msgtype")
    body, html = render.incoming_text(content)
    names: tuple[str, ...] = ()
    if msgtype in ("m.file", "m.image", "m.video", "m.audio"):
        names = (str(content.get("filename") or content.get("body") or "file"),)
        body, html = "", None
    verdict = gate.decide(gate.Item(direction="in", kind="text", texts=(body,),
                                    file_names=names))
    if not verdict.allowed:
        return _refuse(bridge, row, verdict, user)
    _ensure_member(bridge.room, user)
    attachment_ids = []
    if names:
        if file is None:
            return Outcome(f"not applied: {file_refused or 'file not read'}")
        path, name, mime = file
        with open(path, "rb") as handle:
            stored = actions.store_attachment(uploader=user, name=name,
                                              chunks=iter(lambda: handle.read(1 << 16), b""),
                                              declared_mime=mime)
        attachment_ids = [stored.id]
    elif not body.strip():
        return Outcome("ignored: empty")
    reply = as_dict(relates.get("m.in_reply_to"))
    parent = _message_of_event(bridge, str(reply.get("event_id", ""))) if reply else None
    if len(body) > settings.HUITONG_MAX_MESSAGE_CHARS:
        body = body[:settings.HUITONG_MAX_MESSAGE_CHARS]
        html = None
    result = actions.send_message(
        sender=user, room_id=bridge.room_id, body=body, client_id=client_id_for(row.key),
        reply_to=parent.message_id if parent else None, attachment_ids=attachment_ids,
        html=html, check_rate=False)
    EventMap.objects.get_or_create(bridge=bridge, event_id=row.key, defaults={
        "message_id": result.message["id"], "part": Part.FILE if names else Part.TEXT,
        "from_matrix": True})
    # What came from Matrix is there already: the cursor may pass it.
    return Outcome("stored")


def _apply_ephemeral(config: Config, bridge: MatrixRoom, kind: Any, content: dict[str, Any],
                     row: InboundEvent) -> Outcome:
    if kind == "m.typing":
        if timezone.now() - row.received_at > timedelta(seconds=10):
            return Outcome("ignored: stale typing")
        for mxid in content.get("user_ids") or []:
            if isinstance(mxid, str) and not config.is_ours(mxid):
                found = MatrixUser.objects.filter(mxid=mxid, ghost=False).select_related("user").first()
                if found and RoomMember.objects.filter(room=bridge.room, user=found.user).exists():
                    actions.typing(user=found.user, room_id=bridge.room_id)
        return Outcome("typing")
    if kind == "m.receipt":
        for event_id, kinds in content.items():
            mapped = _message_of_event(bridge, event_id)
            if mapped is None or not isinstance(kinds, dict):
                continue
            for mxid in (kinds.get("m.read") or {}):
                if config.is_ours(mxid):
                    continue
                found = MatrixUser.objects.filter(mxid=mxid, ghost=False).select_related("user").first()
                if found and RoomMember.objects.filter(room=bridge.room, user=found.user).exists():
                    actions.mark_read(user=found.user, room_id=bridge.room_id,
                                      seq=mapped.message.seq)
        return Outcome("read")
    return Outcome(f"ignored: {kind}")


def reaction_exists(message_id: int, user_id: int, emoji: str) -> bool:
    return Reaction.objects.filter(message_id=message_id, user_id=user_id, emoji=emoji).exists()


__all__ = ["DEVICE_ID"]
