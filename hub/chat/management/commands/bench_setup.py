"""Prepare the WebSocket benchmark: N users in one channel room, with tokens or browser
sessions."""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand

from hub.chat import actions
from hub.chat.models import Room
from hub.org.actions import issue_token
from hub.org.models import User


def _logged_in_session(user: User) -> str:
    """A browser session as `django.contrib.auth.login` leaves it; its key."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


class Command(BaseCommand):
    help = "为压测创建 N 个用户和一个频道，输出 JSON"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--users", type=int, required=True)
        parser.add_argument("--room", default="bench")
        parser.add_argument("--password", default="bench-pass")
        parser.add_argument("--tokens", action="store_true", help="同时签发并输出访问令牌")
        parser.add_argument("--sessions", action="store_true",
                            help="同时为每人建立已登录的浏览器会话并输出会话键")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["users"]
        names = [f"bench{i:04d}" for i in range(1, count + 1)]
        hashed = make_password(options["password"])  # hashed once, shared: setup stays fast
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create([
            User(username=n, display_name=f"压测{n[5:]}", password=hashed)
            for n in names if n not in existing
        ])
        User.objects.filter(username__in=names).update(password=hashed)
        users = list(User.objects.filter(username__in=names).order_by("username"))
        room = Room.objects.filter(kind=Room.Kind.CHANNEL, name=options["room"]).first()
        if room is None:
            room = Room.objects.create(kind=Room.Kind.CHANNEL, name=options["room"])
        actions.add_members(room=room, users=users)
        out: dict[str, Any] = {"room": room.id, "users": [u.username for u in users]}
        if options["tokens"]:
            out["tokens"] = {u.username: issue_token(user=u) for u in users}
        if options["sessions"]:
            out["session_cookie"] = settings.SESSION_COOKIE_NAME
            out["sessions"] = {u.username: _logged_in_session(u) for u in users}
        self.stdout.write(json.dumps(out))
