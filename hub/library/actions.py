"""Writes to the library. Each takes the row lock of what it changes first, writes, notes
the change for the search index (`hub.core.changes.record`, kind `file`) and appends its
audit entry, all in one transaction.

Two saves at once: a new version names the version it was made from (`base_version`). The
file's row is locked and its current number compared; anything but the latest answers 409
`conflict` and stores nothing, so of two saves made from one version one wins and the other
is told, and no version is ever overwritten (a unique constraint on (file, version) backs
the lock)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from hub.chat import actions as chat
from hub.chat.access import access_room
from hub.chat.models import Attachment, Message
from hub.core.changes import record
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.lib.times import iso
from hub.library import audit_events
from hub.library.access import (
    LEVEL_NAMES,
    access_file,
    access_folder,
    access_library,
    root_folder,
)
from hub.library.models import (
    RETENTION,
    File,
    FileRead,
    FileShare,
    FileVersion,
    Folder,
    FolderGrant,
    Level,
)
from hub.library.schemas import (
    FileIn,
    FilePatch,
    FolderIn,
    FolderPatch,
    GrantsIn,
    RestoreIn,
    ShareIn,
    VersionIn,
)
from hub.library.selectors import folder_subtree, library_name
from hub.org.models import Unit, User
from hub.seals import audit

SEARCH_KIND = "file"
CARD_TYPE = "library_file"
MAX_NAME_CHARS = 200
MAX_DEPTH = 20
LEVELS = {"view": Level.VIEW, "download": Level.DOWNLOAD, "edit": Level.EDIT,
          "manage": Level.MANAGE}


def clean_name(raw: str | None, *, what: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise bad_request(f"请填写{what}名称")
    if len(name) > MAX_NAME_CHARS:
        raise bad_request(f"{what}名称不能超过 {MAX_NAME_CHARS} 个字")
    if name in {".", ".."} or any(c in name for c in "/\\") or any(
            unicodedata.category(c) == "Cc" for c in name):
        raise bad_request(f"{what}名称不能含有 / 或 \\，也不能是 . 或 ..")
    return name


def reindex_below(folder: Folder) -> None:
    for file_id in File.objects.filter(folder_id__in=folder_subtree(folder)).values_list("id", flat=True):
        record(kind=SEARCH_KIND, object_id=file_id)


def _depth(folder: Folder) -> int:
    parents = dict(Folder.objects.filter(library_id=folder.library_id)
                   .values_list("id", "parent_id"))
    depth, node = 0, folder.parent_id
    while node is not None and depth <= MAX_DEPTH + 1:
        depth += 1
        node = parents.get(node)
    return depth


# --- folders -----------------------------------------------------------------------------------
def create_folder(*, user: User, data: FolderIn) -> Folder:
    name = clean_name(data.name, what="文件夹")
    with transaction.atomic():
        if data.parent is not None:
            parent, _, _ = access_folder(user=user, folder_id=data.parent, needed=Level.EDIT,
                                         for_update=True)
            if data.library and data.library != parent.library.key:
                raise bad_request("上级文件夹不在这个文件库中")
        else:
            library, _, _ = access_library(user=user, key=data.library, needed=Level.EDIT)
            parent = root_folder(library)
            parent = Folder.objects.select_for_update(of=("self",)).select_related(
                "library__unit").get(
                id=parent.id)
        if _depth(parent) + 1 > MAX_DEPTH:
            raise bad_request(f"文件夹最多 {MAX_DEPTH} 层")
        if Folder.objects.filter(parent=parent, name=name).exists():
            raise ApiError("conflict", f"“{name}”已存在，请换一个名称")
        folder = Folder.objects.create(library=parent.library, parent=parent, name=name,
                                       created_by=user, created_at=timezone.now())
        audit.append([audit_events.folder_created(folder=folder, actor_id=user.id)])
    return folder


def update_folder(*, user: User, folder_id: Any, data: FolderPatch) -> Folder:
    with transaction.atomic():
        folder, _, _ = access_folder(user=user, folder_id=folder_id, needed=Level.MANAGE,
                                     for_update=True)
        old_name, old_parent = folder.name, folder.parent_id
        if data.name is not None:
            folder.name = clean_name(data.name, what="文件夹")
        if data.parent is not None and data.parent != folder.parent_id:
            if folder.parent_id is None:
                raise bad_request("文件库的根文件夹不能移动")
            target, _, _ = access_folder(user=user, folder_id=data.parent, needed=Level.EDIT)
            if target.library_id != folder.library_id:
                raise bad_request("文件夹只能在同一文件库内移动")
            if target.id in folder_subtree(folder):
                raise bad_request("不能把文件夹移到它自己或它的下级文件夹中")
            folder.parent = target
            if _depth(target) + 1 + _height(folder) > MAX_DEPTH:
                raise bad_request(f"文件夹最多 {MAX_DEPTH} 层")
        if (folder.name, folder.parent_id) == (old_name, old_parent):
            return folder
        if folder.parent_id is not None and Folder.objects.filter(
                parent_id=folder.parent_id, name=folder.name).exclude(id=folder.id).exists():
            raise ApiError("conflict", f"“{folder.name}”已存在，请换一个名称")
        folder.save(update_fields=["name", "parent"])
        # What lies below has new inherited rights and a new path.
        reindex_below(folder)
        audit.append([audit_events.folder_changed(folder=folder, actor_id=user.id,
                                                  old_name=old_name, old_parent=old_parent)])
    return folder


def _height(folder: Folder) -> int:
    children: dict[int | None, list[int]] = {}
    for fid, parent in Folder.objects.filter(library_id=folder.library_id).values_list(
            "id", "parent_id"):
        children.setdefault(parent, []).append(fid)

    def height(node: int, seen: int = 0) -> int:
        if seen > MAX_DEPTH + 1:
            return seen
        return max((1 + height(c, seen + 1) for c in children.get(node, [])), default=0)

    return height(folder.id)


def set_grants(*, user: User, folder_id: Any, data: GrantsIn) -> Folder:
    with transaction.atomic():
        folder, _, _ = access_folder(user=user, folder_id=folder_id, needed=Level.MANAGE,
                                     for_update=True)
        rows: list[FolderGrant] = []
        record_: list[dict[str, object]] = []
        for g in data.grants:
            if bool(g.unit) == bool(g.user):
                raise bad_request("每条授权须指明 unit（单位代码）或 user（用户名）之一")
            level = LEVELS[g.level]
            if g.unit:
                unit = Unit.objects.filter(code=g.unit.strip()).first()
                if unit is None:
                    raise bad_request(f"找不到单位“{g.unit[:40]}”")
                rows.append(FolderGrant(folder=folder, unit=unit, role=g.role, level=level))
                record_.append({"unit": unit.code, "role": g.role, "level": g.level})
            else:
                assert g.user is not None
                person = User.objects.filter(username=g.user.strip().lstrip("@"),
                                             is_active=True).first()
                if person is None:
                    raise bad_request(f"找不到人员“{g.user[:40]}”")
                if g.role:
                    raise bad_request("按人员授权时不能指定角色")
                rows.append(FolderGrant(folder=folder, user=person, level=level))
                record_.append({"user": person.username, "level": g.level})
        FolderGrant.objects.filter(folder=folder).delete()
        FolderGrant.objects.bulk_create(rows)
        reindex_below(folder)
        audit.append([audit_events.grants_set(folder=folder, actor_id=user.id, grants=record_)])
    return folder


# --- files and versions -------------------------------------------------------------------------
def _own_upload(user: User, attachment_id: int) -> Attachment:
    """An upload of the caller's (`POST /attachments`, so within the upload limit)."""
    attachment = Attachment.objects.filter(id=attachment_id, uploader=user).first()
    if attachment is None:
        raise not_found("附件")
    return attachment


