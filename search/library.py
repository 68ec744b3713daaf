"""Library files (文档管理) in the search index: the source `file` (type:文件), registered by
the search app as it registers messages, the core's other searchable kind.

An entry's audience is exactly who may view the file (hub/library/access.py): the library's
unit (`u<unit>`), everyone in a unit for the district's library (`lall`, handed by the
audience provider below to whoever belongs to a unit), each grant on the file's folder or
above it (`p<user>`, `u<unit>`, or `lr<unit>_<role>` for a unit's holders of one role), and
each share (`r<room>`, `p<user>`). The text is the latest version's content, its name and
its folder path; a change of version, share, grant or folder re-records the files concerned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from hub.library.models import File, FileShare, FileVersion, Folder, FolderGrant
from hub.org.models import UnitMembership, User
from search.sources import FileRef, names, year_of
from search.sources import Item as Entry

KIND = "file"


def files(ids: Iterable[int] | None) -> Iterator[Entry | tuple[str, int]]:
    qs = File.objects.select_related("folder__library__unit").order_by("id")
    wanted: set[int] = set()
    if ids is not None:
        wanted = set(ids)
        qs = qs.filter(id__in=wanted)
    rows = list(qs)
    found = {f.id for f in rows}
    libraries = {f.folder.library_id for f in rows}
    tree = {fid: (parent, name) for fid, parent, name in Folder.objects.filter(
        library_id__in=libraries).values_list("id", "parent_id", "name")}
    grants: dict[int, set[str]] = defaultdict(set)
    for folder_id, unit_id, role, user_id in FolderGrant.objects.filter(
            folder__library_id__in=libraries).values_list("folder_id", "unit_id", "role",
                                                          "user_id"):
        if user_id is not None:
            grants[folder_id].add(f"p{user_id}")
        elif role:
            grants[folder_id].add(f"lr{unit_id}_{role}")
        else:
            grants[folder_id].add(f"u{unit_id}")
    shares: dict[int, set[str]] = defaultdict(set)
    for file_id, room_id, user_id in FileShare.objects.filter(file_id__in=found).values_list(
            "file_id", "room_id", "user_id"):
        shares[file_id].add(f"r{room_id}" if room_id else f"p{user_id}")
    latest = {v.file_id: v for v in FileVersion.objects.filter(file_id__in=found)
              .select_related("attachment", "by").order_by("file_id", "version")}
    for f in rows:
        version = latest.get(f.id)
        if version is None or f.deleted_at is not None:
            yield (KIND, f.id)
            continue
        library = f.folder.library
        aud = {f"u{library.unit_id}" if library.unit_id else "lall", *shares[f.id]}
        path: list[str] = []
        node: int | None = f.folder_id
        while node is not None and len(path) < 100:
            parent, name = tree[node]
            aud |= grants[node]
            path.append(name)
            node = parent
        a = version.attachment
        yield Entry(KIND, f.id, {
            "type": KIND, "room": "", "sender": str(version.by_id),
            "unit": library.unit.code if library.unit is not None else "",
            "year": year_of(f.updated_at), "doctype": "", "attach": "1",
            "created": f.updated_at, "title": f.name, "number": "",
            "body": "\n".join([" / ".join(reversed(path)), version.comment]),
            "names": names([version.by]), "aud": " ".join(sorted(aud)),
            "version": f.version,
        }, [FileRef(a.id, f.name, a.storage_name)])
    for missing in wanted - found:
        yield (KIND, missing)


def cards(ids: list[int]) -> dict[int, list[int]]:
    """Where a hit opens: the file's share cards, newest first."""
    out: dict[int, list[int]] = defaultdict(list)
    for file_id, message_id in FileShare.objects.filter(
            file_id__in=ids, message__isnull=False).order_by("-at").values_list(
            "file_id", "message_id"):
        out[file_id].append(message_id)
    return out


def audience(user: User) -> list[str]:
    """`lall` for anyone in a unit (the district's library), `lr<unit>_<role>` per role held."""
    roles = list(UnitMembership.objects.filter(user_id=user.id).values_list("unit_id", "role"))
    return ["lall", *(f"lr{unit}_{role}" for unit, role in roles)] if roles else []


def register() -> None:
    from search import registry

    registry.register_source(registry.Source(
        kind=KIND, label="文件", names=("files", "library", "文档", "文档管理", "文件库"),
        build=files, count=lambda: File.objects.count(), cards=cards))
    registry.register_audience("library", audience)
