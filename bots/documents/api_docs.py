"""The documents endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.documents.schemas import (
    DecideIn,
    DocumentIn,
    DraftEditIn,
    DraftIn,
    ResendIn,
    ResubmitIn,
    UnitSettingsIn,
)
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
        "user": PERSON, "position": {"type": "integer"}, "queued_at": TIME, "sent_at": TIME,
        "read_at": TIME, "comment": {"type": ["string", "null"], "description": "阅示"},
        "note": {"type": ["string", "null"]}}}},
    "proposal": {"type": ["string", "null"], "description": "拟办意见"},
    "instruction": {"type": ["string", "null"], "description": "批办意见（批示）"},
    "instructed_at": TIME, "instructed_by": PERSON,
    "co_assignees": {"type": "array", "items": PERSON},
    "handle_by": TIME,
    "result_files": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "resent_as": {"type": ["integer", "null"]},
    "message": {"type": ["integer", "null"]},
    "log": {"type": "array", "items": {"type": "object", "properties": {
        "action": {"enum": ["sign", "register", "propose", "instruct", "assign", "circulate",
                            "read", "complete", "answer", "return", "resent"]},
        "label": {"type": "string"}, "by": PERSON, "comment": {"type": ["string", "null"]},
        "at": TIME}}},
}}
CHAIN_ENTRY = {"type": "object", "properties": {
    "round": {"type": "integer"}, "step": {"type": "integer"},
    "role": {"enum": ["review", "signoff"]}, "role_label": {"type": "string"},
    "state": {"enum": ["waiting", "active", "approved", "signed_off", "returned"]},
    "user": PERSON, "decided_by": PERSON, "proxy": {"type": "boolean"},
    "decision": {"enum": ["approve", "sign_off", "return", None]},
    "decision_label": {"type": "string"}, "comment": {"type": ["string", "null"]}, "at": TIME,
    "signature_valid": {"type": ["boolean", "null"]}}}
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
    "sent_at": TIME,
    "state": {"enum": ["reviewing", "awaiting_signoff", "returned", "signed_off", "issued"]},
    "state_label": {"type": "string"},
    "progress": {"enum": ["sent", "completed", None],
                 "description": "the issuing unit's view of an issued document"},
    "round": {"type": "integer"}, "drafted_at": TIME, "signed_off_at": TIME,
    "issued_by": PERSON, "corrects": {"type": ["integer", "null"]},
    "chain": {"type": "array", "items": CHAIN_ENTRY},
    "pdf": {"type": ["string", "null"], "description": "the GB/T 9704 PDF (issued documents)"},
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
    "signed_at": TIME, "reason": {"type": "string"},
    "decisions": {"type": "array", "items": {"type": "object"}}}}
SETTINGS = {"type": "object", "properties": {
    "unit": {"type": "object"}, "number_code": {"type": "string", "description": "机关代字"},
    "masthead": {"type": "string", "description": "发文机关标志"},
    "direct_issue": {"type": "boolean"}, "may_change": {"type": "boolean"}}}


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
            "issuing_units, drafting_units (with their rules and signers), limits")},
        "/api/v1/documents/drafts": {"post": op(
            "Draft a document for 核稿 and 签发 (a member of the issuing unit): reviewers are "
            "steps in order (several people in a step = 会签), signer a leader of the unit; "
            "201 with state reviewing or awaiting_signoff", body=DraftIn, ok=201, response=ref)},
        "/api/v1/documents/{document_id}": {
            "get": op("The document (or draft), its state and chain, its seal, each visible "
                      "recipient's state with times and log, totals and the audit log",
                      params=["document_id"], response=ref),
            "patch": op("Edit a returned or signed-off draft (its drafter or a clerk of the "
                        "unit); a substantive edit after sign-off goes back to the signer; 409 "
                        "while being decided or once issued", params=["document_id"],
                        body=DraftEditIn, response=ref)},
        "/api/v1/documents/{document_id}/decide": {"post": op(
            "approve / return (核稿) or sign_off / return (签发) by the person whose turn it is "
            "or their active deputy (代批); signed with the decider's personal key",
            params=["document_id"], body=DecideIn, response=ref)},
        "/api/v1/documents/{document_id}/resubmit": {"post": op(
            "Resubmit a returned draft: a new round from the first step",
            params=["document_id"], body=ResubmitIn, response=ref)},
        "/api/v1/documents/{document_id}/issue": {"post": op(
            "用印分发 by a clerk of the issuing unit after sign-off: 复核, the next 发文字号 of the "
            "unit's 机关代字 (gap-free) unless given, the PDF, the seal over the chain, delivery; "
            "409 before sign-off or when issued", params=["document_id"], response=ref)},
        "/api/v1/documents/{document_id}/resend": {"post": op(
            "退文更正重发: a corrected copy (same 发文字号, sealed anew) to units that returned it",
            params=["document_id"], body=ResendIn, ok=201, response=ref)},
        "/api/v1/documents/{document_id}/pdf": {"get": op(
            "The issued document as a PDF per GB/T 9704 (inline, application/pdf); 409 for a "
            "draft", params=["document_id"])},
        "/api/v1/documents/units/{code}/settings": {
            "get": op("The unit's document settings (its members)", params=["code"],
                      response=SETTINGS),
            "patch": op("Change them (the unit's leaders and admins)", params=["code"],
                        body=UnitSettingsIn, response=SETTINGS)},
        "/api/v1/documents/{document_id}/verify": {"get": op(
            "Verify the seal and every decision signature of the chain: {valid, seal: {unit, "
            "key_id}, signed_at, reason, decisions}",
            params=["document_id"], response=VERIFY)},
        "/api/v1/documents/{document_id}/remind": {"post": op(
            "催办: remind every recipient that has not signed or handled it (issuing unit; "
            "once per 5 minutes): {reminded}", params=["document_id"])},
    }
    openapi.add_paths(paths, models=[DocumentIn, DraftIn, DraftEditIn, DecideIn, ResubmitIn,
                                     ResendIn, UnitSettingsIn],
                      schemas={"Document": DOCUMENT, "Recipient": RECIPIENT, "Verify": VERIFY,
                               "ChainEntry": CHAIN_ENTRY, "DocumentSettings": SETTINGS})
