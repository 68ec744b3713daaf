"""The statistics endpoints in the OpenAPI description."""

from __future__ import annotations

from typing import Any

from hub.core import openapi

QUERY = ["from", "to", "unit", "kind"]


def register() -> None:
    op = openapi.operation
    paths: dict[str, Any] = {
        "/api/v1/stats/documents": {"get": op(
            "收文统计 per recipient unit over the copies delivered in the period: {from, to, "
            "units: [{unit, received, signed, signed_on_time, signed_late, unsigned, "
            "on_time_rate, median_sign_minutes, handled, overdue}], totals, weeks, "
            "overdue_list}; the district office sees every unit, a unit's leaders their own",
            query=QUERY)},
        "/api/v1/stats/documents.csv": {"get": op("The same as CSV (UTF-8 with BOM)",
                                                  query=QUERY)},
        "/api/v1/stats/tasks": {"get": op(
            "督办统计 per lead unit over the tasks set in the period: {units: [{unit, lead, "
            "completed, on_time, overdue, on_time_rate, co}], totals}", query=QUERY)},
        "/api/v1/stats/use": {"get": op(
            "使用情况 per unit: registered people and how many were active in the period, and "
            "the active people by week: {units: [{unit, registered, active, active_rate}], "
            "totals, weeks}", query=QUERY)},
        "/api/v1/stats/meetings": {"get": op(
            "会议 per invited unit over the meetings starting in the period: {units: [{unit, "
            "invited, answered, on_time, attending, declined, unanswered, on_time_rate}], "
            "totals}", query=QUERY)},
        "/api/v1/stats/approvals": {"get": op(
            "审批 turnaround over the requests made in the period: {approvers: [{user, unit, "
            "decided, waiting, median_minutes}], totals, steps: [{step, decided, "
            "median_minutes}]}",
            query=QUERY)},
        "/api/v1/stats/bulletins": {"get": op(
            "刊物投稿 per unit over the items submitted in the period: {units: [{unit, submitted, "
            "adopted, declined, waiting, adoption_rate}], totals}", query=QUERY)},
        "/api/v1/stats/scope": {"get": op("The units whose figures the caller may see")},
        **{f"/api/v1/stats/{kind}.csv": {"get": op(
            f"GET /stats/{kind} as CSV (UTF-8 with BOM), a 合计 row after the units'",
            query=QUERY)} for kind in ("tasks", "use", "meetings", "bulletins", "approvals")},
    }
    openapi.add_paths(paths)
