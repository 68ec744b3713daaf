"""Malformed input and server-side failures answer the protocol's errors (second round,
"Errors"): 400 `bad_request` for what the client got wrong, 413 `too_large` in JSON for
bodies over the limit, 503 `unavailable` for a failure that is not the client's; never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.test import Client

from hub.chat.models import Message

pytestmark = pytest.mark.django_db


def code(response: Any) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]["code"]


def post_raw(api: Any, path: str, body: bytes, **extra: Any) -> Any:
    return api.client.post(f"/api/v1{path}", body, content_type="application/json",
                           headers=api.headers, **extra)


@pytest.mark.parametrize("body", [
    {"body": "有\x00空字符", "client_id": "nul-1"},
    {"body": "ok", "client_id": "nul\x00id"},
    {"body": "ok", "client_id": "nul-2", "extra\x00key": 1},
])
def test_a_nul_character_anywhere_in_a_send_is_400_and_stores_nothing(
        demo: Any, api: Any, body: dict[str, Any]) -> None:
    room = demo["rooms"]["general"].id
    response = api("clerk").post(f"/rooms/{room}/messages", body)
    assert response.status_code == 400 and code(response) == "bad_request"
    assert not Message.objects.exists()


def test_a_nul_in_the_login_username_or_a_title_or_a_query_is_400(demo: Any, api: Any) -> None:
    anonymous = Client()
    login = anonymous.post("/api/v1/auth/token", {"username": "clerk\x00", "password": "x"},
                           content_type="application/json")
    assert login.status_code == 400 and code(login) == "bad_request"
    created = api("clerk").post("/rooms", {"name": "专班\x00", "kind": "group", "members": []})
    assert created.status_code == 400 and code(created) == "bad_request"
    searched = api("clerk").get("/search", q="通知\x00")
    assert searched.status_code == 400 and code(searched) == "bad_request"


@pytest.mark.parametrize("depth, refused", [(100, False), (101, True), (100_000, True)])
def test_json_nested_deeper_than_100_is_400(demo: Any, api: Any, depth: int,
                                            refused: bool) -> None:
    room = demo["rooms"]["general"].id
    # {"body": "x", "client_id": ..., "reply_to": [[[...]]]}: the object itself is level 1.
    nested = "[" * (depth - 1) + "]" * (depth - 1)
    raw = f'{{"body": "深", "client_id": "deep-{depth}", "extra": {nested}}}'.encode()
    response = post_raw(api("clerk"), f"/rooms/{room}/messages", raw)
    if refused:
        assert response.status_code == 400 and code(response) == "bad_request"
        assert "嵌套" in response.json()["error"]["detail"]
    else:
        assert response.status_code == 201, response.content


@pytest.mark.parametrize("raw", [
    b'{"body": "\xff\xfe\xfa", "client_id": "utf"}',
    b'{"body": "\xe4\xb8", "client_id": "utf"}',
    b'{"body": "\xed\xa0\x80", "client_id": "utf"}',  # an encoded surrogate
])
def test_invalid_utf8_is_400(demo: Any, api: Any, raw: bytes) -> None:
    room = demo["rooms"]["general"].id
    response = post_raw(api("clerk"), f"/rooms/{room}/messages", raw)
    assert response.status_code == 400 and code(response) == "bad_request"


def test_a_3_mb_json_body_is_413_in_json_not_an_html_page(demo: Any, api: Any) -> None:
    room = demo["rooms"]["general"].id
    raw = json.dumps({"body": "大" * 1_000_000, "client_id": "big"}).encode()
    assert len(raw) > 3_000_000
    response = post_raw(api("clerk"), f"/rooms/{room}/messages", raw)
    assert response.status_code == 413 and code(response) == "too_large"


@pytest.mark.parametrize("ident", [2**63 - 1, 2**63, 2**64, 2**64 + 5, 10**30])
def test_ids_past_64_bits_never_answer_500(demo: Any, api: Any, ident: int) -> None:
    room = demo["rooms"]["general"].id
    clerk = api("clerk")
    sent = clerk.post(f"/rooms/{room}/messages",
                      {"body": "附件", "client_id": f"id-{ident}", "attachments": [ident]})
    assert sent.status_code in (400, 404) and code(sent) in ("bad_request", "not_found")
    replied = clerk.post(f"/rooms/{room}/messages",
                         {"body": "回复", "client_id": f"re-{ident}", "reply_to": ident})
    assert replied.status_code in (400, 404)
    for path in (f"/rooms/{ident}", f"/messages/{ident}", f"/attachments/{ident}",
                 f"/rooms/{ident}/messages"):
        got = clerk.get(path)
        assert got.status_code in (400, 404), (path, got.status_code)
        assert code(got) in ("bad_request", "not_found")


def test_a_database_failure_is_503_unavailable_not_a_client_error(
        demo: Any, api: Any, monkeypatch: Any) -> None:
    from hub.chat import actions

    def gone(**kwargs: Any) -> Any:
        raise OperationalError("terminating connection due to administrator command")

    clerk = api("clerk")
    room = demo["rooms"]["general"].id
    monkeypatch.setattr(actions, "send_message", gone)
    response = clerk.post(f"/rooms/{room}/messages", {"body": "稍后重试", "client_id": "u-1"})
    assert response.status_code == 503 and code(response) == "unavailable"


@pytest.mark.django_db(transaction=True)
async def test_a_database_failure_on_a_send_frame_is_unavailable_with_its_ref(
        demo: Any, api: Any, connect: Any, monkeypatch: Any) -> None:
    from hub.chat import actions

    def gone(**kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    token = await database_sync_to_async(lambda: api("clerk").token)()
    sock = await connect(token=token)
    monkeypatch.setattr(actions, "send_message", gone)
    await sock.send({"type": "send", "room": demo["rooms"]["general"].id,
                     "client_id": "retry-me", "body": "稍后重试"})
    error = await sock.recv_type("error")
    assert (error["code"], error["ref"]) == ("unavailable", "retry-me")
    await sock.send({"type": "ping"})
    assert (await sock.recv_type("pong"))["type"] == "pong"


@pytest.mark.django_db(transaction=True)
async def test_a_bug_is_a_server_error_frame_never_bad_request(
        demo: Any, api: Any, connect: Any, monkeypatch: Any) -> None:
    from hub.chat import actions

    def broken(**kwargs: Any) -> Any:
        raise KeyError("a bug")

    token = await database_sync_to_async(lambda: api("clerk").token)()
    sock = await connect(token=token)
    monkeypatch.setattr(actions, "send_message", broken)
    await sock.send({"type": "send", "room": demo["rooms"]["general"].id,
                     "client_id": "bug", "body": "x"})
    error = await sock.recv_type("error")
    assert (error["code"], error["ref"]) == ("server_error", "bug")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame", [
    '{"type": "send", "room": 1, "client_id": "n", "body": "a\\u0000b"}',
    "[" * 5000 + "]" * 5000,
    '{"type": "sync", "rooms": ' + '{"1": ' * 150 + "0" + "}" * 150 + "}",
    '{"type": "read", "room": 18446744073709551616, "seq": 1}',
    '{"type": "send", "room": 1, "client_id": "big", "body": "x", "attachments": [18446744073709551617]}',
])
async def test_malformed_frames_answer_bad_request_and_keep_the_socket(
        demo: Any, api: Any, connect: Any, frame: str) -> None:
    token = await database_sync_to_async(lambda: api("clerk").token)()
    sock = await connect(token=token)
    await sock.send(frame)
    error = await sock.recv_type("error")
    assert error["code"] in ("bad_request", "not_found"), error
    await sock.send({"type": "ping"})
    assert (await sock.recv_type("pong"))["type"] == "pong"
