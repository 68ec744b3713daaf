"""The WebSocket endpoint `/ws/v1/`: one socket per client carries all of a user's rooms.

The consumer is thin: it authenticates, validates frames against `schemas`, calls the same
actions as the HTTP API, and registers itself with the process's `Hub`, which writes live
events to it. It has no channel-layer channel of its own.

Exactly-once, in-order delivery per socket: `delivered` holds, per room, the highest seq this
socket has been sent. While a sync runs the socket buffers live events; after the database
read it sends what the read did not cover and drops what it did.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import Awaitable
from typing import Any, TypeVar, cast

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http.cookie import parse_cookie
from pydantic import ValidationError

from hub.chat import actions, cards, presence
from hub.chat.schemas import FRAME_TYPES, client_frame
from hub.chat.serializers import dumps
from hub.lib import wsframe
from hub.lib.asgi import bearer_token
from hub.lib.errors import ApiError, from_exception, not_found
from hub.lib.http import loads, validation_detail
from hub.lib.realtime import Hub, get_hub

logger = logging.getLogger("hub.ws")
T = TypeVar("T")

UNAUTHORIZED_CLOSE = 4401
TOO_SLOW_CLOSE = 4408
BACKLOG_CHECK_EVERY = 32
DRAIN_TIMEOUT = 60.0
IMPLICIT_SYNC_AFTER = 2.0
TYPING_EVERY = 2.0
MAX_FRAME_CHARS = 64 * 1024


READ_TICK = 0.05
READ_ATTEMPTS = 2


class ReadBatcher:
    """This process's `read` frames, written together (`actions.mark_reads`): the first one
    waits a tick for others, one batch is in flight at a time, and what arrives meanwhile
    goes in the next. Per person and room only the highest position counts."""

    def __init__(self) -> None:
        self.pending: dict[tuple[int, int], int] = {}
        self.task: asyncio.Task[None] | None = None

    def push(self, user_id: int, room_id: int, seq: int) -> None:
        key = (user_id, room_id)
        if seq > self.pending.get(key, -1):
            self.pending[key] = seq
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self.pending:
            await asyncio.sleep(READ_TICK)
            batch, self.pending = self.pending, {}
            reads = [(user, room, seq) for (user, room), seq in batch.items()]
            for attempt in range(1, READ_ATTEMPTS + 1):
                try:
                    await db(actions.mark_reads)(reads)
                    break
                except Exception:
                    # A read position is the client's to send again (its next read carries
                    # the newest); a database that is away must not grow this forever.
                    logger.exception("writing %s read positions failed (attempt %s)",
                                     len(reads), attempt)
                    await asyncio.sleep(1.0)


# One batcher of each kind per event loop (a test's loop, or the server's one).
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[type, Any]] = (
    weakref.WeakKeyDictionary())


def _per_loop(kind: type[T]) -> T:
    mine = _batchers.setdefault(asyncio.get_running_loop(), {})
    if kind not in mine:
        mine[kind] = kind()
    return cast(T, mine[kind])


def read_batcher() -> ReadBatcher:
    return _per_loop(ReadBatcher)


def db(fn: Any) -> Any:
    """Run ORM work off the event loop. SQLite takes it on one thread; PostgreSQL on a pool."""
    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    return database_sync_to_async(fn, thread_sensitive=sqlite)


# Hand-written, like presence's: every socket's first trip asks it.
_ROOM_STATES = (
    "SELECT m.user_id, m.room_id, r.last_seq FROM chat_roommember m "
    "JOIN chat_room r ON r.id = m.room_id WHERE m.user_id IN ({})"
)


def _room_states(user_ids: list[int]) -> dict[int, dict[int, int]]:
    """Each user's rooms, each with its newest seq."""
    states: dict[int, dict[int, int]] = {user: {} for user in user_ids}
    people = sorted(states)
    with connection.cursor() as cursor:
        for start in range(0, len(people), presence.UPSERT_CHUNK):
            chunk = people[start:start + presence.UPSERT_CHUNK]
            cursor.execute(_ROOM_STATES.format(", ".join(["%s"] * len(chunk))), chunk)
            for user, room, seq in cursor.fetchall():
                states[user][room] = seq
    return states


