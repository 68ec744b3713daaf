"""The OpenAPI description of protocol v1, built from the same pydantic models that
validate requests, so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel

from hub.chat import schemas

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "detail": {"type": "string"}}, "required": ["code", "detail"]}},
}
USER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
    "title": {"type": "string"}, "is_bot": {"type": "boolean"}, "is_external": {"type": "boolean"},
    "pinyin": {"type": "string"}, "presence": {"enum": ["online", "away", "offline"]},
    "units": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "role": {"type": "string"}}}}}}
ROOM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "kind": {"enum": ["direct", "group", "unit", "channel", "bot"]}, "topic": {"type": "string"},
    "last_seq": {"type": "integer"}, "unread": {"type": "integer"},
    "members_count": {"type": "integer"}, "last_read_seq": {"type": "integer"},
    "muted": {"type": "boolean"},
    "pinned": {"type": "array", "items": {"type": "integer"}},
    "announce_only": {"type": "boolean"}}}
ATTACHMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"},
    "mime": {"type": "string"}, "sha256": {"type": "string"}, "url": {"type": "string"}}}
MESSAGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "room": {"type": "integer"}, "seq": {"type": "integer"},
    "sender": {"$ref": "#/components/schemas/User"}, "kind": {"enum": ["text", "card", "system"]},
    "body": {"type": "string"}, "html": {"type": "string"},
    "card": {"type": ["object", "null"]}, "reply_to": {"type": ["integer", "null"]},
    "client_id": {"type": ["string", "null"]},
    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "reactions": {"type": "array"}, "mentions": {"type": "array", "items": {"type": "integer"}},
    "created_at": {"type": "string", "format": "date-time"},
    "edited_at": {"type": ["string", "null"], "format": "date-time"},
    "deleted": {"type": "boolean"}, "read_count": {"type": "integer"},
    "member_count": {"type": "integer"},
    "forwarded": {"type": ["object", "null"], "properties": {
        "room_name": {"type": "string"}, "sender": {"$ref": "#/components/schemas/User"},
        "created_at": {"type": "string", "format": "date-time"}}},
    "remind_of": {"type": ["object", "null"], "properties": {
        "room": {"type": "integer"}, "message": {"type": "integer"}, "seq": {"type": "integer"}}},
    "topic": {"type": ["string", "null"]}, "thread": {"type": ["integer", "null"]},
    "thread_count": {"type": "integer"}, "thread_last_seq": {"type": ["integer", "null"]}}}
TOPIC = {"type": "object", "properties": {
    "name": {"type": "string"}, "count": {"type": "integer"}, "last_seq": {"type": "integer"},
    "last_at": {"type": ["string", "null"], "format": "date-time"},
    "unread": {"type": "integer"}, "state": {"enum": ["follow", "mute", "none"]},
    "room": {"type": "integer"}, "room_name": {"type": "string"}}}
DIRECTORY = {"type": "object", "properties": {"units": {"type": "array", "items": {
    "type": "object", "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "short_name": {"type": "string"}, "kind": {"type": "string"},
        "parent": {"type": ["integer", "null"]}, "sort_order": {"type": "integer"},
        "people": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "username": {"type": "string"},
            "display_name": {"type": "string"}, "title": {"type": "string"},
            "role": {"enum": ["staff", "clerk", "leader", "admin"]},
            "is_bot": {"type": "boolean"}, "pinyin": {"type": "string"}}}}}}}}}
TODO_ITEM = {"type": "object", "properties": {
    "kind": {"type": "string"}, "label": {"type": "string"}, "title": {"type": "string"},
    "ref": {"type": "integer"}, "object_type": {"type": "string"},
    "message": {"type": ["integer", "null"]}, "room": {"type": ["integer", "null"]},
    "unit": {"type": ["object", "null"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}}},
    "since": {"type": "string", "format": "date-time"},
    "deadline": {"type": ["string", "null"], "format": "date-time"},
    "overdue": {"type": "boolean"}, "card": {"type": ["object", "null"]}}}
TODO = {"type": "object", "properties": {
    "total": {"type": "integer"},
    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/TodoItem"}}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(summary: str, *, body: type[BaseModel] | None = None, ok: int = 200,
        response: dict[str, Any] | None = None, params: list[str] | None = None,
        query: list[str] | None = None, auth: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        str(ok): {"description": "OK", **({"content": {"application/json": {"schema": response}}}
                                          if response else {})},
        "4XX": {"description": "error", "content": {"application/json": {"schema": _ref("Error")}}},
    }}
    parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
                  for p in params or []]
    parameters += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
                   for q in query or []]
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref(body.__name__)}}}
    if not auth:
        op["security"] = []
    return op


operation = _op  # for apps that document their endpoints through add_paths

_extra_paths: dict[str, Any] = {}
_extra_components: dict[str, Any] = {}


def add_paths(paths: dict[str, Any], *, models: Sequence[type[BaseModel]] = (),
              schemas: dict[str, Any] | None = None) -> None:
    """Document endpoints that an app outside the core serves under /api/v1 (the bots call
    this when they start); `models` become components named after their classes."""
    _extra_paths.update(paths)
    for model in models:
        _extra_components[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}")
    _extra_components.update(schemas or {})
    document.cache_clear()


@cache
def document() -> dict[str, Any]:
    models: list[type[BaseModel]] = [schemas.TokenIn, schemas.RoomIn, schemas.SendIn, schemas.EditIn, schemas.ReadIn,
              schemas.ReactionIn, schemas.MembersIn, schemas.ActionIn, schemas.MuteIn, schemas.PinIn,
              schemas.ForwardIn, schemas.RoomSettingsIn, schemas.TopicRenameIn,
              schemas.TopicStateIn, schemas.TopicMoveIn]
    components: dict[str, Any] = {
        "Error": ERROR, "User": USER, "Room": ROOM, "Attachment": ATTACHMENT, "Message": MESSAGE,
        "TodoItem": TODO_ITEM, "Todo": TODO, "Topic": TOPIC,
    }
    for model in models:
        components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    arr = lambda name: {"type": "array", "items": _ref(name)}  # noqa: E731
    paths: dict[str, Any] = {
        "/api/v1/auth/token": {
            "post": _op("Log in: a bearer token", body=schemas.TokenIn, auth=False,
                        response={"type": "object", "properties": {
                            "token": {"type": "string"}, "user": _ref("User")}}),
            "delete": _op("Revoke the bearer token of this request", ok=204),
        },
        "/api/v1/me": {"get": _op("The caller", response=_ref("User"))},
        "/api/v1/users": {"get": _op("People, filtered by q", query=["q", "presence"],
                                     response=arr("User"))},
        "/api/v1/users/{username}": {"get": {
            **_op("One person: User with units and roles, and presence",
                  response=_ref("User")),
            "parameters": [{"name": "username", "in": "path", "required": True,
                            "schema": {"type": "string"}}]}},
        "/api/v1/directory": {"get": _op(
            "The directory (通讯录): the unit tree with its people, roles and titles",
            query=["presence"], response=DIRECTORY)},
        "/api/v1/units": {"get": _op("Units")},
        "/api/v1/rooms": {
            "get": _op("The caller's rooms with unread and last_seq", response=arr("Room")),
            "post": _op("Make a group or channel, or find or make a direct room",
                        body=schemas.RoomIn, ok=201, response=_ref("Room")),
        },
        "/api/v1/rooms/{room_id}": {"get": _op("One room", params=["room_id"],
                                               response=_ref("Room"))},
        "/api/v1/rooms/{room_id}/messages": {
            "get": _op("Messages in seq order", params=["room_id"],
                       query=["after_seq", "before_seq", "limit", "topic"],
                       response=arr("Message")),
            "post": _op("Send (idempotent on client_id)", params=["room_id"], body=schemas.SendIn,
                        ok=201, response=_ref("Message")),
        },
        "/api/v1/rooms/{room_id}/read": {"post": _op("Mark read up to seq", params=["room_id"],
                                                     body=schemas.ReadIn)},
        "/api/v1/rooms/{room_id}/members": {
            "get": _op("Members with read positions", params=["room_id"]),
            "post": _op("Add members to a group or channel", params=["room_id"],
                        body=schemas.MembersIn),
        },
        "/api/v1/rooms/{room_id}/leave": {"post": _op("Leave a group or channel", ok=204,
                                                      params=["room_id"])},
        "/api/v1/rooms/{room_id}/join": {"post": _op("Join a channel", params=["room_id"],
                                                     response=_ref("Room"))},
        "/api/v1/rooms/{room_id}/mute": {"post": _op(
            "免打扰 on or off for the caller", params=["room_id"], body=schemas.MuteIn,
            response=_ref("Room"))},
        "/api/v1/rooms/{room_id}/pins": {
            "get": _op("The pinned messages, the latest pinned first", params=["room_id"],
                       response=arr("Message")),
            "post": _op("Pin a message (members of direct rooms and groups, admins of unit "
                        "rooms and channels)", params=["room_id"], body=schemas.PinIn, ok=201,
                        response=_ref("Room")),
        },
        "/api/v1/rooms/{room_id}/pins/{message_id}": {"delete": _op(
            "Unpin a message", params=["room_id", "message_id"], ok=204)},
        "/api/v1/rooms/{room_id}/settings": {"post": _op(
            "A channel's admins make it announce-only (only admins post) or open it again",
            params=["room_id"], body=schemas.RoomSettingsIn, response=_ref("Room"))},
        "/api/v1/rooms/{room_id}/topics": {"get": _op(
            "The room's topics (话题), latest first, with unread per topic and the caller's "
            "follow or mute", params=["room_id"], response=arr("Topic"))},
        "/api/v1/rooms/{room_id}/topics/rename": {"post": _op(
            "Rename a topic (admins, the topic's starter; anyone in a group or direct room)",
            params=["room_id"], body=schemas.TopicRenameIn,
            response={"type": "object", "properties": {
                "room": {"type": "integer"}, "from": {"type": "string"},
                "to": {"type": "string"}, "count": {"type": "integer"}}})},
        "/api/v1/rooms/{room_id}/topics/move": {"post": _op(
            "Move a topic into another room the caller is in: its messages are sent again "
            "there (marked as forwarded, threads kept) and deleted here", params=["room_id"],
            body=schemas.TopicMoveIn,
            response={"type": "object", "properties": {
                "room": {"type": "integer"}, "to_room": {"type": "integer"},
                "from": {"type": "string"}, "to": {"type": "string"},
                "count": {"type": "integer"}}})},
        "/api/v1/rooms/{room_id}/topics/follow": {"post": _op(
            "Follow (关注) or mute a topic for the caller, or neither", params=["room_id"],
            body=schemas.TopicStateIn)},
        "/api/v1/topics": {"get": _op("The topics the caller follows or muted, in their rooms",
                                      response=arr("Topic"))},
        "/api/v1/messages/{message_id}/thread": {"get": _op(
            "A thread (跟帖): its root and replies in seq order", params=["message_id"],
            response={"type": "object", "properties": {
                "root": _ref("Message"), "replies": arr("Message"),
                "count": {"type": "integer"}}})},
        "/api/v1/channels": {"get": _op("The channel directory")},
        "/api/v1/messages/{message_id}": {
            "get": _op("One message", params=["message_id"], response=_ref("Message")),
            "patch": _op("Edit (sender only)", params=["message_id"], body=schemas.EditIn,
                         response=_ref("Message")),
            "delete": _op("Delete (sender or room admin)", params=["message_id"],
                          response=_ref("Message")),
        },
        "/api/v1/messages/{message_id}/readers": {"get": _op(
            "Who has and has not read it", params=["message_id"])},
        "/api/v1/messages/{message_id}/reactions": {
            "post": _op("Add a reaction", params=["message_id"], body=schemas.ReactionIn),
            "delete": _op("Remove a reaction", params=["message_id"], body=schemas.ReactionIn),
        },
        "/api/v1/messages/{message_id}/actions": {"post": _op(
            "Press a card button", params=["message_id"], body=schemas.ActionIn,
            response=_ref("Message"))},
        "/api/v1/messages/{message_id}/forward": {"post": _op(
            "Forward (转发) into a room the caller is in; document cards and classified "
            "content are refused", params=["message_id"], body=schemas.ForwardIn, ok=201,
            response=_ref("Message"))},
        "/api/v1/messages/{message_id}/remind": {"post": _op(
            "加急提醒: the sender reminds everyone who has not read it (once per 10 minutes, "
            "else 429 with Retry-After)", params=["message_id"],
            response={"type": "object", "properties": {"reminded": {"type": "integer"}}})},
        "/api/v1/attachments": {"post": {
            "summary": "Upload (multipart, field file); over the limit 413 too_large",
            "requestBody": {"content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"201": {"description": "Created", "content": {
                "application/json": {"schema": _ref("Attachment")}}}}}},
        "/api/v1/attachments/{attachment_id}": {"get": {
            "summary": "Download, for members of a room where it was posted",
            "parameters": [{"name": "attachment_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "the file"}}}},
        "/api/v1/attachments/{attachment_id}/preview": {"get": _op(
            "A preview: kind image|pdf|html|text|none, the inline url, sanitized html (DOCX, "
            "XLSX) or text", params=["attachment_id"],
            response={"type": "object", "properties": {
                "kind": {"enum": ["image", "pdf", "html", "text", "none"]},
                "url": {"type": "string"}, "html": {"type": "string"},
                "text": {"type": "string"}, "truncated": {"type": "boolean"},
                "reason": {"type": "string"}}})},
        "/api/v1/attachments/{attachment_id}/{name}": {"get": {
            "summary": "Download, for members of a room where it was posted",
            "parameters": [{"name": "attachment_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}},
                           {"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the file"}}}},
        "/api/v1/commands": {"get": _op(
            "The bot commands the composer offers after /: [{name, help, usage}]",
            response={"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "help": {"type": "string"},
                "usage": {"type": "string"}}}})},
        "/api/v1/todo": {"get": _op(
            "Everything waiting for the caller (待办), oldest first, each item with its card "
            "as the caller sees it", response=_ref("Todo"))},
        "/api/v1/todo/kinds": {"get": _op(
            "The kinds of to-do items: [{kind, label, object_type}]",
            response={"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string"}, "label": {"type": "string"},
                "object_type": {"type": "string"}}}})},
        "/api/v1/openapi.json": {"get": _op("This document", auth=False)},
        **_extra_paths,
    }
    components.update(_extra_components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Huitong client protocol", "version": "1"},
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"}}},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }
