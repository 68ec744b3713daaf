"""Limits Daphne does not enforce by itself, applied to its request and WebSocket classes.

Under Daphne an ASGI application sees a request only once its whole body has arrived:
Twisted spools the body into a temporary file, then Daphne puts all of it, 8 KB at a time,
on the application's input queue. A 300 MB upload thus passed through the process's memory
before any middleware could count it. `install()` changes these things:

- A request whose declared `Content-Length` is over `HUITONG_MAX_REQUEST_BYTES` is answered
  413 `too_large` (JSON) as soon as its headers arrive; a chunked body is counted while it is
  read and answered the same way the moment it passes the limit. The rest of the body is
  read and dropped (so that the client, still sending, gets the answer rather than a reset)
  and the connection is closed.
- A body within the limit stays in Twisted's spooled file (on disk past 100 KB) and is handed
  to the application one piece at a time as it asks for the next, so Django's own spooling
  and the upload handlers stream it to disk.
- Autobahn no longer pretty-prints its configuration on every handshake for a debug line
  that is not written.
- A WebSocket message over `HUITONG_MAX_FRAME_BYTES` is dropped while it is read, and the
  client is told with an `error` frame `too_large`; the socket stays open (Daphne's default
  fails the connection at 1 MB).

`hub.asgi` calls `install()`, so `daphne hub.asgi:application` and `manage.py serve` both
run with it. These hooks rely on Daphne 4.2's classes (pinned in constraints.txt); the tests
in tests/integration/test_limits.py exercise each of them against a real Daphne process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pprint
from typing import Any

from django.conf import settings

logger = logging.getLogger("hub.http")

_installed = False
BODY_CHUNK = 64 * 1024
LINGER_SECONDS = 30.0


def too_large_body() -> bytes:
    limit_mb = settings.HUITONG_MAX_UPLOAD_BYTES // (1024 * 1024)
    return json.dumps(
        {"error": {"code": "too_large", "detail": f"请求体过大：文件不能超过 {limit_mb} MB"}},
        ensure_ascii=False,
    ).encode()


def frame_too_large() -> bytes:
    limit_kb = settings.HUITONG_MAX_FRAME_BYTES // 1024
    return json.dumps(
        {"type": "error", "code": "too_large", "detail": f"帧过大：不能超过 {limit_kb} KB",
         "ref": None},
        ensure_ascii=False,
    ).encode()


class _Discard:
    """Stands in for the request's content file once the body is refused."""

    closed = False

    def write(self, data: bytes) -> None:
        return None

    def read(self, size: int = -1) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def tell(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True


class StreamedBody(asyncio.Queue):
    """The input queue of one HTTP application instance, serving the body from the
    request's spooled content file as the application reads it.

    Daphne's `process()` reads the whole file and `put_nowait`s it before the application
    runs; those pieces are dropped here as they come (each is garbage at once) and `get()`
    reads the file again from the start, one piece per call."""

    def __init__(self, request: Any) -> None:
        super().__init__()
        self.request = request
        self.offset = 0
        self.body_done = False

    def put_nowait(self, item: Any) -> None:
        if isinstance(item, dict) and item.get("type") == "http.request":
            return
        super().put_nowait(item)

    async def get(self) -> Any:
        if self.body_done or not self.empty():
            return await super().get()
        content = getattr(self.request, "content", None)
        if content is None or content.closed:
            self.body_done = True
            return {"type": "http.disconnect"}
        content.seek(self.offset)
        chunk = content.read(BODY_CHUNK)
        self.offset += len(chunk)
        more = len(chunk) == BODY_CHUNK
        self.body_done = not more
        return {"type": "http.request", "body": chunk, "more_body": more}


def install() -> None:
    """Patch Daphne's HTTP request and WebSocket protocol classes (idempotent)."""
    global _installed
    if _installed:
        return
    try:
        from daphne import http_protocol, server, ws_protocol
    except ImportError:  # another ASGI server: hub.lib.asgi.BodySizeLimit still counts
        return
    _installed = True
    _patch_requests(http_protocol.WebRequest)
    _patch_server(server.Server)
    _patch_websocket(ws_protocol.WebSocketProtocol)
    _patch_autobahn()


class _LazyPformat:
    """pprint.pformat(obj), worked out only when a log line is actually written."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __str__(self) -> str:
        return pprint.pformat(self.obj)

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _patch_autobahn() -> None:
    """Autobahn pretty-prints its whole configuration for a debug line on every new
    socket, logged or not: 6-7 % of the server's CPU in a reconnect storm (py-spy).
    Its module's `pformat` becomes lazy; the one place that returns it as a string keeps the
    real one."""
    from autobahn.websocket import protocol

    setattr(protocol, "pformat", _LazyPformat)  # noqa: B010 - a module's global, on purpose
    setattr(protocol.Timings, "__str__", lambda self: pprint.pformat(self._timings))  # noqa: B010


def _patch_requests(request_class: Any) -> None:
    original_got_length = request_class.gotLength
    original_chunk = request_class.handleContentChunk
    original_received = request_class.requestReceived

    def refuse(self: Any) -> None:
        """Answer 413 now, drop the rest of the body, close once it is read (or soon)."""
        self._huitong_refused = True
        self.requestHeaders.removeHeader(b"Expect")  # no "100 Continue" after the answer
        if self.content is not None:
            try:
                self.content.close()
            except Exception:  # noqa: S110 - a temporary file; nothing to keep
                pass
        self.content = _Discard()
        channel, transport = self.channel, self.transport
        if transport is None or channel is None:
            return
        body = too_large_body()
        transport.write(
            b"HTTP/1.1 413 Request Entity Too Large\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n" + body
        )
        channel.persistent = False
        from twisted.internet import reactor

        call_later: Any = reactor.callLater  # type: ignore[attr-defined]
        self._huitong_linger = call_later(LINGER_SECONDS, _close, self)

    def gotLength(self: Any, length: int | None) -> None:  # noqa: N802 - Twisted's name
        self._huitong_received = 0
        self._huitong_refused = False
        # Twisted would read a whole multipart body into memory to fill `request.args`,
        # which Daphne never uses; Django parses the body itself, streaming it.
        self._parsePOSTFormSubmission = False
        original_got_length(self, length)
        if length is not None and length > settings.HUITONG_MAX_REQUEST_BYTES:
            refuse(self)

    def handleContentChunk(self: Any, data: bytes) -> None:  # noqa: N802 - Twisted's name
        if getattr(self, "_huitong_refused", False):
            return
        self._huitong_received = getattr(self, "_huitong_received", 0) + len(data)
        if self._huitong_received > settings.HUITONG_MAX_REQUEST_BYTES:
            refuse(self)
            return
        original_chunk(self, data)

    def requestReceived(self: Any, command: bytes, path: bytes,  # noqa: N802
                        version: bytes) -> None:
        if getattr(self, "_huitong_refused", False):
            _close(self)  # answered already; the dropped body has been read to its end
            return
        original_received(self, command, path, version)

    request_class.gotLength = gotLength
    request_class.handleContentChunk = handleContentChunk
    request_class.requestReceived = requestReceived


def _close(request: Any) -> None:
    linger = getattr(request, "_huitong_linger", None)
    if linger is not None and linger.active():
        linger.cancel()
    channel = getattr(request, "channel", None)
    transport = getattr(channel, "transport", None) if channel is not None else None
    if transport is not None:
        transport.loseConnection()


def _patch_server(server_class: Any) -> None:
    original = server_class.create_application

    def create_application(self: Any, protocol: Any, scope: dict) -> Any:
        if scope.get("type") != "http":
            return original(self, protocol, scope)
        # Daphne's own body, with the streaming queue in place of asyncio.Queue().
        assert "application_instance" not in self.connections[protocol]
        input_queue = StreamedBody(protocol)
        scope.setdefault("asgi", {"version": "3.0"})
        from functools import partial

        instance = self.application(scope=scope, receive=input_queue.get,
                                    send=partial(self.handle_reply, protocol))
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            instance, loop=asyncio.get_event_loop())
        return input_queue

    server_class.create_application = create_application


def _patch_websocket(protocol_class: Any) -> None:
    original_begin = protocol_class.onMessageBegin
    original_frame_begin = protocol_class.onMessageFrameBegin
    original_frame_data = protocol_class.onMessageFrameData
    original_frame_end = protocol_class.onMessageFrameEnd
    original_end = protocol_class.onMessageEnd

    def onMessageBegin(self: Any, isBinary: bool) -> None:  # noqa: N802,N803
        self._huitong_oversize = False
        original_begin(self, isBinary)

    def onMessageFrameBegin(self: Any, length: int) -> None:  # noqa: N802
        if self.message_data_total_length + length > settings.HUITONG_MAX_FRAME_BYTES:
            self._huitong_oversize = True
            self.message_data = []
            self.frame_data = []
            self.frame_length = length
            self.message_data_total_length += length
            return
        original_frame_begin(self, length)

    def onMessageFrameData(self: Any, payload: bytes) -> None:  # noqa: N802
        if getattr(self, "_huitong_oversize", False):
            return
        original_frame_data(self, payload)

    def onMessageFrameEnd(self: Any) -> None:  # noqa: N802
        if getattr(self, "_huitong_oversize", False):
            self.frame_data = None
            return
        original_frame_end(self)

    def onMessageEnd(self: Any) -> None:  # noqa: N802
        if getattr(self, "_huitong_oversize", False):
            self._huitong_oversize = False
            self.message_data = []
            self.message_data_total_length = 0
            logger.warning("dropped an oversized WebSocket message from %s",
                           getattr(self, "client_addr", None))
            self.sendMessage(frame_too_large(), False)
            return
        original_end(self)

    protocol_class.onMessageBegin = onMessageBegin
    protocol_class.onMessageFrameBegin = onMessageFrameBegin
    protocol_class.onMessageFrameData = onMessageFrameData
    protocol_class.onMessageFrameEnd = onMessageFrameEnd
    protocol_class.onMessageEnd = onMessageEnd
