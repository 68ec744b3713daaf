"""hub.lib.wsframe: frames written straight to a connection, and corked while the hub
dispatches a batch, so that each connection gets its frames of the batch in one write, in
the order they were written."""

from __future__ import annotations

from typing import Any

from hub.lib import wsframe


class FakeSocket:
    def __init__(self) -> None:
        self.sends: list[bytes] = []

    def send(self, data: bytes) -> int:
        self.sends.append(bytes(data))
        return len(data)


class FakeTransport:
    def __init__(self) -> None:
        self.socket = FakeSocket()
        self.connected = True
        self._tempDataLen = 0
        self.dataBuffer = b""
        self.offset = 0
        self.queued: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.queued.append(data)


class FakeProtocol:
    def __init__(self) -> None:
        self.state = 3  # open
        self.transport: Any = FakeTransport()


def frames(data: bytes) -> list[str]:
    """The texts of the unmasked server text frames in `data`, in order."""
    out = []
    while data:
        assert data[0] == 0x81
        n, at = data[1], 2
        if n == 126:
            n, at = int.from_bytes(data[2:4], "big"), 4
        elif n == 127:
            n, at = int.from_bytes(data[2:10], "big"), 10
        out.append(data[at:at + n].decode())
        data = data[at + n:]
    return out


def test_without_cork_each_frame_is_one_send() -> None:
    proto = FakeProtocol()
    assert wsframe.write(proto, "一")
    assert wsframe.write(proto, "二" * 100)
    assert [frames(s) for s in proto.transport.socket.sends] == [["一"], ["二" * 100]]


def test_corked_frames_go_out_in_one_send_per_connection_in_order() -> None:
    a, b, closed = FakeProtocol(), FakeProtocol(), FakeProtocol()
    wsframe.cork()
    try:
        for n in range(5):
            wsframe.write(a, f"消息{n}")
            wsframe.write(b, f"消息{n}")
        wsframe.write(a, "x" * 70_000)  # a long frame keeps its 64-bit length
        wsframe.write(closed, "已关闭")
        closed.state = 4  # closing before the batch is written: nothing goes out
        assert a.transport.socket.sends == [] and b.transport.socket.sends == []
    finally:
        wsframe.uncork()
    assert len(a.transport.socket.sends) == 1 and len(b.transport.socket.sends) == 1
    assert frames(a.transport.socket.sends[0]) == [f"消息{n}" for n in range(5)] + ["x" * 70_000]
    assert frames(b.transport.socket.sends[0]) == [f"消息{n}" for n in range(5)]
    assert closed.transport.socket.sends == []
    # Uncorked again: straight out.
    wsframe.write(a, "后")
    assert frames(a.transport.socket.sends[-1]) == ["后"]


def test_a_connection_with_data_queued_keeps_its_order_on_the_transport() -> None:
    proto = FakeProtocol()
    proto.transport.dataBuffer = b"earlier"
    wsframe.cork()
    wsframe.write(proto, "甲")
    wsframe.write(proto, "乙")
    wsframe.uncork()
    assert proto.transport.socket.sends == []
    assert [frames(q) for q in proto.transport.queued] == [["甲", "乙"]]
