"""The search language and the search itself.

`q` is free text with filters: words (all must match, in the title, 发文字号, text, attachment
text or people's names), phrases in quotes (`"电子签名"`, `“…”`, `「…」`), and `from:` `in:`
`type:` `unit:` `doctype:` (文种, e.g. `doctype:通知`) `before:` `after:` `has:attachment`
`topic:` (a message's 话题) (a value with spaces in quotes; `：` works like `:`). A quote left open is read as plain words.
Unknown filters, unknown types, units or 文种 and dates that do not parse answer 400 with the
reason in Chinese.

Who may see what is part of the search, not a filter on its output: each entry carries its
audience (`r<room>`, `u<unit>`, `p<user>`), and a match is admitted only when that audience
shares a term with the caller's current rooms, units and id, before it is counted, paged or
faceted, so totals, pages and facets are right (search/collect.py). Messages deleted but not
yet removed from the index (their `IndexQueue` row is still waiting) are masked out.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import bleach
from django.db.models import Q
from django.utils import timezone
from whoosh import highlight
from whoosh.query import (
    And,
    ConstantScoreQuery,
    DateRange,
    NullQuery,
    Or,
    Phrase,
    Query,
    Term,
)
from whoosh.searching import Results

from hub.chat.models import Room, RoomMember
from hub.core.models import IndexQueue
from hub.lib import markdown
from hub.lib.errors import bad_request
from hub.org.models import Unit, UnitMembership, User
from search import collect, index, registry
from search.analysis import Group, fold, groups

MAX_CHARS = 500
MAX_LIMIT = 100
MAX_OFFSET = 10_000
FILTERS = ("from", "in", "type", "unit", "before", "after", "has", "topic")
HAS = {"attachment", "attachments", "file", "files", "附件", "文件"}
SORTS = {"relevance": "relevance", "score": "relevance", "相关": "relevance",
         "newest": "newest", "date": "newest", "time": "newest", "最新": "newest"}
TEXT_FIELDS = (("title", 3.0), ("number", 4.0), ("body", 1.0), ("files", 0.5))
QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "'": "'", "‘": "’"}
_FILTER = re.compile(r"([A-Za-z]+)[:：](.*)", re.S)
def filter_help() -> str:
    return "可用的筛选：" + " ".join(f"{name}:" for name in filters()).replace("has:", "has:attachment")


@dataclass
class Parsed:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)


def filters() -> tuple[str, ...]:
    """The filter names `q` takes: the built-in ones and each registered vocabulary's."""
    return FILTERS + tuple(v.name for v in registry.vocabularies())


def _split(q: str) -> list[tuple[str, bool]]:
    """Pieces of `q` as (text, quoted). A quote that is never closed is taken literally."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(q)
    buf: list[str] = []
    while i < n:
        ch = q[i]
        if ch in QUOTES:
            close = q.find(QUOTES[ch], i + 1)
            if close != -1:
                # key:"quoted value" stays one piece with its key.
                if buf and not buf[-1].isspace() and "".join(buf).split()[-1].endswith((":", "：")):
                    buf.append(q[i + 1:close])
                    i = close + 1
                    continue
                if buf:
                    out.append(("".join(buf), False))
                    buf = []
                out.append((q[i + 1:close], True))
                i = close + 1
                continue
            i += 1  # an unbalanced quote: dropped, the rest read as words
            buf.append(" ")
            continue
        buf.append(ch)
        i += 1
    if buf:
        out.append(("".join(buf), False))
    return out


def parse(q: str) -> Parsed:
    parsed = Parsed()
    for text, quoted in _split(q):
        if quoted:
            if text.strip():
                parsed.phrases.append(text.strip())
            continue
        for word in text.split():
            m = _FILTER.fullmatch(word)
            if m and m.group(1).lower() in filters():
                value = m.group(2).strip()
                if not value:
                    raise bad_request(f"筛选条件“{word}”缺少取值。{filter_help()}")
                parsed.filters.setdefault(m.group(1).lower(), []).append(value)
            elif m and not m.group(2).startswith("//") and m.group(2):
                raise bad_request(f"不认识的筛选条件“{m.group(1)}:”。{filter_help()}")
            else:
                parsed.words.append(word)
    return parsed


# --- dates ----------------------------------------------------------------------------------------
_DATE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?")


def parse_date(value: str, *, end: bool) -> datetime:
    """A moment from `2026-01-31`, `2026-01`, `2026`, `2026年1月31日` or an ISO time: the start
    of that period, or (`end`) the start of the next one, in local time."""
    value = fold(value.strip())
    m = _DATE.fullmatch(value)
    if m:
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        try:
            if day:
                start = date(year, int(month), int(day))
                nxt = start + timedelta(days=1)
            elif month:
                start = date(year, int(month), 1)
                nxt = date(year + (start.month == 12), start.month % 12 + 1, 1)
            else:
                start, nxt = date(year, 1, 1), date(year + 1, 1, 1)
        except ValueError as exc:
            raise bad_request(f"日期“{value}”不存在") from exc
        chosen = nxt if end else start
        return timezone.make_aware(datetime.combine(chosen, time.min))
    try:
        moment = datetime.fromisoformat(value.replace("z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"无法识别的日期“{value}”，请写成 2026-01-31 这样的格式") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def naive_utc(moment: datetime) -> datetime:
    """How the index keeps times (whoosh compares naive datetimes)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- building the whoosh query --------------------------------------------------------------------
def _covered(group: Group) -> bool:
    """Whether the parts together cover every character of the word."""
    word, seen = group.word, set[int]()
    for part in group.parts:
        start = word.find(part)
        while start != -1:
            seen.update(range(start, start + len(part)))
            start = word.find(part, start + 1)
    return len(seen) == len(word)


def _group_query(group: Group, fieldname: str, *, strict: bool = False) -> Query:
    """The word, or (unless `strict`) all the words inside it when they cover it: jieba may
    cut the same characters differently in another context."""
    if (not strict and group.parts and "〔" not in group.word and not group.word.endswith("号")
            and _covered(group)):
        return Or([Term(fieldname, group.word),
                   And([Term(fieldname, p) for p in group.parts])])
    return Term(fieldname, group.word)


def _text_query(text: str) -> Query | None:
    found = list(groups(text))
    if not found:
        return None
    clauses = []
    for group in found:
        per_field: list[Query] = [_group_query(group, name) for name, _ in TEXT_FIELDS]
        per_field.append(Term("names", group.word))
        clauses.append(Or(per_field))
    return clauses[0] if len(clauses) == 1 else And(clauses)


def _phrase_query(text: str) -> Query | None:
    found = [g.word for g in groups(text)]
    if not found:
        return None
    if len(found) == 1:
        only = next(iter(groups(text)))
        return Or([_group_query(only, name, strict=True) for name, _ in TEXT_FIELDS])
    return Or([Phrase(name, found) for name, _ in TEXT_FIELDS])


@dataclass
class Caller:
    user_id: int
    room_ids: list[int]
    unit_ids: list[int]
    # Terms the registered audience providers give the caller now, e.g. `d<id>` for the
    # people whose deputy (代批) they are (search/registry.py).
    extra: list[str] = field(default_factory=list)


def caller(user: User) -> Caller:
    return Caller(
        user_id=user.id,
        room_ids=list(RoomMember.objects.filter(user=user).values_list("room_id", flat=True)),
        unit_ids=list(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True)),
        extra=registry.extra_audience(user),
    )


def audience_terms(who: Caller) -> list[str]:
    """The `aud` terms the caller matches: themselves, their rooms and units, and the terms
    the audience providers gave them."""
    return [f"p{who.user_id}", *(f"r{r}" for r in who.room_ids),
            *(f"u{u}" for u in who.unit_ids), *who.extra]


