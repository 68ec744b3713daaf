"""督办 by the working-day calendar (weekends, 2026's holidays and 调休 make-up days): deadlines
and milestones (阶段节点) given in working days, their status colours and reminders, report
cycles that skip days off, and an extension asked in working days. The clock stands on
Monday 28 September 2026, three days before the National Day week (1–7 October off, Saturday
10 October worked)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from bots import jobs
from bots.tasks.models import Milestone, Task, TaskUnit
from hub.chat.models import Message
from hub.seals.models import AuditEntry

pytestmark = pytest.mark.django_db


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


@pytest.fixture
def before_national_day(clock: Any) -> Any:
    clock.current = local(2026, 9, 28, 10)
    return clock


def body(**overrides: Any) -> dict[str, Any]:
    data = {"title": "国庆期间安全生产大检查", "lead_unit": "town1", "co_units": ["wsj"],
            "deadline_days": 10, "report_cycle": "weekly",
            "milestones": [{"title": "完成隐患摸底", "days": 3},
                           {"title": "整改方案报批", "deadline": "2026-10-13"}]}
    data.update(overrides)
    return data


def test_deadlines_milestones_and_reports_count_working_days(
        api: Any, demo: Any, before_national_day: Any) -> None:
    clock = before_national_day
    created = api("clerk").post("/tasks", body())
    assert created.status_code == 201, created.content
    task = created.json()
    # 10 working days from Monday 28 September: 29, 30 September, 8, 9, 10 (the make-up
    # Saturday), 12-16 October. The first milestone, 3 working days: 8 October.
    assert Task.objects.get(id=task["id"]).deadline == local(2026, 10, 16, 10)
    first, second = task["milestones"]
    assert (first["title"], first["index"]) == ("完成隐患摸底", 1)
    assert Milestone.objects.get(id=first["id"]).deadline == local(2026, 10, 8, 10)
    assert Milestone.objects.get(id=second["id"]).deadline == local(2026, 10, 13, 17, 30)
    assert [m["status"] for m in task["milestones"]] == ["on_track", "on_track"]
    assert task["next_milestone"]["title"] == "完成隐患摸底"
    # A week on is 5 October, a holiday: the weekly report falls due on 8 October, and joins
    # the to-do list 2 working days before (29 September).
    lead = TaskUnit.objects.get(task_id=task["id"], unit__code="town1")
    api("staff4").post(f"/tasks/{task['id']}/accept")
    api("staff4").post(f"/tasks/{task['id']}/reports", {"body": "已部署检查工作。"})
    lead.refresh_from_db()
    assert lead.report_due == local(2026, 10, 8, 10)
    assert lead.report_from == local(2026, 9, 29, 10)

    # Wednesday 30 September: the milestone is one working day away (the holiday week does
    # not count), so the task is due soon although its deadline is two weeks off.
    clock.current = local(2026, 9, 30, 10)
    shown = api("clerk").get(f"/tasks/{task['id']}").json()
    assert shown["milestones"][0]["status"] == "due_soon"
    assert shown["status"] == "due_soon"
    assert api("clerk").get("/tasks", status="due_soon").json()["total"] == 1

    # The reminders: 2 working days before the milestone (29 September) to the lead unit;
    # at it (8 October), the lead unit and the office.
    room, office = demo["rooms"]["town1"].id, demo["rooms"]["zfb"].id
    jobs.run_due(now=local(2026, 9, 29, 9, 59))
    assert not Message.objects.filter(room_id=room, body__startswith="【节点提醒】").exists()
    jobs.run_due(now=local(2026, 9, 29, 10, 1))
    [note] = Message.objects.filter(room_id=room, body__startswith="【节点提醒】")
    assert "完成隐患摸底" in note.body
    clock.current = local(2026, 10, 8, 10, 1)
    jobs.run_due(now=clock.now())
    assert Message.objects.filter(room_id=room, body__startswith="【节点逾期】").count() == 1
    assert Message.objects.filter(room_id=office, body__startswith="【节点逾期】").count() == 1
    late = api("clerk").get(f"/tasks/{task['id']}").json()
    assert late["status"] == "overdue" and late["milestones"][0]["status"] == "overdue"

    # The lead unit reports the milestone reached (late); the task is on track again until
    # the next one comes near.
    reached = api("staff4").post(f"/tasks/{task['id']}/reports",
                                 {"body": "摸底完成，排查隐患 23 处。", "milestone": first["id"]})
    assert reached.status_code == 201, reached.content
    data = reached.json()
    assert data["milestones"][0]["status"] == "reached" and data["milestones"][0]["late"] is True
    assert data["milestones"][0]["reached_by"]["username"] == "staff4"
    assert data["next_milestone"]["title"] == "整改方案报批"
    assert data["status"] == "on_track"
    assert Message.objects.filter(room_id=office, body__contains="阶段节点“完成隐患摸底”已完成").exists()
    assert AuditEntry.objects.filter(subject=f"task:{task['id']}",
                                     event="task.milestone_reached").count() == 1
    # Once only; a co-unit does not report milestones; an unknown one is not found.
    again = api("staff4").post(f"/tasks/{task['id']}/reports",
                               {"body": "再报一次", "milestone": first["id"]})
    assert again.status_code == 409
    assert api("staff2").post(f"/tasks/{task['id']}/reports",
                              {"body": "协办", "milestone": second["id"]}).status_code == 403
    assert api("staff4").post(f"/tasks/{task['id']}/reports",
                              {"body": "x", "milestone": 999999}).status_code == 404
    assert Milestone.objects.get(id=second["id"]).reached_at is None

    # An extension of 3 working days past 16 October: 21 October.
    asked = api("staff4").post(f"/tasks/{task['id']}/extension",
                               {"deadline_days": 3, "reason": "节后复工延迟"})
    assert asked.status_code == 201, asked.content
    assert api("clerk").post(f"/tasks/{task['id']}/extension/decide",
                             {"action": "approve"}).status_code == 200
    assert Task.objects.get(id=task["id"]).deadline == local(2026, 10, 21, 10)


def test_milestones_out_of_order_or_past_the_deadline_are_refused(
        api: Any, before_national_day: Any) -> None:
    clerk = api("clerk")
    cases = [
        [{"title": "太晚", "deadline": "2026-11-30"}],          # after the task's deadline
        [{"title": " ", "days": 2}],                             # no name
        [{"title": "没有期限"}],                                  # no deadline
        [{"title": "已过", "deadline": "2026-09-01"}],            # in the past
        [{"title": "重复", "days": 2}, {"title": "重复", "days": 3}],
    ]
    for milestones in cases:
        response = clerk.post("/tasks", body(milestones=milestones))
        assert response.status_code == 400, milestones
        assert response.json()["error"]["code"] == "bad_request"
    assert Task.objects.count() == 0 and Milestone.objects.count() == 0
    # Given out of order, they are kept in order of their deadlines.
    made = clerk.post("/tasks", body(milestones=[{"title": "后", "days": 6},
                                                 {"title": "先", "days": 1}])).json()
    assert [m["title"] for m in made["milestones"]] == ["先", "后"]


def test_a_reached_milestone_is_not_reminded(api: Any, demo: Any,
                                             before_national_day: Any) -> None:
    task = api("clerk").post("/tasks", body(report_cycle="")).json()
    first = task["milestones"][0]
    assert api("staff4").post(f"/tasks/{task['id']}/reports",
                              {"body": "提前完成摸底", "milestone": first["id"]}).status_code == 201
    jobs.run_due(now=local(2026, 10, 8, 10, 1))
    assert not Message.objects.filter(body__startswith="【节点").exists()
    # A ledger row names no next milestone once the task is completed.
    api("staff4").post(f"/tasks/{task['id']}/complete", {"result": "完成"})
    row = api("clerk").get("/tasks", state="completed").json()["results"][0]
    assert row["next_milestone"] is None
    shown = api("clerk").get(f"/tasks/{task['id']}").json()
    assert [m["status"] for m in shown["milestones"]] == ["reached", "missed"]
    assert shown["milestones"][1]["status_label"] == "未完成"
    assert timedelta(0) < Milestone.objects.get(id=first["id"]).deadline - local(2026, 9, 28, 10)
