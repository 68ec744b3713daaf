"""People's names in pinyin, for finding 李明 by typing `liming`, `lm` or `li`.

Computed from the name when asked (and remembered per name), never stored: a name changed
anywhere (the admin, an import, an account page) is found by its new pinyin at once. A
surname with several readings is found by each (曾: zeng and ceng; 单: shan, dan and chan),
and ü by both `v` and `u` (吕: lv, lu).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from pypinyin import Style, lazy_pinyin, pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")
MAX_READINGS = 4


@dataclass(frozen=True)
class Spelling:
    """`text`: the name in pinyin, one syllable per word ("li ming"), "" for a name with no
    Chinese characters. Per reading of the name: `wholes` its pinyin without spaces
    ("liming"), `tails` what follows each later syllable ("ming"), `initials` ("lm")."""

    text: str
    wholes: tuple[str, ...]
    tails: tuple[str, ...]
    initials: tuple[str, ...]


def _syllables(name: str) -> list[str]:
    out: list[str] = []
    for piece in lazy_pinyin(name):
        out.extend(_WORD.findall(piece.lower()))
    return out


def _uniq(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


@lru_cache(maxsize=50_000)
def spell(name: str) -> Spelling:
    name = (name or "").strip()
    if not _CJK.search(name):
        return Spelling("", (), (), ())
    syllables = _syllables(name)
    readings = [syllables]
    first = next((ch for ch in name if _CJK.match(ch)), "")
    others = [r for r in pinyin(first, style=Style.NORMAL, heteronym=True)[0]
              if r and syllables and r != syllables[0]][:MAX_READINGS - 1]
    readings += [[r, *syllables[1:]] for r in others]
    wholes: list[str] = []
    tails: list[str] = []
    initials: list[str] = []
    for reading in readings:
        for variant in product(*[dict.fromkeys((s, s.replace("v", "u"))) for s in reading]):
            wholes.append("".join(variant))
            tails += ["".join(variant[start:]) for start in range(1, len(variant))]
        initials.append("".join(s[0] for s in reading))
    return Spelling(" ".join(syllables), _uniq(wholes), _uniq(tails), _uniq(initials))


def match_rank(query: str, *, name: str, username: str) -> int | None:
    """How well `query` finds a person: 0 the whole name, pinyin or username; 1 a prefix of
    one of them, or the initials; 2 a later syllable or a prefix of the initials; 3 anywhere
    in the name or username; None when it does not find them."""
    q = query.strip()
    if not q:
        return 3
    if _CJK.search(q):
        if name == q:
            return 0
        if name.startswith(q):
            return 1
        return 3 if q in name else None
    compact = re.sub(r"[\s']+", "", q.lower())
    user_l, name_l = username.lower(), name.lower()
    spelled = spell(name)
    if compact in (user_l, name_l) or compact in spelled.wholes:
        return 0
    if (user_l.startswith(compact) or name_l.startswith(compact)
            or compact in spelled.initials or any(w.startswith(compact) for w in spelled.wholes)):
        return 1
    if (any(t.startswith(compact) for t in spelled.tails)
            or any(i.startswith(compact) for i in spelled.initials)):
        return 2
    if compact in user_l or compact in name_l:
        return 3
    return None