def _filter_queries(parsed: Parsed, who: Caller) -> list[Query]:
    out: list[Query] = []
    f = parsed.filters
    if "type" in f:
        kinds = []
        names = registry.type_names()
        for value in f["type"]:
            for part in re.split(r"[,，、|]", value):
                kind = names.get(part.strip().lower())
                if kind is None:
                    offered = registry.sources()
                    raise bad_request(
                        f"未知的类型“{part}”，可选：{' '.join(s.kind for s in offered)}"
                        f"（{' '.join(s.label for s in offered)}）")
                kinds.append(kind)
        out.append(Or([Term("type", k) for k in kinds]))
    if "from" in f:
        ids: set[int] = set()
        for value in f["from"]:
            name = value.lstrip("@")
            ids |= set(User.objects.filter(Q(username__iexact=name) | Q(display_name=name))
                       .values_list("id", flat=True))
        out.append(Or([Term("sender", str(i)) for i in ids]) if ids else NullQuery)
    if "in" in f:
        rooms: set[int] = set()
        for value in f["in"]:
            mine = Room.objects.filter(id__in=who.room_ids)
            named = mine.filter(name=value.lstrip("#"))
            if value.isdigit():
                named = mine.filter(Q(id=int(value)) | Q(name=value))
            rooms |= set(named.values_list("id", flat=True))
        out.append(Or([Term("room", str(r)) for r in rooms]) if rooms else NullQuery)
    if "topic" in f:
        topics = {" ".join(value.split()) for value in f["topic"] if value.strip()}
        out.append(Or([Term("topic", t) for t in sorted(topics)]) if topics else NullQuery)
    if "unit" in f:
        codes: set[str] = set()
        for value in f["unit"]:
            found = set(Unit.objects.filter(
                Q(code__iexact=value) | Q(name=value) | Q(short_name=value))
                .values_list("code", flat=True))
            if not found:
                raise bad_request(f"未知的单位“{value}”")
            codes |= found
        out.append(Or([Term("unit", c) for c in sorted(codes)]))
    for vocabulary in registry.vocabularies():
        if vocabulary.name not in f:
            continue
        kinds = []
        for value in f[vocabulary.name]:
            for part in re.split(r"[,，、|]", value):
                if part.strip() not in vocabulary.values:
                    raise bad_request(f"未知的{vocabulary.label}“{part.strip()}”，可选："
                                      f"{'、'.join(vocabulary.values)}")
                kinds.append(part.strip())
        out.append(Or([Term(vocabulary.field, k) for k in kinds]))
    if "has" in f:
        for value in f["has"]:
            if value.lower() not in HAS:
                raise bad_request(f"不认识的“has:{value}”，可用 has:attachment")
        out.append(Term("attach", "1"))
    after = [parse_date(v, end=False) for v in f.get("after", [])]
    before = [parse_date(v, end=True) for v in f.get("before", [])]
    if after or before:
        start = max(after) if after else None
        end = min(before) if before else None
        if start and end and start >= end:
            return [NullQuery]
        out.append(DateRange("created", naive_utc(start) if start else None,
                             naive_utc(end - timedelta(microseconds=1)) if end else None))
    return out


def build(parsed: Parsed, who: Caller) -> tuple[Query, Query | None]:
    """(the query, the text part alone or None): the filters are required and only the text
    part scores. The caller's audience is applied when searching (search/collect.py)."""
    text_parts = [q for q in ([_text_query(" ".join(parsed.words))] if parsed.words else [])
                  + [_phrase_query(p) for p in parsed.phrases] if q is not None]
    text: Query | None = None
    if text_parts:
        text = text_parts[0] if len(text_parts) == 1 else And(text_parts)
    filters = _filter_queries(parsed, who)
    gate = And(filters) if filters else None
    if text is None:
        if parsed.has_text or gate is None:  # only punctuation: nothing can match
            return NullQuery, None
        return gate, None
    return (gated(text, gate) if gate is not None else text), text


def gated(text: Query, gate: Query) -> Query:
    """`text` within `gate`, scored by `text` alone. (whoosh's `Require` would say the same,
    but its matcher trips an assertion when skipping blocks by quality.)"""
    return And([text, ConstantScoreQuery(gate, 0.0)])


# --- running it ------------------------------------------------------------------------------------
@dataclass
class Request:
    q: str
    sort: str | None = None
    limit: int = 20
    offset: int = 0
    extra: dict[str, list[str]] = field(default_factory=dict)  # filters from URL parameters


