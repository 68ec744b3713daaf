"""Every library, folder and file id from a client passes through these functions.

Who may do what: a unit's members view and download its library, its clerks and admins
manage it; every member of any unit views and downloads the district's library, whose
managers are the clerks and admins of `HUITONG_LIBRARY_DISTRICT_UNITS`. Grants on a folder
add rights (for a person, a unit, or a unit's holders of one role) to that folder and all
below it. A file shared to a room or a person may be viewed and downloaded by them. What
someone may not view answers `not_found`; what they may view but not change, `forbidden`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from hub.chat.models import RoomMember
from hub.lib.errors import ApiError, forbidden, not_found
from hub.lib.ids import as_id
from hub.library.models import File, FileShare, Folder, FolderGrant, Level, Library
from hub.org.models import Unit, UnitMembership, User

MANAGER_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.ADMIN)
LEVEL_NAMES = {Level.VIEW: "view", Level.DOWNLOAD: "download", Level.EDIT: "edit",
               Level.MANAGE: "manage"}
LEVEL_LABELS = {"view": "查看", "download": "下载", "edit": "编辑", "manage": "管理"}


@dataclass(frozen=True)
class Who:
    """What a person's rights depend on, read once: their units with their role in each."""

    user_id: int
    roles: dict[int, str]
    district_manager: bool

    @classmethod
    def of(cls, user: User) -> Who:
        roles = dict(UnitMembership.objects.filter(user_id=user.id)
                     .values_list("unit_id", "role"))
        district_units = set(Unit.objects.filter(code__in=settings.HUITONG_LIBRARY_DISTRICT_UNITS)
                             .values_list("id", flat=True))
        return cls(user_id=user.id, roles=roles, district_manager=any(
            unit in district_units and role in MANAGER_ROLES for unit, role in roles.items()))


def base_level(who: Who, library: Library) -> int:
    """The library's own rule, before grants."""
    if library.unit_id is None:
        if who.district_manager:
            return Level.MANAGE
        return Level.DOWNLOAD if who.roles else 0
    role = who.roles.get(library.unit_id)
    if role is None:
        return 0
    return Level.MANAGE if role in MANAGER_ROLES else Level.DOWNLOAD


def ancestors(folder: Folder) -> list[int]:
    """The folder's id and those above it, nearest first (one query for the whole tree)."""
    parents = dict(Folder.objects.filter(library_id=folder.library_id)
                   .values_list("id", "parent_id"))
    chain: list[int] = []
    node: int | None = folder.id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def grant_level(who: Who, folder_ids: list[int]) -> int:
    best = 0
    for unit_id, role, user_id, level in FolderGrant.objects.filter(
            folder_id__in=folder_ids).values_list("unit_id", "role", "user_id", "level"):
        if user_id is not None and user_id != who.user_id:
            continue
        if unit_id is not None and (unit_id not in who.roles
                                    or (role and who.roles[unit_id] != role)):
            continue
        best = max(best, level)
    return best


def folder_level(who: Who, folder: Folder) -> int:
    return max(base_level(who, folder.library), grant_level(who, ancestors(folder)))


def share_level(who: Who, file_id: int) -> int:
    rooms = RoomMember.objects.filter(user_id=who.user_id).values("room_id")
    shared = FileShare.objects.filter(file_id=file_id).filter(
        user_id=who.user_id).exists() or FileShare.objects.filter(
        file_id=file_id, room_id__in=rooms).exists()
    return Level.DOWNLOAD if shared else 0


def file_level(who: Who, file: File) -> int:
    return max(folder_level(who, file.folder), share_level(who, file.id))


def _require(level: int, needed: int, what: str) -> None:
    if level < Level.VIEW:
        raise not_found(what)
    if level < needed:
        raise forbidden(f"您对此{what}没有{LEVEL_LABELS[LEVEL_NAMES[Level(needed)]]}权限")


def parse_library(key: Any) -> Library | None:
    """`unit:<code>` or `district` to its library (made on first use), or None."""
    text = str(key or "").strip()
    if text == "district":
        library, _ = Library.objects.get_or_create(unit=None)
        return library
    if text.startswith("unit:"):
        unit = Unit.objects.filter(code=text[5:]).first()
        if unit is None:
            return None
        library, _ = Library.objects.get_or_create(unit=unit)
        return library
    return None


def access_library(*, user: User, key: Any, needed: int = Level.VIEW) -> tuple[Library, Who, int]:
    """A library the caller may use: their unit's, the district's, or another unit's where
    they hold at least `needed` on its root."""
    library = parse_library(key)
    if library is None:
        raise not_found("文件库")
    who = Who.of(user)
    level = base_level(who, library)
    if level < needed:
        root = root_folder(library)
        level = max(level, grant_level(who, [root.id]))
    _require(level, needed, "文件库")
    return library, who, level


def root_folder(library: Library) -> Folder:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    root = Folder.objects.filter(library=library, parent=None).first()
    if root is not None:
        return root
    name = library.unit.name if library.unit is not None else "全区文件库"
    try:
        with transaction.atomic():
            return Folder.objects.create(library=library, parent=None, name=name,
                                         created_at=timezone.now())
    except IntegrityError:
        return Folder.objects.get(library=library, parent=None)


def access_folder(*, user: User, folder_id: Any, needed: int = Level.VIEW,
                  for_update: bool = False) -> tuple[Folder, Who, int]:
    fid = as_id(folder_id)
    if fid is None:
        raise not_found("文件夹")
    qs = Folder.objects.select_related("library__unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    folder = qs.filter(id=fid).first()
    if folder is None:
        raise not_found("文件夹")
    who = Who.of(user)
    level = folder_level(who, folder)
    _require(level, needed, "文件夹")
    return folder, who, level


def access_file(*, user: User, file_id: Any, needed: int = Level.VIEW,
                for_update: bool = False, binned: bool = False) -> tuple[File, Who, int]:
    """A file the caller may view (not_found otherwise) and may act on at `needed`
    (forbidden otherwise). With `for_update` the file's row is locked: the caller is in a
    transaction. A file in the recycle bin is found only with `binned` (and then only
    there); those who may view it are told where it went."""
    fid = as_id(file_id)
    if fid is None:
        raise not_found("文件")
    qs = File.objects.select_related("folder__library__unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    file = qs.filter(id=fid).first()
    if file is None:
        raise not_found("文件")
    who = Who.of(user)
    level = file_level(who, file)
    if level >= Level.VIEW and (file.deleted_at is not None) != binned:
        raise ApiError("not_found", "文件已移入回收站，可请文件库管理者恢复" if not binned
                       else "文件不在回收站中")
    _require(level, needed, "文件")
    return file, who, level
