"""No loss, no duplicate, no echo across a bridge killed mid-burst and a homeserver restart,
counted both ways."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from hub.chat import actions
from hub.chat.models import Message
from tests.integrations.matrix.conftest import Bridged, BridgeProcess, Home, wait_for
from tests.integrations.matrix.test_bridge import matrix_messages

N = 30


def counts(b: Bridged) -> tuple[Counter[str], Counter[str]]:
    """(bodies on Matrix from Huitong's ghosts, bodies in Huitong from Matrix)."""
    on_matrix = Counter(e["content"].get("body", "") for e in matrix_messages(b)
                        if e["sender"] != b.alice.user_id and e["sender"] != b.bot_mxid)
    in_huitong = Counter(Message.objects.filter(room=b.room, sender__is_external=True)
                         .values_list("body", flat=True))
    return on_matrix, in_huitong


def settle(b: Bridged, expected_out: set[str], expected_in: set[str]) -> dict[str, int]:
    try:
        wait_for(lambda: set(counts(b)[0]) >= expected_out and set(counts(b)[1]) >= expected_in,
                 timeout=90, what="every message across")
    except AssertionError:
        on_matrix, in_huitong = counts(b)
        raise AssertionError(f"missing on Matrix: {sorted(expected_out - set(on_matrix))}; "
                             f"missing in Huitong: {sorted(expected_in - set(in_huitong))}"
                             ) from None
    on_matrix, in_huitong = counts(b)
    # Nothing from Matrix came back; nothing of Huitong's is in Huitong twice either.
    echoed = sum(1 for e in matrix_messages(b) if e["sender"] != b.alice.user_id
                 and e["content"].get("body", "") in expected_in)
    return {
        "lost_to_matrix": len(expected_out - set(on_matrix)),
        "duplicated_to_matrix": sum(n - 1 for n in on_matrix.values() if n > 1),
        "lost_to_huitong": len(expected_in - set(in_huitong)),
        "duplicated_to_huitong": sum(n - 1 for n in in_huitong.values() if n > 1),
        "echoed": echoed,
        "huitong_total": Message.objects.filter(room=b.room).count()
        - len(expected_out) - len(expected_in),
    }


def test_bridge_killed_mid_burst_loses_and_duplicates_nothing(bridged: Bridged,
                                                              bridge: BridgeProcess) -> None:
    b = bridged
    out, into = set(), set()
    for i in range(N):
        body = f"H→M {i}"
        actions.send_message(sender=b.zhang if i % 2 else b.li, room_id=b.room.id, body=body,
                             client_id=f"k{i}")
        out.add(body)
        body = f"M→H {i}"
        b.alice.text(b.matrix_room, body)
        into.add(body)
        if i == N // 3:
            bridge.kill()  # SIGKILL while it is working through the burst
        if i == 2 * N // 3:
            bridge.start()
    assert settle(b, out, into) == {"lost_to_matrix": 0, "duplicated_to_matrix": 0,
                                    "lost_to_huitong": 0, "duplicated_to_huitong": 0,
                                    "echoed": 0, "huitong_total": 0}


def test_homeserver_restart_loses_and_duplicates_nothing(bridged: Bridged,
                                                         matrix_settings: Home) -> None:
    b = bridged
    synapse = matrix_settings.synapse
    out, into = set(), set()

    def burst(tag: str, *, matrix_side: bool) -> None:
        for i in range(N // 3):
            body = f"H→M {tag}{i}"
            actions.send_message(sender=b.zhang, room_id=b.room.id, body=body,
                                 client_id=f"{tag}{i}")
            out.add(body)
            if matrix_side:
                body = f"M→H {tag}{i}"
                b.alice.text(b.matrix_room, body)
                into.add(body)

    burst("a", matrix_side=True)
    synapse.stop()
    burst("b", matrix_side=False)  # the bridge keeps trying the same sends meanwhile
    synapse.start()
    # What Matrix sent before the restart comes across first. (Synapse has a window, while it
    # resends an appservice's old transactions, in which a new event's transaction is stored
    # but not sent until the next failure; the restart itself must lose nothing.)
    wait_for(lambda: set(counts(b)[1]) >= into, timeout=90, what="Matrix's messages from before the restart")
    time.sleep(1)
    burst("c", matrix_side=True)
    result: dict[str, Any] = settle(b, out, into)
    assert result == {"lost_to_matrix": 0, "duplicated_to_matrix": 0, "lost_to_huitong": 0,
                      "duplicated_to_huitong": 0, "echoed": 0, "huitong_total": 0}
