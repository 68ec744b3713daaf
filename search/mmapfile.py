"""Opening a searcher without copying the index.

whoosh maps each segment file into memory and hands its parts to readers as `BufferFile`s;
`BufferFile` wraps its memoryview in a `BytesIO`, and `BytesIO` copies what it is given. At a
million messages that is the 600 MB terms file of the big segment, copied on every
`ix.searcher()`: half a second, and as much memory again, for every search and for every
write of the indexer (which opens a searcher to replace an entry by its key).
`ViewFile` is the same read-only file over the memoryview itself; `install()` makes
`BufferFile` use it. Everything else in `BufferFile` already reads the memoryview directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.filedb import structfile


class ViewFile:
    """A read-only, seekable file over a memoryview, sharing its memory."""

    def __init__(self, view: memoryview) -> None:
        self._view = view if view.format == "B" and view.ndim == 1 else view.cast("B")
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view),
                                                                     self._pos + size)
        data = self._view[self._pos:end].tobytes()
        self._pos = max(self._pos, end)
        return data

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        n = max(0, min(len(target), len(self._view) - self._pos))
        target[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else min(len(self._view),
                                                                       self._pos + size)
        end = self._pos
        while end < limit:
            chunk = self._view[end:min(limit, end + 4096)].tobytes()
            found = chunk.find(b"\n")
            if found != -1:
                end += found + 1
                break
            end += len(chunk)
        data = self._view[self._pos:end].tobytes()
        self._pos = end
        return data

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0 and offset < 0:
            raise ValueError(f"negative seek value {offset}")
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + offset)  # as BytesIO: relative seeks stop at the start
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True  # the memory belongs to the mapping, closed with its storage

    def write(self, data: bytes) -> int:
        raise OSError("read-only")

    def truncate(self, size: int | None = None) -> int:
        raise OSError("read-only")


_original_init = structfile.BufferFile.__init__


def _init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    _original_init(self, b"", name=name, onclose=onclose)
    self._buf = buf
    self.file = ViewFile(memoryview(buf))


def install() -> None:
    """Make whoosh's `BufferFile` share its memory instead of copying it (idempotent)."""
    structfile.BufferFile.__init__ = _init  # type: ignore[method-assign]
