"""ASGI middleware that answers before Django reads a request body."""

from __future__ import annotations

from typing import Any

from django.conf import settings


class BodySizeLimit:
    """Refuse a request body over `HUITONG_MAX_REQUEST_BYTES` with 413 `too_large` in JSON:
    at once when the declared `Content-Length` is over, and for a chunked body the moment
    the bytes read pass the limit (the application then sees the client as gone).

    Under Daphne the same limits apply earlier, while Twisted reads the body, before the
    application is even started (hub/lib/daphne.py); this wrapper keeps them under any other
    ASGI server."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.HUITONG_MAX_REQUEST_BYTES
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = 0
                if length > limit:
                    await self._too_large(send)
                    return
        received = 0
        refused = False
        started = False

        async def counting_receive() -> dict:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await self._too_large(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; the application's late answer has no place
            started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    @staticmethod
    async def _too_large(send: Any) -> None:
        from hub.lib.daphne import too_large_body

        body = too_large_body()
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


def bearer_token(scope: dict) -> str | None:
    """The token a socket presents: `Authorization: Bearer …`, or `?access_token=`."""
    from urllib.parse import parse_qs

    for name, value in scope.get("headers", []):
        if name == b"authorization":
            auth = value.decode("latin-1")
            if auth[:7].lower() == "bearer ":
                return auth[7:].strip() or None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("access_token") or [None])[0] or None

