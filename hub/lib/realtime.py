"""Live fan-out: the one place that talks to the channel layer.

Each server process runs one `Hub`. It holds every socket of the process, indexed by room and
by user, and one subscription to the channel layer group ``events``. An event is published
once, after the transaction that made it commits, as an *envelope*: a small dict naming its
audience (a room, or a list of users) and carrying the wire frame already serialised to JSON.
Every process receives it once and writes the same text to each of its local sockets: no
per-socket channel, no per-socket serialisation.

Message events carry the room's `seq`. The hub delivers them to its sockets strictly in seq
order: an event that arrives early (published by another process, or the missing one lost on
a Redis reconnect) waits briefly for the ones before it, and if they do not come they are
read back from the database, so clients see no gaps.

The database is the source of truth; events are a doorbell. Processes that hold no sockets
(the worker, management commands) publish straight to Redis, or, in the embedded default
where the in-memory layer does not cross processes, into the `LiveEvent` outbox table that
the web process drains.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

logger = logging.getLogger("hub.realtime")

GROUP = "events"
GAP_WAIT_SECONDS = 0.15
OUTBOX_POLL_SECONDS = 0.25
DISPATCH_BATCH = 32  # events dispatched, at most, before each socket's frames are written
# How long stopping waits for the hub's tasks, and then for the layer to close, before it
# leaves them (logged): a stop must end even if one of them does not.
STOP_WAIT_SECONDS = 5.0

Envelope = dict[str, Any]


class Socket(Protocol):
    """What the hub needs of a connected client (the WebSocket consumer)."""

    user_id: int
    rooms: set[int]

    def deliver_message(self, room: int, seq: int, text: str) -> Awaitable[None] | None: ...

    def deliver(self, text: str) -> Awaitable[None] | None: ...

    def joined(self, room: int, last_seq: int, text: str) -> Awaitable[None] | None: ...

    def left(self, room: int, text: str) -> Awaitable[None] | None: ...

    # "t<token id>" or "s<digest of the session key>": the credential the socket was opened
    # with, so that revoking one credential closes exactly its sockets.
    credential: str

    def revoke(self, code: int) -> Awaitable[None] | None: ...


# (room, after_seq, upto_seq) -> message envelopes in seq order, read from the database.
GapFiller = Callable[[int, int, int], Awaitable[list[Envelope]]]


def stop_requested() -> None:
    """Raise CancelledError in a loop of the hub whose task has been cancelled. A library
    awaited inside may swallow the cancellation (redis-py's publish, cancelled at the wrong
    moment, returns normally), and the loop would otherwise wait on its queue for ever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def uses_redis() -> bool:
    backend = str(settings.CHANNEL_LAYERS["default"]["BACKEND"])
    return "redis" in backend.lower()


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.server_id = uuid.uuid4().hex[:16]
        self.by_room: dict[int, set[Socket]] = {}
        self.by_user: dict[int, set[Socket]] = {}
        self.room_seq: dict[int, int] = {}
        # The newest seq of each room this process has been told of, sockets or not: a socket
        # registered after a message went by knows it must read it back (see add_to_room).
        self.latest: dict[int, int] = {}
        self.pending: dict[int, dict[int, Envelope]] = {}
        self.gap_tasks: dict[int, asyncio.Task] = {}
        self.inbox: asyncio.Queue[Envelope] = asyncio.Queue()
        self.outgoing: asyncio.Queue[Envelope] = asyncio.Queue()
        self.tasks: list[asyncio.Task] = []
        self.gap_filler: GapFiller | None = None
        self._layer: Any = None
        self._started = False

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.tasks.append(self.loop.create_task(self._dispatch_loop(), name="hub-dispatch"))
        if uses_redis():
            from channels.layers import get_channel_layer

            self._layer = get_channel_layer()
            channel = await self._layer.new_channel()
            await self._layer.group_add(GROUP, channel)
            self.tasks.append(self.loop.create_task(self._receive_loop(channel), name="hub-recv"))
            self.tasks.append(self.loop.create_task(self._publish_loop(), name="hub-pub"))
        else:
            self.tasks.append(self.loop.create_task(self._outbox_loop(), name="hub-outbox"))
        for background in _background:
            self.tasks.append(self.loop.create_task(background(self)))

    async def stop(self) -> None:
        for task in self.tasks + list(self.gap_tasks.values()):
            task.cancel()
        if asyncio.get_running_loop() is not self.loop:
            self.tasks.clear()  # another loop's tasks cannot be awaited here; cancelled is all
            return
        if self.tasks:
            _, still = await asyncio.wait(self.tasks, timeout=STOP_WAIT_SECONDS)
            for task in still:
                logger.error("the hub's task %s did not stop when cancelled", task.get_name())
        self.tasks.clear()
        if self._layer is not None:
            try:
                await asyncio.wait_for(self._layer.flush(), STOP_WAIT_SECONDS)
            except Exception:
                logger.exception("closing the channel layer failed")

    # --- sockets -----------------------------------------------------------------------------
    def register(self, sock: Socket, rooms: dict[int, int]) -> None:
        """Index a socket under its user and rooms; `rooms` maps room id to its last_seq as
        read from the database when the socket connected."""
        self.by_user.setdefault(sock.user_id, set()).add(sock)
        for room, last_seq in rooms.items():
            self.add_to_room(sock, room, last_seq)

    def unregister(self, sock: Socket) -> None:
        users = self.by_user.get(sock.user_id)
        if users is not None:
            users.discard(sock)
            if not users:
                del self.by_user[sock.user_id]
        for room in list(sock.rooms):
            self.remove_from_room(sock, room)

    def add_to_room(self, sock: Socket, room: int, last_seq: int) -> None:
        sock.rooms.add(room)
        self.by_room.setdefault(room, set()).add(sock)
        # A message that went by before the room had sockets here is committed: the new
        # socket reads it back, so the in-order delivery goes on after it.
        self.room_seq.setdefault(room, max(last_seq, self.latest.get(room, 0)))

    def newest_seq(self, room: int) -> int:
        """The newest seq of the room this process has dispatched or been told of."""
        return max(self.room_seq.get(room, 0), self.latest.get(room, 0))

    def remove_from_room(self, sock: Socket, room: int) -> None:
        sock.rooms.discard(room)
        members = self.by_room.get(room)
        if members is None:
            return
        members.discard(sock)
        if not members:
            del self.by_room[room]
            self.room_seq.pop(room, None)
            self.pending.pop(room, None)
            task = self.gap_tasks.pop(room, None)
            if task is not None:
                task.cancel()

    # --- publishing ----------------------------------------------------------------------------
    def publish_threadsafe(self, envelope: Envelope) -> None:
        """Called from any thread of this process once the change is committed."""
        target = self.outgoing if self._layer is not None else self.inbox
        self.loop.call_soon_threadsafe(target.put_nowait, envelope)

    async def _publish_loop(self) -> None:
        # One task publishes, in the order the commits announced themselves.
        while True:
            stop_requested()
            envelope = await self.outgoing.get()
            try:
                await self._layer.group_send(GROUP, {"type": "hub.event", "e": envelope})
            except Exception:
                logger.exception("publishing an event failed; clients will catch up by sync")

    async def _receive_loop(self, channel: str) -> None:
        while True:
            stop_requested()
            message = await self._layer.receive(channel)
            envelope = message.get("e")
            if envelope is not None:
                self.inbox.put_nowait(envelope)

    async def _outbox_loop(self) -> None:
        from channels.db import database_sync_to_async

        from hub.core.models import LiveEvent

        @database_sync_to_async
        def newest() -> int:
            row = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first()
            return row or 0

        @database_sync_to_async
        def after(last: int) -> list[tuple[int, Envelope]]:
            return list(
                LiveEvent.objects.filter(id__gt=last).order_by("id")
                .values_list("id", "envelope")[:1000]
            )

        last = await newest()
        while True:
            stop_requested()
            await asyncio.sleep(OUTBOX_POLL_SECONDS)
            try:
                rows = await after(last)
            except Exception:
                logger.exception("reading the live-event outbox failed")
                continue
            for row_id, envelope in rows:
                last = row_id
                self.inbox.put_nowait(envelope)

    # --- dispatch ------------------------------------------------------------------------------
    async def _dispatch_loop(self) -> None:
        # Events that queued up while the last ones were dispatched go out together: each
        # socket's frames of the batch are written in one piece (hub/lib/wsframe.py).
        from hub.lib import wsframe

        while True:
            stop_requested()
            batch = [await self.inbox.get()]
            while len(batch) < DISPATCH_BATCH and not self.inbox.empty():
                batch.append(self.inbox.get_nowait())
            wsframe.cork()
            try:
                for envelope in batch:
                    try:
                        await self.dispatch(envelope)
                    except Exception:
                        logger.exception("dispatching an event failed")
            finally:
                wsframe.uncork()

    async def dispatch(self, env: Envelope) -> None:
        kind = env.get("k")
        if kind == "message":
            await self._dispatch_message(env)
        elif kind == "join":
            await self._dispatch_join(env)
        elif kind == "leave":
            await self._dispatch_leave(env)
        elif kind == "close":
            await self._dispatch_close(env)
        else:
            await self._dispatch_plain(env)

    async def _dispatch_plain(self, env: Envelope) -> None:
        text: str = env["text"]
        per_user: dict[str, str] | None = env.get("per_user")
        exclude = env.get("exclude")
        targets: Iterable[Socket]
        if env.get("users") is not None:
            targets = [s for u in env["users"] for s in self.by_user.get(u, ())]
        elif env.get("room") is not None:
            targets = list(self.by_room.get(env["room"], ()))
        else:
            targets = [s for socks in self.by_user.values() for s in socks]
        for sock in targets:
            if exclude is not None and sock.user_id == exclude:
                continue
            result = sock.deliver(per_user.get(str(sock.user_id), text) if per_user else text)
            if result is not None:
                await result

    async def _dispatch_message(self, env: Envelope) -> None:
        room: int = env["room"]
        seq: int = env["seq"]
        if seq > self.latest.get(room, 0):
            self.latest[room] = seq
        if room not in self.by_room:
            return
        current = self.room_seq.get(room, seq - 1)
        if seq <= current:
            return  # already delivered (read back from the database while filling a gap)
        if seq > current + 1:
            self.pending.setdefault(room, {})[seq] = env
            if room not in self.gap_tasks:
                self.gap_tasks[room] = self.loop.create_task(self._fill_gap(room))
            return
        await self._deliver_in_order(room, seq, env)
        await self._drain_pending(room)

    async def _deliver_in_order(self, room: int, seq: int, env: Envelope) -> None:
        self.room_seq[room] = seq
        text: str = env["text"]
        per_user: dict[str, str] | None = env.get("per_user")
        for sock in list(self.by_room.get(room, ())):
            if per_user:
                result = sock.deliver_message(room, seq, per_user.get(str(sock.user_id), text))
            else:
                result = sock.deliver_message(room, seq, text)
            if result is not None:
                await result

    async def _drain_pending(self, room: int) -> None:
        waiting = self.pending.get(room)
        while waiting:
            nxt = self.room_seq.get(room, 0) + 1
            env = waiting.pop(nxt, None)
            if env is None:
                break
            await self._deliver_in_order(room, nxt, env)
        if not waiting:
            self.pending.pop(room, None)
            task = self.gap_tasks.pop(room, None)
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    async def _fill_gap(self, room: int) -> None:
        try:
            await asyncio.sleep(GAP_WAIT_SECONDS)
            waiting = self.pending.get(room)
            if not waiting or room not in self.room_seq or self.gap_filler is None:
                return
            upto = max(waiting)
            after = self.room_seq[room]
            envelopes = await self.gap_filler(room, after, upto)
            # Hand the read-back messages to the dispatch loop so ordering stays with it.
            for envelope in envelopes:
                waiting.setdefault(envelope["seq"], envelope)
            self.gap_tasks.pop(room, None)
            first = self.room_seq.get(room, after) + 1
            if first in waiting:
                self.inbox.put_nowait(waiting.pop(first))
            elif waiting:
                # Still missing (not committed yet?): skip ahead rather than stall forever.
                lowest = min(waiting)
                logger.warning("room %s: seqs %s..%s missing, skipping", room, first, lowest - 1)
                self.room_seq[room] = lowest - 1
                self.inbox.put_nowait(waiting.pop(lowest))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("filling a gap in room %s failed", room)
            self.gap_tasks.pop(room, None)

    async def _dispatch_join(self, env: Envelope) -> None:
        room: int = env["room"]
        last_seq: int = env["seq"]
        for user in env["users"]:
            for sock in list(self.by_user.get(user, ())):
                already = room in sock.rooms
                self.add_to_room(sock, room, last_seq)
                if not already:
                    result = sock.joined(room, last_seq, env["text"])
                    if result is not None:
                        await result

    async def _dispatch_leave(self, env: Envelope) -> None:
        room: int = env["room"]
        for user in env["users"]:
            for sock in list(self.by_user.get(user, ())):
                if room in sock.rooms:
                    self.remove_from_room(sock, room)
                    result = sock.left(room, env["text"])
                    if result is not None:
                        await result


    async def _dispatch_close(self, env: Envelope) -> None:
        """Close the sockets of `users` opened with one of `credentials` (every one when
        null), sparing those opened with one of `keep` (the browser that changed its own
        password goes on)."""
        credentials = set(env["credentials"]) if env.get("credentials") is not None else None
        keep = set(env.get("keep") or ())
        for user in env["users"]:
            for sock in list(self.by_user.get(user, ())):
                credential = getattr(sock, "credential", "")
                if credential in keep:
                    continue
                if credentials is not None and credential not in credentials:
                    continue
                result = sock.revoke(env.get("code", 4401))
                if result is not None:
                    await result


