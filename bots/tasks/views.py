"""HTTP endpoints for 督办 tasks: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from bots import clock
from bots.tasks import selectors, services
from bots.tasks.common import offices_of
from bots.tasks.schemas import (
    CompleteIn,
    DecideIn,
    ExtensionIn,
    RemindIn,
    ReportIn,
    TaskIn,
    TasksQuery,
)
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User


def _answer(user: User, task_id: int) -> dict[str, Any]:
    task = services.access_task(user=user, task_id=task_id)
    return selectors.task_dict(task, viewer=user, now=clock.now())


@endpoint("GET", "POST")
def tasks(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        data = selectors.ledger(user=user, query=parse_query(request, TasksQuery),
                                now=clock.now())
        return 200, {**data, "can_set": bool(offices_of(user))}
    task = services.create_task(user=user, data=parse_body(request, TaskIn))
    return 201, _answer(user, task.id)


@endpoint("GET")
def tasks_csv(request: HttpRequest, user: User) -> Any:
    query = parse_query(request, TasksQuery).model_copy(update={"limit": 100_000, "offset": 0})
    rows = selectors.ledger(user=user, query=query, now=clock.now())["results"]
    response = HttpResponse("\ufeff" + selectors.ledger_csv(rows),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tasks.csv"'
    return response


@endpoint("GET")
def tasks_xlsx(request: HttpRequest, user: User) -> Any:
    query = parse_query(request, TasksQuery).model_copy(update={"limit": 100_000, "offset": 0})
    rows = selectors.ledger(user=user, query=query, now=clock.now())["results"]
    response = HttpResponse(selectors.ledger_xlsx(rows), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = 'attachment; filename="tasks.xlsx"'
    return response


@endpoint("GET")
def detail(request: HttpRequest, user: User, task_id: int) -> Any:
    return 200, _answer(user, task_id)


@endpoint("POST")
def accept(request: HttpRequest, user: User, task_id: int) -> Any:
    services.accept(user=user, task_id=task_id)
    return 200, _answer(user, task_id)


@endpoint("POST")
def reports(request: HttpRequest, user: User, task_id: int) -> Any:
    data = parse_body(request, ReportIn)
    services.report(user=user, task_id=task_id, body=data.body, attachments=data.attachments,
                    milestone=data.milestone)
    return 201, _answer(user, task_id)


@endpoint("POST")
def extension(request: HttpRequest, user: User, task_id: int) -> Any:
    data = parse_body(request, ExtensionIn)
    services.request_extension(user=user, task_id=task_id, deadline=data.deadline,
                               reason=data.reason, deadline_days=data.deadline_days)
    return 201, _answer(user, task_id)


@endpoint("POST")
def decide_extension(request: HttpRequest, user: User, task_id: int) -> Any:
    data = parse_body(request, DecideIn)
    services.decide_extension(user=user, task_id=task_id, action=data.action,
                              comment=data.comment)
    return 200, _answer(user, task_id)


@endpoint("POST")
def complete(request: HttpRequest, user: User, task_id: int) -> Any:
    services.complete(user=user, task_id=task_id, result=parse_body(request, CompleteIn).result)
    return 200, _answer(user, task_id)


@endpoint("POST")
def close(request: HttpRequest, user: User, task_id: int) -> Any:
    services.close(user=user, task_id=task_id)
    return 200, _answer(user, task_id)


@endpoint("POST")
def remind_one(request: HttpRequest, user: User, task_id: int) -> Any:
    return 200, {"reminded": services.remind(user=user, task_ids=[task_id])}


@endpoint("POST")
def remind_many(request: HttpRequest, user: User) -> Any:
    return 200, {"reminded": services.remind(user=user,
                                             task_ids=parse_body(request, RemindIn).tasks)}
