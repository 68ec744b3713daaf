"""Create the demo district (idempotently); a rerun sets the demo users' password (and
leaves an unchanged one alone, so that browsers stay logged in)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.chat import actions as chat_actions
from hub.chat.models import Room
from hub.org import actions, seeding
from hub.org.models import Unit, User

UNITS = [
    # code, name, short name, kind
    ("qwb", "区委办公室", "区委办", Unit.Kind.PARTY),
    ("zfb", "区政府办公室", "区府办", Unit.Kind.GOVERNMENT),
    ("wsj", "区卫生健康局", "卫生局", Unit.Kind.GOVERNMENT),
    ("wtj", "区文化体育局", "文体局", Unit.Kind.GOVERNMENT),
    ("town1", "城关镇人民政府", "城关镇", Unit.Kind.TOWNSHIP),
    ("town2", "河西镇人民政府", "河西镇", Unit.Kind.TOWNSHIP),
    ("town3", "东山乡人民政府", "东山乡", Unit.Kind.TOWNSHIP),
]

PEOPLE = [
    # username, display name, title, [(unit, role)]
    ("leader", "李明", "区长", [("zfb", "leader"), ("qwb", "leader")]),
    ("clerk", "王芳", "文书", [("zfb", "clerk")]),
    ("staff1", "张三", "秘书科科员", [("qwb", "clerk")]),
    ("staff2", "李四", "办公室主任", [("wsj", "clerk")]),
    ("staff3", "王五", "综合科科长", [("wtj", "clerk")]),
    ("staff4", "赵六", "党政办主任", [("town1", "clerk")]),
    ("staff5", "钱七", "党政办干事", [("town2", "clerk")]),
    ("staff6", "孙八", "党政办干事", [("town3", "clerk")]),
    # The health bureau's 单位管理员, who manages its people in the app.
    ("wsjadmin", "周敏", "卫生局人事科科长", [("wsj", "admin")]),
]


class Command(BaseCommand):
    help = "创建演示单位、人员、单位群和 general 频道（可重复执行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", help="演示用户的密码")
        parser.add_argument("--password-file",
                            help="没有 --password 时：从此文件读取密码，文件不存在则生成并写入")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options.get("password")
        if not password:
            file = options.get("password_file")
            if not file:
                raise CommandError("请给出 --password 或 --password-file")
            path = Path(file)
            if path.exists():
                password = path.read_text().strip()
            else:
                password = secrets.token_urlsafe(9)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(password)
                path.chmod(0o600)
        if len(password) < 4:
            raise CommandError("密码至少 4 个字符")
        self.seed(password)
        self.stdout.write(self.style.SUCCESS(
            f"演示组织已就绪：用户 leader、clerk、staff1..staff6、wsjadmin、admin、archivist，密码：{password}"))

    @transaction.atomic
    def seed(self, password: str) -> None:
        district, _ = Unit.objects.update_or_create(
            code="district", defaults={"name": "示范区", "kind": Unit.Kind.DISTRICT, "sort_order": 0})
        units = {}
        for order, (code, name, short, kind) in enumerate(UNITS, start=1):
            units[code], _ = Unit.objects.update_or_create(
                code=code, defaults={"name": name, "short_name": short, "kind": kind,
                                     "parent": district, "sort_order": order})
        everyone = []
        for username, display_name, title, memberships in PEOPLE:
            user = self._user(username, display_name, title, password)
            everyone.append(user)
            for code, role in memberships:
                actions.set_unit_membership(unit=units[code], user=user, role=role)
        admin = self._user("admin", "系统管理员", "", password)
        if not (admin.is_staff and admin.is_superuser):
            User.objects.filter(id=admin.id).update(is_staff=True, is_superuser=True)
        general = Room.objects.filter(kind=Room.Kind.CHANNEL, name="general").first()
        if general is None:
            general = Room.objects.create(kind=Room.Kind.CHANNEL, name="general",
                                          topic="全区工作人员交流频道")
        chat_actions.add_members(room=general, users=everyone)
        seeding.run(password)

    @staticmethod
    def _user(username: str, display_name: str, title: str, password: str) -> User:
        user, _ = User.objects.update_or_create(
            username=username, defaults={"display_name": display_name, "title": title})
        actions.ensure_password(user=user, password=password)
        return user