# --- the process's hub ---------------------------------------------------------------------------
_hub: Hub | None = None
_hub_lock = threading.Lock()
_gap_filler: GapFiller | None = None
_background: list[Callable[[Hub], Coroutine[Any, Any, None]]] = []


def configure(*, gap_filler: GapFiller,
              background: Iterable[Callable[[Hub], Coroutine[Any, Any, None]]] = ()) -> None:
    """Called once when the chat app is ready: how to read messages back from the database,
    and which background tasks every hub runs (presence heartbeats)."""
    global _gap_filler
    _gap_filler = gap_filler
    _background[:] = list(background)


async def get_hub() -> Hub:
    """The hub of the running event loop, started on first use."""
    global _hub
    loop = asyncio.get_running_loop()
    with _hub_lock:
        if _hub is None or _hub.loop is not loop or loop.is_closed():
            _hub = Hub(loop)
            _hub.gap_filler = _gap_filler
        hub = _hub
    await hub.start()
    return hub


def current_hub() -> Hub | None:
    hub = _hub
    if hub is None or hub.loop.is_closed() or not hub._started:
        return None
    return hub


async def reset_hub() -> None:
    """Stop and forget this process's hub (tests start each case with a fresh one)."""
    global _hub
    hub = _hub
    _hub = None
    if hub is not None and not hub.loop.is_closed():
        await hub.stop()


# --- publishing from anywhere --------------------------------------------------------------------
def publish(envelope: Envelope) -> None:
    """Send an envelope now. Callers are actions, after their transaction commits.

    Never raises: the change is already stored, and a client that misses its event catches
    up (a later message fills the gap; a reconnect syncs)."""
    try:
        hub = current_hub()
        if hub is not None:
            hub.publish_threadsafe(envelope)
        elif uses_redis():
            _publish_to_redis(envelope)
        else:
            from hub.core.models import LiveEvent

            LiveEvent.objects.create(envelope=envelope)
    except Exception:
        logger.exception("a live event could not be published")


def publish_on_commit(envelope: Envelope) -> None:
    transaction.on_commit(lambda: publish(envelope))


_redis_client: Any = None


def _publish_to_redis(envelope: Envelope) -> None:
    """Publish from a process without an event loop, in the pub/sub layer's own format."""
    global _redis_client
    import redis
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1,
                                             socket_timeout=2)
    config: Any = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    prefix = config.get("prefix", "asgi")
    payload = layer.serialize({"type": "hub.event", "e": envelope})
    _redis_client.publish(f"{prefix}__group__{GROUP}", payload)
