"""Protocol errors: one exception type, one table from codes to HTTP statuses."""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    # The account's password was set by an administrator: only changing it is allowed.
    "password_change_required": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "too_large": 413,
    "rate_limited": 429,
    "unavailable": 503,
}


class ApiError(Exception):
    """An error the client is told about as `{"error": {"code", "detail"}}` or an error frame."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        assert code in STATUS_BY_CODE, code
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


def not_found(what: str = "对象") -> ApiError:
    return ApiError("not_found", f"{what}不存在或无权访问")


def bad_request(detail: str) -> ApiError:
    return ApiError("bad_request", detail)


def forbidden(detail: str = "无权执行此操作") -> ApiError:
    return ApiError("forbidden", detail)


def unavailable(detail: str = "服务暂时不可用，请稍后重试") -> ApiError:
    return ApiError("unavailable", detail)


def from_exception(exc: BaseException) -> ApiError | None:
    """The protocol error for an exception that is not an `ApiError`, or None for a bug.

    A failure on the server's side that goes away by itself (the database or Redis gone or
    restarting, a connection terminated) is `unavailable`: the client may retry the same
    `client_id`. Values the database cannot hold (an id past 64 bits, a NUL byte that
    slipped past validation) are the client's: `bad_request`."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
    from django.db import DataError, InterfaceError, OperationalError

    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, OperationalError | InterfaceError):
        return unavailable()
    if isinstance(exc, RequestDataTooBig):
        return ApiError("too_large", "请求体过大")
    if isinstance(exc, TooManyFieldsSent):
        return bad_request("表单字段过多")
    if isinstance(exc, DataError | OverflowError):
        return bad_request("取值超出范围或含有不允许的字符")
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return unavailable()
    return None
