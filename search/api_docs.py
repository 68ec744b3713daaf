"""GET /api/v1/search in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from hub.core import openapi

HIT = {"type": "object", "properties": {
    "type": {"enum": ["message", "document", "meeting", "approval"]},
    "id": {"type": "integer"}, "room": {"type": ["integer", "null"]},
    "message": {"type": ["integer", "null"]}, "title": {"type": "string"},
    "number": {"type": "string"}, "doc_type": {"type": ["string", "null"]},
    "unit": {"type": ["string", "null"]},
    "snippet_html": {"type": "string", "description": "sanitized: only <mark> and <b>"},
    "created_at": {"type": "string", "format": "date-time"}, "score": {"type": "number"}}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
RESULTS = {"type": "object", "properties": {
    "total": {"type": "integer"}, "sort": {"enum": ["relevance", "newest"]},
    "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
    "facets": {"type": "object", "properties": {
        "type": COUNTS, "unit": COUNTS, "year": COUNTS, "doc_type": COUNTS}}}}


def register() -> None:
    op = openapi.operation(
        "Search what the caller may see. q takes words, \"phrases\" and the filters from: in: "
        "type: unit: doctype: before: after: has:attachment; doc_type=<文种> (a vocabulary the "
        "documents register, e.g. 通知); 400 for bad input, 503 index_rebuilding while there "
        "is no usable index",
        query=["q", "type", "room", "unit", "sender", "doc_type", "after", "before", "has",
               "sort", "limit", "offset"],
        response={"$ref": "#/components/schemas/SearchResults"})
    op["responses"]["503"] = {"description": "索引正在重建 (code index_rebuilding)"}
    paths: dict[str, Any] = {"/api/v1/search": {"get": op}}
    openapi.add_paths(paths, schemas={"SearchHit": HIT, "SearchResults": RESULTS})
