"""The documents endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.documents.schemas import DocumentIn
from hub.core import openapi

PERSON = {"type": ["object", "null"], "properties": {"id": {"type": "integer"},
                                                    "username": {"type": "string"},
                                                    "display_name": {"type": "string"}}}
TIME = {"type": ["string", "null"], "format": "date-time"}
RECIPIENT = {"type": "object", "properties": {
    "unit": {"type": "object", "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
                                              "name": {"type": "string"}}},
    "kind": {"enum": ["main", "cc"]},
    "state": {"enum": ["delivered", "signed", "registered", "assigned", "handled", "returned"]},
    "state_label": {"type": "string"},
    "delivered_at": TIME, "signed_at": TIME, "signed_by": PERSON, "registered_at": TIME,
    "registered_by": PERSON, "incoming_number": {"type": ["string", "null"]},
    "assigned_at": TIME, "assigned_by": PERSON, "assignee": PERSON, "handled_at": TIME,
    "handled_by": PERSON, "reply": {"type": ["string", "null"]}, "returned_at": TIME,
    "returned_by": PERSON, "return_reason": {"type": ["string", "null"]},
    "overdue": {"type": "boolean"},
    "reminders": {"type": "object", "properties": {"sign": {"type": "integer"},
                                                   "deadline": {"type": "integer"}}},
    "last_reminded_at": TIME, "escalated_at": TIME,
    "circulation": {"type": "array", "items": {"type": "object", "properties": {
        "user": PERSON, "sent_at": TIME, "read_at": TIME}}},
    "message": {"type": ["integer", "null"]},
}}
TOTALS = {"type": ["object", "null"], "properties": {k: {"type": "integer"} for k in (
    "recipients", "delivered", "signed", "registered", "assigned", "handled", "returned",
    "unsigned", "overdue")}}
SEAL = {"type": ["object", "null"], "properties": {
    "unit": {"type": "string"}, "unit_name": {"type": "string"}, "key_id": {"type": "string"},
    "alg": {"type": "string"}, "signed_at": TIME,
    "image": {"type": "string", "description": "the seal picture as a data: URL (SVG)"}}}
DOCUMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "doc_type": {"type": "string"}, "number": {"type": "string"},
    "title": {"type": "string"}, "body": {"type": "string"},
    "urgency": {"enum": ["normal", "urgent", "very_urgent"]}, "urgency_label": {"type": "string"},
    "secrecy": {"enum": ["none", "internal"]}, "signer": {"type": "string"},
    "notes": {"type": "string"}, "date": {"type": "string", "format": "date"},
    "deadline": TIME, "reply_required": {"type": "boolean"},
    "sign_within_minutes": {"type": "integer"},
    "unit": {"type": "object"}, "sender": {"$ref": "#/components/schemas/User"},
    "sent_at": TIME, "state": {"enum": ["sent", "completed", None]},
    "recipients": {"type": "array", "items": {"$ref": "#/components/schemas/Recipient"}},
    "main": {"type": "array", "items": {"type": "string"}},
    "cc": {"type": "array", "items": {"type": "string"}},
    "totals": TOTALS,
    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "seal": SEAL, "tracking_message": {"type": ["integer", "null"]},
    "viewer": {"type": "object"}, "log": {"type": ["array", "null"]},
}}
VERIFY = {"type": "object", "properties": {
    "valid": {"type": "boolean"},
    "seal": {"type": "object", "properties": {"unit": {"type": ["string", "null"]},
                                              "unit_name": {"type": ["string", "null"]},
                                              "key_id": {"type": ["string", "null"]},
                                              "alg": {"type": ["string", "null"]}}},
    "signed_at": TIME, "reason": {"type": "string"}}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/Document"}
    paths: dict[str, Any] = {
        "/api/v1/documents": {
            "get": op("Documents the caller's units sent or received, newest first: "
                      "{total, results: [{id, doc_type, number, title, urgency, unit, sent_at, "
                      "deadline, box, totals, mine}]}", query=["box", "q", "limit", "offset"]),
            "post": op("Seal and send an official document (clerks and leaders of the issuing "
                       "unit); classified marks answer 400", body=DocumentIn, ok=201,
                       response=ref),
        },
        "/api/v1/documents/meta": {"get": op(
            "What the compose form needs: doc_types, urgencies, secrecies, groups, units, "
            "issuing_units, limits")},
        "/api/v1/documents/{document_id}": {"get": op(
            "The document, its seal, each visible recipient's state with times, totals and "
            "the handling log", params=["document_id"], response=ref)},
        "/api/v1/documents/{document_id}/verify": {"get": op(
            "Verify the seal: {valid, seal: {unit, key_id}, signed_at, reason}",
            params=["document_id"], response=VERIFY)},
        "/api/v1/documents/{document_id}/remind": {"post": op(
            "催办: remind every recipient that has not signed or handled it (issuing unit; "
            "once per 5 minutes): {reminded}", params=["document_id"])},
    }
    openapi.add_paths(paths, models=[DocumentIn],
                      schemas={"Document": DOCUMENT, "Recipient": RECIPIENT, "Verify": VERIFY})
