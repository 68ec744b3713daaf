"""HTTP endpoints for the statistics: parse, scope, read, answer (JSON or CSV)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from bots import clock
from bots.stats import scope, selectors
from bots.stats.schemas import StatsQuery
from hub.lib.http import endpoint, parse_query
from hub.org.models import User


def _documents(request: HttpRequest, user: User) -> dict[str, Any]:
    query = parse_query(request, StatsQuery)
    now = clock.now()
    start, end = selectors.period(query, now=now)
    units = scope.units_for(user=user, unit=query.unit, kind=query.kind)
    return selectors.documents(units=units, start=start, end=end, now=now)


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@endpoint("GET")
def documents(request: HttpRequest, user: User) -> Any:
    return 200, _documents(request, user)


@endpoint("GET")
def documents_csv(request: HttpRequest, user: User) -> Any:
    data = _documents(request, user)
    return _csv(selectors.documents_csv(data), f"documents-{data['from']}-{data['to']}.csv")


@endpoint("GET")
def tasks(request: HttpRequest, user: User) -> Any:
    query = parse_query(request, StatsQuery)
    now = clock.now()
    start, end = selectors.period(query, now=now)
    units = scope.units_for(user=user, unit=query.unit, kind=query.kind)
    return 200, selectors.tasks(units=units, start=start, end=end, now=now)


@endpoint("GET")
def use(request: HttpRequest, user: User) -> Any:
    query = parse_query(request, StatsQuery)
    start, end = selectors.period(query, now=clock.now())
    units = scope.units_for(user=user, unit=query.unit, kind=query.kind)
    return 200, selectors.use(units=units, start=start, end=end)


def _period_units(request: HttpRequest, user: User) -> tuple[Any, Any, list[Any]]:
    query = parse_query(request, StatsQuery)
    start, end = selectors.period(query, now=clock.now())
    return start, end, scope.units_for(user=user, unit=query.unit, kind=query.kind)


@endpoint("GET")
def meetings(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    return 200, selectors.meetings(units=units, start=start, end=end)


@endpoint("GET")
def approvals(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    return 200, selectors.approvals(units=units, start=start, end=end)


@endpoint("GET")
def bulletins(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    return 200, selectors.bulletins(units=units, start=start, end=end)


def _unit_table_csv(kind: str, data: dict[str, Any]) -> HttpResponse:
    return _csv(selectors.units_csv(kind, data), f"{kind}-{data['from']}-{data['to']}.csv")


@endpoint("GET")
def tasks_csv(request: HttpRequest, user: User) -> Any:
    now = clock.now()
    start, end, units = _period_units(request, user)
    return _unit_table_csv("tasks", selectors.tasks(units=units, start=start, end=end, now=now))


@endpoint("GET")
def use_csv(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    return _unit_table_csv("use", selectors.use(units=units, start=start, end=end))


@endpoint("GET")
def meetings_csv(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    return _unit_table_csv("meetings", selectors.meetings(units=units, start=start, end=end))


@endpoint("GET")
def bulletins_csv(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    return _unit_table_csv("bulletins", selectors.bulletins(units=units, start=start, end=end))


@endpoint("GET")
def approvals_csv(request: HttpRequest, user: User) -> Any:
    start, end, units = _period_units(request, user)
    data = selectors.approvals(units=units, start=start, end=end)
    return _csv(selectors.approvals_csv(data), f"approvals-{data['from']}-{data['to']}.csv")


@endpoint("GET")
def scope_view(request: HttpRequest, user: User) -> Any:
    """The units the caller may see figures of (for the page's filter)."""
    units = scope.units_for(user=user)
    return 200, {"all": scope.sees_all(user), "units": selectors.unit_rows(units)}
