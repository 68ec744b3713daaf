"""Text from attachments: PDF (pypdf), DOCX (python-docx), XLSX (openpyxl) and plain text.

Each file is read in a forked child process with a time cap, a size cap and a memory cap
(`resource.setrlimit` on the child's address space), so a file that hangs or blows up a
parser (a decompression bomb: a small DOCX whose XML expands to hundreds of MB) cannot stop
the writer or take the worker's memory: on any failure the caller indexes the file by name
and metadata and reports it (`failed` in the index entry, `search_check`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

logger = logging.getLogger("hub.search")

TEXT_TYPES = {".txt", ".md", ".csv", ".log", ".json", ".xml", ".html", ".htm"}
KINDS = {".pdf", ".docx", ".xlsx", *TEXT_TYPES}


@dataclass(frozen=True)
class Extracted:
    text: str
    error: str | None = None  # why it could not be read (None when read or not a text kind)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _read(path: Path, suffix: str, limit: int) -> str:
    """Runs in the child process."""
    pieces: list[str] = []
    size = 0

    def add(text: str | None) -> bool:
        nonlocal size
        if text:
            pieces.append(text)
            size += len(text)
        return size < limit

    with path.open("rb") as fh:
        _read_from(fh, suffix, limit, add)
    return "\n".join(pieces)[:limit]


def _read_from(fh: BinaryIO, suffix: str, limit: int, add: Callable[[str | None], bool]) -> None:
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(fh)
        for page in reader.pages:
            if not add(page.extract_text()):
                break
    elif suffix == ".docx":
        import docx

        document = docx.Document(fh)
        for paragraph in document.paragraphs:
            if not add(paragraph.text):
                break
        for table in document.tables:
            for row in table.rows:
                if not add(" ".join(cell.text for cell in row.cells)):
                    break
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(fh, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                add(str(sheet.title))
                for row in sheet.iter_rows(values_only=True):
                    if not add(" ".join(str(v) for v in row if v is not None)):
                        break
        finally:
            book.close()
    else:
        add(_decode(fh.read(limit * 4)))


def _address_space() -> int:
    """Bytes of virtual memory this process has mapped now (the worker's own, inherited)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _limit_memory(allowance: int) -> None:
    """Cap the child's address space at what it inherited plus `allowance` bytes: a parser
    asking for more gets MemoryError (or the child dies) while the worker is untouched."""
    try:
        cap = _address_space() + allowance
    except (OSError, ValueError, IndexError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _child(conn: multiprocessing.connection.Connection, path: Path, suffix: str,
           limit: int, memory: int) -> None:
    try:
        _limit_memory(memory)
        conn.send(("ok", _read(path, suffix, limit)))
    except MemoryError:
        conn.send(("error", f"内存超限（{memory // (1024 * 1024)} MB），可能是压缩炸弹"))
    except BaseException as exc:  # report anything, the parent decides
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:300]))
    finally:
        conn.close()
        os._exit(0)


def extract(path: Path, *, name: str) -> Extracted:
    """The text of one file, capped; an `error` says why it could not be read."""
    suffix = Path(name).suffix.lower()
    if suffix not in KINDS:
        return Extracted("")
    try:
        size = path.stat().st_size
    except OSError as exc:
        return Extracted("", f"文件不存在：{exc.strerror}")
    if size > settings.HUITONG_INDEX_MAX_FILE_BYTES:
        return Extracted("", f"文件过大（{size} 字节），未提取文字")
    limit = settings.HUITONG_INDEX_MAX_FILE_CHARS
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    memory = settings.HUITONG_INDEX_FILE_MEMORY_MB * 1024 * 1024
    process = context.Process(target=_child, args=(child, path, suffix, limit, memory),
                              daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(settings.HUITONG_INDEX_FILE_SECONDS):
            return Extracted("", f"提取超时（{settings.HUITONG_INDEX_FILE_SECONDS} 秒）")
        status, value = parent.recv()
    except EOFError:
        # The child died without a word: killed by the kernel or its memory cap.
        return Extracted("", f"提取进程异常退出（内存上限 {memory // (1024 * 1024)} MB）")
    except OSError as exc:
        return Extracted("", f"提取失败：{exc!r}")
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(1)
    if status != "ok":
        return Extracted("", f"无法读取：{value}")
    return Extracted(value)
