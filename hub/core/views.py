from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from hub.core import todo
from hub.core.openapi import document
from hub.lib.errors import ApiError
from hub.lib.http import endpoint, error_response


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@endpoint("GET", auth=False)
def openapi(request: HttpRequest, user: None) -> Any:
    return 200, document()


@endpoint("GET")
def todo_list(request: HttpRequest, user: Any) -> Any:
    return 200, todo.todo_for(user=user)


@endpoint("GET")
def todo_kinds(request: HttpRequest, user: Any) -> Any:
    return 200, todo.kinds()


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(ApiError("not_found", "没有这个接口"))
    return HttpResponse("<h1>404</h1><p>页面不存在</p>", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "server_error", "detail": "服务器内部错误"}},
                            status=500)
    return HttpResponse("<h1>500</h1><p>服务器内部错误</p>", status=500)