def _credential(kind: str, value: str) -> tuple[Any, Any]:
    """A socket's credential resolved: (the token row or (user, expiry), the user), or
    (None, None) when it does not (or no longer does) let anyone in."""
    from hub.org.actions import session_user, token_row

    found: Any
    if kind == "token":
        found = token_row(token=value)
        user = found.user if found is not None else None
    else:
        found = session_user(session_key=value)
        user = found[0] if found is not None else None
    if user is None or user.must_change_password:
        return None, None
    return found, user


def _open_many(*, sockets: list[tuple[str, str]], server: str) -> list[tuple[Any, dict[int, int]]]:
    """The first trip to the database of sockets opening together, in one transaction: each
    one's credential (`("token", token)` or `("session", key)`), and for those let in
    presence and the rooms. Per socket: (the token row or (user, expiry), or None; rooms)."""
    with transaction.atomic():
        resolved = []
        for kind, value in sockets:
            try:
                resolved.append(_credential(kind, value))
            except DatabaseError:
                raise
            except Exception:  # a malformed credential lets nobody in; the others go on
                logger.exception("a socket's credential could not be read")
                resolved.append((None, None))
        users = [user.id for _, user in resolved if user is not None]
        announcements = presence.connected_many(server=server, user_ids=users)
        states = _room_states(users)
        for envelope in announcements:
            transaction.on_commit(functools.partial(presence.publish, envelope))
    return [(row, states[user.id]) if user is not None else (None, {})
            for row, user in resolved]


# Sockets opening while a trip is under way wait for the next one; a trip takes at most this
# many, so that the first of a storm are not held back by the last.
OPEN_BATCH = 200


class OpenBatcher:
    """Sockets of this process that open while an earlier trip is under way share the next
    trip to the database: one hop to the database thread and one transaction for up to
    `OPEN_BATCH` sockets, instead of one each. A socket opening alone goes at once."""

    def __init__(self) -> None:
        self.waiting: list[tuple[str, str, asyncio.Future[Any]]] = []
        self.task: asyncio.Task[None] | None = None

    async def open(self, kind: str, value: str, server: str) -> tuple[Any, dict[int, int]]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append((kind, value, future))
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run(server))
        result: tuple[Any, dict[int, int]] = await future
        return result

    async def _run(self, server: str) -> None:
        batch: list[tuple[str, str, asyncio.Future[Any]]] = []
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:OPEN_BATCH], self.waiting[OPEN_BATCH:]
                try:
                    results = await db(_open_many)(
                        sockets=[(kind, value) for kind, value, _ in batch], server=server)
                except Exception as exc:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, _, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        except BaseException:
            # Cancelled (the process is stopping): nobody may wait for a trip that never comes.
            for _, _, future in batch + self.waiting:
                if not future.done():
                    future.cancel()
            self.waiting = []
            raise


def open_batcher() -> OpenBatcher:
    return _per_loop(OpenBatcher)


def _token_expiry(token_id: int) -> Any:
    from hub.org.actions import token_expiry

    return token_expiry(token_id=token_id)


def _session_valid(session_key: str, user_id: int) -> Any:
    from hub.org.actions import session_valid

    return session_valid(session_key=session_key, user_id=user_id)


