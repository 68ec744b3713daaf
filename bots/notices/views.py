"""HTTP endpoints for notices: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bots.notices import selectors, services
from bots.notices.schemas import AckIn, NoticeIn, NoticesQuery
from hub.lib.errors import ApiError, forbidden
from hub.lib.http import endpoint, error_response, parse_body, parse_query
from hub.org.models import User


def _answer(user: User, notice_id: int) -> dict[str, Any]:
    notice, access = selectors.access_notice(user=user, notice_id=notice_id)
    return selectors.notice_dict(notice, access, viewer=user)


@endpoint("GET", "POST")
def notices(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        query = parse_query(request, NoticesQuery)
        return 200, selectors.notices_for(user=user, box=query.box, expired=query.expired == "1",
                                          limit=query.limit, offset=query.offset,
                                          room=query.room, pinned=query.pinned == "1")
    notice = services.send_notice(sender=user, data=parse_body(request, NoticeIn))
    return 201, _answer(user, notice.id)


@endpoint("GET")
def detail(request: HttpRequest, user: User, notice_id: int) -> Any:
    return 200, _answer(user, notice_id)


@endpoint("POST")
def ack(request: HttpRequest, user: User, notice_id: int) -> Any:
    notice, _ = selectors.access_notice(user=user, notice_id=notice_id)
    data = parse_body(request, AckIn)
    if data.user is not None and data.user.strip().lstrip("@") != user.username:
        raise forbidden("只能为本人确认收到，不能替他人确认")
    services.ack(user=user, notice_id=notice.id)
    return 200, _answer(user, notice.id)


def rate_limited(error: ApiError) -> Any:
    response = error_response(error)
    response["Retry-After"] = str(error.extra.get("retry_after", 60))
    return response


@endpoint("POST")
def remind(request: HttpRequest, user: User, notice_id: int) -> Any:
    notice, _ = selectors.access_notice(user=user, notice_id=notice_id)
    try:
        return 200, {"reminded": services.remind(user=user, notice_id=notice.id)}
    except ApiError as error:
        if error.code != "rate_limited":
            raise
        return rate_limited(error)
