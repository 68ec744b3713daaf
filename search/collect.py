"""A search's matches, counted and ranked with as little Python per match as whoosh allows.

whoosh's collectors (FilterCollector → TermsCollector → FacetCollector → UnlimitedCollector)
step through every match one document at a time: a matcher step, a score, a column read for
the audience, a categorizer call per facet (whose set-up reads every posting of the facet
fields), a tuple kept for a final sort. At a million messages a frequent word matches a
hundred thousand of them, and that is seconds. Here the same answer is computed in bulk,
segment by segment, mostly inside CPython's set, dict, array and itertools code:

1. the matches as a set of docnums, from the postings of each term (set unions for `Or`,
   intersections for `And`); other query kinds (phrases, ranges) through whoosh's matcher;
2. who may see each: the `meta` column (search/index.py) is read once per segment into an
   array of small numbers, one per distinct value (all the messages of a room share one), and
   whether the caller may see a value is decided once per value; only those matches are
   counted, faceted or ranked, so totals, pages and facets include nothing else;
3. the exact total and the facets, by counting those numbers;
4. the page: the newest by the `created` column, or the best by BM25F scores, computed with
   whoosh's own formula and statistics (so the order is whoosh's: tests/search/test_collect.py)
   for the matches the caller may see, the best `want` kept, the lower docnum first among
   equal scores.

Kept in memory per process, keyed by the segment's id (segments never change once written;
deletions are read from each search's reader): each segment's `meta` numbers and field
lengths (5 bytes a document), and, up to a budget, the decoded postings of the terms searched
lately and their scores under the index's current statistics (`_postings`, `_scores`). A
frequent word is thus decoded from whoosh's pickled blocks once, not on every search; the
first search after a rebuild or a merge reads the new segment's column (about half a second a
million documents).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Sequence, Set
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import itemgetter
from threading import Lock
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, ConstantScoreQuery, Or, Phrase, Query, Term
from whoosh.query.qcore import _NullQuery
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from search.index import read_meta

FACET_NAMES = ("type", "unit", "year", "doc_type")


class Audience:
    """The caller's audience terms."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = frozenset(t.encode() for t in terms)

    def allows(self, value: bytes) -> bool:
        """Whether the caller may see an entry with this `meta` value."""
        return not self.terms.isdisjoint(t.encode() for t in read_meta(value)[0])


@dataclass
class Collected:
    total: int = 0
    top: list[tuple[float, int]] = field(default_factory=list)  # (score, docnum), best first
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


# --- what is read once per segment ------------------------------------------------------------------
_cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
_cache_lock = Lock()
CACHE_ENTRIES = 64


def _cached(reader: Any, what: str, build: Any) -> Any:
    try:
        key = (reader.segment().segment_id(), what)
    except AttributeError:  # not a segment reader: nothing to key on
        return build()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return value


@dataclass
class _Meta:
    """A segment's `meta` column: per docnum the number of its value, and per number the
    value's audience terms and facet values (type, units, year, 文种)."""

    numbers: array[int]
    auds: list[frozenset[bytes]]
    keys: list[tuple[str, tuple[str, ...], str, str]]


def _meta(reader: Any) -> _Meta:
    def build() -> _Meta:
        numbers: dict[bytes, int] = {}
        column = reader.column_reader("meta", translate=False)
        per_doc = array("I", (numbers.setdefault(v, len(numbers)) for v in column))
        auds, keys = [], []
        for value in numbers:
            aud, kind, units, year, doctype = read_meta(value)
            auds.append(frozenset(t.encode() for t in aud))
            keys.append((kind, tuple(units), year, doctype))
        return _Meta(per_doc, auds, keys)
    found: _Meta = _cached(reader, "meta", build)
    return found


def _length_bytes(reader: Any, fieldname: str) -> bytes | None:
    """The field's length byte per docnum (whoosh's own encoding), or None when the segment
    keeps none or keeps them where this cannot read them."""
    def build() -> bytes | None:
        try:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is None:
                return None
            raw = column._dbfile.get(column._basepos, column._count)
        except AttributeError:
            return None
        return bytes(raw) + bytes(reader.doc_count_all() - len(raw))
    found: bytes | None = _cached(reader, f"len:{fieldname}", build)
    return found


class _SizedCache:
    """The most recently used values, up to `budget` items (postings or scores) in all."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.lock = Lock()

    def get(self, key: Any, build: Any, size: Any) -> Any:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = build()
        with self.lock:
            if key not in self.entries:
                self.entries[key] = value
                self.size += size(value)
            while self.size > self.budget and len(self.entries) > 1:
                _, old = self.entries.popitem(last=False)
                self.size -= size(old)
        return value


def _decode(reader: Any, fieldname: str, btext: bytes) -> tuple[array[int], array[float]]:
    """All of a term's postings in a segment, deleted documents included."""
    ids: array[int] = array("I")
    weights: array[float] = array("f")
    m = reader.postings(fieldname, btext)
    if isinstance(m, FilterMatcher):
        m = m.child  # the deletions: left to the caller
    if isinstance(m, W3LeafMatcher):
        while m.is_active():  # a block at a time
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids.fromlist(list(m._ids[m._i:]))
            weights.fromlist(list(m._weights[m._i:]))
            m._next_block()
    else:  # another codec: one posting at a time
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return ids, weights


# Decoded postings of the terms searched lately, per segment: a frequent word is decoded
# (unpickled, decompressed, delta-decoded a block at a time) once, not on every search;
# deletions are applied by each search. About 80 MB at most (8 bytes a posting).
_postings = _SizedCache(budget=10_000_000)
# BM25F scores of those postings, per segment and term, under the statistics (idf, average
# length) of the index they were computed for: about 40 MB at most.
_scores = _SizedCache(budget=5_000_000)


def _segment_id(reader: Any) -> str | None:
    try:
        return str(reader.segment().segment_id())
    except AttributeError:  # not a segment reader: nothing to key on
        return None


# --- the matches ------------------------------------------------------------------------------------
class _Segment:
    """One segment's view of the query: postings and docsets, each read once."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.docsets: dict[int, set[int]] = {}
        self.phrase_scores: dict[int, dict[int, float]] = {}
        self._deleted: Set[int] | None = None

    def postings(self, q: Term) -> tuple[Sequence[int], Sequence[float], Set[int]]:
        """(docnums, weights) of a term, with the docnums deleted since it was written."""
        fieldobj = self.reader.schema[q.fieldname]
        btext = fieldobj.to_bytes(q.text) if not isinstance(q.text, bytes) else q.text
        deleted: Set[int] = self.deleted()
        if (q.fieldname, btext) not in self.reader:
            return (), (), deleted
        segid = _segment_id(self.reader)
        if segid is None:
            ids, weights = _decode(self.reader, q.fieldname, btext)
        else:
            ids, weights = _postings.get((segid, q.fieldname, btext),
                                         lambda: _decode(self.reader, q.fieldname, btext),
                                         lambda v: len(v[0]))
        return ids, weights, deleted

    def deleted(self) -> Set[int]:
        if self._deleted is None:
            self._deleted = (frozenset(self.reader.deleted_docs_set)
                             if self.reader.has_deletions() else frozenset())
        return self._deleted

    def docset(self, q: Query) -> set[int]:
        key = id(q)
        if key in self.docsets:
            return self.docsets[key]
        out: set[int]
        if isinstance(q, _NullQuery):
            out = set()
        elif type(q) is Term:
            ids, _, deleted = self.postings(q)
            out = set(ids)
            if deleted:
                out -= deleted
        elif type(q) is Or and not q.minmatch:
            parts = [p for p in (self.docset(sub) for sub in q.subqueries) if p]
            # One part (a word found in one field only): that set itself, never changed.
            out = parts[0] if len(parts) == 1 else set().union(*parts)
        elif type(q) is And:
            sets = sorted((self.docset(sub) for sub in q.subqueries), key=len)
            out = sets[0].intersection(*sets[1:]) if sets else set()
        elif isinstance(q, ConstantScoreQuery):
            out = self.docset(q.child)
        elif isinstance(q, Phrase):  # whoosh's matcher, scoring as it goes: one pass
            m = q.matcher(self.searcher, self.searcher.context())
            scored: dict[int, float] = {}
            while m.is_active():
                scored[m.id()] = m.score()
                m.next()
            self.phrase_scores[key] = scored
            out = set(scored)
        else:  # ranges and the rest: whoosh's matcher
            m = q.matcher(self.searcher, self.searcher.boolean_context())
            out = set(m.all_ids()) if m.is_active() else set()
        self.docsets[key] = out
        return out

    def scores(self, q: Query, wanted: set[int]) -> dict[int, float]:
        """BM25F scores of the documents of `wanted` that `q` matches, as whoosh scores them
        (a union or an intersection scores the sum of its parts that match)."""
        if isinstance(q, _NullQuery):
            return {}
        if isinstance(q, ConstantScoreQuery):
            return dict.fromkeys(self.docset(q) & wanted, q.score)
        if type(q) is Term:
            return self._term_scores(q, wanted)
        if type(q) is Or and not q.minmatch:
            parts = [p for p in (self.scores(sub, wanted) for sub in q.subqueries) if p]
            if not parts:
                return {}
            total = parts[0] if len(parts) == 1 else dict(parts[0])
            for part in parts[1:]:  # in the order whoosh adds them up
                for d, s in part.items():
                    total[d] = total[d] + s if d in total else s
            return _boosted(total, q.boost)
        if type(q) is And:
            inside = wanted.intersection(*(self.docset(sub) for sub in q.subqueries))
            total = dict.fromkeys(inside, 0.0)
            for sub in q.subqueries:
                for d, s in self.scores(sub, inside).items():
                    total[d] += s
            return _boosted(total, q.boost)
        if isinstance(q, Phrase):
            self.docset(q)
            return {d: v for d, v in self.phrase_scores[id(q)].items() if d in wanted}
        # The rest: whoosh's matcher, skipping to each wanted document.
        out: dict[int, float] = {}
        m = q.matcher(self.searcher, self.searcher.context())
        for d in sorted(self.docset(q) & wanted):
            if not m.is_active():
                break
            m.skip_to(d)
            if m.is_active() and m.id() == d:
                out[d] = m.score()
        return out

    def single_term(self, q: Query) -> Term | None:
        """The one term that all of `q`'s matches come from in this segment (a word found in
        one field only, boost 1), if so; only when no document of the segment is deleted."""
        if self.deleted():
            return None
        while type(q) is Or and not q.minmatch and q.boost == 1.0:
            parts = [sub for sub in q.subqueries if self.docset(sub)]
            if len(parts) != 1:
                return None
            q = parts[0]
        if type(q) is Term and q.boost == 1.0 and self._bm25(q) is not None:
            return q
        return None

    def _bm25(self, q: Term) -> tuple[Any, bytes, str] | None:
        fieldobj = self.reader.schema[q.fieldname]
        btext = fieldobj.to_bytes(q.text) if not isinstance(q.text, bytes) else q.text
        scorer = self.searcher.weighting.scorer(self.searcher, q.fieldname, btext)
        lengths = _length_bytes(self.reader, q.fieldname)
        segid = _segment_id(self.reader)
        if isinstance(scorer, BM25FScorer) and lengths is not None and segid is not None:
            return scorer, btext, segid
        return None

    def term_score_arrays(self, q: Term) -> tuple[Sequence[int], Sequence[float]]:
        """(docnums, scores) of every posting of a term (`single_term`'s conditions)."""
        ids, weights, _ = self.postings(q)
        found = self._bm25(q)
        assert found is not None
        scorer, btext, segid = found
        return ids, self._every_score(q, ids, weights, scorer, btext, segid)

    def _every_score(self, q: Term, ids: Sequence[int], weights: Sequence[float], scorer: Any,
                     btext: bytes, segid: str) -> array[float]:
        """whoosh's bm25() for every posting, with the length part looked up by the length
        byte; kept while the index's statistics stay what they were."""
        lengths = _length_bytes(self.reader, q.fieldname)
        assert lengths is not None
        idf, k1, b, avgfl = scorer.idf, scorer.K1, scorer.B, scorer.avgfl

        def build() -> array[float]:
            norm = [k1 * ((1 - b) + b * (byte_to_length(i) if i else 1) / avgfl)
                    for i in range(256)]
            return array("d", [idf * ((w * (k1 + 1)) / (w + norm[lengths[d]]))
                               for d, w in zip(ids, weights, strict=True)])

        every: array[float] = _scores.get((segid, q.fieldname, btext, idf, avgfl, b, k1),
                                          build, len)
        return every

    def _term_scores(self, q: Term, wanted: set[int]) -> dict[int, float]:
        ids, weights, _ = self.postings(q)  # `wanted` holds no deleted docnum
        if not ids or not wanted:
            return {}
        out: dict[int, float]
        found = self._bm25(q)
        if found is not None:
            every = self._every_score(q, ids, weights, *found)
            if len(wanted) * 16 < len(ids):  # few wanted: find each in the sorted postings
                at = [(d, bisect_left(ids, d)) for d in wanted]
                out = {d: every[i] for d, i in at if i < len(ids) and ids[i] == d}
            else:
                out = dict(compress(zip(ids, every, strict=True), map(wanted.__contains__, ids)))
        else:
            scorer = self.searcher.weighting.scorer(self.searcher, q.fieldname,
                                                    self.reader.schema[q.fieldname].to_bytes(
                                                        q.text))
            dfl = self.searcher.doc_field_length
            out = {d: scorer._score(w, dfl(d, q.fieldname, 1))
                   for d, w in zip(ids, weights, strict=True) if d in wanted}
        return _boosted(out, q.boost)


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    if boost == 1.0:
        return scores
    return {d: s * boost for d, s in scores.items()}


# --- the search -------------------------------------------------------------------------------------
def collect(searcher: Any, q: Query, *, audience: Audience, want: int, newest: bool,
            mask: frozenset[int] = frozenset()) -> Collected:
    """Run `q` on `searcher` and keep what `audience` may see, except the (global) docnums in
    `mask`: the exact count, the facets, and the best `want`, by score or (`newest`) the
    newest first; among equals the lower docnum."""
    counts: Counter[tuple[str, tuple[str, ...], str, str]] = Counter()
    best: list[tuple[Any, int, float, int]] = []  # (key, -docnum, score, docnum)
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        if not reader.doc_count_all():
            continue
        segment = _Segment(subsearcher)
        docs = segment.docset(q)
        if not docs:
            continue
        meta = _meta(reader)
        numbers = meta.numbers
        terms = audience.terms
        seen = [not terms.isdisjoint(aud) for aud in meta.auds]  # once per distinct value
        allowed: Collection[int] = docs
        if not all(seen):
            allowed = list(compress(docs, map(seen.__getitem__, map(numbers.__getitem__, docs))))
        if mask:
            allowed = [d for d in allowed if offset + d not in mask]
        for number, n in Counter(map(numbers.__getitem__, allowed)).items():
            counts[meta.keys[number]] += n
        if newest:
            created = reader.column_reader("created", translate=False)
            top = heapq.nlargest(want, allowed, key=lambda d: (created[d], -d))
            entries = [(created[d], -(offset + d), 0.0, offset + d) for d in top]
        else:
            everyone = len(allowed) == len(docs)  # the caller may see every match
            term = segment.single_term(q) if everyone else None
            if term is not None:  # one word in one field: its scores as they are kept
                ids, every = segment.term_score_arrays(term)
                top_pairs = _best_sorted(ids, every, want)
            else:
                top_pairs = _best(segment.scores(q, docs if everyone else set(allowed)), want)
            entries = [(s, -(offset + d), s, offset + d) for d, s in top_pairs]
        best = heapq.nlargest(want, best + entries, key=itemgetter(0, 1))
    return Collected(total=sum(counts.values()),
                     top=[(score, docnum) for _, _, score, docnum in best],
                     facets=facets(counts))


def _best(scores: dict[int, float], want: int) -> list[tuple[int, float]]:
    """The `want` best (docnum, score), the lower docnum first among equal scores."""
    if len(scores) <= want:
        return sorted(scores.items(), key=lambda i: (-i[1], i[0]))
    floor = heapq.nlargest(want, scores.values())[-1]
    above = sorted(compress(scores.items(), map(floor.__lt__, scores.values())),
                   key=lambda i: (-i[1], i[0]))
    # Many documents may share the weakest score kept (BM25 ties are common): the lowest.
    tied = sorted(compress(scores.keys(), map(floor.__eq__, scores.values())))
    return above + [(d, floor) for d in tied[:want - len(above)]]


def _best_sorted(ids: Sequence[int], scores: Sequence[float], want: int
                 ) -> list[tuple[int, float]]:
    """As `_best`, from docnums in ascending order and their scores."""
    if len(scores) <= want:
        return sorted(zip(ids, scores, strict=True), key=lambda i: (-i[1], i[0]))
    floor = heapq.nlargest(want, scores)[-1]
    above = sorted(compress(zip(ids, scores, strict=True), map(floor.__lt__, scores)),
                   key=lambda i: (-i[1], i[0]))
    tied = islice(compress(ids, map(floor.__eq__, scores)), want - len(above))
    return above + [(d, floor) for d in tied]


def facets(counts: dict[tuple[str, tuple[str, ...], str, str], int]
           ) -> dict[str, dict[str, int]]:
    """Type, unit, year and 文种 counts from the counts per distinct facet values; an entry
    is counted under each of its units."""
    out: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
    for (kind, units, year, doctype), n in counts.items():
        for name, keys in (("type", (kind,)), ("unit", units), ("year", (year,)),
                           ("doc_type", (doctype,))):
            bucket = out[name]
            for k in keys:
                if k:
                    bucket[k] = bucket.get(k, 0) + n
    return out
