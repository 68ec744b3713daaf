"""Two units reporting at the same moment, in two threads with their own PostgreSQL
connections: both reports kept, each card shows the state after both, the audit chain whole;
and two closers pressing 销号 at once close it once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bots.tasks import services
from bots.tasks.models import Report, Task
from hub.lib.errors import ApiError
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_units_reporting_at_once_keep_both(demo: Any, api: Any) -> None:
    task = api("clerk").post("/tasks", {"title": "两个单位同时汇报", "lead_unit": "town1",
                                        "co_units": ["wsj"], "deadline_days": 5}).json()
    users = demo["users"]
    services.accept(user=users["staff4"], task_id=task["id"])
    results = race(
        lambda: services.report(user=users["staff4"], task_id=task["id"], body="城关镇进展"),
        lambda: services.report(user=users["staff2"], task_id=task["id"], body="卫生局进展"))
    assert all(isinstance(r, Report) for r in results), results
    assert sorted(Report.objects.values_list("unit__code", flat=True)) == ["town1", "wsj"]
    assert AuditEntry.objects.filter(event="task.reported").count() == 2
    count, problems = audit.verify_chain()
    assert problems == [] and count == AuditEntry.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_closers_at_once_close_it_once(demo: Any, api: Any) -> None:
    task = api("clerk").post("/tasks", {"title": "同时销号", "lead_unit": "town1",
                                        "deadline_days": 5}).json()
    users = demo["users"]
    services.complete(user=users["staff4"], task_id=task["id"], result="已完成")
    results = race(lambda: services.close(user=users["clerk"], task_id=task["id"]),
                   lambda: services.close(user=users["leader"], task_id=task["id"]))
    assert sorted(type(r).__name__ for r in results) == ["ApiError", "Task"], results
    assert next(r for r in results if isinstance(r, ApiError)).code == "conflict"
    assert Task.objects.get().state == "closed"
    assert AuditEntry.objects.filter(event="task.closed").count() == 1