def library_usage(library_id: int) -> int:
    """Bytes a library holds: each stored content once, however many versions use it."""
    rows = (FileVersion.objects.filter(file__folder__library_id=library_id)
            .values("sha256").annotate(size=Max("size")))
    return sum(r["size"] for r in rows)


def _check_quota(file: File, attachment: Attachment) -> None:
    library_id = file.folder.library_id
    if FileVersion.objects.filter(file__folder__library_id=library_id,
                                  sha256=attachment.sha256).exists():
        return  # that content is held already
    quota = settings.HUITONG_LIBRARY_QUOTA_MB * 1024 * 1024
    used = library_usage(library_id)
    if used + attachment.size > quota:
        raise ApiError("too_large",
                       f"文件库空间不足：配额 {settings.HUITONG_LIBRARY_QUOTA_MB} MB，已用 "
                       f"{used / 1048576:.1f} MB，此文件 {attachment.size / 1048576:.1f} MB。"
                       "请清理不需要的文件或联系管理员", quota=quota, used=used)


def _check_lock(file: File, user: User) -> None:
    if file.locked_by_id is not None and file.locked_by_id != user.id:
        holder = file.locked_by.name if file.locked_by else "他人"
        raise ApiError("conflict", f"{holder} 已签出此文件、正在编辑，待其签入后才能保存新版本",
                       locked_by=holder)


