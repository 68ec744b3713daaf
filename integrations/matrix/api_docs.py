from __future__ import annotations

from typing import Any

from hub.core.openapi import operation
from integrations.matrix.schemas import BridgeIn

BRIDGE = {"type": "object", "properties": {
    "room": {"type": "integer"}, "matrix_room_id": {"type": ["string", "null"]},
    "alias": {"type": ["string", "null"]}, "active": {"type": "boolean"},
    "notice_withheld": {"type": "boolean"}}}

PATHS: dict[str, Any] = {
    "/api/v1/rooms/{room_id}/bridge": {
        "get": operation("The room's Matrix bridge", params=["room_id"], response=BRIDGE),
        "post": operation("Bridge a group or channel to a Matrix room (room admins)",
                          params=["room_id"], body=BridgeIn, response=BRIDGE),
        "delete": operation("End the room's Matrix bridge", params=["room_id"],
                            response=BRIDGE),
    },
}
MODELS = [BridgeIn]
