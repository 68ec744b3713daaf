from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bots.documents import drafts, rules, sealing
from bots.documents.models import Document


class Command(BaseCommand):
    help = "校验公文的电子印章（内容、附件、版式文件自签章以来是否被改动）和核稿签发签名"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("documents", nargs="*", help="公文编号或发文字号；不写则校验全部")

    def handle(self, *args: Any, **options: Any) -> None:
        refs = options["documents"]
        if refs:
            found: list[Document] = []
            for ref in refs:
                qs = Document.objects.filter(id=int(ref)) if ref.isdigit() else (
                    Document.objects.filter(number=self._canonical(ref)))
                if not qs.exists():
                    raise CommandError(f"找不到公文 {ref}")
                found.extend(qs.select_related("unit"))
        else:
            found = list(Document.objects.filter(state=Document.State.ISSUED)
                         .select_related("unit").order_by("id"))
        bad = 0
        for document in found:
            result = sealing.verify(document)
            chain = drafts.verify_decisions(document)
            valid = result.valid and chain["valid"]
            reason = result.reason if not result.valid or not chain["decisions"] else (
                f"{result.reason}；{chain['reason']}")
            line = f"#{document.id} {document.number} {document.title}：{reason}"
            if valid:
                self.stdout.write(self.style.SUCCESS(f"✓ {line}"))
            else:
                bad += 1
                self.stderr.write(f"✗ {line}")
        if bad:
            raise CommandError(f"{bad} 件公文签章无效")
        self.stdout.write(f"共校验 {len(found)} 件公文，全部有效")

    @staticmethod
    def _canonical(ref: str) -> str:
        try:
            return rules.parse_number(ref, today_year=9999).canonical
        except Exception:
            return ref
