"""Rebuild the statistics' daily rollups (all of them, or what the audit log names)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bots.stats import rollup


class Command(BaseCommand):
    help = "重算统计的日汇总（--all：全部重算）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="重算全部日期")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            rollup.rebuild_all()
        else:
            while rollup.follow_audit():
                pass
        self.stdout.write(self.style.SUCCESS("统计日汇总已更新"))
