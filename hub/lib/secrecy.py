"""Classified marks (密级). Huitong is not a system for classified matter: what carries a
秘密/机密/绝密 marking (the GB/T 9704 form 密级★期限, e.g. 机密★1年) may not be spread further
by forwarding, and (later) never leaves through a bridge."""

from __future__ import annotations

import re

MARKING_RE = re.compile(r"(秘密|机密|绝密)\s*[★☆*＊]")
WORDS = ("秘密", "机密", "绝密")


def is_marked(*texts: str) -> bool:
    """Whether any text carries a classified marking."""
    return any(MARKING_RE.search(t or "") for t in texts)


def names_classified(*names: str) -> bool:
    """Whether a file name says it is classified (a marking, or 秘密/机密/绝密 in brackets
    such as 【机密】 or (绝密))."""
    return any(MARKING_RE.search(n or "") or re.search(r"[【\[（(](秘密|机密|绝密)", n or "")
               for n in names)
