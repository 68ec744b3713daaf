"""Run everything the product needs in the foreground: the Daphne web server, the
worker and, when a Matrix homeserver is configured, the Matrix bridge. Ctrl-C (or
SIGTERM) stops them all; if one dies, the others are stopped too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

LISTEN_BACKLOG = 4096  # the kernel caps it at net.core.somaxconn


class Command(BaseCommand):
    help = "在前台运行 Web 服务（Daphne）和后台任务进程"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        env = dict(os.environ)
        # An endpoint rather than -b/-p: the same listener with a deep accept queue. Twisted's
        # default of 50 drops connections in a reconnect storm (everyone's sockets after a
        # restart), and each dropped one waits out TCP's retry: 5,000 sockets took 56 s to
        # sync instead of 11–15 s (docs/performance.md).
        host = options["host"].replace(":", r"\:")
        web = [python, "-m", "daphne", "-e",
               f"tcp:port={options['port']}:interface={host}:backlog={LISTEN_BACKLOG}",
               "--proxy-headers", "hub.asgi:application"]
        worker = [python, "manage.py", "run_worker"]
        names = ["web", "worker"]
        commands = [web, worker]
        if settings.HUITONG_MATRIX_HOMESERVER:
            # The Matrix bridge (integrations/matrix), named here as a command only.
            names.append("matrix")
            commands.append([python, "manage.py", "run_matrix_bridge"])
        procs = [subprocess.Popen(c, env=env) for c in commands]  # noqa: S603
        self.stdout.write(f"汇通已启动：http://{options['host']}:{options['port']}/ （Ctrl-C 停止）")
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = 0
        while not stopping:
            for name, proc in zip(names, procs, strict=True):
                if proc.poll() is not None:
                    self.stderr.write(f"{name} 进程已退出（{proc.returncode}），正在停止其余进程")
                    code = proc.returncode or 1
                    stopping = True
            time.sleep(0.2)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        if code:
            sys.exit(code)
