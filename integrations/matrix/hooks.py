"""The core's change hook: an outbox row for each change in a bridged room, written in the
transaction that makes the change (hub/chat/actions.py calls it there), so a change is sent
to Matrix if and only if it committed. Changes made by people on Matrix came from there and
never go back."""

from __future__ import annotations

from hub.chat.actions import Change
from hub.org.models import User
from integrations.matrix.models import MatrixRoom, Outbox


def on_change(change: Change) -> None:
    bridge_id = (MatrixRoom.objects.filter(room_id=change.room_id, active=True)
                 .values_list("id", flat=True).first())
    if bridge_id is None:
        return
    data = dict(change.data)
    if change.kind in ("join", "leave"):
        users = list(User.objects.filter(id__in=data.get("users", []), is_external=False)
                     .values_list("id", flat=True))
        if not users:
            return
        data["users"] = users
    elif change.actor_id is not None and User.objects.filter(
            id=change.actor_id, is_external=True).exists():
        return
    Outbox.objects.create(bridge_id=bridge_id, kind=change.kind, message_id=change.message_id,
                          actor_id=change.actor_id, data=data)