def _add_version(*, file: File, user: User, attachment: Attachment, comment: str,
                 restored_from: int | None = None) -> FileVersion:
    """Caller holds the file's row lock."""
    _check_lock(file, user)
    _check_quota(file, attachment)
    now = timezone.now()
    number = file.version + 1
    try:
        with transaction.atomic():
            version = FileVersion.objects.create(
                file=file, version=number, attachment=attachment, sha256=attachment.sha256,
                size=attachment.size, by=user, at=now, comment=comment.strip(),
                restored_from=restored_from)
    except IntegrityError as exc:
        raise ApiError("conflict", "文件刚被他人保存了新版本，请刷新后重试") from exc
    file.version, file.updated_at = number, now
    file.save(update_fields=["version", "updated_at"])
    record(kind=SEARCH_KIND, object_id=file.id)
    audit.append([audit_events.version_added(file=file, version=version)])
    _refresh_cards(file)
    return version


def add_file(*, user: User, folder_id: Any, data: FileIn) -> File:
    attachment = _own_upload(user, data.attachment)
    name = clean_name(data.name if data.name is not None else attachment.name, what="文件")
    with transaction.atomic():
        folder, _, _ = access_folder(user=user, folder_id=folder_id, needed=Level.EDIT,
                                     for_update=True)
        if File.objects.filter(folder=folder, name=name, deleted_at=None).exists():
            raise ApiError("conflict", f"此文件夹中已有“{name}”：请把它上传为该文件的新版本，"
                                       "或换一个名称")
        now = timezone.now()
        file = File.objects.create(folder=folder, name=name, version=0, created_by=user,
                                   created_at=now, updated_at=now)
        _add_version(file=file, user=user, attachment=attachment, comment=data.comment)
    return file


def add_version(*, user: User, file_id: Any, data: VersionIn) -> File:
    attachment = _own_upload(user, data.attachment)
    with transaction.atomic():
        file, _, _ = access_file(user=user, file_id=file_id, needed=Level.EDIT, for_update=True)
        _check_base(file, data.base_version)
        _add_version(file=file, user=user, attachment=attachment, comment=data.comment)
    return file


def update_file(*, user: User, file_id: Any, data: FilePatch) -> File:
    """Rename a file or move it to another folder of its library (edit right on both)."""
    with transaction.atomic():
        file, _, level = access_file(user=user, file_id=file_id, needed=Level.EDIT,
                                     for_update=True)
        old_name, old_folder = file.name, file.folder_id
        if data.read_required is not None and data.read_required != file.read_required:
            if level < Level.MANAGE:
                raise forbidden("只有文件库管理者可以设置“需阅读”")
            file.read_required = data.read_required
            file.save(update_fields=["read_required"])
            audit.append([audit_events.file_event("read_required", file=file, actor_id=user.id,
                                                  on=data.read_required)])
        if data.name is not None:
            file.name = clean_name(data.name, what="文件")
        if data.folder is not None and data.folder != file.folder_id:
            target, _, _ = access_folder(user=user, folder_id=data.folder, needed=Level.EDIT)
            if target.library_id != file.folder.library_id:
                raise bad_request("文件只能在同一文件库内移动")
            file.folder = target
        if (file.name, file.folder_id) == (old_name, old_folder):
            return file
        _check_lock(file, user)
        if File.objects.filter(folder_id=file.folder_id, name=file.name,
                               deleted_at=None).exclude(id=file.id).exists():
            raise ApiError("conflict", f"目标文件夹中已有“{file.name}”，请换一个名称")
        file.save(update_fields=["name", "folder"])
        record(kind=SEARCH_KIND, object_id=file.id)
        audit.append([audit_events.file_event("file_changed", file=file, actor_id=user.id,
                                              old_name=old_name, old_folder=old_folder)])
        _refresh_cards(file)
    return file


