"""The notices endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.notices.schemas import AckIn, NoticeIn
from hub.core import openapi

TIME = {"type": ["string", "null"], "format": "date-time"}
UNIT = {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                                   "name": {"type": "string"}}}
USER = {"$ref": "#/components/schemas/User"}
NOTICE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
    "html": {"type": "string"}, "unit": UNIT, "sender": USER, "created_at": TIME,
    "expires_at": TIME, "state": {"enum": ["open", "expired"]},
    "ack_required": {"type": "boolean"}, "pin": {"type": "boolean"},
    "room": {"type": ["integer", "null"]},
    "audience": {"type": "array", "items": {"type": "string"}},
    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "totals": {"type": "object", "properties": {k: {"type": "integer"} for k in (
        "recipients", "acked", "pending", "read")}},
    "read": {"type": "integer"},
    "reminders": {"type": "integer"}, "last_reminded_at": TIME,
    "mine": {"type": ["object", "null"], "properties": {
        "acked": {"type": "boolean"}, "at": TIME, "unit": UNIT,
        "message": {"type": ["integer", "null"]}, "room": {"type": ["integer", "null"]}}},
    "viewer": {"type": "object", "properties": {
        "manager": {"type": "boolean"}, "recipient": {"type": "boolean"},
        "actions": {"type": "array", "items": {"enum": ["ack", "remind"]}}}},
    "acked": {"type": "array", "description": "managers only", "items": {
        "type": "object", "properties": {"user": USER, "unit": UNIT, "at": TIME}}},
    "pending": {"type": "array", "description": "managers only", "items": {
        "type": "object", "properties": {"user": USER, "unit": UNIT,
                                         "reminders": {"type": "integer"}}}},
    "units": {"type": "array", "description": "managers only", "items": {
        "type": "object", "properties": {"unit": UNIT, "acked": {"type": "integer"},
                                         "pending": {"type": "integer"}}}},
    "tracking_message": {"type": ["integer", "null"]}}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/Notice"}
    paths: dict[str, Any] = {
        "/api/v1/notices": {
            "get": op("The caller's notices, newest first (expired ones only with expired=1): "
                      "{total, results: [{id, title, unit, sender, created_at, expires_at, "
                      "state, ack_required, box, mine, totals}]}",
                      query=["box", "expired", "limit", "offset"]),
            "post": op("Send a notice: a card to each person in the audience (unit rooms, the "
                       "room named, direct rooms), the live counts to the sender", body=NoticeIn,
                       ok=201, response=ref),
        },
        "/api/v1/notices/{notice_id}": {"get": op(
            "The notice; the lists of who has and has not pressed 收到 for the sender and the "
            "sending unit's clerks, leaders and admins", params=["notice_id"], response=ref)},
        "/api/v1/notices/{notice_id}/ack": {"post": op(
            "收到: the caller received it (once; the same act as the card's button); `user`, if "
            "given, must be the caller", params=["notice_id"], body=AckIn, response=ref)},
        "/api/v1/notices/{notice_id}/remind": {"post": op(
            "催收: remind everyone who has not pressed 收到 (once per 10 minutes, else 429 with "
            "Retry-After): {reminded}", params=["notice_id"])},
    }
    openapi.add_paths(paths, models=[NoticeIn, AckIn], schemas={"Notice": NOTICE})
