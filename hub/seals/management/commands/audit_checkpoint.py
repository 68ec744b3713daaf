from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from hub.seals import checkpoint


class Command(BaseCommand):
    help = "打印当前审计日志链头的签名检查点（可打印留存）；--write 同时追加到检查点文件"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true",
                            help="链头有变化时追加到 HUITONG_AUDIT_CHECKPOINT_FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            checkpoint.write()
        self.stdout.write(json.dumps(checkpoint.current(), ensure_ascii=False, sort_keys=True))
