"""Post a message as a user from the command line (operations, scripts, checks). The
message reaches live sockets like any other, from this separate process."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hub.chat import actions
from hub.chat.models import Room
from hub.lib.errors import ApiError
from hub.org.models import User


class Command(BaseCommand):
    help = "以指定用户身份向会话发送一条消息"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="发送者用户名")
        parser.add_argument("--room", required=True, help="会话 id，或频道/单位群名称")
        parser.add_argument("--body", required=True)
        parser.add_argument("--client-id")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户 {options['user']}")
        room_arg = options["room"]
        room = (Room.objects.filter(id=int(room_arg)).first() if room_arg.isdigit()
                else Room.objects.filter(name=room_arg).exclude(kind="direct").first())
        if room is None:
            raise CommandError(f"没有会话 {room_arg}")
        try:
            result = actions.send_message(sender=user, room_id=room.id, body=options["body"],
                                          client_id=options.get("client_id"), check_rate=False)
        except ApiError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(json.dumps({"id": result.message["id"], "seq": result.message["seq"]}))
