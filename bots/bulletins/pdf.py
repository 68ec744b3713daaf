"""A published issue as a PDF laid out like the printed bulletin: the red masthead (刊名 in
large red type, 第N期 and 总第N期 under it, 编印单位 on the left and the date on the right over
a red rule), each item with its title centred, its unit under it and its paragraphs indented
two characters, its pictures under the text, and the colophon (签发人, 发送 units) between two
rules at the end, with the publishing unit's seal picture. Page numbers `— 1 —` outside the
text block, as on documents.

Laid out with WeasyPrint over Debian's Pango and Noto CJK fonts, embedded as subsets with
the text selectable, exactly like the documents' GB/T 9704 PDFs (bots/documents/pdf.py, whose
seal picture and fonts it shares)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bots.bulletins.common import chinese_date
from bots.bulletins.models import Issue, Item, ItemFile
from bots.documents.pdf import SANS, SERIF, TITLE, seal_image
from hub.chat import actions as chat
from hub.chat.models import Attachment

RED = "#e60012"
PICTURE_MIMES = {"image/png", "image/jpeg", "image/gif", "image/webp"}

CSS = f"""
@page {{ size: A4; margin: 30mm 26mm 30mm 28mm; }}
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font: 14pt {SERIF}; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font: 14pt {SERIF}; }} }}
html {{ font-family: {SERIF}; font-size: 16pt; line-height: 28pt; color: #000; }}
body {{ margin: 0; }}
p {{ margin: 0; }}
.masthead {{ color: {RED}; font-family: {TITLE}; font-weight: bold; font-size: 44pt;
             line-height: 1.3; text-align: center; letter-spacing: 6pt; }}
.issue-no {{ text-align: center; font-size: 16pt; margin-top: 4mm; }}
.byline {{ display: flex; justify-content: space-between; margin-top: 6mm; font-size: 14pt; }}
.rule {{ border: 0; border-top: 2pt solid {RED}; margin: 2mm 0 0 0; }}
.theme {{ font-family: {SANS}; text-align: center; margin-top: 6mm; }}
.item {{ margin-top: 10mm; }}
.item h2 {{ font-family: {TITLE}; font-weight: bold; font-size: 20pt; line-height: 1.4;
            text-align: center; margin: 0 0 2mm 0; }}
.item .from {{ text-align: center; font-size: 14pt; margin-bottom: 4mm; }}
.item .text p {{ text-indent: 2em; text-align: justify; }}
.item img {{ display: block; max-width: 100%; max-height: 110mm; margin: 4mm auto; }}
.colophon {{ margin-top: 12mm; break-inside: avoid; font-size: 14pt; line-height: 1.8;
             position: relative; }}
.colophon .line {{ border-top: 1pt solid #000; }}
.colophon .row {{ padding: 0 1em; }}
.colophon .seal {{ position: absolute; right: 6mm; top: -30mm; width: 38mm; height: 38mm;
                   opacity: 0.85; }}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def render_html(issue: Issue, *, items: Sequence[Item], files: dict[int, list[ItemFile]],
                audience: Sequence[str], seal_name: str | None) -> str:
    pub = issue.publication
    published = issue.published_at
    day = chinese_date(_local_date(published)) if published else ""
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
             f"<title>{_e(pub.name)} {issue.year}年第{issue.number}期</title>",
             f"<style>{CSS}</style></head><body>",
             f"<div class='masthead'>{_e(pub.name)}</div>",
             f"<p class='issue-no'>{issue.year}年第{issue.number}期（总第{issue.total_number}期）</p>",
             f"<div class='byline'><span>{_e(pub.unit.name)}编</span><span>{day}</span></div>",
             "<hr class='rule'>"]
    if issue.title:
        parts.append(f"<p class='theme'>{_e(issue.title)}</p>")
    for item in items:
        parts.append(f"<div class='item'><h2>{_e(item.title)}</h2>"
                     f"<p class='from'>（{_e(item.unit.name)}）</p><div class='text'>"
                     + "".join(f"<p>{_e(p)}</p>" for p in _paragraphs(item.body)) + "</div>")
        for f in files.get(item.id, []):
            if f.attachment.mime in PICTURE_MIMES:
                path = Path(chat.attachment_path(f.attachment)).resolve()
                if path.exists():
                    parts.append(f"<img alt='{_e(f.name)}' src='{path.as_uri()}'>")
        parts.append("</div>")
    seal = f"<img class='seal' alt='' src='{seal_image(seal_name)}'>" if seal_name else ""
    parts.append(f"<div class='colophon'>{seal}<div class='line'></div>"
                 f"<p class='row'>签发：{_e(issue.signer.name)}</p>"
                 f"<p class='row'>送：{_e('、'.join(audience))}。</p><div class='line'></div>"
                 f"<p class='row'>{_e(pub.unit.name)}　　{day}印发</p><div class='line'></div>"
                 "</div></body></html>")
    return "".join(parts)


def _local_date(moment: Any) -> Any:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def render(issue: Issue, *, items: Sequence[Item], files: dict[int, list[ItemFile]],
           audience: Sequence[str], seal_name: str | None) -> bytes:
    from weasyprint import HTML

    source = render_html(issue, items=items, files=files, audience=audience, seal_name=seal_name)
    return HTML(string=source, url_fetcher=_fetcher()).write_pdf() or b""


def _fetcher() -> Any:
    """Only `data:` URLs and the items' own pictures under MEDIA_ROOT are loaded: nothing from
    the network, no other file."""
    from django.conf import settings
    from weasyprint.urls import URLFetcher

    media = Path(settings.MEDIA_ROOT).resolve().as_uri() + "/"

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or url.startswith(media)):
                raise ValueError(f"not loaded: {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"data", "file"})


def file_name(issue: Issue) -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", issue.publication.name)
    return f"{name}{issue.year}年第{issue.number}期.pdf"


def store(issue: Issue, *, bot: Any, items: Sequence[Item], files: dict[int, list[ItemFile]],
          audience: Sequence[str], seal_name: str | None) -> Attachment:
    data = render(issue, items=items, files=files, audience=audience, seal_name=seal_name)
    return chat.store_attachment(uploader=bot.user, name=file_name(issue), chunks=iter([data]),
                                 declared_mime="application/pdf")
