"""A bot command runs as a stored job, not inside the sender's send: the send answers before
the command has run, the worker answers it afterwards, and a command sent while no worker runs
(or while it restarts) is answered once a worker is back, exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from bots.documents.models import Document
from bots.models import Job
from bots.runtime import COMMAND_JOB
from hub.chat.models import Message
from tests.bots.conftest import number, run_commands
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
TO_ALL = f"/doc send 文种:通知 字号:“{number(61)}” 标题:“关于全区冬季防火工作的通知” 主送:全部单位 正文:“请抓紧部署。”"


def bot_replies(room: int, after_seq: int) -> list[Message]:
    return list(Message.objects.filter(room_id=room, seq__gt=after_seq, sender__is_bot=True,
                                       kind="text")
                .order_by("seq"))


@pytest.mark.django_db
def test_the_send_answers_before_the_command_runs_and_the_worker_answers_it(
        demo: Any, api: Any) -> None:
    room = demo["rooms"]["zfb"].id
    response = api("clerk").send(room, TO_ALL)
    assert response.status_code == 201, response.content
    seq = response.json()["seq"]
    # Stored with the message, not yet run: no document, no answer.
    job = Job.objects.get(kind=COMMAND_JOB)
    assert job.state == Job.State.PENDING and job.payload["message"]["id"] == response.json()["id"]
    assert not Document.objects.exists() and bot_replies(room, seq) == []
    assert run_commands() == 1
    document = Document.objects.get()
    assert document.deliveries.count() == 6  # every unit but the issuing one
    (answer,) = bot_replies(room, seq)
    assert answer.sender.username == "gongwen" and f"#{document.id}" in answer.body
    assert Job.objects.get(id=job.id).state == Job.State.DONE
    assert run_commands() == 0  # answered once


@pytest.mark.django_db
def test_a_command_that_fails_leaves_nothing_half_done_and_says_so(demo: Any, api: Any) -> None:
    room = demo["rooms"]["zfb"].id
    seq = api("clerk").send(room, "/doc send 文种:通知 标题:测试 主送:town1").json()["seq"]
    run_commands()
    (answer,) = bot_replies(room, seq)
    assert "发文字号" in answer.body and not Document.objects.exists()
    assert Job.objects.get(kind=COMMAND_JOB).state == Job.State.DONE


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env,  # noqa: S603
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.django_db(transaction=True)
def test_a_command_sent_while_the_worker_is_down_is_answered_once_it_is_back(
        demo: Any, api: Any, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (set DATABASE_URL)")
    room = demo["rooms"]["zfb"].id
    seq = api("clerk").send(room, TO_ALL).json()["seq"]
    assert Job.objects.filter(kind=COMMAND_JOB, state=Job.State.PENDING).count() == 1
    s = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{s['USER'] or 'postgres'}@"
                                         f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
           "HUITONG_VAR_DIR": str(tmp_path / "var"), "HUITONG_CONN_MAX_AGE": "0",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    first = _worker(env)
    try:
        deadline = time.monotonic() + 30
        while not bot_replies(room, seq) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop(first, timeout=15)
    assert len(bot_replies(room, seq)) == 1 and Document.objects.count() == 1
    # A restarted worker finds nothing left to answer.
    second = _worker(env)
    try:
        time.sleep(2)
    finally:
        stop(second, timeout=15)
    assert len(bot_replies(room, seq)) == 1 and Document.objects.count() == 1
    assert set(Job.objects.filter(kind=COMMAND_JOB).values_list("state", flat=True)) == {
        Job.State.DONE}
