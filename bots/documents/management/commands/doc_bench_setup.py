"""Prepare the documents benchmark (bench/doc_bench.py): N township units, each with a
clerk who has a token, and a token for the government office's clerk who sends."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand

from hub.org.actions import issue_token, set_unit_membership
from hub.org.models import Unit, UnitMembership, User


class Command(BaseCommand):
    help = "为公文压测创建 N 个单位（各有一名收发员），输出 JSON（含访问令牌）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--units", type=int, default=95)
        parser.add_argument("--password", default="bench-pass")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["units"]
        hashed = make_password(options["password"])
        codes = [f"bu{i:03d}" for i in range(1, count + 1)]
        for index, code in enumerate(codes, start=1):
            unit, _ = Unit.objects.update_or_create(
                code=code, defaults={"name": f"压测第{index}乡镇人民政府", "short_name": f"压测{index}镇",
                                     "kind": Unit.Kind.TOWNSHIP, "sort_order": 1000 + index})
            user, _ = User.objects.update_or_create(
                username=f"{code}clerk", defaults={"display_name": f"收发员{index}", "password": hashed})
            if not UnitMembership.objects.filter(unit=unit, user=user).exists():
                set_unit_membership(unit=unit, user=user, role=UnitMembership.Role.CLERK)
        sender = User.objects.get(username="clerk")
        out = {
            "units": codes,
            "tokens": {code: issue_token(user=User.objects.get(username=f"{code}clerk"))
                       for code in codes},
            "sender": issue_token(user=sender),
        }
        self.stdout.write(json.dumps(out))
