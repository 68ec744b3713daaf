"""Fuzzing every JSON endpoint under /api/v1/ and every WebSocket frame type with arbitrary
JSON (hypothesis): whatever arrives, the answer is never a server error."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.chat.schemas import FRAME_TYPES

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

ids = st.one_of(st.integers(min_value=-5, max_value=50), st.integers(min_value=2**62),
                st.sampled_from([0, 2**63 - 1, 2**63, 2**64, 10**30]))
scalars = st.one_of(st.none(), st.booleans(), ids, st.floats(allow_nan=False),
                    st.text(max_size=40), st.sampled_from(["", "\x00", "收到", "general", "clerk",
                                                           "town1", "2026-01-01T00:00:00Z"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=12)


def api_routes() -> Iterator[tuple[str, list[str], Any]]:
    """(route pattern, converters in order, view) for every route under api/v1/."""
    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    for route, view in walk(get_resolver().url_patterns, ""):
        if route.startswith("api/v1/"):
            yield route, re.findall(r"<(\w+):\w+>", route), view


ROUTES = sorted({(r, tuple(c)): v for r, c, v in api_routes()}.items())


def fill(route: str, values: list[Any]) -> str:
    parts = iter(values)
    return "/" + re.sub(r"<(\w+):\w+>", lambda m: str(next(parts)), route)


def field_names(view: Any) -> list[str]:
    return ["body", "client_id", "title", "name", "kind", "members", "recipients", "action",
            "room", "seq", "attachments", "reply_to", "emoji", "q", "comment", "steps"]


bodies = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(field_names(None)), json_values, max_size=6),
)


@FUZZ
@given(data=st.data())
def test_no_json_endpoint_answers_a_server_error(demo: Any, api: Any, data: Any) -> None:
    (route, converters), view = data.draw(st.sampled_from(ROUTES), label="route")
    methods = sorted(getattr(view, "allowed_methods", {"GET"}))
    method = data.draw(st.sampled_from(methods), label="method")
    values = [data.draw(st.integers(min_value=1, max_value=40) | ids if conv == "int"
                        else st.text(min_size=1, max_size=10).filter(lambda s: "/" not in s))
              for conv in converters]
    path = "/api/v1" + fill(route[len("api/v1"):], values)
    who = data.draw(st.sampled_from(["clerk", "staff4", "leader"]), label="user")
    client = api(who)
    if method == "GET":
        params = data.draw(st.dictionaries(st.sampled_from(
            ["q", "limit", "after_seq", "before_seq", "type", "unit", "since", "year", "offset"]),
            st.text(max_size=12) | st.integers().map(str), max_size=3), label="query")
        response = client.client.get(path, params, headers=client.headers)
    else:
        raw = json.dumps(data.draw(bodies, label="body"))
        response = client.client.generic(method, path, raw, content_type="application/json",
                                         headers=client.headers)
    assert response.status_code < 500, (method, path, response.status_code,
                                        response.content[:300])


frames = st.fixed_dictionaries(
    {"type": st.sampled_from(sorted(FRAME_TYPES))},
    optional={"room": ids | scalars, "client_id": st.text(max_size=70) | scalars,
              "body": st.text(max_size=50) | scalars, "seq": ids | scalars,
              "message": ids | scalars, "action": st.sampled_from(["sign", "approve", "x"]),
              "rooms": st.dictionaries(st.text(max_size=6), ids | scalars, max_size=3)
              | json_values, "attachments": st.lists(ids, max_size=3) | json_values,
              "status": st.sampled_from(["away", "online", "gone"]),
              "reply_to": ids | scalars})


@pytest.mark.django_db(transaction=True)
async def test_no_frame_answers_a_server_error_or_closes_the_socket(
        demo: Any, api: Any, connect: Any) -> None:
    token = await database_sync_to_async(lambda: api("clerk").token)()
    sock = await connect(token=token)
    general = demo["rooms"]["general"].id
    examples: list[dict[str, Any]] = []

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(frame=frames)
    def collect(frame: dict[str, Any]) -> None:
        examples.append(frame)

    collect()
    examples.append({"type": "send", "room": general, "client_id": "fz", "body": "收到"})
    for frame in examples:
        await sock.send(json.dumps(frame))
        await sock.send({"type": "ping"})
        while True:
            reply = await sock.recv(timeout=10)
            assert not (reply["type"] == "error" and reply["code"] == "server_error"), (
                frame, reply)
            if reply["type"] == "pong":
                break
