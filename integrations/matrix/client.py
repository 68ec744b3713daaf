"""matrix-nio speaking as the application service.

`AppserviceClient` is nio's `AsyncClient` with the as_token as its access token and, on
every request, the query parameters of the application-service identity assertion: `user_id`
(whom it speaks as: the bridge's bot or a ghost) and `device_id` (the ghost's device). With a
device, the homeserver stores each transaction id with the event it made, so a send retried
after a restart of either side returns the first event instead of making a second one.

It relies on two things inside nio, checked by tests/integrations/matrix/test_client.py:
every request goes through `AsyncClient.send(method, path, data, headers, trace_context,
timeout)` with `path` relative to the homeserver, and a client whose `access_token` is set
counts as logged in and sends it as `Authorization: Bearer`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from aiohttp import ClientResponse, ClientSession, ClientTimeout
from nio import AsyncClient, AsyncClientConfig


class MatrixError(Exception):
    """A homeserver answered with an error (`errcode`, HTTP `status`)."""

    def __init__(self, status: int, errcode: str, message: str) -> None:
        super().__init__(f"{status} {errcode}: {message}")
        self.status = status
        self.errcode = errcode
        self.message = message


def check(response: Any) -> Any:
    """nio's response, or MatrixError for one of nio's error responses."""
    if hasattr(response, "status_code") and hasattr(response, "message") \
            and type(response).__name__.endswith("Error"):
        status = getattr(getattr(response, "transport_response", None), "status", 0) or 0
        raise MatrixError(int(status), str(response.status_code or ""), str(response.message))
    return response


class AppserviceClient(AsyncClient):
    def __init__(self, homeserver: str, *, as_token: str, user_id: str,
                 device_id: str | None = None, session: ClientSession | None = None,
                 request_timeout: float = 30) -> None:
        config = AsyncClientConfig(
            # Failures come back to the bridge, which retries with the same transaction id.
            max_limit_exceeded=3, max_timeouts=0, request_timeout=request_timeout,
            encryption_enabled=False, store_sync_tokens=False)
        super().__init__(homeserver, user=user_id, device_id=device_id or "", config=config)
        self.access_token = as_token
        self.user_id = user_id
        self.masquerade_device = device_id
        self._shared_session = session is not None
        if session is not None:
            self.client_session = session

    def masquerade(self, path: str) -> str:
        """`path` with `user_id` and (when the client has one) `device_id` asserted."""
        parts = urlsplit(path)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in ("user_id", "device_id", "access_token")]
        query.append(("user_id", self.user_id))
        if self.masquerade_device:
            query.append(("device_id", self.masquerade_device))
        return urlunsplit(parts._replace(query=urlencode(query)))

    async def send(self, method: str, path: str, data: Any = None,
                   headers: dict[str, str] | None = None, trace_context: Any = None,
                   timeout: float | None = None) -> ClientResponse:  # noqa: ASYNC109
        return await super().send(method, self.masquerade(path), data, headers, trace_context,
                                  timeout)

    async def close(self) -> None:
        if not self._shared_session:
            await super().close()

    # --- calls nio has no method for -------------------------------------------------------------
    async def call(self, method: str, path: str, body: dict[str, Any] | None = None,
                   *, ok: tuple[int, ...] = (200,)) -> dict[str, Any]:
        """A JSON request through `send` (so with the identity assertion); the answer's JSON,
        or MatrixError."""
        headers = {"Authorization": f"Bearer {self.access_token}",
                   "Content-Type": "application/json"}
        data = json.dumps(body) if body is not None else None
        response = await self.send(method, path, data, headers)
        async with response:
            try:
                answer = await response.json(content_type=None)
            except ValueError:
                answer = {}
            if response.status not in ok:
                answer = answer if isinstance(answer, dict) else {}
                raise MatrixError(response.status, str(answer.get("errcode", "")),
                                  str(answer.get("error", response.reason)))
            return answer if isinstance(answer, dict) else {}

    async def register_appservice_user(self, localpart: str) -> None:
        """Create the (ghost) account; one that exists already is fine."""
        try:
            await self.call("POST", "/_matrix/client/v3/register",
                            {"type": "m.login.application_service", "username": localpart,
                             "inhibit_login": True})
        except MatrixError as error:
            if error.errcode != "M_USER_IN_USE":
                raise

    async def ensure_device(self, device_id: str, display_name: str) -> None:
        """Create the device (MSC4190: an application service may create its users'
        devices with PUT /devices/{id}); it may exist already."""
        await self.call("PUT", f"/_matrix/client/v3/devices/{quote(device_id, safe='')}",
                        {"display_name": display_name}, ok=(200, 201))

    async def ping(self, appservice_id: str) -> None:
        """Ask the homeserver to ping the bridge; a successful ping makes it retry at once the
        transactions it could not deliver while the bridge was away."""
        await self.call("POST", "/_matrix/client/v1/appservice/"
                        f"{quote(appservice_id, safe='')}/ping", {})

    async def stream_media(self, mxc: str, *, limit: int,
                           chunk: int = 256 * 1024) -> AsyncIterator[bytes]:
        """The bytes of `mxc://server/id` (authenticated media), in chunks; MatrixError
        `too_large` as soon as more than `limit` bytes have come (or are announced)."""
        server, _, media_id = mxc.removeprefix("mxc://").partition("/")
        path = ("/_matrix/client/v1/media/download/"
                f"{quote(server, safe='')}/{quote(media_id, safe='')}")
        assert self.client_session is not None
        response = await self.client_session.get(
            self.homeserver + self.masquerade(path),
            headers={"Authorization": f"Bearer {self.access_token}"},
            timeout=ClientTimeout(total=300))
        async with response:
            if response.status != 200:
                raise MatrixError(response.status, "M_UNKNOWN", "media download failed")
            if (response.content_length or 0) > limit:
                raise MatrixError(413, "too_large", "file over the limit")
            size = 0
            async for piece in response.content.iter_chunked(chunk):
                size += len(piece)
                if size > limit:
                    raise MatrixError(413, "too_large", "file over the limit")
                yield piece
