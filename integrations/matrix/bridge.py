"""The bridge process: the application-service endpoint, Huitong → Matrix (a seq cursor per
room and the outbox) and Matrix → Huitong (the stored transactions), in one asyncio loop.
The database work runs in one thread through `db`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import ClientSession, ClientTimeout, web
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from integrations.matrix import gate, store
from integrations.matrix.appservice import make_app
from integrations.matrix.client import AppserviceClient, MatrixError, check
from integrations.matrix.config import APPSERVICE_ID, BOT_LOCALPART, DEVICE_ID, Config

logger = logging.getLogger("hub.matrix")
T = TypeVar("T")
POLL = 0.1
FILE_TYPES = ("m.file", "m.image", "m.video", "m.audio")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    def run() -> T:
        close_old_connections()
        return fn(*args, **kwargs)

    return await sync_to_async(run, thread_sensitive=True)()


class Bridge:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.session: ClientSession | None = None
        self.clients: dict[tuple[str, str | None], AppserviceClient] = {}
        self.ready_ghosts: dict[int, str] = {}
        self.joined: set[tuple[int, int]] = set()
        self.pumps: dict[int, asyncio.Task[None]] = {}
        self.inbound_bell = asyncio.Event()
        self.upload_limit: int | None = None
        self.stopping = asyncio.Event()
        self.homeserver_lost = asyncio.Event()

    # --- clients and ghosts ---------------------------------------------------------------------
    def client(self, mxid: str, device: str | None = DEVICE_ID) -> AppserviceClient:
        key = (mxid, device)
        if key not in self.clients:
            self.clients[key] = AppserviceClient(
                self.config.homeserver, as_token=self.config.as_token, user_id=mxid,
                device_id=device, session=self.session)
        return self.clients[key]

    @property
    def bot(self) -> AppserviceClient:
        return self.client(self.config.bot_mxid)

    async def prepare_bot(self) -> None:
        await self.client(self.config.bot_mxid, None).ensure_device(DEVICE_ID, "汇通桥接")
        with contextlib.suppress(MatrixError):
            check(await self.bot.set_displayname("汇通"))

    async def ghost(self, user_id: int) -> AppserviceClient:
        mxid = self.ready_ghosts.get(user_id)
        if mxid is None:
            ghost = await db(store.ghost_for, self.config, user_id)
            if not ghost.registered or ghost.current_name != ghost.display_name:
                await self.client(self.config.bot_mxid, None).register_appservice_user(
                    ghost.localpart)
                await self.client(ghost.mxid, None).ensure_device(DEVICE_ID, "汇通桥接")
                check(await self.client(ghost.mxid).set_displayname(ghost.display_name))
                await db(store.ghost_registered, user_id, ghost.display_name)
            mxid = self.ready_ghosts[user_id] = ghost.mxid
        return self.client(mxid)

    async def joined_ghost(self, user_id: int, bridge: store.BridgeInfo) -> AppserviceClient:
        client = await self.ghost(user_id)
        key = (user_id, bridge.id)
        if key in self.joined:
            return client
        if not await db(store.ghost_joined, user_id, bridge.id):
            response = await client.join(bridge.matrix_room_id)
            if type(response).__name__.endswith("Error"):
                # An invite-only room: the bot (a member) invites the ghost first.
                check(await self.bot.room_invite(bridge.matrix_room_id, client.user_id))
                check(await client.join(bridge.matrix_room_id))
            await db(store.set_ghost_joined, user_id, bridge.id, True)
        self.joined.add(key)
        return client

    # --- Huitong → Matrix ---------------------------------------------------------------------------
    async def pump(self, bridge: store.BridgeInfo) -> None:
        """Send what waits in one room, in order, until nothing does."""
        while not self.stopping.is_set():
            plans = await db(store.plan_messages, self.config, bridge.id)
            for plan in plans:
                await self.send_plan(bridge, plan)
            steps = await db(store.outbox_steps, self.config, bridge.id)
            done = 0
            for step in steps:
                if step.action == "wait":
                    break
                await self.run_step(bridge, step)
                done += 1
            if not plans and not done:
                return

    async def send_plan(self, bridge: store.BridgeInfo, plan: store.Plan) -> None:
        if plan.action == "skip":
            await db(store.advance, bridge.id, plan.seq)
            return
        if plan.action == "withhold":
            notice = None
            if await db(store.notice_withheld, bridge.id):
                response = check(await self.bot.room_send(
                    bridge.matrix_room_id, "m.room.message",
                    {"msgtype": "m.notice", "body": gate.WITHHELD_NOTICE},
                    tx_id=f"ht{plan.message_id}w"))
                notice = response.event_id
            await db(store.record_withheld, bridge.id, plan, notice)
            return
        client = await self.joined_ghost(plan.sender_id, bridge)
        events: list[tuple[str, str]] = []
        try:
            for part, txn, content in plan.contents:
                response = await self.send_as(client, bridge, "m.room.message", content, txn,
                                              plan.sender_id)
                events.append((part, response.event_id))
            for file in plan.files:
                content = await self.file_content(client, file)
                response = await self.send_as(client, bridge, "m.room.message", content,
                                              file.txn_id, plan.sender_id)
                events.append((store.Part.FILE, response.event_id))
        except MatrixError as error:
            if not error.status or error.status >= 500 or error.status == 429:
                raise  # the homeserver is away or busy: the same sends are tried again
            # It will never take this one (too large, not allowed): go on without it.
            logger.error("Matrix refused message %s: %s", plan.message_id, error)
        await db(store.record_sent, bridge.id, plan, events)

    async def send_as(self, client: AppserviceClient, bridge: store.BridgeInfo, event_type: str,
                      content: dict[str, Any], txn: str, user_id: int | None) -> Any:
        response = await client.room_send(bridge.matrix_room_id, event_type, content,
                                          tx_id=txn, ignore_unverified_devices=True)
        if type(response).__name__.endswith("Error") and user_id is not None \
                and response.status_code == "M_FORBIDDEN":
            # The ghost is no longer in the room (kicked, or left on Matrix): join again.
            self.joined.discard((user_id, bridge.id))
            await db(store.set_ghost_joined, user_id, bridge.id, False)
            client = await self.joined_ghost(user_id, bridge)
            response = await client.room_send(bridge.matrix_room_id, event_type, content,
                                              tx_id=txn, ignore_unverified_devices=True)
        return check(response)

    async def file_content(self, client: AppserviceClient, file: store.FileOut) -> dict[str, Any]:
        if self.upload_limit is None:
            response = await client.content_repository_config()
            self.upload_limit = getattr(response, "upload_size", None) or 0
        if self.upload_limit and file.size > self.upload_limit:
            # Checked before reading a byte: the file stays in Huitong.
            return {"msgtype": "m.notice",
                    "body": f"（文件“{file.name}”超过 Matrix 服务器的大小限制，未转发）"}

        def provider(got_429: int, got_timeouts: int) -> Any:
            return open(file.path, "rb")  # noqa: SIM115 - nio reads and closes it

        response, _ = await client.upload(provider, content_type=file.mime,
                                          filename=file.name, filesize=file.size)
        upload = check(response)
        from integrations.matrix import render

        return render.file_content(name=file.name, mime=file.mime, size=file.size,
                                   url=upload.content_uri)

    async def run_step(self, bridge: store.BridgeInfo, step: store.Step) -> None:
        event_id = None
        room = bridge.matrix_room_id
        try:
            if step.action == "send":
                assert step.content is not None
                if step.user_id is None:
                    client = self.bot
                else:
                    client = await self.joined_ghost(step.user_id, bridge)
                response = await self.send_as(client, bridge, step.event_type, step.content,
                                              f"hto{step.row_id}", step.user_id)
                event_id = response.event_id
            elif step.action == "redact":
                client = (self.bot if step.user_id is None
                          else await self.joined_ghost(step.user_id, bridge))
                for n, target in enumerate(step.events):
                    response = await client.room_redact(room, target, tx_id=f"hto{step.row_id}r{n}")
                    if type(response).__name__.endswith("Error") and client is not self.bot:
                        response = await self.bot.room_redact(room, target,
                                                              tx_id=f"hto{step.row_id}b{n}")
                    check(response)
            elif step.action == "receipt" and step.user_id is not None:
                client = await self.joined_ghost(step.user_id, bridge)
                # An unthreaded receipt: nio's method always names a thread.
                await client.call("POST", f"/_matrix/client/v3/rooms/{quote(room, safe='')}"
                                  f"/receipt/m.read/{quote(step.events[0], safe='')}", {})
            elif step.action == "typing" and step.user_id is not None:
                client = await self.joined_ghost(step.user_id, bridge)
                check(await client.room_typing(room, True, 5000))
            elif step.action == "join":
                for user_id in step.users:
                    await self.joined_ghost(user_id, bridge)
            elif step.action == "leave":
                for user_id in step.users:
                    client = await self.ghost(user_id)
                    with contextlib.suppress(MatrixError):
                        check(await client.room_leave(room))
                    self.joined.discard((user_id, bridge.id))
                    await db(store.set_ghost_joined, user_id, bridge.id, False)
        except MatrixError as error:
            if error.status and 400 <= error.status < 500 and error.status != 429:
                # The homeserver will not take it (a permission, a removed event): drop it.
                logger.warning("Matrix refused %s of outbox row %s: %s", step.action,
                               step.row_id, error)
            else:
                raise
        await db(store.finish_step, bridge.id, step, event_id)

    async def outbound(self) -> None:
        while not self.stopping.is_set():
            try:
                bridges = {b.id: b for b in await db(store.active_bridges)}
                for bridge_id in await db(store.bridges_with_work):
                    task = self.pumps.get(bridge_id)
                    if bridge_id in bridges and (task is None or task.done()):
                        self.pumps[bridge_id] = asyncio.create_task(
                            self._pump_safely(bridges[bridge_id]))
            except Exception:
                logger.exception("outbound scan failed")
                await asyncio.sleep(1)
            await asyncio.sleep(POLL)

    async def _pump_safely(self, bridge: store.BridgeInfo) -> None:
        try:
            await self.pump(bridge)
        except Exception as error:  # the homeserver is away, or the database: try again
            logger.warning("sending to %s paused: %s", bridge.matrix_room_id, error)
            self.homeserver_lost.set()
            await asyncio.sleep(1)

    async def catch_up(self) -> None:
        """Read each bridged room's recent history and keep what no transaction brought.
        Synapse queues events for an application service in memory: when it stops, those
        are gone. Run at start, after the homeserver was unreachable, and every few
        minutes."""
        while not self.stopping.is_set():
            try:
                await self.announce()
                for bridge in await db(store.active_bridges):
                    await self.backfill(bridge)
                self.homeserver_lost.clear()
            except Exception as error:
                logger.warning("catching up with the homeserver failed: %s", error)
                await asyncio.sleep(2)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.homeserver_lost.wait(), timeout=300)
            # Give the homeserver time to come back before reading history.
            while self.homeserver_lost.is_set() and not self.stopping.is_set():
                try:
                    await self.bot.call("GET", "/_matrix/client/versions")
                    break
                except Exception:
                    await asyncio.sleep(1)

    async def backfill(self, bridge: store.BridgeInfo) -> None:
        since = await db(store.backfill_since, bridge.id)
        if since is None:
            return
        path = f"/_matrix/client/v3/rooms/{quote(bridge.matrix_room_id, safe='')}/messages"
        events: list[dict[str, Any]] = []
        token = ""
        for _ in range(5):  # up to 500 events back
            query = "?dir=b&limit=100" + (f"&from={quote(token, safe='')}" if token else "")
            page = await self.bot.call("GET", path + query)
            chunk = [e for e in page.get("chunk", []) if isinstance(e, dict)]
            events.extend(chunk)
            token = page.get("end") or ""
            if not token or not chunk or min(e.get("origin_server_ts", 0) for e in chunk) < since:
                break
        added = await db(store.backfill, self.config, bridge.id, events)
        if added:
            logger.warning("%s events of %s came from its history, not a transaction", added,
                           bridge.matrix_room_id)
            self.inbound_bell.set()

    # --- Matrix → Huitong ------------------------------------------------------------------------------
    async def store_txn(self, txn_id: str, body: dict[str, Any]) -> bool:
        return await db(store.store_transaction, txn_id, body)

    async def inbound(self) -> None:
        while not self.stopping.is_set():
            try:
                rows = await db(store.pending_events)
                for row in rows:
                    await self.apply(row)
            except Exception:
                logger.exception("applying Matrix events failed")
                await asyncio.sleep(1)
                continue
            if not rows:
                self.inbound_bell.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.inbound_bell.wait(), timeout=1.0)

    async def apply(self, row: Any) -> None:
        event = row.payload
        content = store.as_dict(event.get("content"))
        file = None
        refused = ""
        path: Path | None = None
        if (not row.ephemeral and event.get("type") == "m.room.message"
                and content.get("msgtype") in FILE_TYPES
                and not self.config.is_ours(str(event.get("sender", "")))):
            path, refused = await self.download(content)
            if path is not None:
                name = str(content.get("filename") or content.get("body") or "file")
                mime = str((content.get("info") or {}).get("mimetype") or "")
                file = (path, name, mime)
        try:
            outcome = await db(store.apply_event, self.config, row.id, file, refused)
        finally:
            if path is not None:
                _remove(path)
        if outcome.refuse_notice or refused == "too_large":
            text = gate.REFUSED_NOTICE if outcome.refuse_notice else (
                f"文件超过汇通的大小限制（{settings.HUITONG_MAX_UPLOAD_BYTES // (1024 * 1024)} MB），"
                "未转入汇通。")
            with contextlib.suppress(MatrixError):
                check(await self.bot.room_send(row.matrix_room_id, "m.room.message",
                                               {"msgtype": "m.notice", "body": text},
                                               tx_id=f"in{row.id}"))

    async def download(self, content: dict[str, Any]) -> tuple[Path | None, str]:
        """The file of a file message in a temporary file, or why it was not read. The
        announced size is checked before reading, and the count of bytes while reading."""
        limit = settings.HUITONG_MAX_UPLOAD_BYTES
        info = store.as_dict(content.get("info"))
        size = info.get("size")
        if isinstance(size, int) and size > limit:
            return None, "too_large"
        url = content.get("url")
        if not isinstance(url, str) or not url.startswith("mxc://"):
            return None, "no file (encrypted or missing)"
        handle, name = tempfile.mkstemp(prefix="matrix-")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                async for chunk in self.bot.stream_media(url, limit=limit):
                    out.write(chunk)
        except MatrixError as error:
            _remove(path)
            if error.errcode == "too_large":
                return None, "too_large"
            if error.status and 400 <= error.status < 500:
                return None, f"file not found ({error.status})"
            raise
        except BaseException:
            _remove(path)
            raise
        return path, ""

    # --- the process ---------------------------------------------------------------------------------------
    async def announce(self) -> None:
        """Make the bot's device and ask for a ping, which makes the homeserver deliver at
        once what it could not while the bridge was away; until the homeserver answers."""
        delay = 0.5
        while not self.stopping.is_set():
            try:
                await self.prepare_bot()
                await self.client(self.config.bot_mxid, None).ping(APPSERVICE_ID)
                return
            except Exception as error:
                logger.info("homeserver not ready (%s); retrying", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def prune(self) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(Exception):
                await db(store.prune_inbound)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=3600)

    async def run(self) -> None:
        self.session = ClientSession(timeout=ClientTimeout(total=60))
        app = make_app(hs_token=self.config.hs_token, store=self.store_txn,
                       on_stored=self.inbound_bell.set)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.listen_host, self.config.listen_port)
        await site.start()
        logger.info("Matrix bridge listening on %s:%s as %s", self.config.listen_host,
                    self.config.listen_port, self.config.bot_mxid)
        tasks = [asyncio.create_task(t) for t in
                 (self.catch_up(), self.outbound(), self.inbound(), self.prune())]
        try:
            await self.stopping.wait()
        finally:
            for task in [*tasks, *self.pumps.values()]:
                task.cancel()
            await asyncio.gather(*tasks, *self.pumps.values(), return_exceptions=True)
            await runner.cleanup()
            await self.session.close()


__all__ = ["Bridge", "BOT_LOCALPART"]
