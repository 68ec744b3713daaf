"""Command lines as people type them, Chinese input methods included.

    /doc send 文种：通知 字号:“区府办〔2026〕12号” title:'关于 做好 X 的通知' to:town1，town2

- the first word is the command (`/doc`, or `／doc` from a full-width keyboard);
- words are separated by spaces (also the ideographic space U+3000);
- `key:value` or `key：value` is a named argument; a value may be quoted, and so may a bare
  argument: "…", '…', “…”, ‘…’, 「…」, 『…』; inside quotes everything is kept as typed,
  colons and commas included;
- `key: value` (a space after the colon) names the next word;
- list values are split on , ， 、 ; ；
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hub.lib.errors import bad_request

QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "‘": "’", "「": "」", "『": "』"}
COLONS = {":", "："}
SPACES = {" ", "\t", "\n", "\r", "\u3000"}
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,31}$|^[\u4e00-\u9fff]{1,8}$")
LIST_SPLIT = re.compile(r"[,，、;；\s\u3000]+")


class ParseError(ValueError):
    """A line that cannot be read; the message is for the person who typed it."""


@dataclass
class Parsed:
    name: str
    args: list[str] = field(default_factory=list)
    kwargs: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def get(self, *keys: str, default: str | None = None) -> str | None:
        """The first of several spellings of a named argument that was given."""
        for key in keys:
            if key in self.kwargs:
                return self.kwargs[key]
        return default


@dataclass
class _Word:
    chars: list[tuple[str, bool]] = field(default_factory=list)  # (char, quoted)

    def text(self) -> str:
        return "".join(c for c, _ in self.chars)

    def split_key(self) -> tuple[str, str] | None:
        """(key, value) when the word starts with an unquoted `key:`."""
        for index, (char, quoted) in enumerate(self.chars):
            if quoted:
                return None
            if char in COLONS:
                key = "".join(c for c, _ in self.chars[:index])
                if KEY_RE.match(key):
                    return key.lower(), "".join(c for c, _ in self.chars[index + 1:])
                return None
        return None


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    current: _Word | None = None
    closing: str | None = None
    for char in text:
        if closing is not None:
            if char == closing:
                closing = None
            else:
                assert current is not None
                current.chars.append((char, True))
            continue
        if char in SPACES:
            if current is not None:
                words.append(current)
                current = None
            continue
        if current is None:
            current = _Word()
        if char in QUOTES:
            closing = QUOTES[char]
            # An empty quoted value ("") still makes a word.
            current.chars.append(("", True))
            continue
        current.chars.append((char, False))
    if closing is not None:
        raise ParseError(f"引号没有闭合：缺少 {closing}")
    if current is not None:
        words.append(current)
    return words


def parse(line: str) -> Parsed:
    """Read a command line. Raises ParseError with a message for the person who typed it."""
    text = line.strip()
    if not text or text[0] not in "/／":
        raise ParseError("命令以 / 开头，例如 /help")
    words = _words(text[1:])
    if not words or not words[0].text():
        raise ParseError("请在 / 后写命令名，例如 /help")
    name = words[0].text().lower()
    parsed = Parsed(name=name, raw=line)
    rest = words[1:]
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        pair = word.split_key()
        if pair is None:
            parsed.args.append(word.text())
            continue
        key, value = pair
        if value == "" and not any(q for _, q in word.chars[len(key) + 1:]):
            # `key: value` with a space after the colon.
            if index < len(rest) and rest[index].split_key() is None:
                value = rest[index].text()
                index += 1
        parsed.kwargs[key] = value
    return parsed


def split_list(value: str | None) -> list[str]:
    """`a，b、c` -> ["a", "b", "c"]."""
    if not value:
        return []
    return [item for item in LIST_SPLIT.split(value.strip()) if item]


def yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "y", "on", "是", "要", "需要", "对"}


def parse_time(raw: str | None, *, label: str) -> datetime | None:
    """An ISO 8601 time (`2026-03-02T09:00`, `2026-03-02 09:00`, with or without an offset),
    in local time when it has none."""
    text = (raw or "").strip().replace("／", "/")
    if not text:
        return None
    text = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", text)
    try:
        value = parse_datetime(text.replace(" ", "T", 1))
    except ValueError:
        value = None
    if value is None:
        raise bad_request(f"{label}“{text[:30]}”不是有效的时间（例如 2026-12-01T09:30 或 "
                          "2026-12-01 09:30）")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value
