"""The endpoint the homeserver pushes to (the application-service API): transactions of
events, checked against `hs_token`, stored before they are answered."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

logger = logging.getLogger("hub.matrix")
MAX_TRANSACTION_BYTES = 32 * 1024 * 1024

StoreTxn = Callable[[str, dict[str, Any]], Awaitable[bool]]


def _error(status: int, errcode: str, text: str) -> web.Response:
    return web.json_response({"errcode": errcode, "error": text}, status=status)


def make_app(*, hs_token: str, store: StoreTxn, on_stored: Callable[[], None]) -> web.Application:
    """`store(txn_id, body)` keeps the transaction (False if it was kept before);
    `on_stored` wakes whoever applies the events."""

    @web.middleware
    async def authorise(request: web.Request, handler: Any) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else \
            request.query.get("access_token", "")
        if not token:
            return _error(401, "M_UNAUTHORIZED", "missing token")
        if not hmac.compare_digest(token.encode(), hs_token.encode()):
            return _error(403, "M_FORBIDDEN", "bad token")
        return await handler(request)

    async def transaction(request: web.Request) -> web.Response:
        txn_id = request.match_info["txn_id"]
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "M_NOT_JSON", "not JSON")
        if not isinstance(body, dict):
            return _error(400, "M_BAD_JSON", "not an object")
        # Stored (with its events) before answering: once answered, never lost; pushed
        # again, it is recognised by its id and nothing in it is applied twice.
        await store(txn_id, body)
        on_stored()
        return web.json_response({})

    async def not_ours(request: web.Request) -> web.Response:
        return _error(404, "M_NOT_FOUND", "not provisioned here")

    async def ping(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application(middlewares=[authorise], client_max_size=MAX_TRANSACTION_BYTES)
    for prefix in ("/_matrix/app/v1", ""):
        app.router.add_put(prefix + "/transactions/{txn_id}", transaction)
        app.router.add_get(prefix + "/users/{user_id}", not_ours)
        app.router.add_get(prefix + "/rooms/{alias}", not_ours)
    app.router.add_post("/_matrix/app/v1/ping", ping)
    return app
