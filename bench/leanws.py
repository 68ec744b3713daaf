"""A minimal RFC 6455 client for the benchmarks' receivers.

The benchmarks' load generator shares the machine's cores with the server it measures. With
the `websockets` client each received frame costs a parse through its sans-I/O protocol, an
assembler queue and an awaiting reader task; at 50,000 frames a second that alone took most
of a core, and what the load generator takes the server does not get. This client does the
least a receiver needs: the opening handshake, unmasked server frames parsed in place and
handed to a callback in the same call as the bytes arrive (no queue, no task per socket),
masked client frames, ping answered with pong, the closing handshake. It is not a general
WebSocket client: no extensions (the benchmarks ask for no compression), no subprotocols.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import Callable
from urllib.parse import urlsplit

try:  # the C helper `websockets` ships; the pure-Python fallback is fine for small frames
    from websockets.speedups import apply_mask as _apply_mask
except ImportError:  # pragma: no cover - depends on the wheel
    _apply_mask = None  # type: ignore[assignment]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 16 * 1024


class ConnectionClosed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed {code if code is not None else 'abnormally'}")
        self.code = code


class HandshakeError(OSError):
    """The server refused the upgrade (e.g. HTTP 403) or answered something else."""


def _mask(data: bytes, key: bytes) -> bytes:
    if _apply_mask is not None:
        return _apply_mask(data, key)
    n = len(data)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def _client_frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    return head + key + _mask(payload, key)


class LeanSocket(asyncio.Protocol):
    """One client connection. `on_frame(payload)` gets each text or binary message's bytes;
    `on_close(code)` is called once when the connection ends (None: no close frame came)."""

    def __init__(self, request: bytes, accept: str,
                 on_frame: Callable[[bytes], None],
                 on_close: Callable[[int | None], None]) -> None:
        self.request = request
        self.accept = accept
        self.on_frame = on_frame
        self.on_close = on_close
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.fragments: list[bytes] = []
        self.is_open = False
        self.close_code: int | None = None
        self.close_sent = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()

    # --- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.is_open:
            self.buf += data
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self._fail(HandshakeError("handshake response too long"))
                return
            response, rest = bytes(self.buf[:end]).decode("latin-1"), self.buf[end + 4:]
            self.buf = bytearray()
            error = self._check_response(response)
            if error is not None:
                self._fail(HandshakeError(error))
                return
            self.is_open = True
            self.opened.set_result(None)
            if not rest:
                return
            data = bytes(rest)
        buf = self.buf
        buf += data
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                (n,) = struct.unpack_from("!Q", buf, pos + 2)
                head = 10
            if b1 & 0x80:
                self._protocol_error()  # servers never mask
                return
            if size - pos < head + n:
                break
            payload = bytes(buf[pos + head:pos + head + n])
            pos += head + n
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
            if self.transport is None:
                return
        if pos:
            del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(f"connection lost during handshake: {exc}"))
        was_open, self.is_open = self.is_open, False
        if not self.lost.done():
            self.lost.set_result(None)
            if was_open:
                self.on_close(self.close_code)

    # --- frames ----------------------------------------------------------------------------------
    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (1, 2):
            if fin:
                self.on_frame(payload)
            else:
                self.fragments = [payload]
        elif opcode == 0:
            self.fragments.append(payload)
            if fin:
                whole, self.fragments = b"".join(self.fragments), []
                self.on_frame(whole)
        elif opcode == 8:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            if not self.close_sent:
                self._write(_client_frame(8, payload[:2]))
                self.close_sent = True
            if self.transport is not None:
                self.transport.close()
        elif opcode == 9:
            self._write(_client_frame(10, payload))

    def _check_response(self, head: str) -> str | None:
        lines = head.split("\r\n")
        status = lines[0].split(" ", 2)
        if len(status) < 2 or status[1] != "101":
            return f"HTTP {status[1] if len(status) > 1 else '?'}"
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("sec-websocket-accept") != self.accept:
            return "bad Sec-WebSocket-Accept"
        if headers.get("sec-websocket-extensions"):
            return "unexpected extension"
        return None

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    def _protocol_error(self) -> None:
        self.close_code = 1002
        if self.transport is not None:
            self.transport.abort()

    def _write(self, frame: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame)

    # --- what the benchmark calls ------------------------------------------------------------
    async def send(self, text: str) -> None:
        if not self.is_open or self.close_sent or self.transport is None:
            raise ConnectionClosed(self.close_code)
        self.transport.write(_client_frame(1, text.encode("utf-8")))

    async def close(self, wait: float = 2.0) -> None:
        if self.transport is None:
            return
        if not self.close_sent:
            self.close_sent = True
            self._write(_client_frame(8, struct.pack("!H", 1000)))
        try:
            await asyncio.wait_for(asyncio.shield(self.lost), wait)
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()


async def connect(url: str, *, headers: dict[str, str], open_timeout: float,
                  on_frame: Callable[[bytes], None],
                  on_close: Callable[[int | None], None]) -> LeanSocket:
    """Open `url` (ws://host:port/path) and finish the opening handshake within `open_timeout`."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme != "ws" or not host:
        raise ValueError(f"only ws:// URLs: {url!r}")
    port = parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()  # noqa: S324 - RFC 6455
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    loop = asyncio.get_running_loop()

    made: list[LeanSocket] = []

    def factory() -> LeanSocket:
        made.append(LeanSocket(request, accept, on_frame, on_close))
        return made[-1]

    async def open_() -> LeanSocket:
        _, proto = await loop.create_connection(factory, host, port)
        await proto.opened
        return proto

    try:
        return await asyncio.wait_for(open_(), open_timeout)
    except BaseException:
        for proto in made:  # a timeout or a refusal leaves no connection behind
            if proto.transport is not None:
                proto.transport.abort()
        raise
