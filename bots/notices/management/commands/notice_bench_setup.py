"""Prepare the notices benchmark (bench/notice_bench.py): N units with M people each (the
first of each a clerk), every person with a token; prints JSON with the unit codes and the
tokens, and the government office's clerk's token as the sender's."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from hub.chat.actions import sync_unit_room
from hub.org.actions import issue_token
from hub.org.models import Unit, UnitMembership, User


class Command(BaseCommand):
    help = "为通知公告压测创建 N 个单位、每单位 M 人，输出 JSON（含访问令牌）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--units", type=int, default=95)
        parser.add_argument("--people", type=int, default=900)
        parser.add_argument("--password", default="bench-pass")

    def handle(self, *args: Any, **options: Any) -> None:
        units, people = options["units"], options["people"]
        hashed = make_password(options["password"])
        codes = [f"nu{i:03d}" for i in range(1, units + 1)]
        tokens: dict[str, str] = {}
        with transaction.atomic():
            for index, code in enumerate(codes, start=1):
                Unit.objects.update_or_create(code=code, defaults={
                    "name": f"压测第{index}单位", "short_name": f"压测{index}",
                    "kind": Unit.Kind.GOVERNMENT, "sort_order": 2000 + index})
            by_code = {u.code: u for u in Unit.objects.filter(code__in=codes)}
            users = [User(username=f"np{n:04d}", display_name=f"职员{n}", password=hashed)
                     for n in range(1, people + 1)]
            User.objects.bulk_create(users, ignore_conflicts=True)
            users = list(User.objects.filter(username__in=[u.username for u in users])
                         .order_by("username"))
            UnitMembership.objects.bulk_create([
                UnitMembership(unit=by_code[codes[n % units]], user=user,
                               role=(UnitMembership.Role.CLERK if n < units
                                     else UnitMembership.Role.STAFF))
                for n, user in enumerate(users)], ignore_conflicts=True)
            for unit in by_code.values():
                sync_unit_room(unit=unit)
            for user in users:
                tokens[user.username] = issue_token(user=user)
        self.stdout.write(json.dumps({"units": codes, "tokens": tokens,
                                      "sender": issue_token(user=User.objects.get(username="clerk"))}))
