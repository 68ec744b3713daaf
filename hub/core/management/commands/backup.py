from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hub.core import backup


class Command(BaseCommand):
    help = "备份：数据库（PostgreSQL 用 pg_dump，SQLite 一致性拷贝）、上传文件和带 SHA-256 的清单；密钥另行保存"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="备份目录（须为空或不存在）")
        parser.add_argument("--keys-out", help="另存 HUITONG_SEAL_KEY 的目录（与备份分开保管）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup.backup(out=Path(options["out"]),
                                     keys_out=Path(options["keys_out"]) if options["keys_out"]
                                     else None)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = sum(f["size"] for f in manifest["files"].values())
        self.stdout.write(self.style.SUCCESS(
            f"已备份到 {options['out']}：{len(manifest['files'])} 个文件，{size} 字节；"
            f"密钥指纹 {manifest['seal_key_fingerprint']}（密钥不在备份中）"))
