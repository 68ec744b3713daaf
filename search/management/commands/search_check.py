"""Compare the search index with the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search import index, indexer


class Command(BaseCommand):
    help = "检查检索索引：缺失的、过期的、多余的条目和无法读取的附件"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--show", type=int, default=20, help="每类最多列出几条")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = indexer.check()
        except index.IndexUnavailable as why:
            raise CommandError(f"索引不可用（{why}）：请运行 manage.py search_rebuild") from why
        show = options["show"]
        for label, keys in (("缺失", report.missing), ("过期", report.stale),
                            ("多余", report.extra), ("附件无法读取", report.unreadable)):
            self.stdout.write(f"{label}：{len(keys)}")
            for key in keys[:show]:
                self.stdout.write(f"  {key}")
        self.stdout.write(f"待处理的变更：{report.queued}")
        if report.missing or report.stale or report.extra:
            raise CommandError("索引与数据库不一致（待处理的变更写入后可能自行消除）")
        self.stdout.write(self.style.SUCCESS("索引与数据库一致"))
