"""Protocol errors: one exception type, one table from codes to HTTP statuses."""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "too_large": 413,
    "rate_limited": 429,
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
