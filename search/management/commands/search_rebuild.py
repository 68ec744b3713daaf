"""Rebuild the search index from the database, beside the live one, then swap it in."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from search import indexer


class Command(BaseCommand):
    help = "从数据库重建检索索引（带进度条）；重建期间旧索引照常可查"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-files", action="store_true",
                            help="不提取附件文字（只按文件名索引）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        tty = sys.stdout.isatty()

        def show(p: indexer.Progress) -> None:
            total = max(p.total, 1)
            share = min(p.done / total, 1.0)
            bar = "█" * int(share * 30) + "·" * (30 - int(share * 30))
            rate = p.done / max(time.monotonic() - started, 1e-6)
            line = f"{bar} {p.done}/{p.total} ({share:.0%}) {p.kind} {rate:.0f}/s"
            self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
            self.stdout.flush()

        progress = indexer.rebuild(on_progress=show, with_files=not options["no_files"])
        if tty:
            self.stdout.write("")
        for problem in progress.failed:
            self.stderr.write(f"无法读取的附件（已按文件名索引）：{problem}")
        self.stdout.write(self.style.SUCCESS(
            f"已重建：{progress.done} 条，用时 {time.monotonic() - started:.1f} 秒"))
