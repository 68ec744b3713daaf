"""HTTP endpoints for the bulletins: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.http import content_disposition_header

from bots.bulletins import selectors, services
from bots.bulletins.common import publication_named
from bots.bulletins.schemas import (
    CallIn,
    InstructionIn,
    IssueDecisionIn,
    IssueIn,
    IssuesQuery,
    ItemDecisionIn,
    ItemIn,
    ItemsQuery,
    ResubmitIn,
    StatsQuery,
)
from bots.notices.views import rate_limited
from hub.chat import actions as chat
from hub.lib.errors import ApiError, not_found
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User

INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}


def _item(user: User, item_id: int) -> dict[str, Any]:
    item, access = selectors.access_item(user=user, item_id=item_id)
    return selectors.item_dict(item, access)


def _issue(user: User, issue_id: int) -> dict[str, Any]:
    issue, access = selectors.access_issue(user=user, issue_id=issue_id)
    return selectors.issue_dict(issue, access, user=user)


@endpoint("GET")
def publications(request: HttpRequest, user: User) -> Any:
    return 200, selectors.publications(user=user)


@endpoint("GET", "POST")
def calls(request: HttpRequest, user: User, code: str) -> Any:
    publication = publication_named(code)
    if request.method == "GET":
        return 200, selectors.calls(user=user, publication=publication)
    call = services.create_call(user=user, publication=publication,
                                data=parse_body(request, CallIn))
    return 201, selectors.call_dict(call, user=user)


@endpoint("GET")
def call_detail(request: HttpRequest, user: User, call_id: int) -> Any:
    return 200, selectors.call_dict(selectors.access_call(user=user, call_id=call_id), user=user)


@endpoint("GET", "POST")
def items(request: HttpRequest, user: User, code: str) -> Any:
    publication = publication_named(code)
    if request.method == "GET":
        q = parse_query(request, ItemsQuery)
        return 200, selectors.items(user=user, publication=publication, state=q.state,
                                    call=q.call, unit=q.unit, limit=q.limit, offset=q.offset)
    item = services.submit_item(user=user, publication=publication,
                                data=parse_body(request, ItemIn))
    return 201, _item(user, item.id)


@endpoint("GET")
def item_detail(request: HttpRequest, user: User, item_id: int) -> Any:
    return 200, _item(user, item_id)


@endpoint("POST")
def item_decide(request: HttpRequest, user: User, item_id: int) -> Any:
    item, _ = selectors.access_item(user=user, item_id=item_id)
    data = parse_body(request, ItemDecisionIn)
    services.decide_item(user=user, item_id=item.id, action=data.action, comment=data.comment,
                         title=data.title, body=data.body)
    return 200, _item(user, item.id)


@endpoint("POST")
def item_instructions(request: HttpRequest, user: User, item_id: int) -> Any:
    item, _ = selectors.access_item(user=user, item_id=item_id)
    instruction = services.instruct(user=user, item=item, data=parse_body(request, InstructionIn))
    return 201, selectors.instruction_dict(instruction)


@endpoint("GET")
def item_file(request: HttpRequest, user: User, item_id: int, index: int) -> Any:
    item, _ = selectors.access_item(user=user, item_id=item_id)
    files = selectors.item_files(item.id)
    if index >= len(files):
        raise not_found("附件")
    attachment = files[index].attachment
    path = chat.attachment_path(attachment)
    if not path.exists():
        raise ApiError("not_found", "文件已不存在")
    inline = attachment.mime in INLINE and request.GET.get("download") is None
    response = FileResponse(open(path, "rb"), content_type=attachment.mime)  # noqa: SIM115
    response["Content-Disposition"] = (content_disposition_header(not inline, files[index].name)
                                       or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@endpoint("GET")
def stats(request: HttpRequest, user: User, code: str) -> Any:
    q = parse_query(request, StatsQuery)
    return 200, selectors.stats(user=user, publication=publication_named(code), month=q.month,
                                year=q.year)


@endpoint("GET", "POST")
def issues(request: HttpRequest, user: User, code: str) -> Any:
    publication = publication_named(code)
    if request.method == "GET":
        q = parse_query(request, IssuesQuery)
        return 200, selectors.issues(user=user, publication=publication, year=q.year,
                                     state=q.state, limit=q.limit, offset=q.offset)
    issue = services.create_issue(user=user, publication=publication,
                                  data=parse_body(request, IssueIn))
    return 201, _issue(user, issue.id)


@endpoint("GET")
def issue_detail(request: HttpRequest, user: User, issue_id: int) -> Any:
    return 200, _issue(user, issue_id)


@endpoint("POST")
def issue_decide(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    data = parse_body(request, IssueDecisionIn)
    services.decide_issue(user=user, issue_id=issue.id, action=data.action, comment=data.comment)
    return 200, _issue(user, issue.id)


@endpoint("POST")
def issue_resubmit(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    services.resubmit_issue(user=user, issue_id=issue.id, data=parse_body(request, ResubmitIn))
    return 200, _issue(user, issue.id)


@endpoint("POST")
def issue_publish(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    services.publish(user=user, issue_id=issue.id)
    return 200, _issue(user, issue.id)


@endpoint("POST")
def issue_read(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    read = services.mark_read(user=user, issue=issue)
    return 200, {"read": read is not None, "at": read.at.isoformat() if read else None}


@endpoint("POST")
def issue_remind(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    try:
        return 200, {"reminded": services.remind_reads(user=user, issue_id=issue.id)}
    except ApiError as error:
        if error.code != "rate_limited":
            raise
        return rate_limited(error)


@endpoint("GET")
def issue_pdf(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    if issue.pdf is None:
        raise ApiError("conflict", "本期尚未印发，还没有版式文件（PDF）")
    path = chat.attachment_path(issue.pdf)
    if not path.exists():
        raise ApiError("not_found", "版式文件已不存在")
    response = FileResponse(open(path, "rb"), content_type="application/pdf")  # noqa: SIM115
    response["Content-Disposition"] = content_disposition_header(False, issue.pdf.name) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@endpoint("GET")
def issue_verify(request: HttpRequest, user: User, issue_id: int) -> Any:
    issue, _ = selectors.access_issue(user=user, issue_id=issue_id)
    return 200, selectors.verify(issue)
