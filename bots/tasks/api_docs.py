"""The tasks (督办) endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.tasks.schemas import CompleteIn, DecideIn, ExtensionIn, RemindIn, ReportIn, TaskIn
from hub.core import openapi

TIME = {"type": ["string", "null"], "format": "date-time"}
UNIT = {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
TASK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"},
    "state": {"enum": ["assigned", "accepted", "completed", "closed"]},
    "status": {"enum": ["on_track", "due_soon", "overdue"]}, "deadline": TIME,
    "office": UNIT, "lead_unit": UNIT, "co_units": {"type": "array", "items": UNIT},
    "report_cycle": {"enum": ["", "weekly", "monthly"]},
    "source": {"type": ["object", "null"]}, "instruction": {"type": "string"},
    "reports": {"type": "array", "items": {"type": "object"}},
    "extensions": {"type": "array", "items": {"type": "object"}},
    "units": {"type": "array", "items": {"type": "object"}},
    "milestones": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "deadline": TIME,
        "status": {"enum": ["on_track", "due_soon", "overdue", "reached", "missed"]},
        "reached_at": TIME, "late": {"type": "boolean"}}}},
    "next_milestone": {"type": ["object", "null"]},
    "viewer": {"type": "object"}}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/Task"}
    params = ["task_id"]
    paths: dict[str, Any] = {
        "/api/v1/tasks": {
            "get": op("督办台账: the tasks the caller may see, newest first: {total, counts, "
                      "results}", query=["unit", "state", "status", "source", "month", "q",
                                         "limit", "offset"]),
            "post": op("立项: a task with a lead unit, co-units and a deadline, by a clerk or "
                       "leader of a supervising office; cards to the units", body=TaskIn, ok=201,
                       response=ref)},
        "/api/v1/tasks.csv": {"get": op("The ledger as CSV (UTF-8 with BOM)",
                                        query=["unit", "state", "status", "source", "month"])},
        "/api/v1/tasks.xlsx": {"get": op("The ledger as an XLSX workbook",
                                         query=["unit", "state", "status", "source", "month"])},
        "/api/v1/tasks/remind": {"post": op("催办 on many tasks: {reminded}", body=RemindIn)},
        "/api/v1/tasks/{task_id}": {"get": op("One task as the caller sees it", params=params,
                                              response=ref)},
        "/api/v1/tasks/{task_id}/accept": {"post": op(
            "接收, by the lead unit's clerks or leaders (once)", params=params, response=ref)},
        "/api/v1/tasks/{task_id}/reports": {"post": op(
            "进展汇报 by a lead or co-unit", params=params, body=ReportIn, ok=201, response=ref)},
        "/api/v1/tasks/{task_id}/extension": {"post": op(
            "延期申请 by the lead unit", params=params, body=ExtensionIn, ok=201, response=ref)},
        "/api/v1/tasks/{task_id}/extension/decide": {"post": op(
            "The request decided by whoever set the task (none waiting: 409)", params=params,
            body=DecideIn, response=ref)},
        "/api/v1/tasks/{task_id}/complete": {"post": op(
            "办结 with the result, by the lead unit", params=params, body=CompleteIn,
            response=ref)},
        "/api/v1/tasks/{task_id}/close": {"post": op(
            "销号 by the supervising office, only once completed (else 409); signed",
            params=params, response=ref)},
        "/api/v1/tasks/{task_id}/remind": {"post": op("催办 on one task: {reminded}",
                                                      params=params)},
    }
    openapi.add_paths(paths, models=[TaskIn, ReportIn, ExtensionIn, DecideIn, CompleteIn,
                                     RemindIn], schemas={"Task": TASK})
