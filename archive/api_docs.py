"""The archive endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from archive.schemas import FileIn
from hub.core import openapi

ENTRY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "seq": {"type": "integer"},
    "archive_no": {"type": "string", "description": "档号, e.g. ZFB-WS·2026-Y-FW-0001"},
    "kind": {"enum": ["incoming", "outgoing", "approval"]}, "kind_label": {"type": "string"},
    "unit": {"type": "object", "properties": {"code": {"type": "string"},
                                              "name": {"type": "string"}}},
    "year": {"type": "integer"}, "retention": {"enum": ["permanent", "30y", "10y"]},
    "retention_label": {"type": "string"}, "item_no": {"type": "integer"},
    "title": {"type": "string"}, "number": {"type": "string"},
    "doc_type": {"type": ["string", "null"]}, "date": {"type": "string", "format": "date"},
    "responsible": {"type": "string"}, "secrecy": {"type": "string"},
    "document": {"type": ["integer", "null"]}, "approval": {"type": ["integer", "null"]},
    "files": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"},
        "url": {"type": "string"}}}},
    "verified": {"type": "boolean"}, "verify_detail": {"type": "string"},
    "content_sha256": {"type": "string"},
    "filed_at": {"type": "string", "format": "date-time"},
    "filed_by": {"type": ["integer", "null"]},
    "metadata": {"type": "object", "description": "GET /archive/{id} and the feed only"},
    "log": {"type": "array", "description": "GET /archive/{id} and the feed only"}}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}


def register() -> None:
    op = openapi.operation
    ref = {"$ref": "#/components/schemas/ArchiveEntry"}
    entries = {"type": "array", "items": ref}
    paths: dict[str, Any] = {
        "/api/v1/archive": {
            "get": op("Archive entries the caller may see, newest filed first, with facets "
                      "(each counted under the other filters) and the units they may export",
                      query=["year", "unit", "retention", "kind", "q", "limit", "offset"],
                      response={"type": "object", "properties": {
                          "total": {"type": "integer"}, "entries": entries,
                          "facets": {"type": "object", "properties": {
                              "year": COUNTS, "unit": COUNTS, "retention": COUNTS,
                              "kind": COUNTS}},
                          "exportable": {"type": "array", "items": {"type": "string"}}}}),
            "post": op("File an outgoing document now (a clerk or leader of the issuing unit); "
                       "409 when filed already", body=FileIn, ok=201, response=ref),
        },
        "/api/v1/archive/{entry_id}": {"get": op(
            "One entry with its metadata (DA/T 46 fields) and handling log",
            params=["entry_id"], response=ref)},
        "/api/v1/archive/{entry_id}/files/{index}": {"get": op(
            "One of the entry's files", params=["entry_id", "index"])},
        "/api/v1/archive/export": {"get": op(
            "A unit's year as a BagIt zip: files, metadata JSON, signatures with public keys, "
            "audit entries, SHA-256 manifest", query=["unit", "year"])},
        "/api/v1/archive/feed": {"get": op(
            "Entries filed after the cursor, oldest first, for outside archive systems",
            query=["since", "limit"], response={"type": "object", "properties": {
                "entries": entries, "next": {"type": "integer"},
                "has_more": {"type": "boolean"}}})},
    }
    openapi.add_paths(paths, models=[FileIn], schemas={"ArchiveEntry": ENTRY})