def _pending_deletes() -> list[str]:
    return [f"{kind}:{oid}" for kind, oid in IndexQueue.objects.filter(
        op=IndexQueue.Op.DELETE).values_list("kind", "object_id")[:5000]]


def _masked(searcher: Any, keys: list[str]) -> frozenset[int]:
    """The docnums of the entries with these keys (few: deletions not yet applied)."""
    out: set[int] = set()
    for key in keys:
        out.update(searcher.document_numbers(key=key))
    return frozenset(out)


ALLOWED_TAGS = {"mark", "b"}


def sanitize(fragment: str) -> str:
    """The snippet as HTML with only bare `<mark>` and `<b>` (bleach, behind whoosh's
    formatter, which has escaped the text already)."""
    return bleach.clean(fragment, tags=ALLOWED_TAGS, attributes={}, strip=True)


def _snippet(hit: Any) -> str:
    """The matching part of the text as a reader sees it (Markdown marks removed), or its
    start. Never the title or the 发文字号: results show those beside the snippet."""
    body = markdown.plain(hit.get("body") or "")
    try:
        text = hit.highlights("body", text=body, top=2) if body else ""
    except Exception:  # a highlighter failure must not fail the search
        text = ""
    if text:
        return sanitize(text)
    short = " ".join(body.split())
    short = short[:120] + ("…" if len(short) > 120 else "")
    return sanitize(html.escape(short))


def run(user: User, request: Request) -> dict[str, Any]:
    """Search as `user`: `{"total", "results", "facets", "sort"}`. Raises ApiError (400)
    for bad input and index.IndexUnavailable when there is no usable index."""
    q = (request.q or "").strip()
    if len(q) > MAX_CHARS:
        raise bad_request(f"搜索内容不能超过 {MAX_CHARS} 个字")
    parsed = parse(q)
    for name, values in request.extra.items():
        parsed.filters.setdefault(name, []).extend(v for v in values if v)
    if not parsed.has_text and not parsed.filters:
        raise bad_request("请输入搜索内容")
    sort = SORTS.get((request.sort or "").strip().lower()) if request.sort else None
    if request.sort and sort is None:
        raise bad_request("sort 只能是 relevance（相关度）或 newest（最新）")
    who = caller(user)
    query, text = build(parsed, who)
    if sort is None:
        sort = "relevance" if text is not None else "newest"
    pending = _pending_deletes()
    ix = index.open_index()  # after reading the pending deletions: see _pending_deletes
    try:
        searcher = ix.searcher()
    except Exception as exc:
        raise index.IndexUnavailable(f"corrupt: {exc!r}") from exc
    with searcher:
        found = execute(searcher, query, terms=audience_terms(who), mask=pending,
                        newest=sort == "newest" or text is None, offset=request.offset,
                        limit=request.limit)
    return {**found, "sort": sort}


def execute(searcher: Any, query: Query, *, terms: list[str], newest: bool, offset: int,
            limit: int, mask: list[str] | None = None) -> dict[str, Any]:
    """`query` on `searcher` for a caller with these audience terms, except the entries whose
    keys are in `mask`: `{"total", "results", "facets"}` with the page `offset`..`+limit`
    (the newest first when `newest`, else by score)."""
    found = collect.collect(searcher, query, audience=collect.Audience(terms),
                            want=offset + limit, newest=newest,
                            mask=_masked(searcher, mask) if mask else frozenset())
    results = Results(searcher, query, found.top)
    results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
    results.formatter = highlight.HtmlFormatter(tagname="mark", between="…")
    hits = []
    for hit in results[offset:offset + limit]:
        stored = hit.fields()
        created = stored.get("created")
        hits.append({
            "type": stored["type"], "id": stored["oid"],
            "title": stored.get("title") or "", "number": (stored.get("number") or "")
            .split("\n")[0], "doc_type": stored.get("doctype") or None,
            "unit": (stored.get("unit") or "").split(",")[0] or None,
            "room": int(stored["room"]) if stored.get("room") else None,
            "created_at": iso(created) if created else None,
            "snippet_html": _snippet(hit),
            "score": round(float(hit.score or 0.0), 4),
            "_sender": stored.get("sender"),
        })
    return {"total": found.total, "results": hits, "facets": found.facets}
