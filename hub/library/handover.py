"""工作移交 for the library: what a person leaving holds in it passes to a colleague.

Files belong to their unit's library, not to a person, so what is the person's own is:
- the rights granted to them by name on folders (FolderGrant with `user`): the colleague gets
  the same level there (or keeps a higher one of their own), and the person's grant goes;
- the files shared to them by name (FileShare with `user`): shared to the colleague instead;
- the files they have checked out (签出, `locked_by`): the check-out passes to the colleague,
  who may go on editing; where the colleague may not edit the file, it is released, so that
  nobody is kept out by an account that can no longer log in.

Each moved item is audited (`library.handed_over`) and queued for the search index, whose
audience terms follow the grants and shares.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from hub.core.changes import record
from hub.library import audit_events
from hub.library.access import Who, file_level
from hub.library.actions import reindex_below
from hub.library.models import File, FileShare, FolderGrant, Level
from hub.org import handover
from hub.seals import audit

SEARCH_KIND = "file"


def _locked(user: Any) -> Any:
    return File.objects.filter(locked_by=user, deleted_at__isnull=True)


def _grants(user: Any) -> Any:
    return FolderGrant.objects.filter(user=user)


def _shares(user: Any) -> Any:
    return FileShare.objects.filter(user=user, file__deleted_at__isnull=True)


def pending(user: Any) -> int:
    return _locked(user).count() + _grants(user).count() + _shares(user).count()


def transfer(*, source: Any, target: Any, actor: Any) -> int:
    """Inside the deactivation's transaction: grants first (so that a check-out can stay with
    a colleague who now may edit), then shares, then check-outs."""
    now = timezone.now()
    moved = 0
    events: list[audit.Event] = []
    for grant in _grants(source).select_for_update(of=("self",)).select_related("folder"):
        theirs = FolderGrant.objects.filter(folder_id=grant.folder_id, user=target).first()
        if theirs is None:
            grant.user = target
            grant.save(update_fields=["user"])
        else:
            if grant.level > theirs.level:
                theirs.level = grant.level
                theirs.save(update_fields=["level"])
            grant.delete()
        reindex_below(grant.folder)
        events.append(audit_events.handed_over(
            subject=grant.folder.subject, what="grant", source=source.username,
            target=target.username, actor_id=actor.id, level=int(grant.level)))
        moved += 1
    for share in _shares(source).select_for_update(of=("self",)).select_related("file"):
        if FileShare.objects.filter(file_id=share.file_id, user=target).exists():
            share.delete()
        else:
            share.user = target
            share.save(update_fields=["user"])
        record(kind=SEARCH_KIND, object_id=share.file_id)
        events.append(audit_events.handed_over(
            subject=share.file.subject, what="share", source=source.username,
            target=target.username, actor_id=actor.id))
        moved += 1
    who = Who.of(target)
    for file in _locked(source).select_for_update(of=("self",)).select_related(
            "folder__library__unit"):
        keeps = file_level(who, file) >= Level.EDIT
        file.locked_by, file.locked_at = (target, now) if keeps else (None, None)
        file.save(update_fields=["locked_by", "locked_at"])
        events.append(audit_events.handed_over(
            subject=file.subject, what="lock" if keeps else "lock_released",
            source=source.username, target=target.username, actor_id=actor.id))
        moved += 1
    if events:
        audit.append(events)
    return moved


def register() -> None:
    handover.register(kind="library", label="文档管理（个人授权、共享给本人的文件、签出的文件）",
                      pending=pending, transfer=transfer)
