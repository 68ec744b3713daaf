"""Run the Matrix bridge in the foreground (production runs it as its own service)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from integrations.matrix import config
from integrations.matrix.bridge import Bridge


class Command(BaseCommand):
    help = "运行 Matrix 桥接（应用服务）"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cfg = config.load()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        bridge = Bridge(cfg)

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, bridge.stopping.set)
            await bridge.run()

        self.stdout.write(f"Matrix 桥接已启动：{cfg.bot_mxid}，监听 {cfg.listen_host}:{cfg.listen_port}")
        asyncio.run(main())
