"""Writing one event to many WebSockets: build the wire frame once, write it to each socket.

Daphne's path for a send (ASGI message → session wrapper → server → autobahn sendMessage)
costs several coroutine frames and a fresh WebSocket header per socket. For fan-out the
frame is identical for every receiver, so it is encoded once (RFC 6455 server frames are
unmasked) and written straight to each connection's transport. This is used only when the
connection is a Daphne/autobahn protocol in the OPEN state without per-message compression;
anything else goes through the ordinary ASGI send.
"""

from __future__ import annotations

import functools
import struct
from typing import Any

_OPEN = 3  # autobahn's WebSocketProtocol.STATE_OPEN

_last_text: str | None = None
_last_frame = b""


def text_frame(text: str) -> bytes:
    """The complete unfragmented text frame for `text`, cached for the last text seen: the
    hub writes one event to all its sockets before the next, so each is encoded once."""
    global _last_text, _last_frame
    if text is _last_text:
        return _last_frame
    data = text.encode("utf-8")
    n = len(data)
    if n < 126:
        header = bytes((0x81, n))
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    _last_text, _last_frame = text, header + data
    return _last_frame


def find_protocol(send: Any) -> Any:
    """The autobahn protocol behind an ASGI `send` from Daphne (partial(handle_reply,
    protocol)), through Channels' session wrapper; None when there is none to use."""
    for _ in range(8):
        if isinstance(send, functools.partial):
            proto = send.args[0] if send.args else None
            usable = (
                proto is not None and hasattr(proto, "transport") and hasattr(proto, "state")
                and getattr(proto, "_perMessageCompress", None) is None
                and not getattr(proto, "maskServerFrames", False)
            )
            return proto if usable else None
        owner = getattr(send, "__self__", None)
        send = getattr(owner, "real_send", None) if owner is not None else None
        if send is None:
            return None
    return None


# While the hub dispatches a batch of events, frames for each connection are collected here
# and written with one send() when the batch is done (`corked`): under a storm, when events
# queue up, a socket gets several frames per write instead of one write per frame, and the
# client wakes once for them. Every write goes through this while it is on, whoever makes it,
# so each connection's frames keep their order. Only the event loop's thread writes.
_corked: dict[Any, list[bytes]] | None = None


def cork() -> None:
    global _corked
    if _corked is None:
        _corked = {}


def uncork() -> None:
    """Write what was collected, each connection's frames in one piece."""
    global _corked
    collected, _corked = _corked, None
    if not collected:
        return
    for proto, frames in collected.items():
        _send(proto, frames[0] if len(frames) == 1 else b"".join(frames))


def write(proto: Any, text: str) -> bool:
    """Write the frame; False if the connection is no longer open (the client will resync).

    When nothing is queued on the connection the frame goes to the socket at once: one
    send() instead of Twisted's register-writer, wait, send, unregister for each delivery.
    What the kernel does not take is queued on the transport as usual, keeping the order."""
    if proto.state != _OPEN or proto.transport is None:
        return False
    frame = text_frame(text)
    if _corked is not None:
        pending = _corked.get(proto)
        if pending is None:
            _corked[proto] = [frame]
        else:
            pending.append(frame)
        return True
    return _send(proto, frame)


def _send(proto: Any, frame: bytes) -> bool:
    transport = proto.transport
    if proto.state != _OPEN or transport is None:
        return False
    sock = getattr(transport, "socket", None)
    if (sock is not None and transport.connected and not transport._tempDataLen
            and len(transport.dataBuffer) == transport.offset):
        try:
            sent = sock.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            sent = 0  # the transport notices the broken connection on its own write
        if sent == len(frame):
            return True
        frame = frame[sent:]
    transport.write(frame)
    return True


def backlog(proto: Any) -> int:
    """Bytes written to the connection that the peer has not taken yet."""
    try:
        t = proto.transport
        return len(t.dataBuffer) - t.offset + t._tempDataLen
    except AttributeError:
        return 0
