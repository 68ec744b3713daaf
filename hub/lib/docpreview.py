"""Office files as HTML for previews, run as a child process with limits of its own.

    python -m hub.lib.docpreview docx|xlsx <path> <memory bytes> <cpu seconds>

The child caps its address space (RLIMIT_AS) and CPU time before it imports a parser, reads
the file, and writes `{"html": ..., "truncated": bool}` or `{"error": ...}` as JSON to
stdout. The parent (hub/chat/previews.py) adds a wall-clock limit, sanitizes the HTML with
the project's allow-list and caches it. DOCX goes through mammoth (semantic HTML: headings,
paragraphs, lists, tables; embedded images are dropped by the sanitizer); XLSX through
openpyxl, the first sheets as tables with capped rows and columns.

No Django here: the child starts a bare interpreter, so a file that blows up a parser takes
down nothing but the child.
"""

from __future__ import annotations

import html
import json
import sys
from typing import Any

MAX_SHEETS = 3
MAX_ROWS = 200
MAX_COLS = 30
MAX_CELL_CHARS = 500
MAX_HTML_CHARS = 2_000_000


def docx_html(path: str) -> dict[str, Any]:
    import mammoth

    with open(path, "rb") as fh:
        # Images would arrive as data: URLs that the sanitizer drops anyway; skip encoding them.
        result = mammoth.convert_to_html(
            fh, convert_image=mammoth.images.img_element(lambda image: {"alt": "[图片]"}))
    text = result.value
    return {"html": text[:MAX_HTML_CHARS], "truncated": len(text) > MAX_HTML_CHARS}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + "…"
    return html.escape(text)


def xlsx_html(path: str) -> dict[str, Any]:
    from openpyxl import load_workbook

    # A file object: stored files have no .xlsx suffix, which openpyxl checks on paths.
    fh = open(path, "rb")  # noqa: SIM115 - closed with the book below
    book = load_workbook(fh, read_only=True, data_only=True)
    parts: list[str] = []
    truncated = len(book.worksheets) > MAX_SHEETS
    try:
        for sheet in book.worksheets[:MAX_SHEETS]:
            rows: list[str] = []
            for index, row in enumerate(sheet.iter_rows(values_only=True)):
                if index >= MAX_ROWS:
                    truncated = True
                    break
                cells = list(row)
                if len(cells) > MAX_COLS:
                    truncated = True
                    cells = cells[:MAX_COLS]
                while cells and cells[-1] is None:
                    cells.pop()
                rows.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
            while rows and rows[-1] == "<tr></tr>":
                rows.pop()
            parts.append(f"<h3>{html.escape(str(sheet.title))}</h3>"
                         f"<table><tbody>{''.join(rows)}</tbody></table>")
    finally:
        book.close()
        fh.close()
    return {"html": "".join(parts), "truncated": truncated}


CONVERTERS = {"docx": docx_html, "xlsx": xlsx_html}


def _limit(memory: int, cpu: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def main(argv: list[str]) -> int:
    kind, path, memory, cpu = argv[1], argv[2], int(argv[3]), int(argv[4])
    _limit(memory, cpu)
    try:
        out = CONVERTERS[kind](path)
    except MemoryError:
        out = {"error": "文件过于复杂，超出预览的内存限制"}
    except Exception as exc:
        out = {"error": f"无法读取：{type(exc).__name__}"}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
