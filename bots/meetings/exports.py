"""The roster as CSV (for a spreadsheet) and the notice as an iCalendar file (RFC 5545)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from django.utils import timezone

from bots.meetings import cards
from bots.meetings.common import invitees_of
from bots.meetings.models import Invitee, Meeting

CSV_HEADER = ["序号", "类型", "单位或人员", "回复", "参会人员", "请假理由", "代参人", "回复人",
              "回复时间", "催复次数"]


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def roster_csv(meeting: Meeting) -> str:
    """UTF-8 with a BOM, so that spreadsheet programs read the Chinese right."""
    invitees, attendees = invitees_of(meeting)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for index, invitee in enumerate(invitees, start=1):
        writer.writerow([
            index, invitee.get_kind_display(), invitee.name, invitee.get_state_display(),
            "、".join(cards.attendee_names(invitee, attendees.get(invitee.id, []))),
            invitee.reason,
            invitee.delegate.name if invitee.delegate and invitee.state == Invitee.State.DELEGATED
            else "",
            invitee.responded_by.name if invitee.responded_by else "",
            _local(invitee.responded_at), invitee.rsvp_reminders,
        ])
    return "\ufeff" + out.getvalue()


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space, never splitting a
    character (RFC 5545 §3.1)."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting: Meeting, *, host: str = "huitong") -> str:
    description = [f"组织单位：{meeting.unit.name}", f"回复截止：{cards.when(meeting.rsvp_by)}"]
    if meeting.agenda:
        description.append(f"议程：\n{meeting.agenda}")
    if meeting.state == Meeting.State.CANCELLED:
        description.insert(0, f"会议已取消：{meeting.cancel_reason}")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Huitong//Meeting notices//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:" + ("CANCEL" if meeting.state == Meeting.State.CANCELLED else "PUBLISH"),
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{host}",
        f"DTSTAMP:{_utc(meeting.updated_at)}",
        f"CREATED:{_utc(meeting.created_at)}",
        f"LAST-MODIFIED:{_utc(meeting.updated_at)}",
        f"DTSTART:{_utc(meeting.start)}",
        f"DTEND:{_utc(meeting.end)}",
        f"SEQUENCE:{meeting.version - 1}",
        f"SUMMARY:{_escape(meeting.title)}",
        "STATUS:" + ("CANCELLED" if meeting.state == Meeting.State.CANCELLED else "CONFIRMED"),
    ]
    if meeting.location:
        lines.append(f"LOCATION:{_escape(meeting.location)}")
    lines.append(f"DESCRIPTION:{_escape(chr(10).join(description))}")
    if meeting.remind_before_minutes > 0 and meeting.state != Meeting.State.CANCELLED:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY",
                  f"DESCRIPTION:{_escape(meeting.title)}",
                  f"TRIGGER:-PT{meeting.remind_before_minutes}M", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)
