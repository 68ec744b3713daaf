"""ASGI middleware that answers before Django reads a request body."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings


class BodySizeLimit:
    """Refuse a request whose declared body is over the limit with 413 `too_large`,
    before a byte of it is read or spooled to disk."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == b"content-length":
                    try:
                        length = int(value)
                    except ValueError:
                        length = 0
                    if length > settings.HUITONG_MAX_REQUEST_BYTES:
                        await self._too_large(send)
                        return
        await self.app(scope, receive, send)

    @staticmethod
    async def _too_large(send: Any) -> None:
        limit_mb = settings.HUITONG_MAX_UPLOAD_BYTES // (1024 * 1024)
        body = json.dumps(
            {"error": {"code": "too_large", "detail": f"文件不能超过 {limit_mb} MB"}},
            ensure_ascii=False,
        ).encode()
        await send({
            "type": "http.response.start", "status": 413,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")],
        })
        await send({"type": "http.response.body", "body": body})


class OriginCheck:
    """Refuse a WebSocket handshake whose Origin names a host we do not serve (a page on
    another site trying to use the visitor's session). No Origin (bots, the bridge, tools)
    passes: those clients authenticate with a token."""

    def __init__(self, app: Any) -> None:
        from channels.security.websocket import OriginValidator

        class _Validator(OriginValidator):
            def valid_origin(self, parsed_origin: Any) -> bool:
                return parsed_origin is None or self.validate_origin(parsed_origin)

        self._validator = _Validator(app, self._patterns())

    @staticmethod
    def _patterns() -> list[str]:
        hosts = list(settings.ALLOWED_HOSTS)
        hosts += [o.split("://", 1)[-1] for o in settings.CSRF_TRUSTED_ORIGINS]
        return hosts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self._validator(scope, receive, send)
