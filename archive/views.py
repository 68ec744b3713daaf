"""HTTP endpoints of the archive: parse, call one service or selector, answer."""

from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpRequest
from django.utils.http import content_disposition_header

from archive import export as exporting
from archive import filing, selectors
from archive.models import ArchiveEntry
from archive.schemas import ArchiveQuery, ExportQuery, FeedQuery, FileIn
from hub.chat.actions import attachment_path
from hub.chat.models import Attachment
from hub.lib.errors import ApiError, not_found
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User


@endpoint("GET", "POST")
def archive(request: HttpRequest, user: User) -> Any:
    if request.method == "POST":
        data = parse_body(request, FileIn)
        entry = filing.file_now(user=user, data=data.model_dump(exclude={"retention"}),
                                retention=data.retention)
        return 201, selectors.entry_dict(entry, full=True)
    query = parse_query(request, ArchiveQuery)
    return 200, selectors.entries_for(user=user, year=query.year, unit=query.unit,
                                      retention=query.retention, kind=query.kind,
                                      q=query.q.strip(), limit=query.limit, offset=query.offset)


@endpoint("GET")
def detail(request: HttpRequest, user: User, entry_id: int) -> Any:
    return 200, selectors.entry_dict(selectors.access_entry(user=user, entry_id=entry_id),
                                     full=True)


@endpoint("GET")
def download(request: HttpRequest, user: User, entry_id: int, index: int) -> Any:
    entry = selectors.access_entry(user=user, entry_id=entry_id)
    if index >= len(entry.files):
        raise not_found("文件")
    item = entry.files[index]
    attachment = Attachment.objects.filter(id=item["attachment"]).first()
    path = attachment_path(attachment) if attachment else None
    if path is None or not path.exists():
        raise ApiError("not_found", "文件已不存在")
    response = FileResponse(open(path, "rb"),  # noqa: SIM115
                            content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, item["name"]) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@endpoint("GET")
def export(request: HttpRequest, user: User) -> Any:
    query = parse_query(request, ExportQuery)
    unit = selectors.exportable(selectors.scope(user)).filter(code=query.unit).first()
    if unit is None:
        raise not_found("单位")
    if not ArchiveEntry.objects.filter(unit=unit, year=query.year).exists():
        raise ApiError("not_found", f"{unit.name} {query.year} 年度没有已归档的文件")
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    exporting.write_package(out, unit=unit, year=query.year)
    out.seek(0)
    name = f"{unit.name}-{query.year}-档案.zip"
    response = FileResponse(out, content_type="application/zip")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{unit.code}-{query.year}-archive.zip\"; "
        f"filename*=UTF-8''{quote(name)}")
    response["Cache-Control"] = "private, no-store"
    return response


@endpoint("GET")
def feed(request: HttpRequest, user: User) -> Any:
    query = parse_query(request, FeedQuery)
    return 200, selectors.feed(user=user, since=query.since, limit=query.limit)


