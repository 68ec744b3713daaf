"""GET /api/v1/search: parse, search as the caller, answer."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse

from hub.lib.errors import bad_request
from hub.lib.http import endpoint
from hub.org.models import User
from search import index, query, registry, selectors

logger = logging.getLogger("hub.search")

# Filters the protocol gives as URL parameters, with the query-language filter each means.
PARAMS = {"type": "type", "room": "in", "unit": "unit", "sender": "from", "after": "after",
          "before": "before", "has": "has", "topic": "topic"}


def params() -> dict[str, str]:
    """The URL parameters and the filter each means, the registered vocabularies' included
    (`doc_type=` for `doctype:`)."""
    return {**PARAMS, **{v.param: v.name for v in registry.vocabularies() if v.param}}


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"{name} 应为整数") from exc
    if not low <= value <= high:
        raise bad_request(f"{name} 应在 {low} 到 {high} 之间")
    return value


def unavailable(why: str) -> JsonResponse:
    return JsonResponse({"error": {"code": "index_rebuilding",
                                   "detail": "索引正在重建，请稍后再试"}},
                        status=503, headers={"Retry-After": "30"},
                        json_dumps_params={"ensure_ascii": False})


@endpoint("GET")
def search(request: HttpRequest, user: User) -> Any:
    req = query.Request(
        q=request.GET.get("q", ""), sort=request.GET.get("sort") or None,
        limit=_int(request, "limit", 20, 1, query.MAX_LIMIT),
        offset=_int(request, "offset", 0, 0, query.MAX_OFFSET),
        extra={name: request.GET.getlist(k) for k, name in params().items() if k in request.GET})
    try:
        found = query.run(user, req)
    except index.IndexUnavailable as why:
        logger.warning("search: no usable index: %s", why)
        return unavailable(str(why))
    found["results"] = selectors.complete(user=user, results=found["results"])
    return 200, found
