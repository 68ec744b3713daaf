from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hub.core import worker


class Command(BaseCommand):
    help = "运行后台任务进程（提醒、索引、清理等）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="每个任务执行一次后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        worker.run(once=options["once"])
