"""The issued document as a PDF laid out per GB/T 9704-2012 (党政机关公文格式).

A4, 版心 156 × 225 mm (margins 37 mm top, 28 mm left, 26 mm right, 35 mm bottom). 版头: 紧急程度
(top left, 黑体), the 发文机关标志 in red, centred, the 发文字号 two lines below it (centred; for
上行文, 请示 and 报告, on the left with 签发人 on the right), and the red separator. 主体: 标题
(centred), 主送机关 (flush left, ending in a full-width colon), 正文 (paragraphs indented two
characters), 附件说明 (`附件：1.…`), 署名 and 成文日期 (the sign-off date, `2026年7月1日`) with the
seal's picture over them, 附注 in parentheses. 版记: 抄送 (ending in 。) and 印发机关 with the
印发日期 between two separators. Page numbers `— 1 —` outside the 版心, odd pages right, even
pages left.

Laid out with WeasyPrint (HTML and CSS paged media over Debian's Pango): it breaks Chinese
lines, places page-number boxes on left and right pages, and embeds the fonts as subsets,
OpenType CFF outlines included, with the text kept selectable. The fonts are Debian's Noto
CJK (`fonts-noto-cjk`, which `make` installs as it installs Chromium): Noto Serif CJK SC for
the text (standing in for 仿宋 and 小标宋, which no free Debian package provides) and Noto Sans
CJK SC for 黑体.

The PDF is made once, when the document is issued, stored as an attachment of the documents
bot, and covered by the seal (its SHA-256 is in the sealed content): what recipients download
and what the archive files is that file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from bots.documents.models import Document, DocumentAttachment
from bots.documents.rules import chinese_date
from hub.chat import actions as chat
from hub.chat.models import Attachment
from hub.org.models import Unit
from hub.seals.image import RED as SEAL_RED
from hub.seals.image import _star

RED = "#e60012"
SERIF = '"FangSong", "STFangsong", "Noto Serif CJK SC", "Noto Serif CJK", serif'
TITLE = '"FZXiaoBiaoSong-B05S", "STZhongsong", "Noto Serif CJK SC", "Noto Serif CJK", serif'
SANS = '"SimHei", "Noto Sans CJK SC", "Noto Sans CJK", sans-serif'
UPWARD = ("请示", "报告")  # 上行文: the 发文字号 on the left, 签发人 on the right

CSS = f"""
@page {{
  size: A4; margin: 37mm 26mm 35mm 28mm;
}}
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font: 14pt {SERIF};
                                 margin-right: 7mm; vertical-align: top; padding-top: 7mm; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font: 14pt {SERIF};
                               margin-left: 7mm; vertical-align: top; padding-top: 7mm; }} }}
