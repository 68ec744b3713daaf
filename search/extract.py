"""Text from attachments: PDF (pypdf), DOCX (python-docx), XLSX (openpyxl) and plain text.

Each file is read in a forked child process with a time cap and a size cap, so a file that
hangs or blows up a parser cannot stop the writer: on any failure the caller indexes the
file by name and metadata and reports it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
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


def _child(conn: multiprocessing.connection.Connection, path: Path, suffix: str,
           limit: int) -> None:
    try:
        conn.send(("ok", _read(path, suffix, limit)))
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
    process = context.Process(target=_child, args=(child, path, suffix, limit), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(settings.HUITONG_INDEX_FILE_SECONDS):
            return Extracted("", f"提取超时（{settings.HUITONG_INDEX_FILE_SECONDS} 秒）")
        status, value = parent.recv()
    except (EOFError, OSError) as exc:
        return Extracted("", f"提取失败：{exc!r}")
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(1)
    if status != "ok":
        return Extracted("", f"无法读取：{value}")
    return Extracted(value)
