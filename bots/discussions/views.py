"""HTTP endpoints for discussions (征求意见): parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bots.discussions import selectors, services
from bots.discussions.schemas import CloseIn, DiscussionIn, DiscussionsQuery, ReplyIn
from hub.lib.errors import ApiError
from hub.lib.http import endpoint, error_response, parse_body, parse_query
from hub.org.models import User


def _answer(user: User, discussion_id: int) -> dict[str, Any]:
    discussion, access = selectors.access_discussion(user=user, discussion_id=discussion_id)
    return selectors.discussion_dict(discussion, access, viewer=user)


@endpoint("GET", "POST")
def discussions(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        query = parse_query(request, DiscussionsQuery)
        return 200, selectors.discussions_for(user=user, box=query.box, state=query.state,
                                              limit=query.limit, offset=query.offset)
    discussion = services.open_discussion(owner=user, data=parse_body(request, DiscussionIn))
    return 201, _answer(user, discussion.id)


@endpoint("GET")
def detail(request: HttpRequest, user: User, discussion_id: int) -> Any:
    return 200, _answer(user, discussion_id)


@endpoint("POST")
def replies(request: HttpRequest, user: User, discussion_id: int) -> Any:
    data = parse_body(request, ReplyIn)
    services.reply(user=user, discussion_id=discussion_id, body=data.body, unit_code=data.unit)
    return 201, _answer(user, discussion_id)


@endpoint("POST")
def close(request: HttpRequest, user: User, discussion_id: int) -> Any:
    data = parse_body(request, CloseIn)
    services.close(user=user, discussion_id=discussion_id, conclusion=data.conclusion)
    return 200, _answer(user, discussion_id)


@endpoint("POST")
def remind(request: HttpRequest, user: User, discussion_id: int) -> Any:
    discussion, _ = selectors.access_discussion(user=user, discussion_id=discussion_id)
    try:
        return 200, {"reminded": services.remind(user=user, discussion_id=discussion.id)}
    except ApiError as error:
        if error.code != "rate_limited":
            raise
        response = error_response(error)
        response["Retry-After"] = str(error.extra.get("retry_after", 60))
        return response