html {{ font-family: {SERIF}; font-size: 16pt; line-height: 28.9pt; color: #000; }}
body {{ margin: 0; }}
p {{ margin: 0; }}
.urgency {{ font-family: {SANS}; font-size: 16pt; }}
.masthead {{ color: {RED}; font-family: {TITLE}; font-weight: bold; font-size: 40pt;
             line-height: 1.2; text-align: center; letter-spacing: 2pt; margin-top: 10mm; }}
.number {{ margin-top: 2em; display: flex; justify-content: center; }}
.number.upward {{ justify-content: space-between; padding: 0 1em; }}
.signer .name {{ font-family: {TITLE}; }}
.rule {{ border: 0; border-top: 1.2pt solid {RED}; margin: 4mm 0 0 0; }}
h1 {{ font-family: {TITLE}; font-weight: bold; font-size: 22pt; line-height: 1.4;
      text-align: center; margin: 2em 0 1em 0; }}
.to {{ margin-top: 0; }}
.body p {{ text-indent: 2em; text-align: justify; }}
.annex {{ margin-top: 1em; padding-left: 2em; }}
.annex .item {{ padding-left: 3em; text-indent: -3em; }}
.sign {{ margin-top: 3em; text-align: right; padding-right: 4em; position: relative; }}
.sign .seal {{ position: absolute; right: 3.5em; top: -14mm; width: 42mm; height: 42mm;
               opacity: 0.85; }}
.notes {{ padding-left: 2em; margin-top: 1em; }}
.colophon {{ margin-top: 3em; break-inside: avoid; font-size: 14pt; line-height: 1.8; }}
.colophon .line {{ border-top: 1pt solid #000; }}
.colophon .line.first {{ border-top-width: 1.2pt; }}
.colophon .row {{ padding: 0 1em; display: flex; justify-content: space-between; }}
.colophon .cc {{ padding: 0 1em; }}
"""


def _paragraphs(text: str) -> list[str]:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return [line for line in lines if line]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _stem(name: str) -> str:
    return re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)


def render_html(document: Document, *, main: Sequence[Unit], cc: Sequence[Unit],
                files: Sequence[DocumentAttachment], masthead: str, seal_name: str | None
                ) -> str:
    """The document as HTML for the PDF (everything escaped: the text is the user's)."""
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
             f"<title>{_e(document.title)}</title><style>{CSS}</style></head><body>"]
    if document.urgency != Document.Urgency.NORMAL:
        parts.append(f"<p class='urgency'>{_e(document.get_urgency_display())}</p>")
    parts.append(f"<div class='masthead'>{_e(masthead)}</div>")
    number = _e(document.number)
    if document.doc_type in UPWARD:
        parts.append(f"<div class='number upward'><span>{number}</span><span class='signer'>"
                     f"签发人：<span class='name'>{_e(document.signer)}</span></span></div>")
    else:
        parts.append(f"<div class='number'><span>{number}</span></div>")
    parts.append("<hr class='rule'>")
    parts.append(f"<h1>{_e(document.title)}</h1>")
    if main:
        parts.append(f"<p class='to'>{_e('、'.join(u.name for u in main))}：</p>")
    parts.append("<div class='body'>" + "".join(
        f"<p>{_e(p)}</p>" for p in _paragraphs(document.body)) + "</div>")
    if files:
        items = [f"{i + 1}.{_e(_stem(f.name))}" for i, f in enumerate(files)]
        lines = [f"<p class='item'>附件：{items[0]}</p>"] + [
            f"<p class='item'>　　　{item}</p>" for item in items[1:]]
        parts.append("<div class='annex'>" + "".join(lines) + "</div>")
    seal = (f"<img class='seal' alt='' src='{seal_image(seal_name)}'>" if seal_name else "")
    parts.append(f"<div class='sign'>{seal}<p>{_e(document.unit.name)}</p>"
                 f"<p>{chinese_date(document.issued_on)}</p></div>")
    if document.notes:
        parts.append(f"<p class='notes'>（{_e(document.notes)}）</p>")
    colophon = ["<div class='colophon'><div class='line first'></div>"]
    if cc:
        colophon.append(f"<p class='cc'>抄送：{_e('、'.join(u.name for u in cc))}。</p>"
                        "<div class='line'></div>")
    printed = document.sent_at or document.signed_off_at
    day = chinese_date(_local_date(printed)) if printed else chinese_date(document.issued_on)
    colophon.append(f"<div class='row'><span>{_e(document.unit.name)}</span>"
                    f"<span>{day}印发</span></div><div class='line first'></div></div>")
    parts += colophon
    parts.append("</body></html>")
    return "".join(parts)


def seal_image(name: str) -> str:
    """The seal's picture (as hub/seals/image.py draws it) with the unit's name set glyph by
    glyph along the arc, since the PDF renderer does not follow SVG text paths."""
    import base64
    import math
    from xml.sax.saxutils import escape

    c, radius = 100.0, 70.0
    chars = list(name) or [" "]
    span = 240.0
    step = span / max(len(chars), 1)
    size = max(12.0, min(24.0, radius * math.radians(step) * 0.9))
    glyphs = []
    for i, char in enumerate(chars):
        angle = -90 - span / 2 + step * (i + 0.5)
        x = c + radius * math.cos(math.radians(angle))
        y = c + radius * math.sin(math.radians(angle))
        glyphs.append(f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.1f}" '
                      f'text-anchor="middle" dominant-baseline="central" '
                      f'transform="rotate({angle + 90:.2f} {x:.2f} {y:.2f})">{escape(char)}</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" '
           f'height="200"><circle cx="{c}" cy="{c}" r="94" fill="none" stroke="{SEAL_RED}" '
           f'stroke-width="6"/><g fill="{SEAL_RED}" font-weight="bold" '
           f'font-family="Noto Serif CJK SC, serif">{"".join(glyphs)}</g>'
           f'<polygon points="{_star(c, c, 30)}" fill="{SEAL_RED}"/></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _local_date(moment: Any) -> Any:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def render(document: Document, *, main: Sequence[Unit], cc: Sequence[Unit],
           files: Sequence[DocumentAttachment], masthead: str, seal_name: str | None) -> bytes:
    from weasyprint import HTML

    source = render_html(document, main=main, cc=cc, files=files, masthead=masthead,
                         seal_name=seal_name)
    return HTML(string=source).write_pdf() or b""


def file_name(document: Document) -> str:
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", f"{document.number} {document.title}")
    return f"{safe[:150]}.pdf"


def store(document: Document, *, bot: Any, main: Sequence[Unit], cc: Sequence[Unit],
          files: Sequence[DocumentAttachment]) -> Attachment:
    """Lay the document out and store the PDF as the bot's attachment (at issue, inside the
    issuing transaction: the caller's failure handling removes nothing of it, so the file
    outlives a rollback only as an orphan no row names)."""
    from bots.documents.drafts import masthead
    from hub.seals.keys import active_key

    seal_name = active_key(unit=document.unit).seal_name
    data = render(document, main=main, cc=cc, files=files, masthead=masthead(document.unit),
                  seal_name=seal_name)
    return chat.store_attachment(uploader=bot.user, name=file_name(document),
                                 chunks=iter([data]), declared_mime="application/pdf")


def stored(document: Document) -> Attachment | None:
    return document.pdf


def response(document: Document) -> Any:
    """`GET /documents/{id}/pdf`: the stored PDF of an issued document (one issued before
    PDFs were made is laid out now, from its rows), shown inline so a browser's viewer opens
    it."""
    from django.http import FileResponse, HttpResponse
    from django.utils.http import content_disposition_header

    from hub.lib.errors import ApiError

    if not document.issued:
        raise ApiError("conflict", "公文尚未印发，还没有版式文件（PDF）")
    name = file_name(document)
    if document.pdf is not None:
        path = chat.attachment_path(document.pdf)
        if not path.exists():
            raise ApiError("not_found", "版式文件已不存在")
        response: Any = FileResponse(open(path, "rb"), content_type="application/pdf")  # noqa: SIM115
    else:
        from bots.documents.drafts import masthead
        from bots.documents.models import Delivery

        deliveries = list(document.deliveries.select_related("unit")
                          .order_by("unit__sort_order", "unit__code"))
        signature = document.signature
        data = render(document,
                      main=[d.unit for d in deliveries if d.kind == Delivery.Kind.MAIN],
                      cc=[d.unit for d in deliveries if d.kind == Delivery.Kind.CC],
                      files=list(document.files.order_by("position")),
                      masthead=masthead(document.unit),
                      seal_name=signature.key.seal_name if signature else None)
        response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, name) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
