"""POST/GET/DELETE /rooms/{id}/bridge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from hub.lib.http import endpoint, parse_body
from hub.org.models import User
from integrations.matrix import actions
from integrations.matrix.schemas import BridgeIn


@endpoint("GET", "POST", "DELETE")
def bridge(request: HttpRequest, user: User, room_id: int) -> Any:
    if request.method == "GET":
        return 200, actions.bridge_state(user=user, room_id=room_id)
    if request.method == "DELETE":
        return 200, actions.unbridge_room(user=user, room_id=room_id)
    data = parse_body(request, BridgeIn)
    try:
        return 200, actions.bridge_room(user=user, room_id=room_id, matrix_room=data.matrix_room,
                                        notice_withheld=data.notice_withheld)
    except actions.Unavailable:
        response = JsonResponse({"error": {"code": "unavailable",
                                           "detail": "暂时无法连接 Matrix 主服务器，请稍后重试"}},
                                status=503, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = "5"
        return response
