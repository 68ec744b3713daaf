"""Working days by the official calendar, and times counted in working days.

    is_workday(date(2026, 2, 28))                  # True: 春节调休上班 (a Saturday)
    add_working_days(friday_10am, 1)               # the next working day, 10:00
    subtract_working_days(deadline, 1)             # one working day before a deadline
    working_deadline(sent_at, 3)                   # 17:30 of the third working day after

A day is a working day when it is a make-up working day (调休上班) of the data file, or a
weekday that is not a public holiday. Years the file does not cover fall back to plain
weekends (and say so once in the log), so a missing year never stops a deadline.

Times are counted in the server's local time (TIME_ZONE, Asia/Shanghai): "one working day
later" keeps the time of day; a moment on a day off counts from the start of the next
working day (office hours from the file, 09:00–17:30 by default), or, counting backwards,
from the end of the previous one.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from threading import Lock
from typing import Any

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("bots.calendar")

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "cn_workdays.json"
MAX_STEPS = 3 * 366  # no arrangement has a break that long; guards a broken file


class CalendarError(ValueError):
    """The data file is malformed; the message says where."""


@dataclass(frozen=True)
class WorkCalendar:
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    years: dict[int, str] = field(default_factory=dict)  # year -> source notice
    office_start: time = time(9, 0)
    office_end: time = time(17, 30)

    def covers(self, year: int) -> bool:
        return year in self.years

    def kind(self, day: date) -> str:
        """"workday", "weekend", "holiday" or "makeup" (调休上班)."""
        if day in self.workdays:
            return "makeup"
        if day in self.holidays:
            return "holiday"
        return "weekend" if day.weekday() >= 5 else "workday"

    def is_workday(self, day: date) -> bool:
        if not self.covers(day.year):
            _warn_uncovered(day.year)
        return self.kind(day) in ("workday", "makeup")

    def name(self, day: date) -> str:
        """The holiday or make-up day's name, or ""."""
        return self.workdays.get(day) or self.holidays.get(day) or ""


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(f"{where}: “{value}”不是 YYYY-MM-DD 格式的日期") from exc


def _time(value: Any, default: time, where: str) -> time:
    if value is None:
        return default
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(f"{where}: “{value}”不是 HH:MM 格式的时间") from exc


def parse(data: dict[str, Any]) -> WorkCalendar:
    """A calendar from the file's JSON, checked: dates in their year, ranges in order, each
    make-up working day a Saturday or Sunday, no day both a holiday and a working day."""
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        raise CalendarError("缺少 years")
    hours = data.get("office_hours") or {}
    start = _time(hours.get("start"), time(9, 0), "office_hours.start")
    end = _time(hours.get("end"), time(17, 30), "office_hours.end")
    if end <= start:
        raise CalendarError("office_hours: 下班时间必须晚于上班时间")
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    years: dict[int, str] = {}
    for key, year_data in data["years"].items():
        if not str(key).isdigit() or not isinstance(year_data, dict):
            raise CalendarError(f"years.{key}: 年份应为四位数字，内容为对象")
        year = int(key)
        years[year] = str(year_data.get("source", ""))
        for index, item in enumerate(year_data.get("holidays") or []):
            where = f"{year}.holidays[{index}]"
            first = _date(item.get("from"), where)
            last = _date(item.get("to", item.get("from")), where)
            if last < first or first.year != year or last.year != year:
                raise CalendarError(f"{where}: 日期范围须在 {year} 年内且起止有序")
            day = first
            while day <= last:
                holidays[day] = str(item.get("name", "节假日"))
                day += timedelta(days=1)
        for index, item in enumerate(year_data.get("workdays") or []):
            where = f"{year}.workdays[{index}]"
            day = _date(item.get("date"), where)
            if day.year != year:
                raise CalendarError(f"{where}: 日期须在 {year} 年内")
            if day.weekday() < 5:
                raise CalendarError(f"{where}: {day} 不是周末，不需要写成调休上班日")
            workdays[day] = str(item.get("name", "调休上班"))
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarError(f"{both[0]} 既是放假日又是调休上班日")
    return WorkCalendar(holidays=holidays, workdays=workdays, years=years,
                        office_start=start, office_end=end)


