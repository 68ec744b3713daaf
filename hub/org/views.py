"""HTTP endpoints for authentication, the caller, people and units."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate as django_authenticate
from django.http import HttpRequest

from hub.chat import presence
from hub.chat.schemas import TokenIn
from hub.chat.serializers import user_full
from hub.lib.errors import ApiError
from hub.lib.http import bearer_token, endpoint, parse_body
from hub.org import actions, selectors
from hub.org.models import Unit, User


@endpoint("POST", "DELETE", auth=False)
def token(request: HttpRequest, user: None) -> Any:
    if request.method == "DELETE":
        value = bearer_token(request)
        if not value or not actions.revoke_token(token=value):
            raise ApiError("unauthorized", "令牌无效或已失效")
        return 204, None
    data = parse_body(request, TokenIn)
    found = django_authenticate(request, username=data.username, password=data.password)
    if found is None or not found.is_active:
        raise ApiError("unauthorized", "用户名或密码错误")
    full = User.objects.prefetch_related("unit_memberships__unit").get(id=found.id)
    return 200, {"token": actions.issue_token(user=found), "user": user_full(full)}


@endpoint("GET")
def me(request: HttpRequest, user: User) -> Any:
    full = User.objects.prefetch_related("unit_memberships__unit").get(id=user.id)
    return 200, user_full(full)


@endpoint("GET")
def users(request: HttpRequest, user: User) -> Any:
    query = request.GET.get("q", "").strip()[:64]
    found = selectors.search_people(viewer=user, query=query, limit=50 if query else 1000)
    if request.GET.get("presence"):
        states = presence.statuses([u["id"] for u in found])
        for item in found:
            item["presence"] = states[item["id"]]
    return 200, found


@endpoint("GET")
def user_detail(request: HttpRequest, user: User, username: str) -> Any:
    return 200, selectors.person(username=username)


@endpoint("GET")
def directory(request: HttpRequest, user: User) -> Any:
    return 200, selectors.directory(with_presence=bool(request.GET.get("presence")))


@endpoint("GET")
def units(request: HttpRequest, user: User) -> Any:
    return 200, [
        {"id": u.id, "code": u.code, "name": u.name, "short_name": u.short_name, "kind": u.kind,
         "parent": u.parent_id}
        for u in Unit.objects.all()
    ]
