"""The working-day calendar: weekends, the 2025 and 2026 holidays and 调休 working days from
the data file, and times counted in working days."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bots.calendar import workdays


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


@pytest.mark.parametrize("day, working", [
    (date(2026, 3, 6), True),     # a Friday
    (date(2026, 3, 7), False),    # a Saturday
    (date(2026, 2, 28), True),    # 春节调休上班, a Saturday
    (date(2026, 2, 14), True),    # 春节调休上班, a Saturday
    (date(2026, 2, 16), False),   # 春节 (除夕), a Monday
    (date(2026, 2, 23), False),   # 春节, the last day
    (date(2026, 1, 2), False),    # 元旦 holiday, a Friday
    (date(2026, 1, 4), True),     # 元旦调休上班, a Sunday
    (date(2026, 10, 10), True),   # 国庆调休上班, a Saturday
    (date(2025, 10, 8), False),   # 国庆节、中秋节 2025
    (date(2025, 9, 28), True),    # 国庆调休上班 2025, a Sunday
    (date(2025, 5, 5), False),    # 劳动节 2025
])
def test_official_arrangements(day: date, working: bool) -> None:
    assert workdays.is_workday(day) is working


def test_counting_skips_weekends_and_holidays_and_counts_make_up_saturdays() -> None:
    # Friday + 1 working day: Monday, unless the Saturday is a 调休 working day.
    assert workdays.add_working_days(local(2026, 3, 6, 10), 1) == local(2026, 3, 9, 10)
    assert workdays.add_working_days(local(2026, 2, 27, 10), 1) == local(2026, 2, 28, 10)
    # From the make-up Saturday before the Spring Festival to the first day back.
    assert workdays.add_working_days(local(2026, 2, 14, 10), 1) == local(2026, 2, 24, 10)
    # A day off counts from the start of the next working day.
    assert workdays.add_working_days(local(2026, 3, 7, 15), 1) == local(2026, 3, 10, 9)
    # Backwards: one working day before Monday noon is Friday noon; before a Sunday, from
    # Friday's close of business.
    assert workdays.subtract_working_days(local(2026, 3, 9, 12), 1) == local(2026, 3, 6, 12)
    assert workdays.subtract_working_days(local(2026, 3, 2, 12), 1) == local(2026, 2, 28, 12)
    assert workdays.subtract_working_days(local(2026, 3, 8, 12), 1) == local(2026, 3, 5, 17, 30)
    # "3 个工作日内" from a Thursday: the next Tuesday at 17:30.
    assert workdays.working_deadline(local(2026, 3, 5, 10), 3) == local(2026, 3, 10, 17, 30)
    assert workdays.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_an_updated_file_is_read_again_and_a_bad_one_refused(tmp_path: Path,
                                                              settings: Any) -> None:
    data = json.loads(workdays.DEFAULT_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "calendar.json"
    data["years"]["2027"] = {"holidays": [{"name": "元旦", "from": "2027-01-01",
                                           "to": "2027-01-01"}],
                             "workdays": [{"name": "调休上班", "date": "2027-01-02"}]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.HUITONG_WORKDAY_CALENDAR = str(path)
    assert not workdays.is_workday(date(2027, 1, 1))
    assert workdays.is_workday(date(2027, 1, 2))  # a Saturday made a working day
    data["years"]["2027"]["workdays"] = [{"name": "错误", "date": "2027-01-04"}]  # a Monday
    with pytest.raises(workdays.CalendarError, match="不是周末"):
        workdays.parse(data)
    settings.HUITONG_WORKDAY_CALENDAR = None
