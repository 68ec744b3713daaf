from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from hub.core import backup


class Command(BaseCommand):
    help = "从 backup 的目录恢复到空数据库和空的 MEDIA_ROOT；--verify 随后校验审计链、公文印章并重建搜索索引"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="source", required=True, help="备份目录")
        parser.add_argument("--verify", action="store_true",
                            help="恢复后运行 audit_verify、verify_document 和 search_rebuild")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup.restore(source=Path(options["source"]))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"已从 {options['source']} 恢复（备份于 {manifest['created_at']}）"))
        if options["verify"]:
            for name in ("audit_verify", "verify_document", "search_rebuild"):
                call_command(name, stdout=self.stdout, stderr=self.stderr)
