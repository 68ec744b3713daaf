"""`manage.py archive_file`: file what is waiting now (the worker does this every 2 s)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from archive import filing


class Command(BaseCommand):
    help = "归档：立即归档已办结的收文、已办完的发文和已结束的审批"

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while True:
            filed = filing.file_pending()
            total += filed
            if not filed:
                break
        self.stdout.write(self.style.SUCCESS(f"本次归档 {total} 件"))