class ChatConsumer(AsyncWebsocketConsumer):
    user: Any = None
    hub: Hub | None = None
    proto: Any = None
    credential = ""
    token_id: int | None = None
    session_key: str | None = None
    expiry_check: asyncio.TimerHandle | None = None
    first_expiry: float | None = None
    open_states: dict[int, int] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' own, less what this consumer does not use: no channel layer (the
        process's hub holds the one subscription, so a socket has no channel of its own),
        and the client's messages awaited one after another instead of through a new task
        and an `asyncio.wait` each, which is how Channels listens to two sources at once."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without the trip to the shared sync thread it makes before every
        handler to close stale database connections: each of this consumer's database calls
        runs through `database_sync_to_async`, which does that on the thread it runs on. Under
        a storm those extra trips queued every frame behind one thread."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection --------------------------------------------------------------------------
    async def connect(self) -> None:
        self.rooms: set[int] = set()
        self.delivered: dict[int, int] = {}
        self.syncing = True
        self.synced_once = False
        self.client_synced = False
        self.buffer: list[tuple[int | None, int, str]] = []
        self.sync_lock = asyncio.Lock()
        self.last_typing: dict[int, float] = {}
        self.writes = 0
        self.too_slow = False
        self.catching_up = False
        # Accepted before the database is asked: in a reconnect storm the handshakes finish
        # at once instead of timing out in the server while the lookups queue.
        await self.accept()
        self.proto = wsframe.find_protocol(self.base_send)
        hub = await get_hub()
        token = self._bearer()
        if token:
            row, states = await open_batcher().open("token", token, hub.server_id)
            self.user = self._from_token(row)
        else:
            session_key = self._session_cookie()
            found, states = (None, {})
            if session_key:
                found, states = await open_batcher().open("session", session_key,
                                                          hub.server_id)
            self.user = self._from_session(found, session_key)
        if self.user is None:
            await self.close(code=UNAUTHORIZED_CLOSE)
            return
        self.user_id = self.user.id
        self.hub = hub
        self.delivered.update(states)
        self.hub.register(self, states)
        # What the first sync may use instead of reading the rooms again: the rooms as read
        # on opening, each up to the newest seq this process had already been told of before
        # the socket was registered (those are committed, and the socket missed them live);
        # whatever is dispatched from here on is buffered until the sync is done.
        self.open_states = {room: max(seq, hub.newest_seq(room)) for room, seq in states.items()}
        self.implicit = asyncio.get_running_loop().call_later(
            IMPLICIT_SYNC_AFTER, lambda: asyncio.ensure_future(self._release())
        )
        await self._check_credential(first=True)

    async def disconnect(self, code: int) -> None:
        if self.expiry_check is not None:
            self.expiry_check.cancel()
        if self.hub is None or self.user is None:
            return
        self.implicit.cancel()
        self.hub.unregister(self)
        try:
            await db(presence.disconnected)(server=self.hub.server_id, user_id=self.user_id)
        except Exception:
            logger.exception("presence update on disconnect failed")

    def _bearer(self) -> str | None:
        return bearer_token(self.scope)

    def _from_token(self, row: Any) -> Any:
        if row is None:
            return None
        self.token_id = row.id
        self.credential = f"t{row.id}"
        self.first_expiry = row.expiry.timestamp()
        return row.user

    def _session_cookie(self) -> str | None:
        """The browser's session key from its Cookie header (Django's own session cookie)."""
        for name, value in self.scope.get("headers", []):
            if name == b"cookie":
                key = parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
                return key or None
        return None

    def _from_session(self, found: Any, session_key: str | None) -> Any:
        if found is None or not session_key:
            return None
        from hub.org.actions import session_credential

        user, expiry = found
        self.session_key = session_key
        self.credential = session_credential(session_key)
        self.first_expiry = expiry
        return user

    async def _check_credential(self, *, first: bool = False) -> None:
        """Close the socket once its token or session has expired; until then look again
        when it would expire (use elsewhere may have moved that time on)."""
        self.expiry_check = None
        if self.user is None or (self.token_id is None and not self.session_key):
            return
        if first:
            expiry = self.first_expiry
        elif self.token_id is not None:
            expiry = await db(_token_expiry)(self.token_id)
        elif self.session_key:
            expiry = await db(_session_valid)(self.session_key, self.user_id)
        else:
            return
        if expiry is None:
            await self.revoke(UNAUTHORIZED_CLOSE)
            return
        delay = max(1.0, min(expiry - time.time() + 0.5, 3600.0))
        self.expiry_check = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self._check_credential()))

    async def revoke(self, code: int) -> None:
        """The credential is gone (revoked, expired, the person deactivated): close now."""
        if self.expiry_check is not None:
            self.expiry_check.cancel()
            self.expiry_check = None
        if self.hub is not None:
            self.hub.unregister(self)  # nothing more reaches it while it closes
        await self.close(code=code)

    # --- what the hub calls ----------------------------------------------------------------------
    def _write(self, text: str) -> Awaitable[None] | None:
        """Send a frame: straight onto the connection under Daphne (see hub/lib/wsframe.py),
        else through ASGI. Returns an awaitable only in the second case."""
        proto = self.proto
        if proto is not None:
            wsframe.write(proto, text)
            self.writes += 1
            if (self.writes % BACKLOG_CHECK_EVERY == 0 and not self.too_slow
                    and not self.catching_up):
                self._check_backlog()
            return None
        return self.base_send({"type": "websocket.send", "text": text})

    async def _emit(self, text: str) -> None:
        result = self._write(text)
        if result is not None:
            await result

    def _check_backlog(self) -> None:
        """A client that cannot keep up is disconnected, never silently skipped: it reconnects
        and catches up with `sync`. Its unbounded buffer would otherwise grow in our memory."""
        if wsframe.backlog(self.proto) > settings.HUITONG_SOCKET_MAX_BUFFER:
            self.too_slow = True
            logger.warning("closing a socket of user %s that fell behind", self.user_id)
            asyncio.ensure_future(self.close(code=TOO_SLOW_CLOSE))

    def deliver_message(self, room: int, seq: int, text: str) -> Awaitable[None] | None:
        if self.syncing:
            self.buffer.append((room, seq, text))
            return None
        if seq <= self.delivered.get(room, 0):
            return None
        self.delivered[room] = seq
        return self._write(text)

    def deliver(self, text: str) -> Awaitable[None] | None:
        if self.syncing:
            self.buffer.append((None, 0, text))
            return None
        return self._write(text)

    def joined(self, room: int, last_seq: int, text: str) -> Awaitable[None] | None:
        self.delivered[room] = max(self.delivered.get(room, 0), last_seq)
        result = self.deliver(text)
        assert self.hub is not None
        if self.hub.room_seq.get(room, last_seq) > last_seq:
            # Messages of the room were dispatched here before we joined its index.
            asyncio.ensure_future(self._catch_up({room: last_seq}, announce=False))
        return result

    def left(self, room: int, text: str) -> Awaitable[None] | None:
        self.delivered.pop(room, None)
        return self.deliver(text)

    # --- sync ---------------------------------------------------------------------------------
    async def _release(self) -> None:
        """A client that never sends `sync` gets live events after a moment all the same."""
        if not self.synced_once:
            await self._catch_up({}, announce=False)

    async def _catch_up(self, requested: dict[int, int], *, announce: bool) -> None:
        """Send every message after the requested seqs, then what arrived meanwhile."""
        assert self.hub is not None
        async with self.sync_lock:
            self.syncing = True
            self.synced_once = True
            try:
                if self.open_states is not None:
                    # The first catch-up after opening: no second read of the rooms (in a
                    # reconnect storm every socket's second read queued behind every
                    # socket's first). Rooms joined or left since came as events, which
                    # the socket's room set already reflects.
                    states = {room: seq for room, seq in self.open_states.items()
                              if room in self.rooms}
                    for room in self.rooms - states.keys():  # joined since: up to its join
                        states[room] = self.delivered.get(room, 0)
                    self.open_states = None
                else:
                    states = (await db(_room_states)([self.user_id]))[self.user_id]
                    for room, last_seq in states.items():
                        if room not in self.rooms:
                            self.hub.add_to_room(self, room, last_seq)
                    for room in list(self.rooms - states.keys()):
                        self.hub.remove_from_room(self, room)
                        self.delivered.pop(room, None)
                first_sync = announce and not self.client_synced
                for room, last_seq in states.items():
                    seen = requested.get(room)
                    if seen is None:
                        if first_sync or room not in self.delivered:
                            # The protocol: rooms a first sync does not name count as seen.
                            self.delivered[room] = last_seq
                        else:
                            # Later syncs (a gap in one room) and implicit catch-ups leave the
                            # other rooms live: resend only what this socket has not had.
                            seen = self.delivered[room]
                    if seen is not None:
                        await self._send_history(room, seen, last_seq)
                        self.delivered[room] = max(last_seq, min(seen, last_seq))
                unknown = [r for r in requested if r not in states]
                for room in unknown:
                    await self._error("not_found", f"会话 {room} 不存在或无权访问", None)
                if announce:
                    self.client_synced = True
                    await self._emit('{"type":"synced"}')
            finally:
                await self._flush()

    async def _send_history(self, room: int, after: int, upto: int) -> None:
        while after < upto:
            page = await db(actions.messages_after)(room_id=room, after_seq=after,
                                                    upto_seq=upto, limit=500)
            if not page:
                break
            self.catching_up = True
            try:
                for message in page:
                    message = cards.for_viewer(message, self.user_id)
                    await self._emit(dumps({"type": "message", "message": message}))
            finally:
                self.catching_up = False
            after = page[-1]["seq"]
            await self._drain()

    async def _drain(self) -> None:
        """Let the client take what history we wrote before reading the next page."""
        if self.proto is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_TIMEOUT
        while wsframe.backlog(self.proto) > settings.HUITONG_SOCKET_MAX_BUFFER // 4:
            if loop.time() > deadline:
                raise ConnectionError("client not reading")
            await asyncio.sleep(0.01)

    async def _flush(self) -> None:
        while self.buffer:
            pending, self.buffer = self.buffer, []
            for room, seq, text in pending:
                if room is None:
                    await self._emit(text)
                elif seq > self.delivered.get(room, 0):
                    self.delivered[room] = seq
                    await self._emit(text)
        self.syncing = False

    # --- frames from the client ------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.user is None:
            return
        ref = None
        try:
            if text_data is None:
                raise ApiError("bad_request", "只接受 JSON 文本帧")
            if len(text_data) > MAX_FRAME_CHARS:
                raise ApiError("too_large", "帧过大")
            raw = loads(text_data, what="帧")
            if not isinstance(raw, dict):
                raise ApiError("bad_request", "帧必须是 JSON 对象")
            ref = raw.get("client_id") if isinstance(raw.get("client_id"), str) else None
            if raw.get("type") not in FRAME_TYPES:
                raise ApiError("bad_request", f"未知的帧类型：{str(raw.get('type'))[:40]}")
            try:
                frame = client_frame.validate_python(raw)
            except ValidationError as exc:
                raise ApiError("bad_request", validation_detail(exc)) from exc
            await getattr(self, f"on_{frame.type}")(frame)
        except Exception as exc:
            error = from_exception(exc)
            if error is None:
                # Our failure, not the client's: never `bad_request`, which a client trusts
                # to mean "do not retry".
                logger.exception("frame from user %s failed", getattr(self, "user_id", None))
                await self._error("server_error", "服务器处理该帧时出错", ref)
                return
            if not isinstance(exc, ApiError):
                logger.warning("frame from user %s answered %s: %r",
                               getattr(self, "user_id", None), error.code, exc)
            await self._error(error.code, error.detail, ref)

    async def _error(self, code: str, detail: str, ref: str | None) -> None:
        await self._emit(dumps({"type": "error", "code": code, "detail": detail, "ref": ref}))

    async def _ensure_live(self) -> None:
        if not self.synced_once:
            self.implicit.cancel()
            await self._catch_up({}, announce=False)

    async def on_sync(self, frame: Any) -> None:
        self.implicit.cancel()
        requested = {}
        for key, seq in frame.rooms.items():
            if not key.isdigit():
                raise ApiError("bad_request", "sync.rooms 的键必须是会话 id")
            requested[int(key)] = seq
        await self._catch_up(requested, announce=True)

    async def on_send(self, frame: Any) -> None:
        await self._ensure_live()
        result = await db(actions.send_message)(
            sender=self.user, room_id=frame.room, body=frame.body, client_id=frame.client_id,
            reply_to=frame.reply_to, attachment_ids=frame.attachments, topic=frame.topic,
            thread=frame.thread,
        )
        await self._emit(dumps({"type": "ack", "client_id": frame.client_id,
                                 "message": cards.for_viewer(result.message, self.user_id)}))

    async def on_read(self, frame: Any) -> None:
        if frame.room not in self.rooms:
            raise not_found("会话")
        read_batcher().push(self.user_id, frame.room, frame.seq)

    async def on_typing(self, frame: Any) -> None:
        now = time.monotonic()
        if now - self.last_typing.get(frame.room, 0.0) < TYPING_EVERY:
            return
        self.last_typing[frame.room] = now
        await db(actions.typing)(user=self.user, room_id=frame.room)

    async def on_action(self, frame: Any) -> None:
        params = frame.model_dump(exclude={"type", "message", "action"}, exclude_none=True)
        message = await db(cards.press)(user=self.user, message_id=frame.message,
                                        action=frame.action, params=params)
        if frame.client_id:
            await self._emit(dumps({"type": "ack", "client_id": frame.client_id,
                                     "message": message}))

    async def on_ping(self, frame: Any) -> None:
        await self._emit('{"type":"pong"}')

    async def on_presence(self, frame: Any) -> None:
        assert self.hub is not None
        await presence.set_away(server=self.hub.server_id, user_id=self.user_id,
                                away=frame.status == "away")
