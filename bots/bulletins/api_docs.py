"""The bulletins endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.bulletins.schemas import (
    CallIn,
    InstructionIn,
    IssueDecisionIn,
    IssueIn,
    ItemDecisionIn,
    ItemIn,
    ResubmitIn,
)
from hub.core import openapi

TIME = {"type": ["string", "null"], "format": "date-time"}
UNIT = {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                                   "name": {"type": "string"}}}
USER = {"$ref": "#/components/schemas/User"}
FILE = {"type": "object", "properties": {
    "name": {"type": "string"}, "size": {"type": "integer"}, "mime": {"type": "string"},
    "sha256": {"type": "string"}, "picture": {"type": "boolean"}, "url": {"type": "string"}}}
INSTRUCTION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "by": USER, "comment": {"type": "string"}, "deadline": TIME,
    "units": {"type": "array", "items": UNIT}, "at": TIME}}
ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "publication": {"type": "string"},
    "call": {"type": ["integer", "null"]}, "unit": UNIT, "submitter": USER,
    "title": {"type": "string"}, "body": {"type": "string"}, "html": {"type": "string"},
    "state": {"enum": ["submitted", "adopted", "declined"]}, "state_label": {"type": "string"},
    "submitted_at": TIME, "decided_at": TIME, "decided_by": {"type": ["object", "null"]},
    "comment": {"type": "string"}, "files": {"type": "array", "items": FILE},
    "issue": {"type": ["object", "null"]},
    "instructions": {"type": "array", "items": INSTRUCTION},
    "original": {"type": "object", "description": "as submitted, when an editor changed it"},
    "viewer": {"type": "object"}}}
CALL = {"type": "object", "properties": {
    "id": {"type": "integer"}, "publication": {"type": "string"}, "title": {"type": "string"},
    "body": {"type": "string"}, "deadline": TIME, "overdue": {"type": "boolean"},
    "created_by": USER, "created_at": TIME,
    "units": {"type": "array", "items": {"type": "object", "properties": {
        "unit": UNIT, "submitted": {"type": "boolean"}, "submitted_at": TIME,
        "items": {"type": "integer"}, "message": {"type": ["integer", "null"]}}}}}}
ISSUE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "publication": {"type": "object"}, "label": {"type": "string"},
    "title": {"type": "string"},
    "state": {"enum": ["awaiting_signoff", "returned", "signed_off", "published"]},
    "round": {"type": "integer"}, "year": {"type": ["integer", "null"]},
    "number": {"type": ["integer", "null"]}, "total_number": {"type": ["integer", "null"]},
    "editor": USER, "signer": USER, "audience": {"type": "array", "items": {"type": "string"}},
    "created_at": TIME, "signed_off_at": TIME, "published_at": TIME,
    "masthead": {"type": "object"}, "items": {"type": "array", "items": {
        "$ref": "#/components/schemas/BulletinItem"}},
    "chain": {"type": "array", "items": {"type": "object", "properties": {
        "round": {"type": "integer"}, "role": {"const": "signoff"}, "user": USER,
        "decided_by": USER, "decision": {"enum": ["sign_off", "return"]},
        "comment": {"type": "string"}, "at": TIME, "proxy": {"type": "boolean"},
        "signature_valid": {"type": "boolean"}}}},
    "units": {"type": "array", "items": {"type": "object", "properties": {
        "unit": UNIT, "read": {"type": "boolean"}, "read_at": TIME,
        "readers": {"type": "array", "items": {"type": "object", "properties": {
            "user": USER, "at": TIME}}},
        "reminders": {"type": "integer"}, "message": {"type": ["integer", "null"]}}}},
    "seal": {"type": ["object", "null"]}, "pdf": {"type": ["string", "null"]},
    "mine": {"type": ["object", "null"]}, "viewer": {"type": "object"}}}


def register() -> None:
    op = openapi.operation
    item, issue, call = ({"$ref": f"#/components/schemas/{n}"}
                         for n in ("BulletinItem", "BulletinIssue", "BulletinCall"))
    paths: dict[str, Any] = {
        "/api/v1/bulletins": {"get": op(
            "The publications: [{id, code, name, unit, editors, is_editor, last_total}]")},
        "/api/v1/bulletins/{code}/calls": {
            "get": op("约稿 of the publication (editors: all; others: those asking their units)"),
            "post": op("约稿 by an editor: a card in each unit's room, bulletin_submit for their "
                       "clerks until the unit submits", body=CallIn, ok=201, response=call)},
        "/api/v1/bulletins/calls/{call_id}": {"get": op(
            "A call and each asked unit's submissions", params=["call_id"], response=call)},
        "/api/v1/bulletins/{code}/items": {
            "get": op("Items (editors: all; others: their own and their units')",
                      query=["state", "call", "unit", "limit", "offset"]),
            "post": op("投稿 by anyone in a unit (text, pictures, attachments)", body=ItemIn,
                       ok=201, response=item)},
        "/api/v1/bulletins/items/{item_id}": {"get": op("An item", params=["item_id"],
                                                        response=item)},
        "/api/v1/bulletins/items/{item_id}/decide": {"post": op(
            "采用 (with edits) or 不采用 with a reason, by an editor; a second decision is 409",
            params=["item_id"], body=ItemDecisionIn, response=item)},
        "/api/v1/bulletins/items/{item_id}/instructions": {"post": op(
            "批示 by a leader: units and a deadline, told in their rooms; a follow-up for 督办",
            params=["item_id"], body=InstructionIn, ok=201)},
        "/api/v1/bulletins/items/{item_id}/files/{index}": {"get": {
            "summary": "An item's n-th file (from 0), for whoever sees the item",
            "parameters": [{"name": n, "in": "path", "required": True,
                            "schema": {"type": "integer"}} for n in ("item_id", "index")],
            "responses": {"200": {"description": "the file"}}}},
        "/api/v1/bulletins/{code}/stats": {"get": op(
            "考核通报: per month and unit, items submitted, adopted, declined and published",
            query=["month", "year"])},
        "/api/v1/bulletins/{code}/issues": {
            "get": op("Back issues by year: {years, total, results}",
                      query=["year", "state", "limit", "offset"]),
            "post": op("An issue of adopted items, sent to the signer (bulletin_review)",
                       body=IssueIn, ok=201, response=issue)},
        "/api/v1/bulletins/issues/{issue_id}": {"get": op(
            "The issue with its items (the readable page's data), chain and reads by unit",
            params=["issue_id"], response=issue)},
        "/api/v1/bulletins/issues/{issue_id}/decide": {"post": op(
            "签发 or 退回 by the signer (or their deputy), signed with their personal key",
            params=["issue_id"], body=IssueDecisionIn, response=issue)},
        "/api/v1/bulletins/issues/{issue_id}/resubmit": {"post": op(
            "A returned issue, changed, back to the signer", params=["issue_id"],
            body=ResubmitIn, response=issue)},
        "/api/v1/bulletins/issues/{issue_id}/publish": {"post": op(
            "印发 by an editor after sign-off (else 409): numbered, sealed, delivered",
            params=["issue_id"], response=issue)},
        "/api/v1/bulletins/issues/{issue_id}/read": {"post": op(
            "The caller opened it: {read, at}", params=["issue_id"])},
        "/api/v1/bulletins/issues/{issue_id}/remind": {"post": op(
            "催阅 the units that have not opened it (once per 10 minutes, else 429): {reminded}",
            params=["issue_id"])},
        "/api/v1/bulletins/issues/{issue_id}/pdf": {"get": {
            "summary": "The published issue as a PDF, covered by the seal",
            "parameters": [{"name": "issue_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "application/pdf"}}}},
        "/api/v1/bulletins/issues/{issue_id}/verify": {"get": op(
            "Check the seal: {valid, seal, signed_at, reason}", params=["issue_id"])},
    }
    openapi.add_paths(paths, models=[CallIn, ItemIn, ItemDecisionIn, IssueIn, IssueDecisionIn,
                                     ResubmitIn, InstructionIn],
                      schemas={"BulletinItem": ITEM, "BulletinIssue": ISSUE,
                               "BulletinCall": CALL})
