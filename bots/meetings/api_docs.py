"""The meetings endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from bots.meetings.schemas import CancelIn, MeetingChangeIn, MeetingIn, RsvpIn
from hub.core import openapi

TIME = {"type": ["string", "null"], "format": "date-time"}
PERSON = {"type": ["object", "null"]}
INVITEE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"enum": ["unit", "person"]},
    "unit": {"type": ["object", "null"]}, "user": PERSON, "name": {"type": "string"},
    "state": {"enum": ["pending", "attending", "declined", "delegated"]},
    "state_label": {"type": "string"}, "answer": {"type": "string"},
    "attendees": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
    "attendee_names": {"type": "array", "items": {"type": "string"}},
    "reason": {"type": ["string", "null"]}, "delegate": PERSON, "responded_by": PERSON,
    "responded_at": TIME, "rsvp_reminders": {"type": "integer"}, "last_reminded_at": TIME,
    "message": {"type": ["integer", "null"]}}}
ROSTER = {"type": "object", "properties": {
    "meeting": {"type": "integer"},
    "totals": {"type": ["object", "null"], "properties": {k: {"type": "integer"} for k in (
        "invited", "attending", "declined", "delegated", "pending", "people")}},
    "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Invitee"}},
    "attending": {"type": "array", "items": {"$ref": "#/components/schemas/Invitee"}},
    "excused": {"type": "array", "items": {"$ref": "#/components/schemas/Invitee"}},
    "pending": {"type": "array", "items": {"$ref": "#/components/schemas/Invitee"}}}}
MEETING = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "start": TIME, "end": TIME,
    "location": {"type": "string"}, "agenda": {"type": "string"}, "rsvp_by": TIME,
    "remind_before_minutes": {"type": "integer"},
    "state": {"enum": ["scheduled", "started", "ended", "cancelled"]},
    "version": {"type": "integer"}, "unit": {"type": "object"},
    "organiser": {"$ref": "#/components/schemas/User"}, "created_at": TIME, "updated_at": TIME,
    "cancelled_at": TIME, "cancel_reason": {"type": ["string", "null"]},
    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "invitees": {"type": "array", "items": {"$ref": "#/components/schemas/Invitee"}},
    "roster": {"$ref": "#/components/schemas/Roster"},
    "roster_message": {"type": ["integer", "null"]},
    "viewer": {"type": "object", "properties": {
        "organiser": {"type": "boolean"}, "may_change": {"type": "boolean"},
        "answers_for": {"type": "array", "items": {"type": "integer"}}}},
    "log": {"type": ["array", "null"]}}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/Meeting"}
    paths: dict[str, Any] = {
        "/api/v1/meetings": {
            "get": op("Meetings the caller's units organised or the caller (or their units) "
                      "were invited to: {total, results: [{id, title, start, end, location, "
                      "state, rsvp_by, unit, box, mine}]}", query=["box", "limit", "offset"]),
            "post": op("Send a meeting notice: a card to each invited unit and person, the "
                       "roster card to the organising unit", body=MeetingIn, ok=201,
                       response=ref),
        },
        "/api/v1/meetings/{meeting_id}": {
            "get": op("The notice and its roster (the whole roster for the organising unit, "
                      "the caller's own entries for invitees)", params=["meeting_id"],
                      response=ref),
            "patch": op("Change the meeting (organiser, organising unit's clerks and leaders); "
                        "every card is updated and every invitee told", params=["meeting_id"],
                        body=MeetingChangeIn, response=ref),
        },
        "/api/v1/meetings/{meeting_id}/cancel": {"post": op(
            "Cancel the meeting with a reason; every card is updated and every invitee told",
            params=["meeting_id"], body=CancelIn, response=ref)},
        "/api/v1/meetings/{meeting_id}/remind": {"post": op(
            "催复: remind every invitee that has not answered (once per 5 minutes): {reminded}",
            params=["meeting_id"])},
        "/api/v1/meetings/{meeting_id}/rsvp": {"post": op(
            "Answer for oneself or for a unit one answers for (attend with attendees, decline "
            "with a reason in comment, delegate to a person)", params=["meeting_id"],
            body=RsvpIn, response=ref)},
        "/api/v1/meetings/{meeting_id}/roster": {"get": op(
            "The roster (organising unit): totals, attending, excused with reasons, not "
            "answered", params=["meeting_id"], response={"$ref": "#/components/schemas/Roster"})},
        "/api/v1/meetings/{meeting_id}/roster.csv": {"get": {
            "summary": "The roster as CSV (UTF-8 with BOM; organising unit)",
            "parameters": [{"name": "meeting_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "text/csv"}}}},
        "/api/v1/meetings/{meeting_id}/calendar.ics": {"get": {
            "summary": "The notice as an iCalendar file (RFC 5545), for anyone who can see it",
            "parameters": [{"name": "meeting_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "text/calendar"}}}},
    }
    openapi.add_paths(paths, models=[MeetingIn, MeetingChangeIn, CancelIn, RsvpIn],
                      schemas={"Meeting": MEETING, "Invitee": INVITEE, "Roster": ROSTER})
