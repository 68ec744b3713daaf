"""What can be filed, as the apps that own the things tell the archive.

The archive knows archive numbers, retention periods, series counters, entries, the export
package and the feed; it knows nothing of documents or approvals. Each app registers, in its
AppConfig.ready(), the kinds of item (件) it makes fileable, as it registers its commands and
cards:

    archive.registry.register(ArchivableKind(
        kind="incoming", label="收文", class_code="SW", source_type="delivery",
        object_type="document", prepare=prepare_delivery, pending=pending_deliveries,
        events={"document.handled": deliveries_handled}, verify=verify_document,
        signatures=seal_signatures, audience="unit", log_filter=own_unit_only,
        event_labels={"document.signed": "签收", ...}))

- `prepare(source_id, actor, retention)` runs inside the filing transaction: it locks the
  source row, answers None when the item is not (or no longer) fileable, else a `Filing`
  (unit, year, retention, the DA/T 46 metadata, the files with their SHA-256, the result of
  checking its seal or signatures, and the object the entry stands for). The archive then
  takes the next 件号 of the series, writes the entry and its audit entries.
- `pending(filed, limit)`: ids of sources that are fileable and not in `filed` (a queryset of
  the source ids already filed for this kind, usable as a subquery), oldest first.
- `events`: audit events that can make items fileable, each with a function from those log
  rows to the source ids to try (the worker reads the log past its cursor every 2 s).
- `verify(object_id, hashes)` checks the seal or signatures again at export; `signatures`
  gives them with the public keys for the package (checkable offline).
- `audience`: `"unit"` (every member of the entry's unit sees it) or `"managers"` (its clerks,
  leaders and admins), plus `involved(user)`: object ids the user sees entries of besides.
- `manual_field`: the `POST /archive` body field naming an object to file by hand, with
  `manual(user, object_id)` giving the source id to file (it raises for someone who may not).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hub.org.models import Unit, User


@dataclass(frozen=True)
class Logged:
    """One audit log row as the worker hands it to a kind's event function."""

    seq: int
    event: str
    subject: str
    data: dict[str, Any]

    @property
    def object_id(self) -> int | None:
        raw = self.subject.partition(":")[2]
        return int(raw) if raw.isdigit() else None


@dataclass
class Filing:
    """One item ready to be filed, as its kind describes it."""

    unit: Unit
    year: int
    retention: str
    title: str
    number: str
    doc_type: str
    day: date
    responsible: str
    secrecy: str
    metadata: dict[str, Any]
    files: list[dict[str, Any]]  # [{name, size, sha256, attachment}]
    verified: bool
    detail: str
    object_id: int


@dataclass(frozen=True, eq=False)
class ArchivableKind:
    kind: str  # the entry's class: "incoming"
    label: str  # 收文
    class_code: str  # the 机构（问题）代码 in the 档号: SW
    source_type: str  # what one item is: "delivery"
    object_type: str  # what the entry opens and whose audit log it shows: "document"
    prepare: Callable[[int, User | None, str | None], Filing | None]
    pending: Callable[[Any, int], list[int]]
    verify: Callable[[int, dict[int, str]], tuple[bool, str]]
    signatures: Callable[[int], list[dict[str, Any]]]
    events: dict[str, Callable[[list[Logged]], list[int]]] = field(default_factory=dict)
    audience: Literal["unit", "managers"] = "unit"
    involved: Callable[[User], Any] | None = None
    log_filter: Callable[[Any, list[Any]], list[Any]] | None = None
    event_labels: dict[str, str] = field(default_factory=dict)
    metadata_order: Sequence[str] = ()
    object_label: str = "文件"  # what to call the object in messages: 公文
    manual_field: str | None = None
    manual: Callable[[User, int], int] | None = None


_kinds: dict[str, ArchivableKind] = {}


def register(kind: ArchivableKind) -> None:
    """Registering a kind again replaces it."""
    _kinds[kind.kind] = kind


def kinds() -> list[ArchivableKind]:
    return list(_kinds.values())


def get(kind: str) -> ArchivableKind | None:
    return _kinds.get(kind)


def label(kind: str) -> str:
    found = _kinds.get(kind)
    return found.label if found else kind


def event_labels() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in _kinds.values():
        out.update(kind.event_labels)
    return out


def metadata_order() -> list[str]:
    out: list[str] = []
    for kind in _kinds.values():
        out += [name for name in kind.metadata_order if name not in out]
    return out
