"""HTTP endpoints of the library: parse, call one action or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.http import content_disposition_header

from hub.chat import previews
from hub.chat.actions import attachment_path
from hub.chat.views import INLINE_MIMES
from hub.lib.errors import ApiError, forbidden, not_found
from hub.lib.http import endpoint, parse_body
from hub.library import actions, selectors
from hub.library.access import access_file, access_folder, access_library, root_folder
from hub.library.models import FileVersion, Level
from hub.library.schemas import (
    FileIn,
    FilePatch,
    FolderIn,
    FolderPatch,
    GrantsIn,
    RestoreIn,
    ShareIn,
    VersionIn,
)
from hub.org.models import User


def _folder(user: User, folder_id: int) -> dict[str, Any]:
    folder, _, level = access_folder(user=user, folder_id=folder_id)
    return selectors.folder_dict(folder, level=level)


def _file(user: User, file_id: int) -> dict[str, Any]:
    file, _, level = access_file(user=user, file_id=file_id)
    return selectors.file_dict(file, level=level)


@endpoint("GET")
def index(request: HttpRequest, user: User) -> Any:
    return 200, selectors.libraries_for(user=user)


@endpoint("GET")
def library(request: HttpRequest, user: User, key: str) -> Any:
    lib, _, level = access_library(user=user, key=key)
    root = root_folder(lib)
    return 200, selectors.folder_dict(root, level=level)


@endpoint("POST")
def folders(request: HttpRequest, user: User) -> Any:
    folder = actions.create_folder(user=user, data=parse_body(request, FolderIn))
    return 201, _folder(user, folder.id)


@endpoint("GET", "PATCH", "DELETE")
def folder(request: HttpRequest, user: User, folder_id: int) -> Any:
    if request.method == "DELETE":
        actions.delete_folder(user=user, folder_id=folder_id)
        return 204, None
    if request.method == "PATCH":
        actions.update_folder(user=user, folder_id=folder_id,
                              data=parse_body(request, FolderPatch))
    return 200, _folder(user, folder_id)


@endpoint("PUT")
def grants(request: HttpRequest, user: User, folder_id: int) -> Any:
    actions.set_grants(user=user, folder_id=folder_id, data=parse_body(request, GrantsIn))
    return 200, _folder(user, folder_id)


@endpoint("POST")
def files(request: HttpRequest, user: User, folder_id: int) -> Any:
    file = actions.add_file(user=user, folder_id=folder_id, data=parse_body(request, FileIn))
    return 201, _file(user, file.id)


@endpoint("GET", "PATCH", "DELETE")
def file(request: HttpRequest, user: User, file_id: int) -> Any:
    if request.method == "DELETE":
        actions.delete_file(user=user, file_id=file_id)
        return 204, None
    if request.method == "PATCH":
        actions.update_file(user=user, file_id=file_id, data=parse_body(request, FilePatch))
    return 200, _file(user, file_id)


@endpoint("POST", "DELETE")
def lock(request: HttpRequest, user: User, file_id: int) -> Any:
    if request.method == "POST":
        actions.lock_file(user=user, file_id=file_id)
    else:
        actions.unlock_file(user=user, file_id=file_id)
    return 200, _file(user, file_id)


@endpoint("POST")
def read(request: HttpRequest, user: User, file_id: int) -> Any:
    actions.mark_read(user=user, file_id=file_id)
    return 200, _file(user, file_id)


@endpoint("POST")
def undelete(request: HttpRequest, user: User, file_id: int) -> Any:
    actions.undelete_file(user=user, file_id=file_id)
    return 200, _file(user, file_id)


@endpoint("GET")
def recycle_bin(request: HttpRequest, user: User, key: str) -> Any:
    lib, _, _ = access_library(user=user, key=key, needed=Level.MANAGE)
    return 200, {"library": lib.key, "files": selectors.bin_for(library=lib)}


@endpoint("GET")
def preview(request: HttpRequest, user: User, file_id: int, version: int) -> Any:
    """What the page shows of a version (view right): text or converted office documents
    inline; images and PDFs by their inline URL."""
    file, _, _ = access_file(user=user, file_id=file_id)
    row = _version(file, version)
    shown = previews.preview(row.attachment)
    shown["url"] = f"/api/v1/library/files/{file.id}/versions/{row.version}/download?inline=1"
    return 200, shown


def _version(file: Any, version: int) -> FileVersion:
    row = FileVersion.objects.filter(file=file, version=version).select_related(
        "attachment").first()
    if row is None:
        raise not_found("版本")
    return row


@endpoint("POST")
def versions(request: HttpRequest, user: User, file_id: int) -> Any:
    actions.add_version(user=user, file_id=file_id, data=parse_body(request, VersionIn))
    return 201, _file(user, file_id)


@endpoint("POST")
def restore(request: HttpRequest, user: User, file_id: int) -> Any:
    actions.restore_version(user=user, file_id=file_id, data=parse_body(request, RestoreIn))
    return 201, _file(user, file_id)


@endpoint("POST")
def share(request: HttpRequest, user: User, file_id: int) -> Any:
    return 201, actions.share_file(user=user, file_id=file_id, data=parse_body(request, ShareIn))


@endpoint("GET")
def download(request: HttpRequest, user: User, file_id: int, version: int) -> Any:
    # Shown in the page (an image, a PDF) needs the view right; saved, the download right.
    inline = request.GET.get("inline") == "1"
    file, _, level = access_file(user=user, file_id=file_id)
    row = _version(file, version)
    inline = inline and row.attachment.mime in INLINE_MIMES
    if level < Level.DOWNLOAD and not inline:
        raise forbidden("您对此文件只有查看权限，不能下载")
    path = attachment_path(row.attachment)
    if not path.exists():
        raise ApiError("not_found", "文件已不存在")
    name = file.name if version == file.version else _versioned(file.name, version)
    response = FileResponse(open(path, "rb"), content_type=row.attachment.mime)  # noqa: SIM115
    response["Content-Disposition"] = content_disposition_header(not inline, name) or "attachment"
    response["Content-Length"] = str(row.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; frame-ancestors 'self'; sandbox" if inline
        else "default-src 'none'; sandbox")
    response["X-Frame-Options"] = "SAMEORIGIN" if inline else "DENY"
    response["Cache-Control"] = "private, no-cache"
    return response


def _versioned(name: str, version: int) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}（第{version}版）.{ext}" if dot and stem else f"{name}（第{version}版）"
