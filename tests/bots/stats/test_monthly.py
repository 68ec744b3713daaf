"""The monthly 通报: drafted once, on the first working day of the month from 08:30, as a
draft of the government office in the documents chain (拟稿 clerk, 签发 leader) with the
tables in its text, the CSV of the figures and the chart as a PNG."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from bots.documents.models import Document
from bots.stats import reports, rollup
from bots.stats.models import MonthlyReport
from tests.bots.conftest import document_body, press, recipient

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_the_report_is_drafted_once_on_the_first_working_day(api: Any, clock: Any) -> None:
    clock.current = at(2026, 11, 10, 9, 0)
    sent = api("clerk").post("/documents", document_body()).json()
    press(api("staff4"), recipient(sent, "town1")["message"], "sign")
    api("clerk").post("/tasks", {"title": "冬季安全检查", "lead_unit": "town1", "deadline_days": 3})
    rollup.rebuild_all()
    assert reports.first_workday(2026, 11) == datetime(2026, 11, 2).date()
    # Not before 08:30 of the first working day of December, nor on other days.
    assert reports.check(now=at(2026, 11, 30, 10, 0)) is None
    assert reports.check(now=at(2026, 12, 1, 8, 0)) is None
    clock.current = at(2026, 12, 1, 8, 45)
    report = reports.check(now=clock.now())
    assert report is not None and (report.year, report.month) == (2026, 11)
    assert reports.check(now=at(2026, 12, 1, 9, 0)) is None  # once
    assert MonthlyReport.objects.count() == 1
    draft = Document.objects.get(id=report.document_id)
    assert (draft.doc_type, draft.state, draft.unit.code) == ("通报", "awaiting_signoff", "zfb")
    assert draft.title == "关于2026年11月全区公文办理和督办工作情况的通报"
    assert draft.sender.username == "clerk"
    assert "本月各单位共收文3件，已签收1件，其中按时签收1件，按时签收率33.3%" in draft.body
    assert "城关镇人民政府｜1｜1｜0｜0｜100.0%｜0｜0" in draft.body
    assert "本月立项督办事项1项" in draft.body
    names = sorted(f.name for f in draft.files.all())
    assert names == ["2026年11月按时签收率.png", "2026年11月收文统计.csv"]
    # The signer (the office's leader) finds it on their to-do list and in GET /documents.
    shown = api("leader").get(f"/documents/{draft.id}").json()
    assert shown["state"] == "awaiting_signoff"
