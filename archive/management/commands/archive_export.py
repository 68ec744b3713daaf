"""`manage.py archive_export --unit zfb --year 2026 --out zfb-2026.zip`: a year's package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.export import write_package
from hub.org.models import Unit


class Command(BaseCommand):
    help = "导出单位某年度的档案包（BagIt zip：文件、著录项、签章与签名、审计日志、SHA-256 清单）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="单位代码")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--out", required=True, help="输出的 zip 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"未知的单位“{options['unit']}”")
        out = Path(options["out"])
        partial = out.with_name(out.name + ".part")
        with open(partial, "wb") as handle:
            count = write_package(handle, unit=unit, year=options["year"])
        partial.replace(out)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 件到 {out}"))
