"""What the index can hold, as the apps that own the things tell it.

`search/` knows messages (the core's own) and nothing of the bots: each bot registers, in its
AppConfig.ready(), the searchable kinds it owns, the extra audience terms a caller matches
(e.g. a deputy standing in for an approver) and the vocabularies of its filters (e.g. the 15
文种 of `doctype:`), as it registers its commands and cards:

    search.registry.register_source(Source(
        kind="document", label="公文", names=("doc", "公文"), build=documents,
        count=lambda: Document.objects.count(), cards=document_cards))
    search.registry.register_audience("approval_deputies", deputy_terms)
    search.registry.register_vocabulary(Vocabulary(name="doctype", label="文种", values=DOC_TYPES))

A source's `build(ids)` yields one `Item` per object to index (all of them when `ids` is None)
and a `(kind, id)` pair for each asked-for object that must not be in the index; its items
carry their audience as `aud` terms (`r<room>`, `u<unit>`, `p<user>`, or terms of the source's
own that an audience provider hands to the callers who match them). `cards(ids)` says where
each hit opens: card message ids per object, best first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.org.models import User
    from search.sources import Item

Built = Iterator["Item | tuple[str, int]"]


@dataclass(frozen=True)
class Source:
    """One searchable kind. `kind` is the index's `type` (and the `IndexQueue` kind the owner
    records changes under); `names` are what `type:` accepts besides `kind` itself."""

    kind: str
    label: str
    build: Callable[[Iterable[int] | None], Built]
    count: Callable[[], int]
    names: tuple[str, ...] = ()
    cards: Callable[[list[int]], dict[int, list[int]]] | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The values of a filter on the index's `doctype` column (a kind's own category, such as
    文种): `name:` in `q`, `param=` in the URL, checked against `values`."""

    name: str
    label: str
    values: Sequence[str]
    param: str = ""
    field: str = "doctype"


AudienceProvider = Callable[["User"], list[str]]

_sources: dict[str, Source] = {}
_audience: dict[str, AudienceProvider] = {}
_vocabularies: dict[str, Vocabulary] = {}


def register_source(source: Source) -> None:
    """Registering a kind again replaces it (a test's stand-in, a plugin reloaded)."""
    _sources[source.kind] = source


def register_audience(name: str, provider: AudienceProvider) -> None:
    """`provider(user)` gives the extra `aud` terms the user matches now (read when each
    search starts, so a delegation that starts or ends takes effect at once)."""
    _audience[name] = provider


def register_vocabulary(vocabulary: Vocabulary) -> None:
    _vocabularies[vocabulary.name] = vocabulary


def sources() -> list[Source]:
    """Every registered kind, messages first, then in registration order."""
    return sorted(_sources.values(), key=lambda s: s.kind != "message")


def source(kind: str) -> Source | None:
    return _sources.get(kind)


def kinds() -> list[str]:
    return [s.kind for s in sources()]


def type_names() -> dict[str, str]:
    """What `type:` accepts: each kind by its name, its label and its aliases."""
    out: dict[str, str] = {}
    for s in sources():
        for name in (s.kind, s.label, *s.names):
            out[name.lower()] = s.kind
    return out


def extra_audience(user: User) -> list[str]:
    terms: list[str] = []
    for provider in _audience.values():
        terms += provider(user)
    return terms


def vocabularies() -> list[Vocabulary]:
    return list(_vocabularies.values())


def vocabulary(name: str) -> Vocabulary | None:
    return _vocabularies.get(name)
