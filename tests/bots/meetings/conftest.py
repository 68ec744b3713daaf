"""Meeting helpers: a notice from the government office (`clerk`) to the three townships
and two people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def meeting_body(start: datetime, **overrides: Any) -> dict[str, Any]:
    body = {"title": "全区冬季安全生产工作会议", "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "location": "区政府三楼第一会议室",
            "agenda": "一、传达上级文件精神；\n二、部署冬季安全生产工作，明确责任分工。",
            "invitees": ["全部乡镇", "staff2", "staff3"]}
    body.update(overrides)
    return body


def entry(meeting: dict[str, Any], name: str) -> dict[str, Any]:
    """The roster entry of a unit (code) or person (username)."""
    return next(i for i in meeting["invitees"]
                if (i["unit"] or {}).get("code") == name or (i["user"] or {}).get("username") == name)
