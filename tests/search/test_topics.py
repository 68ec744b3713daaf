"""Search understands topics: `topic=` (and `topic:` in q) narrows to one topic of the rooms
the caller is in, and a renamed topic is found under its new name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.search.test_search import search

pytestmark = pytest.mark.django_db


def test_topic_filter_narrows_and_follows_a_rename(api: Any, demo: Any, drain: Any) -> None:
    room = demo["rooms"]["general"].id
    staff1 = api("staff1")
    staff1.send(room, "河道整治进度汇报", topic="河道整治")
    staff1.send(room, "河道巡查安排", topic="巡查")
    staff1.send(room, "河道没有话题")
    wsj = demo["rooms"]["wsj"].id
    api("staff2").send(wsj, "河道内部讨论", topic="河道整治")
    drain()
    assert search(staff1, "河道")["total"] == 3
    narrowed = search(staff1, "河道", topic="河道整治")
    assert narrowed["total"] == 1  # wsj's message of the same topic name is not staff1's
    assert search(staff1, "河道 topic:巡查")["total"] == 1
    assert search(api("staff2"), "河道", topic="河道整治")["total"] == 2
    response = staff1.post(f"/rooms/{room}/topics/rename", {"name": "巡查", "to": "巡河"})
    assert response.status_code == 200
    drain()
    assert search(staff1, "河道", topic="巡查")["total"] == 0
    assert search(staff1, "河道", topic="巡河")["total"] == 1
