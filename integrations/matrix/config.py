"""The bridge's configuration: the settings (HUITONG_MATRIX_*) and the registration file.

The registration file is what the homeserver reads (`app_service_config_files`); it is
written once by `manage.py matrix_registration` as JSON, which is also YAML. Its tokens are
generated once and kept when the file is written again.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

APPSERVICE_ID = "huitong"
BOT_LOCALPART = "huitong"
GHOST_PREFIX = "ht_"
# One device per ghost: sends carry it, so the homeserver keeps each transaction id with the
# event it made (persisted, per device) and a retry after any restart returns that event.
DEVICE_ID = "HUITONGBRIDGE"
CLASS_SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def enabled() -> bool:
    return bool(settings.HUITONG_MATRIX_HOMESERVER)


def ghost_localpart(username: str) -> str:
    """`ht_` and the username in the Matrix spec's mapping for other character sets:
    `_` as `__`, capitals as `_` and the lower-case letter, anything else as `=xx` per byte."""
    out = []
    for char in username:
        if char in CLASS_SAFE:
            out.append(char)
        elif char == "_":
            out.append("__")
        elif "A" <= char <= "Z":
            out.append("_" + char.lower())
        else:
            out.extend(f"={b:02x}" for b in char.encode())
    return GHOST_PREFIX + "".join(out)


@dataclass(frozen=True)
class Config:
    homeserver: str
    server_name: str
    listen_host: str
    listen_port: int
    as_token: str
    hs_token: str
    allowed_servers: tuple[str, ...]
    public_url: str

    @property
    def bot_mxid(self) -> str:
        return f"@{BOT_LOCALPART}:{self.server_name}"

    def ghost_mxid(self, username: str) -> str:
        return f"@{ghost_localpart(username)}:{self.server_name}"

    def is_ours(self, mxid: str) -> bool:
        """The bot or one of its ghosts: events they send are the bridge's own echo."""
        return mxid == self.bot_mxid or (
            mxid.startswith("@" + GHOST_PREFIX) and mxid.endswith(":" + self.server_name))

    def server_allowed(self, server: str) -> bool:
        return server.lower() in self.allowed_servers


def parse_listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(f"HUITONG_MATRIX_LISTEN 应为 host:port，而不是 {value!r}")
    return host.strip("[]"), int(port)


def read_registration(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(
            f"找不到 Matrix 注册文件 {path}：请先运行 manage.py matrix_registration --out {path}"
        ) from exc
    except ValueError as exc:
        raise ImproperlyConfigured(f"Matrix 注册文件 {path} 不是 manage.py matrix_registration "
                                   "写出的格式") from exc
    for key in ("as_token", "hs_token"):
        if not isinstance(data.get(key), str) or len(data[key]) < 32:
            raise ImproperlyConfigured(f"Matrix 注册文件 {path} 缺少 {key}")
    return data


def registration(*, url: str, server_name: str, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The registration for this homeserver; tokens from `existing` when there is one."""
    server = re.escape(server_name)
    return {
        "id": APPSERVICE_ID,
        "url": url,
        "as_token": (existing or {}).get("as_token") or secrets.token_urlsafe(48),
        "hs_token": (existing or {}).get("hs_token") or secrets.token_urlsafe(48),
        "sender_localpart": BOT_LOCALPART,
        "namespaces": {
            "users": [{"exclusive": True, "regex": f"@{GHOST_PREFIX}.*:{server}"}],
            # Not exclusive: the bridge may create aliases (POST /rooms/{id}/bridge with an
            # alias that does not exist yet); anyone else still may too.
            "aliases": [{"exclusive": False, "regex": f"#.*:{server}"}],
            "rooms": [],
        },
        "rate_limited": False,
        # Receipts and typing are pushed too (MSC2409, and its stable name).
        "receive_ephemeral": True,
        "de.sorunome.msc2409.push_ephemeral": True,
        # Devices for ghosts without logging them in (MSC4190).
        "io.element.msc4190": True,
        "protocols": [],
    }


def load() -> Config:
    if not enabled():
        raise ImproperlyConfigured("未配置 HUITONG_MATRIX_HOMESERVER")
    if not settings.HUITONG_MATRIX_SERVER_NAME:
        raise ImproperlyConfigured("请设置 HUITONG_MATRIX_SERVER_NAME（Matrix 服务器名）")
    data = read_registration(settings.HUITONG_MATRIX_REGISTRATION)
    host, port = parse_listen(settings.HUITONG_MATRIX_LISTEN)
    server_name = settings.HUITONG_MATRIX_SERVER_NAME.lower()
    allowed = tuple(s.lower() for s in settings.HUITONG_MATRIX_ALLOWED_SERVERS) or (server_name,)
    return Config(homeserver=settings.HUITONG_MATRIX_HOMESERVER, server_name=server_name,
                  listen_host=host, listen_port=port, as_token=data["as_token"],
                  hs_token=data["hs_token"], allowed_servers=allowed,
                  public_url=settings.HUITONG_PUBLIC_URL)