def mark_read(*, user: User, file_id: Any) -> File:
    """The caller opened the file's latest version (kept once per version, for files marked
    as requiring reading; nothing is written for others)."""
    file, _, _ = access_file(user=user, file_id=file_id)
    if file.read_required:
        FileRead.objects.get_or_create(file=file, user=user, version=file.version,
                                       defaults={"at": timezone.now()})
    return file


def _check_base(file: File, base: int | None) -> None:
    if base is not None and base != file.version:
        raise ApiError("conflict",
                       f"您是在第 {base} 版上修改的，但文件已有第 {file.version} 版"
                       "（他人刚保存过）：请先查看最新版本，再重新保存",
                       version=file.version)


def restore_version(*, user: User, file_id: Any, data: RestoreIn) -> File:
    with transaction.atomic():
        file, _, _ = access_file(user=user, file_id=file_id, needed=Level.EDIT, for_update=True)
        _check_base(file, data.base_version)
        old = FileVersion.objects.filter(file=file, version=data.version).select_related(
            "attachment").first()
        if old is None:
            raise not_found("版本")
        comment = data.comment.strip() or f"恢复为第 {old.version} 版"
        _add_version(file=file, user=user, attachment=old.attachment, comment=comment,
                     restored_from=old.version)
    return file


# --- shares and cards ---------------------------------------------------------------------------
def card_for(file: File) -> dict[str, Any]:
    latest = FileVersion.objects.filter(file=file, version=file.version).select_related(
        "by").first()
    folder = file.folder
    fields = [{"label": "文件库", "value": library_name(folder.library)},
              {"label": "版本", "value": f"第 {file.version} 版"}]
    if latest is not None:
        fields.append({"label": "更新", "value": f"{latest.by.name} {iso(latest.at)}"})
    if file.deleted_at is not None:
        fields.append({"label": "状态", "value": "已移入回收站"})
    return {"card_type": CARD_TYPE, "ref": file.id, "title": file.name,
            "state": "deleted" if file.deleted_at else f"v{file.version}", "fields": fields,
            "actions": [],
            "folder": folder.id, "version": file.version,
            "size": latest.size if latest else 0}


def _refresh_cards(file: File) -> None:
    """The cards of a shared file follow its latest version."""
    ids = list(FileShare.objects.filter(file=file, message__isnull=False)
               .values_list("message_id", flat=True))
    if not ids:
        return
    card = card_for(file)
    for message_id in ids:
        chat.update_card(message_id=message_id, card=card)


def share_file(*, user: User, file_id: Any, data: ShareIn) -> dict[str, Any]:
    file, _, _ = access_file(user=user, file_id=file_id, needed=Level.MANAGE)
    if data.room is None and not data.users:
        raise bad_request("请选择要分享到的会话或人员")
    people: list[User] = []
    for raw in data.users:
        person = User.objects.filter(username=raw.strip().lstrip("@"), is_active=True,
                                     is_bot=False).first()
        if person is None:
            raise bad_request(f"找不到人员“{raw[:40]}”")
        people.append(person)
    if data.room is not None:
        access_room(user_id=user.id, room_id=data.room)
    now = timezone.now()
    message: dict[str, Any] | None = None
    with transaction.atomic():
        file = File.objects.select_for_update(of=("self",)).select_related(
            "folder__library__unit").get(id=file.id)
        if data.room is not None:
            body = f"分享了文件《{file.name}》" + (f"：{data.comment.strip()}"
                                                   if data.comment.strip() else "")
            message = chat.send_message(sender=user, room_id=data.room, body=body,
                                        kind=Message.Kind.CARD, card=card_for(file)).message
            FileShare.objects.create(file=file, room_id=data.room, message_id=message["id"],
                                     by=user, at=now)
        for person in people:
            if not FileShare.objects.filter(file=file, user=person).exists():
                FileShare.objects.create(file=file, user=person, by=user, at=now)
        record(kind=SEARCH_KIND, object_id=file.id)
        audit.append([audit_events.shared(file=file, actor_id=user.id, room=data.room,
                                          users=[p.id for p in people],
                                          message=message["id"] if message else None)])
    return {"file": file.id, "room": data.room, "users": [p.username for p in people],
            "message": message}


