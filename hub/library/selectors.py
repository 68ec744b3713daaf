"""Reads of the library, shaped for the protocol: folders, files with their versions, the
caller's libraries and what was shared with them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from hub.chat.models import RoomMember
from hub.lib.times import iso
from hub.library.access import LEVEL_NAMES, Who, base_level, root_folder
from hub.library.models import (
    RETENTION,
    File,
    FileRead,
    FileShare,
    FileVersion,
    Folder,
    FolderGrant,
    Level,
    Library,
)
from hub.org.models import Unit, User


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.name}


def library_name(library: Library) -> str:
    return library.unit.name if library.unit is not None else "全区文件库"


def path_of(folder: Folder) -> list[dict[str, Any]]:
    """From the root down to the folder itself."""
    rows = {fid: (parent, name) for fid, parent, name in Folder.objects.filter(
        library_id=folder.library_id).values_list("id", "parent_id", "name")}
    chain: list[dict[str, Any]] = []
    node: int | None = folder.id
    while node is not None and len(chain) < 100:
        parent, name = rows[node]
        chain.append({"id": node, "name": name})
        node = parent
    return chain[::-1]


def grants_of(folder: Folder) -> list[dict[str, Any]]:
    out = []
    for g in FolderGrant.objects.filter(folder=folder).select_related("unit", "user").order_by("id"):
        entry: dict[str, Any] = {"level": LEVEL_NAMES[Level(g.level)]}
        if g.unit is None:
            entry["user"] = person(g.user)
        else:
            entry["unit"] = {"code": g.unit.code, "name": g.unit.name}
            if g.role:
                entry["role"] = g.role
        out.append(entry)
    return out


def folder_dict(folder: Folder, *, level: int) -> dict[str, Any]:
    library = folder.library
    files = list(File.objects.filter(folder=folder, deleted_at=None).select_related("created_by")
                 .order_by("name"))
    latest = {(v.file_id): v for v in FileVersion.objects.filter(
        file__in=files).select_related("by").order_by("file_id", "version")}
    return {
        "id": folder.id, "name": folder.name, "library": library.key,
        "library_name": library_name(library), "parent": folder.parent_id,
        "path": path_of(folder), "level": LEVEL_NAMES[Level(level)],
        "folders": [{"id": f.id, "name": f.name} for f in
                    Folder.objects.filter(parent=folder).order_by("name")],
        "files": [{"id": f.id, "name": f.name, "version": f.version,
                   "size": latest[f.id].size if f.id in latest else 0,
                   "updated_at": iso(f.updated_at),
                   "by": person(latest[f.id].by) if f.id in latest else None}
                  for f in files],
        "grants": grants_of(folder) if level >= Level.MANAGE else None,
    }


def version_dict(v: FileVersion) -> dict[str, Any]:
    return {"version": v.version, "sha256": v.sha256, "size": v.size, "by": person(v.by),
            "at": iso(v.at), "comment": v.comment, "restored_from": v.restored_from,
            "name": v.attachment.name, "mime": v.attachment.mime}


def file_dict(file: File, *, level: int) -> dict[str, Any]:
    versions = list(FileVersion.objects.filter(file=file).select_related("by", "attachment")
                    .order_by("version"))
    latest = versions[-1]
    folder = file.folder
    return {
        "id": file.id, "name": file.name, "folder": folder.id, "library": folder.library.key,
        "library_name": library_name(folder.library), "path": path_of(folder),
        "version": file.version, "sha256": latest.sha256, "size": latest.size,
        "mime": latest.attachment.mime,
        "locked_by": person(file.locked_by) if file.locked_by_id else None,
        "locked_at": iso(file.locked_at), "deleted_at": iso(file.deleted_at),
        "created_at": iso(file.created_at), "updated_at": iso(file.updated_at),
        "level": LEVEL_NAMES[Level(level)],
        "read_required": file.read_required,
        "readers": [{"user": person(r.user), "version": r.version, "at": iso(r.at)}
                    for r in FileRead.objects.filter(file=file).select_related("user")
                    .order_by("-at")[:500]]
        if file.read_required and level >= Level.MANAGE else None,
        "versions": [version_dict(v) for v in versions],
        "shares": [_share_dict(s) for s in FileShare.objects.filter(file=file)
                   .select_related("room", "user", "by").order_by("id")]
        if level >= Level.MANAGE else None,
    }


def _share_dict(share: FileShare) -> dict[str, Any]:
    room = share.room
    return {"room": {"id": room.id, "name": room.name} if room is not None else None,
            "user": person(share.user) if share.user_id else None, "by": person(share.by),
            "at": iso(share.at), "message": share.message_id}


def libraries_for(*, user: User) -> dict[str, Any]:
    """The libraries the caller may open (their units', the district's, others where a
    grant names them) and the files shared with them from libraries they cannot open."""
    who = Who.of(user)
    out: list[dict[str, Any]] = []
    candidates: list[Library] = []
    # Their own units' libraries first, then the district's.
    for unit in Unit.objects.filter(id__in=who.roles).order_by("sort_order", "code"):
        candidates.append(Library.objects.get_or_create(unit=unit)[0])
    if who.roles:
        candidates.append(Library.objects.get_or_create(unit=None)[0])
    opened: set[int] = set()
    for library in candidates:
        level = base_level(who, library)
        if level:
            opened.add(library.id)
            root = root_folder(library)
            out.append({"library": library.key, "name": library_name(library), "root": root.id,
                        "level": LEVEL_NAMES[Level(level)]})
    # Folders of other libraries opened to the caller by a grant.
    granted = FolderGrant.objects.filter(
        Q(user_id=user.id) | Q(unit_id__in=list(who.roles))).select_related(
        "folder__library__unit")
    folders = []
    seen: set[int] = set()
    for g in granted:
        if g.unit_id and g.role and who.roles.get(g.unit_id) != g.role:
            continue
        if base_level(who, g.folder.library) or g.folder_id in seen:
            continue
        seen.add(g.folder_id)
        folders.append({"id": g.folder_id, "name": g.folder.name,
                        "library": g.folder.library.key,
                        "library_name": library_name(g.folder.library)})
    rooms = RoomMember.objects.filter(user_id=user.id).values("room_id")
    shared = []
    seen_files: set[int] = set()
    for share in (FileShare.objects.filter(Q(user_id=user.id) | Q(room_id__in=rooms))
                  .filter(file__deleted_at=None)
                  .exclude(file__folder__library_id__in=opened)  # found in their own library
                  .select_related("file", "by").order_by("-at")[:200]):
        if share.file_id in seen_files:
            continue
        seen_files.add(share.file_id)
        shared.append({"id": share.file_id, "name": share.file.name,
                       "version": share.file.version, "by": person(share.by),
                       "at": iso(share.at)})
    return {"libraries": out, "folders": folders, "shared": shared}


def bin_for(*, library: Library) -> list[dict[str, Any]]:
    """The library's recycle bin, most recently deleted first."""
    out = []
    for f in (File.objects.filter(folder__library=library, deleted_at__isnull=False)
              .select_related("deleted_by", "folder").order_by("-deleted_at")[:500]):
        assert f.deleted_at is not None
        out.append({"id": f.id, "name": f.name, "version": f.version,
                    "folder": {"id": f.folder_id, "name": f.folder.name},
                    "deleted_at": iso(f.deleted_at), "deleted_by": person(f.deleted_by),
                    "purge_at": iso(f.deleted_at + RETENTION)})
    return out


def folder_subtree(folder: Folder) -> list[int]:
    """The ids of a folder and every folder below it, from one query over its library."""
    children: dict[int | None, list[int]] = {}
    for fid, parent in Folder.objects.filter(library_id=folder.library_id).values_list(
            "id", "parent_id"):
        children.setdefault(parent, []).append(fid)
    out, todo = [], [folder.id]
    while todo:
        node = todo.pop()
        out.append(node)
        todo += children.get(node, [])
    return out
