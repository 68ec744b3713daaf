"""Bring the people of the LDAP directory into the accounts (names, titles, units)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "从 LDAP 目录同步人员（姓名、职务、单位）"

    def handle(self, *args: Any, **options: Any) -> None:
        from hub.org import ldap

        if not settings.HUITONG_LDAP_URL:
            raise CommandError("未配置 HUITONG_LDAP_URL")
        try:
            counts = ldap.sync_all()
        except ldap.DirectoryUnavailable as exc:
            raise CommandError(f"无法连接 LDAP 目录：{exc}") from exc
        self.stdout.write(f"目录中 {counts['seen']} 人，已同步 {counts['synced']} 人")
