from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hub.seals import audit, checkpoint


class Command(BaseCommand):
    help = "校验审计日志的哈希链：发现被改动或被删除的条目；--checkpoint 再对照库外的链头检查点"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--checkpoint", metavar="FILE",
            help="签名的链头检查点文件（worker 定期写入，或 audit_checkpoint 打印的内容）："
                 "发现被截断的末尾")
        parser.add_argument("--public-key", help="信任的检查点公钥（默认：本系统的）")

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems = audit.verify_chain()
        seq, digest = audit.head()
        reasons = [p.reason for p in problems]
        checked = 0
        if options["checkpoint"]:
            path = Path(options["checkpoint"])
            try:
                points = checkpoint.read(path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取检查点文件 {path}：{exc}") from exc
            if not points:
                raise CommandError(f"检查点文件 {path} 中没有检查点")
            checked = len(points)
            reasons += [f.reason for f in checkpoint.verify(
                points, trusted_public_key=options["public_key"])]
        if reasons:
            for reason in reasons[:50]:
                self.stderr.write(f"✗ {reason}")
            if len(reasons) > 50:
                self.stderr.write(f"……另有 {len(reasons) - 50} 处问题")
            raise CommandError(f"审计日志校验失败：共 {count} 条，发现 {len(reasons)} 处问题")
        against = f"，与 {checked} 个检查点一致" if checked else ""
        self.stdout.write(self.style.SUCCESS(
            f"审计日志完整：共 {count} 条，链头第 {seq} 条，哈希 {digest}{against}"))
