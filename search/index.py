"""The whoosh index on disk: its schema, where it lives, and its states.

The index lives in `settings.HUITONG_INDEX_DIR`. While it is being built (by the worker on a
missing or corrupt index, or by `manage.py search_rebuild`) a new index is written beside it
and swapped in when complete; a `REBUILDING` marker tells searchers to answer
"索引正在重建" (503 `index_rebuilding`) when there is no usable index meanwhile.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.conf import settings
from whoosh import index as whoosh_index
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import Index

from search import mmapfile
from search.analysis import ChineseTokenizer, NameTokenizer

mmapfile.install()

INDEX_NAME = "huitong"
MARKER = "REBUILDING"
# Raised whenever the schema or the analysis changes, so an old index is rebuilt.
VERSION = "4"


class IndexUnavailable(Exception):
    """No usable index: missing, corrupt, or being rebuilt."""


def schema() -> Schema:
    zh = ChineseTokenizer()
    return Schema(
        key=ID(unique=True, stored=True),           # "message:12"
        type=ID(stored=True),                        # message, document, meeting, approval
        oid=STORED(),
        room=ID(stored=True),                        # a message's room
        topic=ID(stored=True),                       # a message's 话题 (topic:)
        sender=ID(stored=True),                      # author's user id (from:)
        unit=KEYWORD(stored=True, commas=True),      # unit codes (unit:, facet)
        year=ID(stored=True),
        doctype=ID(stored=True),                     # 文种
        attach=ID(),                                 # "1" when it has files
        created=DATETIME(stored=True, sortable=True),
        title=TEXT(analyzer=zh, stored=True, field_boost=3.0),
        number=TEXT(analyzer=zh, stored=True, field_boost=4.0),
        body=TEXT(analyzer=zh, stored=True),
        files=TEXT(analyzer=zh, field_boost=0.5),    # attachment names and text
        names=TEXT(analyzer=NameTokenizer(), field_boost=2.0),
        aud=KEYWORD(),                               # who may see it: r<room> u<unit> p<user>
        meta=COLUMN(VarBytesColumn()),               # aud and the facet values (meta())
        stamp=STORED(),                              # the source's version, for search_check
        failed=STORED(),                             # attachments that could not be read
    )


def meta(*, aud: str, type: str, unit: str, year: str, doctype: str) -> bytes:
    """The `meta` column of an entry: its audience terms, then the values it is counted under
    in the facets, so that a search reads one column per match (search/collect.py)."""
    return "\x1e".join((aud, "\x1f".join((type, unit, year, doctype)))).encode()


def read_meta(value: bytes) -> tuple[list[str], str, list[str], str, str]:
    """(audience terms, type, unit codes, year, 文种) from a `meta` value."""
    aud, _, rest = value.decode().partition("\x1e")
    kind, unit, year, doctype = (rest.split("\x1f") + ["", "", "", ""])[:4]
    return aud.split(), kind, [u for u in unit.split(",") if u], year, doctype


def index_dir() -> Path:
    return Path(settings.HUITONG_INDEX_DIR)


def _version_file(path: Path) -> Path:
    return path / "VERSION"


# A rebuild touches its marker as it goes; a marker older than this was left by one that died.
MARKER_STALE_SECONDS = 600


def rebuilding() -> bool:
    try:
        age = time.time() - marker_path().stat().st_mtime
    except FileNotFoundError:
        return False
    return age < MARKER_STALE_SECONDS


def marker_path() -> Path:
    return index_dir().parent / f"{index_dir().name}.{MARKER}"


def open_index() -> Index:
    """The live index; IndexUnavailable when there is none that this version can use."""
    path = index_dir()
    try:
        if not whoosh_index.exists_in(str(path), indexname=INDEX_NAME):
            raise IndexUnavailable("missing")
        if _version_file(path).read_text().strip() != VERSION:
            raise IndexUnavailable("old version")
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    except IndexUnavailable:
        raise
    except Exception as exc:  # a damaged TOC or segment, unreadable files
        raise IndexUnavailable(f"corrupt: {exc!r}") from exc


def usable() -> bool:
    try:
        open_index()
    except IndexUnavailable:
        return False
    return True


def create_at(path: Path) -> Index:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), schema(), indexname=INDEX_NAME)
    _version_file(path).write_text(VERSION)
    return ix


def staging_dir() -> Path:
    return index_dir().parent / f"{index_dir().name}.new"


def swap_in(new: Path) -> None:
    """Put a completely built index in place of the live one."""
    live = index_dir()
    old = live.parent / f"{live.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if live.exists():
        live.rename(old)
    new.rename(live)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
