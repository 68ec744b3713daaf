"""The memory-sharing file behind whoosh's BufferFile reads exactly like the BytesIO it
replaces, and whoosh's readers work through it."""

from __future__ import annotations

import io
import pickle

from hypothesis import given
from hypothesis import strategies as st
from whoosh.filedb.structfile import BufferFile

from search.mmapfile import ViewFile

OPS = st.lists(st.one_of(
    st.tuples(st.just("read"), st.integers(-1, 40)),
    st.tuples(st.just("readline"), st.integers(-1, 40)),
    st.tuples(st.just("seek"), st.integers(0, 120)),
    st.tuples(st.just("seek_end"), st.integers(-60, 0)),
    st.tuples(st.just("seek_cur"), st.integers(-10, 10)),
    st.tuples(st.just("readinto"), st.integers(0, 30)),
), max_size=30)


@given(data=st.binary(max_size=100).map(lambda b: b.replace(b"\x00", b"\n")), ops=OPS)
def test_view_file_reads_like_bytesio(data: bytes, ops: list[tuple[str, int]]) -> None:
    mine, theirs = ViewFile(memoryview(data)), io.BytesIO(data)
    for op, n in ops:
        if op == "read":
            assert mine.read(n) == theirs.read(n)
        elif op == "readline":
            assert mine.readline(n) == theirs.readline(n)
        elif op == "seek":
            assert mine.seek(n) == theirs.seek(n)
        elif op == "seek_end":
            assert mine.seek(n, 2) == theirs.seek(n, 2)
        elif op == "seek_cur":
            assert mine.seek(n, 1) == theirs.seek(n, 1)
        else:
            a, b = bytearray(n), bytearray(n)
            assert mine.readinto(a) == theirs.readinto(b) and a == b
        assert mine.tell() == theirs.tell()
    mine.seek(0)
    theirs.seek(0)
    assert list(mine) == list(theirs)


def test_buffer_files_share_the_memory_and_read_pickles() -> None:
    payload = bytearray(b"xxxx" + pickle.dumps({"词": [1, 2, 3]}) + b"tail")
    buffer = BufferFile(memoryview(payload), name="t")
    assert isinstance(buffer.file, ViewFile)
    buffer.seek(4)
    assert buffer.read_pickle() == {"词": [1, 2, 3]}
    payload[0:4] = b"YYYY"  # the same memory, not a copy of it
    assert buffer.get(0, 4) == b"YYYY"
    buffer.seek(0)
    assert buffer.read(4) == b"YYYY"
