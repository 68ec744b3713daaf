"""The audit events of the library, one keyword-only function per kind."""

from __future__ import annotations

from hub.library.models import File, FileVersion, Folder
from hub.seals.audit import Event


def folder_created(*, folder: Folder, actor_id: int) -> Event:
    return Event(event="library.folder_created", subject=folder.subject, actor_id=actor_id,
                 data={"library": folder.library.key, "parent": folder.parent_id,
                       "name": folder.name})


def folder_changed(*, folder: Folder, actor_id: int, old_name: str, old_parent: int | None
                   ) -> Event:
    return Event(event="library.folder_changed", subject=folder.subject, actor_id=actor_id,
                 data={"name": folder.name, "old_name": old_name, "parent": folder.parent_id,
                       "old_parent": old_parent})


def grants_set(*, folder: Folder, actor_id: int, grants: list[dict[str, object]]) -> Event:
    return Event(event="library.grants_set", subject=folder.subject, actor_id=actor_id,
                 data={"grants": grants})


def version_added(*, file: File, version: FileVersion) -> Event:
    event = "library.file_created" if version.version == 1 else (
        "library.version_restored" if version.restored_from else "library.version_added")
    return Event(event=event, subject=file.subject, actor_id=version.by_id,
                 data={"folder": file.folder_id, "name": file.name, "version": version.version,
                       "sha256": version.sha256, "size": version.size,
                       "restored_from": version.restored_from, "comment": version.comment},
                 at=version.at)


def shared(*, file: File, actor_id: int, room: int | None, users: list[int],
           message: int | None) -> Event:
    return Event(event="library.shared", subject=file.subject, actor_id=actor_id,
                 data={"version": file.version, "room": room, "users": users,
                       "message": message})


def file_event(name: str, *, file: File, actor_id: int | None, **data: object) -> Event:
    """`library.locked`, `unlocked`, `deleted`, `undeleted`, `purged`."""
    return Event(event=f"library.{name}", subject=file.subject, actor_id=actor_id,
                 data={"folder": file.folder_id, "name": file.name, "version": file.version,
                       **data})


def folder_deleted(*, folder: Folder, actor_id: int) -> Event:
    return Event(event="library.folder_deleted", subject=folder.subject, actor_id=actor_id,
                 data={"library": folder.library.key, "parent": folder.parent_id,
                       "name": folder.name})


def handed_over(*, subject: str, what: str, source: str, target: str, actor_id: int,
                **data: object) -> Event:
    """工作移交: a grant, a share or a check-out (`lock`, or `lock_released` where the
    colleague may not edit) of `source` passed to `target`."""
    return Event(event="library.handed_over", subject=subject, actor_id=actor_id,
                 data={"what": what, "from": source, "to": target, **data})
