"""Bad input, a missing or corrupt index, unreadable attachments, the seam, the commands."""

from __future__ import annotations

import io
import shutil
import zlib
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from hub.core.changes import record
from hub.core.models import IndexQueue
from search import index, indexer
from tests.bots.conftest import document_body


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["detail"]


@pytest.mark.parametrize(("params", "says"), [
    ({"q": ""}, "请输入搜索内容"),
    ({"q": "   "}, "请输入搜索内容"),
    ({"q": "字" * 501}, "不能超过 500 个字"),
    ({"q": "通知 foo:bar"}, "不认识的筛选条件"),
    ({"q": "通知 type:memo"}, "未知的类型"),
    ({"q": "通知 unit:nowhere"}, "未知的单位"),
    ({"q": "通知 after:yesterdayish"}, "无法识别的日期"),
    ({"q": "通知 before:2026-02-30"}, "不存在"),
    ({"q": "通知 has:picture"}, "has:attachment"),
    ({"q": "from:"}, "缺少取值"),
    ({"q": "通知", "sort": "random"}, "sort"),
    ({"q": "通知", "limit": "many"}, "limit"),
    ({"q": "通知", "limit": "1000"}, "limit"),
    ({"q": "通知", "offset": "-1"}, "offset"),
])
def test_bad_input_is_a_clear_400_in_chinese(api: Any, params: dict[str, str], says: str) -> None:
    status, code, detail = error(api("clerk").get("/search", **params))
    assert (status, code) == (400, "bad_request")
    assert says in detail


@pytest.mark.parametrize("q", ['"未闭合的引号', "通知 “半个", "（）【】", "a:", "http://example.org/x",
                               "OR AND NOT * ? ~", "\\", "((("])
def test_broken_syntax_is_a_literal_search(api: Any, demo: Any, drain: Any, q: str) -> None:
    api("clerk").send(demo["rooms"]["zfb"].id, "未闭合的引号 通知")
    drain()
    response = api("clerk").get("/search", q=q)
    assert response.status_code == 200, response.content
    if q == '"未闭合的引号':
        assert response.json()["total"] == 1


def test_a_missing_or_corrupt_index_answers_rebuilding(api: Any, demo: Any, drain: Any) -> None:
    api("clerk").send(demo["rooms"]["zfb"].id, "任意内容")
    drain()
    assert api("clerk").get("/search", q="任意").status_code == 200
    for toc in index.index_dir().glob("_huitong_*.toc"):
        toc.write_bytes(b"garbage")
    status, code, detail = error(api("clerk").get("/search", q="任意"))
    assert (status, code, detail) == (503, "index_rebuilding", "索引正在重建，请稍后再试")
    shutil.rmtree(index.index_dir())
    assert error(api("clerk").get("/search", q="任意"))[:2] == (503, "index_rebuilding")
    # The worker rebuilds a missing index from the database on its next turn.
    indexer.run_worker_turn()
    assert api("clerk").get("/search", q="任意").json()["total"] == 1


def _pdf(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx(text: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", text])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_attachment_text_is_indexed_and_unreadable_files_by_name(
        api: Any, demo: Any, drain: Any, caplog: Any) -> None:
    clerk = api("clerk")
    files = {"预算.pdf": _pdf("quarterly budget allocation"), "方案.docx": _docx("乡村振兴实施方案"),
             "名册.xlsx": _xlsx("防汛值班名册"), "说明.txt": "垃圾分类说明".encode("gb18030"),
             "损坏.pdf": b"%PDF-1.4 not really" + zlib.compress(b"x" * 100),
             "损坏.docx": b"PK not a zip"}
    ids = [clerk.upload(name, data).json()["id"] for name, data in files.items()]
    sent = clerk.post("/documents", document_body(attachments=ids, title="附件测试"))
    assert sent.status_code == 201, sent.content
    drain()  # an unreadable file never stops the writer
    for q in ("budget allocation", "乡村振兴", "防汛值班", "垃圾分类", "损坏", "方案"):
        found = clerk.get("/search", q=q).json()
        assert found["total"] == 1 and found["results"][0]["type"] == "document", q
    assert any("损坏.docx" in r.getMessage() for r in caplog.records)
    report = indexer.check()
    assert any("损坏.docx" in x for x in report.unreadable)


def test_a_change_rolled_back_leaves_no_queue_row(db: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record(kind="message", object_id=1)
        raise RuntimeError
    assert not IndexQueue.objects.exists()


def test_rebuild_and_check_commands(api: Any, demo: Any, drain: Any) -> None:
    api("clerk").send(demo["rooms"]["zfb"].id, "索引重建测试")
    out = io.StringIO()
    call_command("search_rebuild", stdout=out)
    assert "已重建" in out.getvalue()
    IndexQueue.objects.all().delete()
    out = io.StringIO()
    call_command("search_check", stdout=out)
    assert "索引与数据库一致" in out.getvalue()
    # A change the writer has not applied shows as missing, then the writer mends it.
    api("clerk").send(demo["rooms"]["zfb"].id, "尚未写入索引")
    with pytest.raises(CommandError):
        call_command("search_check", stdout=io.StringIO())
    drain()
    call_command("search_check", stdout=io.StringIO())


def test_a_file_that_takes_too_long_is_indexed_by_name(api: Any, demo: Any, drain: Any,
                                                        settings: Any) -> None:
    settings.HUITONG_INDEX_FILE_SECONDS = 0
    clerk = api("clerk")
    upload = clerk.upload("慢文件.docx", _docx("永远读不完的内容")).json()
    clerk.send(demo["rooms"]["zfb"].id, "见附件", attachments=[upload["id"]])
    drain()
    assert clerk.get("/search", q="慢文件").json()["total"] == 1
    assert clerk.get("/search", q="读不完").json()["total"] == 0
    assert any("超时" in x for x in indexer.check().unreadable)


def _docx_bomb(xml_bytes: int) -> bytes:
    """A DOCX of well under a megabyte whose word/document.xml expands to `xml_bytes`."""
    import zipfile

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph = b"<w:p><w:r><w:t>" + b"A" * 4000 + b"</w:t></w:r></w:p>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as docx:
        docx.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        docx.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'))
        with docx.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>'.encode())
            block = paragraph * 256
            for _ in range(xml_bytes // len(block)):
                part.write(block)
            part.write(b"</w:body></w:document>")
    return out.getvalue()


def test_a_decompression_bomb_is_skipped_with_a_note_and_the_writer_goes_on(
        api: Any, demo: Any, drain: Any) -> None:
    import resource

    bomb = _docx_bomb(400 * 1024 * 1024)
    assert len(bomb) < 900 * 1024
    clerk = api("clerk")
    upload = clerk.upload("炸弹.docx", bomb).json()
    fine = clerk.upload("正常.docx", _docx("防汛物资清单")).json()
    clerk.send(demo["rooms"]["zfb"].id, "见附件", attachments=[upload["id"], fine["id"]])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    drain()  # the writer (this process) reads both through the capped child
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the writer itself grew by {grown_mb:.0f} MB"
    assert clerk.get("/search", q="炸弹").json()["total"] == 1  # indexed by name
    assert clerk.get("/search", q="防汛物资").json()["total"] == 1  # its neighbour's text
    notes = [x for x in indexer.check().unreadable if "炸弹.docx" in x]
    assert notes and ("内存" in notes[0]), notes
