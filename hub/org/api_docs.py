"""The unit administrators' endpoints in the OpenAPI description."""

from __future__ import annotations

from typing import Any

from hub.core import openapi
from hub.org.schemas import MergeIn, PasswordIn, PersonIn, PersonPatch, UnitIn, UnitPatch


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _with(op: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**op, "parameters": [*(op.get("parameters") or []), *(_path(n) for n in names)]}


def register() -> None:
    op = openapi.operation
    openapi.add_paths({
        "/api/v1/units": {
            "get": op("Units"),
            "post": op("Add a unit (the system administrator)", body=UnitIn, ok=201),
        },
        "/api/v1/units/managed": {"get": op("The units the caller administers")},
        "/api/v1/units/{code}": {"patch": _with(op(
            "Rename, move, reorder or re-kind a unit (the system administrator)",
            body=UnitPatch), "code")},
        "/api/v1/units/{code}/merge": {"post": _with(op(
            "Merge the unit into another (the system administrator)", body=MergeIn), "code")},
        "/api/v1/units/{code}/people": {
            "get": _with(op("A unit's people, for its admins and leaders"), "code"),
            "post": _with(op("Add a person to the unit (its admins)", body=PersonIn, ok=201),
                          "code"),
        },
        "/api/v1/units/{code}/audit": {"get": _with(op("The unit's administrative history"),
                                                    "code")},
        "/api/v1/people/{username}": {
            "get": _with(op("A person as their administrators see them"), "username"),
            "patch": _with(op("Change, move or deactivate a person (工作移交 with successor)",
                              body=PersonPatch), "username"),
        },
        "/api/v1/people/{username}/password": {"post": _with(op(
            "Change one's own password, or reset someone's (their admins)", body=PasswordIn),
            "username")},
        "/api/v1/people/{username}/sessions/end": {"post": _with(op(
            "End every session of the person", ok=204), "username")},
        "/api/v1/directory.csv": {"get": op("The directory as CSV")},
        "/api/v1/units/{code}/people/template.{fmt}": {"get": _with(op(
            "The people import template (fmt: xlsx or csv)"), "code", "fmt")},
        "/api/v1/units/{code}/people/import": {"post": _with(op(
            "Import people from the template (multipart file; dry_run=1 only checks)",
            query=["dry_run"]), "code")},
    }, models=[PersonIn, PersonPatch, PasswordIn, UnitIn, UnitPatch, MergeIn])