# --- check-out, recycle bin ---------------------------------------------------------------------
def lock_file(*, user: User, file_id: Any) -> File:
    """签出: the caller edits; others' saves answer 409 until it is released."""
    with transaction.atomic():
        file, _, _ = access_file(user=user, file_id=file_id, needed=Level.EDIT, for_update=True)
        if file.locked_by_id == user.id:
            return file
        _check_lock(file, user)
        file.locked_by, file.locked_at = user, timezone.now()
        file.save(update_fields=["locked_by", "locked_at"])
        audit.append([audit_events.file_event("locked", file=file, actor_id=user.id)])
    return file


def unlock_file(*, user: User, file_id: Any) -> File:
    """签入: the holder releases the file, or a manager breaks someone else's check-out."""
    with transaction.atomic():
        file, _, level = access_file(user=user, file_id=file_id, needed=Level.EDIT,
                                     for_update=True)
        if file.locked_by_id is None:
            return file
        if file.locked_by_id != user.id and level < Level.MANAGE:
            raise forbidden("只有签出人或文件库管理者可以解除签出")
        holder = file.locked_by_id
        file.locked_by, file.locked_at = None, None
        file.save(update_fields=["locked_by", "locked_at"])
        audit.append([audit_events.file_event("unlocked", file=file, actor_id=user.id,
                                              holder=holder)])
    return file


def delete_file(*, user: User, file_id: Any) -> File:
    """Into the recycle bin: gone from the folder, search and the cards' links at once,
    purged after RETENTION unless restored."""
    with transaction.atomic():
        file, _, _ = access_file(user=user, file_id=file_id, needed=Level.EDIT, for_update=True)
        _check_lock(file, user)
        file.deleted_at, file.deleted_by = timezone.now(), user
        file.locked_by, file.locked_at = None, None
        file.save(update_fields=["deleted_at", "deleted_by", "locked_by", "locked_at"])
        record(kind=SEARCH_KIND, object_id=file.id)
        audit.append([audit_events.file_event("deleted", file=file, actor_id=user.id)])
        _refresh_cards(file)
    return file


def undelete_file(*, user: User, file_id: Any) -> File:
    with transaction.atomic():
        file, _, _ = access_file(user=user, file_id=file_id, needed=Level.MANAGE,
                                 for_update=True, binned=True)
        if File.objects.filter(folder_id=file.folder_id, name=file.name,
                               deleted_at=None).exists():
            raise ApiError("conflict", f"原文件夹中已有同名文件“{file.name}”，请先改名或移走它")
        file.deleted_at, file.deleted_by = None, None
        file.save(update_fields=["deleted_at", "deleted_by"])
        record(kind=SEARCH_KIND, object_id=file.id)
        audit.append([audit_events.file_event("undeleted", file=file, actor_id=user.id)])
        _refresh_cards(file)
    return file


def delete_folder(*, user: User, folder_id: Any) -> None:
    """An empty folder (no subfolder, no file, none in the bin either) may be removed."""
    with transaction.atomic():
        folder, _, _ = access_folder(user=user, folder_id=folder_id, needed=Level.MANAGE,
                                     for_update=True)
        if folder.parent_id is None:
            raise bad_request("文件库的根文件夹不能删除")
        if Folder.objects.filter(parent=folder).exists() or File.objects.filter(
                folder=folder).exists():
            raise ApiError("conflict", "文件夹不是空的（回收站中的文件也算）：请先移走或删除其中的内容")
        audit.append([audit_events.folder_deleted(folder=folder, actor_id=user.id)])
        folder.delete()


def purge_bin(*, now: Any = None) -> int:
    """The worker's turn: files in the bin for RETENTION are removed with their versions and
    shares (the stored attachments stay: an attachment may be shared elsewhere)."""
    cutoff = (now or timezone.now()) - RETENTION
    purged = 0
    for file_id in list(File.objects.filter(deleted_at__lt=cutoff).values_list("id", flat=True)[:200]):
        with transaction.atomic():
            file = File.objects.select_for_update().filter(
                id=file_id, deleted_at__lt=cutoff).first()
            if file is None:
                continue
            audit.append([audit_events.file_event("purged", file=file, actor_id=None)])
            record(kind=SEARCH_KIND, object_id=file.id, op="delete")
            file.delete()
            purged += 1
    return purged


__all__ = ["LEVEL_NAMES", "add_file", "add_version", "card_for", "create_folder",
           "restore_version", "set_grants", "share_file", "update_folder"]
