"""The library's endpoints in the OpenAPI description (hub.core.openapi.add_paths)."""

from __future__ import annotations

from typing import Any

from hub.core import openapi
from hub.library.schemas import (
    FileIn,
    FilePatch,
    FolderIn,
    FolderPatch,
    GrantIn,
    GrantsIn,
    RestoreIn,
    ShareIn,
    VersionIn,
)

TIME = {"type": ["string", "null"], "format": "date-time"}
PERSON = {"type": ["object", "null"], "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"},
    "display_name": {"type": "string"}}}
LEVEL = {"enum": ["view", "download", "edit", "manage"]}
FOLDER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "library": {"type": "string"},
    "library_name": {"type": "string"}, "parent": {"type": ["integer", "null"]},
    "path": {"type": "array", "items": {"type": "object"}}, "level": LEVEL,
    "folders": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}}}},
    "files": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "version": {"type": "integer"},
        "size": {"type": "integer"}, "updated_at": TIME, "by": PERSON}}},
    "grants": {"type": ["array", "null"], "description": "managers only"}}}
VERSION = {"type": "object", "properties": {
    "version": {"type": "integer"}, "sha256": {"type": "string"}, "size": {"type": "integer"},
    "by": PERSON, "at": TIME, "comment": {"type": "string"},
    "restored_from": {"type": ["integer", "null"]}}}
FILE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "folder": {"type": "integer"},
    "library": {"type": "string"}, "version": {"type": "integer"},
    "sha256": {"type": "string"}, "size": {"type": "integer"}, "locked_by": PERSON,
    "level": LEVEL, "versions": {"type": "array", "items": VERSION},
    "shares": {"type": ["array", "null"], "description": "managers only"}}}


def register() -> None:
    op = openapi.operation
    folder = {"$ref": "#/components/schemas/LibraryFolder"}
    file = {"$ref": "#/components/schemas/LibraryFile"}
    by_key = op("A library's root folder: `unit:<code>` or `district`", response=folder)
    by_key["parameters"] = [{"name": "key", "in": "path", "required": True,
                             "schema": {"type": "string"}}]
    binned = op("A library's recycle bin (manage right): {library, files: [{id, name, "
                "version, folder, deleted_at, deleted_by, purge_at}]}")
    binned["parameters"] = by_key["parameters"]
    paths: dict[str, Any] = {
        "/api/v1/library/{key}/bin": {"get": binned},
        "/api/v1/library": {"get": op(
            "The caller's libraries ({library, name, root, level}), folders of other libraries "
            "granted to them, and files shared with them")},
        "/api/v1/library/{key}": {"get": by_key},
        "/api/v1/library/folders": {"post": op(
            "Make a folder (edit right on the parent; the library's root when no parent)",
            body=FolderIn, ok=201, response=folder)},
        "/api/v1/library/folders/{folder_id}": {
            "get": op("A folder with its subfolders and files", params=["folder_id"],
                      response=folder),
            "delete": op("Remove an empty folder (manage right; not empty: 409)",
                         params=["folder_id"], ok=204),
            "patch": op("Rename or move a folder (manage right; under itself: 400)",
                        params=["folder_id"], body=FolderPatch, response=folder)},
        "/api/v1/library/folders/{folder_id}/grants": {"put": op(
            "Replace the folder's grants (manage right); inherited by all below it",
            params=["folder_id"], body=GrantsIn, response=folder)},
        "/api/v1/library/folders/{folder_id}/files": {"post": op(
            "Add a file made of an upload of the caller's, at version 1 (edit right)",
            params=["folder_id"], body=FileIn, ok=201, response=file)},
        "/api/v1/library/files/{file_id}": {
            "get": op("A file with all its versions", params=["file_id"], response=file),
            "patch": op("Rename the file or move it within its library (edit right on both "
                        "folders)", params=["file_id"], body=FilePatch, response=file),
            "delete": op("Move the file to the recycle bin (edit right); purged after 30 days",
                         params=["file_id"], ok=204)},
        "/api/v1/library/files/{file_id}/lock": {
            "post": op("签出: check the file out for editing (edit right); others' saves "
                       "answer 409 until it is released", params=["file_id"], response=file),
            "delete": op("签入: release it (its holder, or a manager)", params=["file_id"],
                         response=file)},
        "/api/v1/library/files/{file_id}/read": {"post": op(
            "The caller opened the latest version (kept once per version for a file marked "
            "as requiring reading)", params=["file_id"], response=file)},
        "/api/v1/library/files/{file_id}/undelete": {"post": op(
            "Restore a file from the recycle bin (manage right)", params=["file_id"],
            response=file)},
        "/api/v1/library/files/{file_id}/versions/{version}/preview": {"get": op(
            "What the page shows of a version (view right), as GET /attachments/{id}/preview",
            params=["file_id", "version"])},
        "/api/v1/library/files/{file_id}/versions": {"post": op(
            "Save a new version; a base_version that is not the latest answers 409 and stores "
            "nothing", params=["file_id"], body=VersionIn, ok=201, response=file)},
        "/api/v1/library/files/{file_id}/restore": {"post": op(
            "A new version whose content is an older version's", params=["file_id"],
            body=RestoreIn, ok=201, response=file)},
        "/api/v1/library/files/{file_id}/share": {"post": op(
            "Share to a room (a card that follows the latest version) or to people (manage "
            "right): {file, room, users, message}", params=["file_id"], body=ShareIn, ok=201)},
        "/api/v1/library/files/{file_id}/versions/{version}/download": {"get": op(
            "The bytes of one version (download right)", params=["file_id", "version"])},
    }
    openapi.add_paths(paths, models=[FolderIn, FolderPatch, FileIn, FilePatch, VersionIn, RestoreIn,
                                     GrantIn, GrantsIn, ShareIn],
                      schemas={"LibraryFolder": FOLDER, "LibraryFile": FILE})