def calendar_path() -> Path:
    configured = getattr(settings, "HUITONG_WORKDAY_CALENDAR", None)
    return Path(configured) if configured else DEFAULT_FILE


_lock = Lock()
_cache: tuple[Path, float, WorkCalendar] | None = None
_warned: set[int] = set()


def _warn_uncovered(year: int) -> None:
    if year not in _warned:
        _warned.add(year)
        logger.warning("工作日历没有 %s 年的节假日安排，按普通周末计算；请更新 %s",
                       year, calendar_path())


def load(path: Path | None = None) -> WorkCalendar:
    path = path or calendar_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CalendarError(f"无法读取工作日历 {path}：{exc}") from exc
    return parse(data)


def current() -> WorkCalendar:
    """The calendar from the data file, read again when the file changes. A file that has
    become unreadable or malformed keeps the last good calendar (and logs why)."""
    global _cache
    path = calendar_path()
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = -1.0
    cached = _cache
    if cached is not None and cached[0] == path and cached[1] == mtime:
        return cached[2]
    with _lock:
        try:
            loaded = load(path)
        except CalendarError:
            if cached is not None and cached[0] == path:
                logger.exception("工作日历文件有误，继续使用上一次读取的版本")
                return cached[2]
            raise
        _cache = (path, mtime, loaded)
        _warned.clear()
        return loaded


# --- questions about days -------------------------------------------------------------------------
def is_workday(day: date) -> bool:
    return current().is_workday(day)


def next_workday(day: date, *, include: bool = True) -> date:
    """The first working day on or after `day` (after it, with include=False)."""
    cal = current()
    day = day if include else day + timedelta(days=1)
    for _ in range(MAX_STEPS):
        if cal.is_workday(day):
            return day
        day += timedelta(days=1)
    raise CalendarError("找不到工作日：工作日历有误")


def previous_workday(day: date, *, include: bool = True) -> date:
    cal = current()
    day = day if include else day - timedelta(days=1)
    for _ in range(MAX_STEPS):
        if cal.is_workday(day):
            return day
        day -= timedelta(days=1)
    raise CalendarError("找不到工作日：工作日历有误")


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    cal = current()
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += cal.is_workday(day)
    return count


# --- times counted in working days -----------------------------------------------------------------
def _at(day: date, clock_time: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock_time), timezone.get_current_timezone())


def add_working_days(moment: datetime, days: int) -> datetime:
    """`days` working days after `moment`, at the same time of day. A moment on a day off
    counts from the start of office hours on the next working day."""
    cal = current()
    local = timezone.localtime(moment)
    if not cal.is_workday(local.date()):
        local = timezone.localtime(_at(next_workday(local.date()), cal.office_start))
    day = local.date()
    for _ in range(max(0, days)):
        day = next_workday(day, include=False)
    return _at(day, local.time().replace(tzinfo=None))


def subtract_working_days(moment: datetime, days: int) -> datetime:
    """`days` working days before `moment`, at the same time of day. A moment on a day off
    counts from the end of office hours on the previous working day."""
    cal = current()
    local = timezone.localtime(moment)
    if not cal.is_workday(local.date()):
        local = timezone.localtime(_at(previous_workday(local.date()), cal.office_end))
    day = local.date()
    for _ in range(max(0, days)):
        day = previous_workday(day, include=False)
    return _at(day, local.time().replace(tzinfo=None))


def working_deadline(start: datetime, days: int) -> datetime:
    """The end of office hours on the `days`-th working day after `start` (0: the end of
    `start`'s own working day, or of the next one if `start` is a day off or after hours).
    For deadlines written as "3 个工作日内"; the documents plugin may call this."""
    cal = current()
    local = timezone.localtime(start)
    day = local.date()
    if not cal.is_workday(day) or local.time() >= cal.office_end:
        day = next_workday(day, include=False)
    for _ in range(max(0, days)):
        day = next_workday(day, include=False)
    return _at(day, cal.office_end)


def describe(day: date) -> str:
    """"工作日" / "周末" / "春节" / "春节调休上班" for a day, in Chinese."""
    cal = current()
    kind = cal.kind(day)
    if kind in ("holiday", "makeup"):
        return cal.name(day)
    return "周末" if kind == "weekend" else "工作日"
