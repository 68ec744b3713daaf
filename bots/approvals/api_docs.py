"""The approvals endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.approvals.schemas import ApprovalIn, DecideIn, DelegationIn, ResubmitIn, StepIn
from hub.core import openapi

TIME = {"type": ["string", "null"], "format": "date-time"}
PERSON = {"type": ["object", "null"], "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"},
    "display_name": {"type": "string"}}}
STEP = {"type": "object", "properties": {
    "index": {"type": "integer"}, "round": {"type": "integer"}, "mode": {"enum": ["all", "any"]},
    "mode_label": {"type": "string"},
    "state": {"enum": ["waiting", "active", "approved", "rejected", "returned"]},
    "state_label": {"type": "string"}, "started_at": TIME, "settled_at": TIME,
    "approvers": {"type": "array", "items": {"type": "object", "properties": {
        "user": PERSON, "decision": {"enum": ["approve", "reject", "return", None]},
        "decision_label": {"type": "string"}, "comment": {"type": ["string", "null"]},
        "decided_at": TIME, "decided_by": PERSON, "proxy": {"type": "boolean"},
        "signed": {"type": "boolean"}}}}}}
APPROVAL = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
    "state": {"enum": ["pending", "approved", "rejected", "returned"]},
    "state_label": {"type": "string"}, "round": {"type": "integer"},
    "current_step": {"type": "integer"}, "requester": {"$ref": "#/components/schemas/User"},
    "room": {"type": ["integer", "null"]}, "created_at": TIME, "updated_at": TIME,
    "settled_at": TIME,
    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "steps": {"type": "array", "items": {"$ref": "#/components/schemas/ApprovalStep"}},
    "rounds": {"type": "array"}, "phrases": {"type": "object"},
    "viewer": {"type": "object", "properties": {
        "requester": {"type": "boolean"}, "actions": {"type": "array",
                                                      "items": {"type": "string"}}}},
    "message": {"type": ["integer", "null"]}, "log": {"type": ["array", "null"]}}}
DELEGATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "principal": {"$ref": "#/components/schemas/User"},
    "deputy": {"$ref": "#/components/schemas/User"}, "start": TIME, "end": TIME,
    "note": {"type": "string"}, "created_at": TIME, "revoked_at": TIME,
    "active": {"type": "boolean"}}}
VERIFY = {"type": "object", "properties": {
    "valid": {"type": "boolean"}, "reason": {"type": "string"},
    "decisions": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "round": {"type": "integer"}, "step": {"type": "integer"},
        "approver": {"type": "string"}, "decided_by": {"type": ["string", "null"]},
        "decision": {"type": "string"}, "valid": {"type": "boolean"},
        "reason": {"type": "string"}, "signer": {"type": ["string", "null"]},
        "key_id": {"type": ["string", "null"]}, "alg": {"type": ["string", "null"]},
        "signed_at": TIME}}}}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/Approval"}
    delegation = {"$ref": "#/components/schemas/Delegation"}
    paths: dict[str, Any] = {
        "/api/v1/approvals": {
            "get": op("Requests the caller made, must decide (todo, also as a deputy) or "
                      "decided: {total, results}", query=["box", "limit", "offset"]),
            "post": op("Submit a request: steps in order, several approvers in a step are a "
                       "countersign (会签) unless mode any (或签)", body=ApprovalIn, ok=201,
                       response=ref),
        },
        "/api/v1/approvals/{approval_id}": {"get": op(
            "The request, its steps and decisions (every round), and what the caller may do",
            params=["approval_id"], response=ref)},
        "/api/v1/approvals/{approval_id}/decide": {"post": op(
            "Decide on the current step like the card's buttons: approve, return or reject "
            "with an optional comment", params=["approval_id"], body=DecideIn, response=ref)},
        "/api/v1/approvals/{approval_id}/resubmit": {"post": op(
            "Resubmit a returned request (requester), optionally revised: the steps run again",
            params=["approval_id"], body=ResubmitIn, response=ref)},
        "/api/v1/approvals/{approval_id}/verify": {"get": op(
            "Verify every decision's signature against the stored request and decision",
            params=["approval_id"], response=VERIFY)},
        "/api/v1/approvals/delegations": {
            "get": op("The caller's delegations, as principal or deputy",
                      response={"type": "array", "items": delegation}),
            "post": op("Name a deputy for a period (代批)", body=DelegationIn, ok=201,
                       response=delegation),
        },
        "/api/v1/approvals/delegations/{delegation_id}": {"delete": op(
            "Revoke a delegation (its principal)", params=["delegation_id"],
            response=delegation)},
    }
    openapi.add_paths(paths, models=[ApprovalIn, StepIn, DecideIn, ResubmitIn, DelegationIn],
                      schemas={"Approval": APPROVAL, "ApprovalStep": STEP,
                               "Delegation": DELEGATION, "ApprovalVerify": VERIFY})
