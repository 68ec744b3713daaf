"""Previews of attachments: what a client shows in place of a download.

Images and PDFs are shown by the browser from the inline download URL; plain text is read
here (the first part only); DOCX and XLSX become HTML in a child process with a memory
limit, a CPU limit and a wall-clock limit (hub/lib/docpreview.py), sanitized with the same
allow-list as messages. The result is cached under `MEDIA_ROOT/previews/` by the file's
SHA-256 (the same bytes look the same to everyone), failures too, so a file that defeats the
converter is tried once.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from hub.chat.actions import attachment_path
from hub.chat.models import Attachment
from hub.chat.serializers import attachment_dict
from hub.lib import markdown

logger = logging.getLogger("hub.chat")

VERSION = 1  # raised when the conversion changes, so cached previews are made again
IMAGE_MIMES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
TEXT_SUFFIXES = {".txt", ".md", ".csv", ".log", ".json", ".xml"}
OFFICE_SUFFIXES = {".docx": "docx", ".xlsx": "xlsx"}
TEXT_PREVIEW_CHARS = 100_000
ROOT = Path(__file__).resolve().parents[2]
CHILD = "hub.lib.docpreview"


def _decode(data: bytes) -> str:
    """UTF-8 or GB18030; a character cut at the end of the part read is dropped."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start >= len(data) - 3:
                try:
                    return data[:error.start].decode(encoding)
                except UnicodeDecodeError:
                    pass
    return data.decode("utf-8", errors="replace")


def _kind(attachment: Attachment) -> str:
    suffix = Path(attachment.name).suffix.lower()
    if attachment.mime in IMAGE_MIMES:
        return "image"
    if attachment.mime == "application/pdf" or suffix == ".pdf":
        return "pdf"
    if suffix in OFFICE_SUFFIXES:
        return OFFICE_SUFFIXES[suffix]
    if attachment.mime == "text/plain" or suffix in TEXT_SUFFIXES:
        return "text"
    return "none"


def _cache_path(attachment: Attachment, kind: str) -> Path:
    digest = attachment.sha256
    return (Path(settings.MEDIA_ROOT) / "previews" / digest[:2]
            / f"{digest}-{kind}-v{VERSION}.json")


def convert(path: Path, kind: str) -> dict[str, Any]:
    """Run the converter in a child process under the limits; its answer, or an error."""
    memory = settings.HUITONG_PREVIEW_MEMORY_MB * 1024 * 1024
    seconds = settings.HUITONG_PREVIEW_SECONDS
    command = [sys.executable, "-m", CHILD, kind, str(path), str(memory),
               str(seconds)]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds, env=env,  # noqa: S603
                              cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"转换超时（{seconds} 秒）"}
    try:
        return dict(json.loads(done.stdout.decode("utf-8")))
    except (ValueError, UnicodeDecodeError):
        logger.warning("preview of %s failed: %s", path.name, done.stderr[-500:])
        return {"error": "文件过大或过于复杂，无法预览" if done.returncode else "无法读取"}


def _office(attachment: Attachment, kind: str) -> dict[str, Any]:
    cached = _cache_path(attachment, kind)
    try:
        return dict(json.loads(cached.read_text("utf-8")))
    except (OSError, ValueError):
        pass
    path = attachment_path(attachment)
    if attachment.size > settings.HUITONG_PREVIEW_MAX_BYTES:
        result: dict[str, Any] = {"kind": "none", "reason": "文件过大，请下载后查看"}
    else:
        converted = convert(path, kind)
        if "error" in converted:
            result = {"kind": "none", "reason": str(converted["error"])}
        else:
            result = {"kind": "html", "html": markdown.sanitize(str(converted.get("html") or "")),
                      "truncated": bool(converted.get("truncated"))}
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    temporary.replace(cached)
    return result


def preview(attachment: Attachment) -> dict[str, Any]:
    """`{"kind": "image"|"pdf"|"html"|"text"|"none", "url", "html"?, "text"?,
    "truncated"?, "reason"?}` for a file the caller may download (checked by the caller)."""
    url = attachment_dict(attachment)["url"]
    kind = _kind(attachment)
    if kind in ("image", "pdf"):
        return {"kind": kind, "url": url}
    if not attachment_path(attachment).exists():
        return {"kind": "none", "url": url, "reason": "文件已不存在"}
    if kind == "text":
        with attachment_path(attachment).open("rb") as fh:
            data = fh.read(TEXT_PREVIEW_CHARS * 4 + 4)
        text = _decode(data)[:TEXT_PREVIEW_CHARS]
        return {"kind": "text", "url": url, "text": text,
                "truncated": attachment.size > len(data) or len(text) == TEXT_PREVIEW_CHARS}
    if kind in OFFICE_SUFFIXES.values():
        return {**_office(attachment, kind), "url": url}
    return {"kind": "none", "url": url, "reason": "此类文件不支持预览，请下载后查看"}
