"""`manage.py check_workdays [YYYY-MM]`: check the working-day calendar file and show a month."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bots.calendar import workdays


class Command(BaseCommand):
    help = "校验工作日历文件（节假日与调休上班日），可显示某月的工作日"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("month", nargs="?", help="要显示的月份，例如 2026-02")

    def handle(self, *args: Any, **options: Any) -> None:
        path = workdays.calendar_path()
        try:
            cal = workdays.load(path)
        except workdays.CalendarError as error:
            raise CommandError(f"{path}: {error}") from error
        self.stdout.write(f"{path}：有效")
        for year, source in sorted(cal.years.items()):
            holidays = sum(1 for d in cal.holidays if d.year == year)
            makeups = sum(1 for d in cal.workdays if d.year == year)
            self.stdout.write(f"  {year} 年：放假 {holidays} 天，调休上班 {makeups} 天（{source}）")
        month = options.get("month")
        if not month:
            return
        try:
            year, number = (int(part) for part in month.split("-"))
            days = month_calendar.monthrange(year, number)[1]
        except ValueError as error:
            raise CommandError("月份请写作 YYYY-MM") from error
        for day_number in range(1, days + 1):
            day = date(year, number, day_number)
            mark = "上班" if cal.is_workday(day) else "休息"
            self.stdout.write(f"  {day} {'一二三四五六日'[day.weekday()]} {mark} {workdays.describe(day)}")
