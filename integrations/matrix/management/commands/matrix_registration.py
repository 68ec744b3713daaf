"""Write the application-service registration file for the organisation's homeserver."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.matrix import config


class Command(BaseCommand):
    help = "写出 Matrix 应用服务注册文件（令牌只生成一次），供主服务器的 app_service_config_files 使用"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="注册文件路径")
        parser.add_argument("--url", default="",
                            help="主服务器访问桥接的地址（默认 http://<HUITONG_MATRIX_LISTEN>）")

    def handle(self, *args: Any, **options: Any) -> None:
        server_name = settings.HUITONG_MATRIX_SERVER_NAME
        if not server_name:
            raise CommandError("请先设置 HUITONG_MATRIX_SERVER_NAME（Matrix 服务器名）")
        host, port = config.parse_listen(settings.HUITONG_MATRIX_LISTEN)
        url = options["url"] or f"http://{host}:{port}"
        out = Path(options["out"])
        existing = config.read_registration(out) if out.exists() else None
        data = config.registration(url=url, server_name=server_name.lower(), existing=existing)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o600)
        tmp.replace(out)
        kept = "沿用原有令牌" if existing else "已生成新令牌"
        self.stdout.write(f"已写出 {out}（{kept}）。把它加入主服务器配置的 app_service_config_files，"
                          f"并设置 HUITONG_MATRIX_REGISTRATION={out}")
