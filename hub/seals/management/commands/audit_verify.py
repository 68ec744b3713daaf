from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hub.seals import audit


class Command(BaseCommand):
    help = "校验审计日志的哈希链：发现被改动或被删除的条目"

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems = audit.verify_chain()
        seq, digest = audit.head()
        if problems:
            for problem in problems[:50]:
                self.stderr.write(f"✗ {problem.reason}")
            if len(problems) > 50:
                self.stderr.write(f"……另有 {len(problems) - 50} 处问题")
            raise CommandError(f"审计日志校验失败：共 {count} 条，发现 {len(problems)} 处问题")
        self.stdout.write(self.style.SUCCESS(
            f"审计日志完整：共 {count} 条，链头第 {seq} 条，哈希 {digest}"))
