"""schemathesis over the OpenAPI document (GET /api/v1/openapi.json): requests generated
from every operation's schema, as an authenticated user, never answer a server error.
Bounded: a fixed number of generated cases, derandomized, so `make test` stays quick."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db


def test_schemathesis_finds_no_server_error(demo: Any, api: Any, request: Any,
                                           tmp_path: Any) -> None:
    # A search index of the test's own, built before the requests (without one, searches
    # rightly answer 503 index_rebuilding, which is the machine's state, not a bug).
    from search import indexer

    request.getfixturevalue("settings").HUITONG_INDEX_DIR = tmp_path / "index"
    indexer.rebuild()
    client = Client()
    token = api("clerk").token
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20, "the document describes the API"
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    answered: list[int] = []

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of([op.as_strategy() for op in operations]))
    def run(case: Any) -> None:
        # The generated request, sent through Django's test client inside this test's
        # transaction (the demo organisation is there).
        path = case.formatted_path
        query = {k: v for k, v in (case.query or {}).items() if v is not None}
        if case.method.upper() == "GET":
            response = client.get(path, query, headers=headers)
        else:
            raw = "" if case.body is None or not isinstance(case.body, dict | list | str | int
                                                            | float | bool) else json.dumps(case.body)
            response = client.generic(case.method.upper(), path, raw,
                                      content_type="application/json", headers=headers)
        answered.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{case.method} {path} → {response.status_code}: "
                            f"{response.content[:200]!r}")

    run()
    assert failures == []
    assert sum(status != 404 for status in answered) > 50, "generated requests reach the views"
