"""The discussions endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.discussions.schemas import CloseIn, DiscussionIn, ReplyIn
from hub.core import openapi

TIME = {"type": ["string", "null"], "format": "date-time"}
UNIT = {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                                   "name": {"type": "string"}}}
PERSON = {"type": ["object", "null"], "properties": {"username": {"type": "string"},
                                                     "display_name": {"type": "string"}}}
DISCUSSION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "question": {"type": "string"},
    "question_html": {"type": "string"}, "state": {"enum": ["open", "closed"]},
    "deadline": TIME, "overdue": {"type": "boolean"}, "owner": PERSON, "unit": UNIT,
    "created_at": TIME, "closed_at": TIME,
    "units": {"type": "array", "description": "every asked unit for the owner and the owning "
              "unit's managers; the caller's own units for an asked unit's members",
              "items": {"type": "object", "properties": {
                  "unit": UNIT, "replied": {"type": "boolean"},
                  "reply": {"type": ["string", "null"]}, "reply_html": {"type": ["string", "null"]},
                  "by": PERSON, "at": TIME, "message": {"type": ["integer", "null"]}}}},
    "totals": {"type": "object", "properties": {k: {"type": "integer"} for k in (
        "asked", "replied", "pending")}},
    "log": {"type": "array", "items": {"type": "object", "properties": {
        "unit": {"type": "string"}, "by": PERSON, "body": {"type": "string"}, "at": TIME,
        "replaces": {"type": ["integer", "null"]}}}},
    "conclusion": {"type": ["string", "null"]}, "conclusion_html": {"type": ["string", "null"]},
    "signature": {"type": ["object", "null"]}, "thread": {"type": ["integer", "null"]},
    "reminders": {"type": ["integer", "null"]},
    "viewer": {"type": "object", "properties": {
        "owner": {"type": "boolean"}, "manager": {"type": "boolean"},
        "reply_units": {"type": "array", "items": {"type": "string"}},
        "actions": {"type": "array", "items": {"enum": ["reply", "remind", "close"]}}}}}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/Discussion"}
    paths: dict[str, Any] = {
        "/api/v1/discussions": {
            "get": op("The discussions the caller may see, newest first: {total, items}",
                      query=["box", "state", "limit", "offset"]),
            "post": op("Open a discussion (征求意见): a card to each asked unit's room, the "
                       "owner's card with the thread", body=DiscussionIn, ok=201, response=ref),
        },
        "/api/v1/discussions/{discussion_id}": {"get": op(
            "The discussion as the caller may see it", params=["discussion_id"], response=ref)},
        "/api/v1/discussions/{discussion_id}/replies": {"post": op(
            "Reply for the caller's asked unit (its clerks and leaders); a later reply replaces "
            "the earlier; after the close 409", params=["discussion_id"], body=ReplyIn, ok=201,
            response=ref)},
        "/api/v1/discussions/{discussion_id}/close": {"post": op(
            "Close with a conclusion, signed by the owner", params=["discussion_id"],
            body=CloseIn, response=ref)},
        "/api/v1/discussions/{discussion_id}/remind": {"post": op(
            "催办: remind the units that have not replied (once per 10 minutes, else 429)",
            params=["discussion_id"])},
    }
    openapi.add_paths(paths, models=[DiscussionIn, ReplyIn, CloseIn],
                      schemas={"Discussion": DISCUSSION})
