"""The HTTP edge: authentication, JSON in and out, protocol errors.

A view is a function `(request, user, **path) -> (status, body)` wrapped by `endpoint`, which
authenticates the caller (a bearer token, or the session cookie with CSRF on unsafe
methods), parses JSON bodies into a pydantic model, and turns `ApiError` and validation
errors into the protocol's error shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ValidationError

from hub.lib.errors import ApiError, from_exception

logger = logging.getLogger("hub.http")

M = TypeVar("M", bound=BaseModel)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# JSON nested deeper than this is refused (the protocol's bound; Python's own parser would
# fail with a RecursionError somewhere near 1,000).
MAX_JSON_DEPTH = 100

def _no_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


_csrf = CsrfViewMiddleware(_no_view)


def error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse({"error": error.as_dict()}, status=error.status,
                            json_dumps_params={"ensure_ascii": False})
    if error.extra.get("retry_after"):
        response["Retry-After"] = str(error.extra["retry_after"])
    return response


def json_response(body: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def authenticate(request: HttpRequest, *, password_change_ok: bool = False) -> Any:
    """The caller, or `unauthorized`. Session callers must pass CSRF on unsafe methods. A
    caller who must change their password first gets `password_change_required` except on
    the endpoints that allow it (`password_change_ok`). The token's row id is left on the
    request as `auth_token_id` (None for a session)."""
    from hub.org.actions import token_row

    token = bearer_token(request)
    request.auth_token_id = None  # type: ignore[attr-defined]
    user: Any
    if token is not None:
        row = token_row(token=token)
        if row is None:
            raise ApiError("unauthorized", "令牌无效或已失效")
        request.auth_token_id = row.id  # type: ignore[attr-defined]
        user = row.user
    else:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise ApiError("unauthorized", "请先登录")
        if request.method not in SAFE_METHODS:
            rejected = _csrf.process_view(request, _no_view, (), {})
            if rejected is not None:
                raise ApiError("forbidden", "CSRF 校验失败，请刷新页面后重试")
    if user.must_change_password and not password_change_ok:
        raise ApiError("password_change_required", "请先修改初始密码")
    return user


# What pydantic's error types mean, said in the interface's language.
ERROR_TEXT = {
    "missing": "缺少此字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "literal_error": "取值无效，可选：{expected}",
    "enum": "取值无效，可选：{expected}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "string_pattern_mismatch": "格式不正确",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "date_from_datetime_parsing": "日期格式不正确",
    "date_parsing": "日期格式不正确",
    "datetime_parsing": "时间格式不正确（ISO 8601）",
    "datetime_from_date_parsing": "时间格式不正确（ISO 8601）",
    "union_tag_invalid": "未知的类型",
    "union_tag_not_found": "缺少 type 字段",
}


def validation_detail(exc: ValidationError) -> str:
    """A Chinese summary of what is wrong with a request body or frame (first five faults)."""
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "请求"
        template = ERROR_TEXT.get(err.get("type", ""))
        try:
            text = template.format(**err.get("ctx", {})) if template else err.get("msg")
        except (KeyError, IndexError):
            text = err.get("msg")
        parts.append(f"{where}：{text}")
    return "请求格式不正确：" + "；".join(parts)


def check_json(data: Any) -> None:
    """Refuse what no text field may hold and what is nested too deep: a NUL character
    anywhere (PostgreSQL text cannot store it) or containers deeper than MAX_JSON_DEPTH."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ApiError("bad_request", "文本中不能含有 NUL 字符")
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ApiError("bad_request", f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层")
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        raise ApiError("bad_request", "文本中不能含有 NUL 字符")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def loads(raw: bytes | str, *, what: str = "请求体") -> Any:
    """JSON from a client: UTF-8, no NUL characters, nested at most MAX_JSON_DEPTH deep;
    anything else is `bad_request`."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ApiError("bad_request", f"{what}不是合法的 UTF-8") from exc
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise ApiError("bad_request", f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层") from exc
    except ValueError as exc:
        raise ApiError("bad_request", f"{what}不是合法的 JSON") from exc
    check_json(data)
    return data


def parse_body(request: HttpRequest, model: type[M]) -> M:
    data = loads(request.body or b"{}")
    if not isinstance(data, dict):
        raise ApiError("bad_request", "请求体必须是 JSON 对象")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError("bad_request", validation_detail(exc)) from exc


def parse_query(request: HttpRequest, model: type[M]) -> M:
    try:
        return model.model_validate({k: v for k, v in request.GET.items()})
    except ValidationError as exc:
        raise ApiError("bad_request", validation_detail(exc)) from exc


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values)
               for key, values in request.GET.lists())


def endpoint(*methods: str, auth: bool = True, password_change_ok: bool = False) -> Callable:
    """Route `methods` of one URL to handlers: `@endpoint("GET", "POST")` on a function that
    receives `(request, user, **kwargs)` and returns `(status, body)` or a response (a
    streaming one too, such as a FileResponse)."""
    allowed = {m.upper() for m in methods}

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            if request.method not in allowed:
                response = error_response(
                    ApiError("method_not_allowed", f"不支持 {request.method} 方法"))
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                if _has_nul(request):
                    raise ApiError("bad_request", "请求参数中不能含有 NUL 字符")
                user = (authenticate(request, password_change_ok=password_change_ok)
                        if auth else None)
                result = view(request, user, **kwargs)
            except Exception as exc:
                error = from_exception(exc)
                if error is None:
                    raise
                if not isinstance(exc, ApiError):
                    logger.warning("%s %s answered %s: %r", request.method, request.path,
                                   error.code, exc)
                return error_response(error)
            if isinstance(result, HttpResponseBase):
                return result
            status, body = result
            if status == 204:
                return HttpResponse(status=204)
            return json_response(body, status=status)

        wrapper.allowed_methods = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorate
