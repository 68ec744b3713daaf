"""Text analysis for the index: Chinese words (jieba), English words, numbers, 发文字号, and
pinyin for people's names.

Index and query share one tokenizer so that they agree. Each position carries the word jieba
finds in precise mode plus, at the same position, the shorter dictionary words inside it (what
jieba's search mode adds): `电子签名法` is indexed as 电子签名法, 电子, 签名, 电子签名. A query
takes the precise word and accepts its parts as an alternative (search/query.py), and phrases
match on positions.

Offsets are kept exact (only one-to-one character folding is done) so that whoosh can
highlight the original text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import jieba
from pypinyin import Style, lazy_pinyin
from whoosh.analysis import Token, Tokenizer

jieba.setLogLevel(logging.WARNING)

# Brackets around the year of a 发文字号 as people type them; the canonical one is 〔〕.
OPEN = "〔[(【（［〖"
CLOSE = "〕])】）］〗"
_NUMBER = re.compile(
    rf"([\u4e00-\u9fff]{{1,8}})\s*[{re.escape(OPEN)}]\s*(\d{{4}})\s*[{re.escape(CLOSE)}]"
    r"\s*第?\s*(\d{1,6})\s*号")
_SEQ = re.compile(r"第?(\d{1,6})号")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[0-9a-z\u3400-\u9fff]")


def fold(text: str) -> str:
    """Lower case, full-width ASCII to ASCII, the ideographic space to a space: one
    character for one, so that offsets stay valid."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        elif code == 0x3000:
            ch = " "
        out.append(ch)
    return "".join(out).lower()


def canonical_number(code: str, year: str, seq: str) -> str:
    return f"{code}〔{year}〕{int(seq)}号"


@dataclass(frozen=True)
class Group:
    """The tokens at one position: `word` is the whole word, `parts` the words inside it."""

    word: str
    parts: tuple[str, ...]
    start: int
    end: int


@cache
def _dictionary() -> dict[str, int]:
    jieba.initialize()
    return jieba.dt.FREQ


def _parts(word: str) -> tuple[str, ...]:
    """The dictionary words of two to four characters inside a longer word (jieba's search
    mode finds those of two and three; four finds 数据安全 in 数据安全法)."""
    if len(word) <= 2 or not _CJK.search(word):
        return ()
    freq = _dictionary()
    found: list[str] = []
    for n in (2, 3, 4):
        if len(word) <= n:
            continue
        for i in range(len(word) - n + 1):
            gram = word[i:i + n]
            if freq.get(gram) and gram not in found:
                found.append(gram)
    return tuple(found)


def _plain_groups(text: str, offset: int) -> Iterator[Group]:
    pos = offset
    for word in jieba.cut(text, HMM=True):
        start = pos
        pos += len(word)
        if not _WORD.search(word):
            continue
        word = word.strip()
        if not word:
            continue
        parts = _parts(word)
        if word.isdigit() and text[pos - offset:pos - offset + 1] == "号":
            continue  # "94" of "94号" is given with the number below
        yield Group(word, parts, start, pos)


def groups(text: str) -> Iterator[Group]:
    """Positions of `text` in order. 发文字号 come whole (青委办〔2006〕94号, any brackets),
    with 94号, 94, the year and the agency code as parts; `第94号`/`94号` as 94号 with 94."""
    text = fold(text)
    last = 0
    spans: list[tuple[int, int, Group]] = []
    for m in _NUMBER.finditer(text):
        code, year, seq = m.group(1), m.group(2), m.group(3)
        # The agency code ends at the bracket, but where it begins is unknown in running
        # text (关于印发青委办〔2006〕94号): every tail of two characters or more is a part.
        whole = canonical_number(code, year, seq)
        tails = [canonical_number(code[i:], year, seq) for i in range(1, len(code) - 1)]
        parts = (*tails, f"{int(seq)}号", str(int(seq)), year, code)
        spans.append((m.start(), m.end(), Group(whole, parts, m.start(), m.end())))
    taken = [(s, e) for s, e, _ in spans]
    for m in _SEQ.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        seq = m.group(1)
        spans.append((m.start(), m.end(), Group(f"{int(seq)}号", (str(int(seq)),),
                                                m.start(), m.end())))
    spans.sort(key=lambda t: t[0])
    for start, end, group in spans:
        if start > last:
            yield from _plain_groups(text[last:start], last)
        yield group
        last = end
    if last < len(text):
        yield from _plain_groups(text[last:], last)


class ChineseTokenizer(Tokenizer):
    """A whoosh tokenizer over `groups`: the word and its parts at one position."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,  # type: ignore[override]
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: object
                 ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for index, group in enumerate(groups(value)):
            for text in (*group.parts, group.word):
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = start_pos + index
                if chars:
                    token.startchar = start_char + group.start
                    token.endchar = start_char + group.end
                yield token


def chinese_analyzer() -> ChineseTokenizer:
    return ChineseTokenizer()


def name_keys(name: str) -> list[str]:
    """What finds a person by name: the name, its characters, its pinyin whole and by
    syllable, and its initials (张三: 张三, 张, 三, zhangsan, zhang, san, zs)."""
    name = fold(name.strip())
    if not name:
        return []
    keys = [name]
    if _CJK.search(name):
        hanzi = "".join(ch for ch in name if _CJK.match(ch))
        keys += list(hanzi)
        syllables = [s for s in lazy_pinyin(hanzi, errors="ignore") if s]
        if syllables:
            keys += ["".join(syllables), *syllables]
            keys.append("".join(s[0] for s in lazy_pinyin(hanzi, style=Style.FIRST_LETTER,
                                                          errors="ignore") if s))
    return list(dict.fromkeys(k for k in keys if k))


class NameTokenizer(Tokenizer):
    """People's names (one per line) with their pinyin and initials."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,  # type: ignore[override]
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: object
                 ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        texts = [fold(value)] if not tokenize else [
            key for line in value.splitlines() for key in name_keys(line)]
        for index, text in enumerate(texts):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + index
            if chars:
                token.startchar, token.endchar = start_char, start_char
            yield token
