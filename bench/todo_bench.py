"""To-do and people benchmark: what recounting to-do lists and finding people cost at the
size of a district (95 units, ~1,000 people).

Against a scratch PostgreSQL database (`huitong_todobench`, dropped and created again): the
demo organisation plus `--units` units of `--people` people each (a leader, a clerk, staff
with Chinese names), one document sent to every unit, a meeting to every unit, and an
approval per unit. Then it times, best of five:

- `counts_for` for everyone (what the worker does after the document reaches 95 units), with
  the number of queries;
- `todo_for` (GET /todo) for one clerk, with the number of queries;
- the people search (GET /users?q=) for `liming`, `lm`, `李`, and with no query.

Figures only: nothing passes or fails.

    .venv/bin/python bench/todo_bench.py --units 95 --people 10
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = os.environ.get("BENCH_TODO_DB", "huitong_todobench")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def best(fn: Any, times: int = 5) -> float:
    out = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return min(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=95)
    parser.add_argument("--people", type=int, default=10)
    args = parser.parse_args()
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{PG_URL}/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ["HUITONG_VAR_DIR"] = str(Path("/tmp") / "todobench-var")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("seed_demo", password="bench-pass", verbosity=0)
    from bots.approvals.schemas import ApprovalIn
    from bots.approvals.services import submit
    from bots.documents.schemas import DocumentIn
    from bots.documents.services import send_document
    from bots.meetings.schemas import MeetingIn
    from bots.meetings.services import create_meeting
    from hub.chat.actions import sync_unit_room
    from hub.core import todo
    from hub.org.models import Unit, UnitMembership, User
    from hub.org.selectors import search_people

    started = time.perf_counter()
    district = Unit.objects.get(code="district")
    units, people = [], []
    for u in range(args.units):
        unit = Unit.objects.create(code=f"b{u:03d}", name=f"压测单位{u:03d}", kind="township",
                                   parent=district, sort_order=100 + u)
        units.append(unit)
        for p in range(args.people):
            n = u * args.people + p
            user = User.objects.create(username=f"b{u:03d}p{p}",
                                       display_name=SURNAMES[n % 20] + GIVEN[(n // 20) % 20])
            role = "leader" if p == 0 else "clerk" if p == 1 else "staff"
            UnitMembership.objects.create(unit=unit, user=user, role=role)
            people.append(user)
        sync_unit_room(unit=unit)
    clerk = User.objects.get(username="clerk")
    year = timezone.localtime().year
    send_document(sender=clerk, data=DocumentIn.model_validate({
        "doc_type": "通知", "number": f"区府办〔{year}〕900号", "title": "关于压测的通知",
        "body": "正文", "recipients": [u.code for u in units]}))
    start = timezone.localtime() + timezone.timedelta(days=5)
    create_meeting(organiser=clerk, data=MeetingIn.model_validate({
        "title": "压测会议", "start": start.isoformat(),
        "end": (start + timezone.timedelta(hours=1)).isoformat(),
        "invitees": [u.code for u in units]}))
    for unit in units[:20]:
        leader = User.objects.get(username=f"{unit.code}p0")
        submit(requester=clerk, data=ApprovalIn.model_validate(
            {"title": f"{unit.name}的申请", "steps": [[leader.username]]}))
    print(f"set up {len(units)} units, {User.objects.count()} accounts in "
          f"{time.perf_counter() - started:.1f}s")

    everyone = list(User.objects.filter(is_bot=False).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        todo.counts_for(user_ids=everyone)
    seconds = best(lambda: todo.counts_for(user_ids=everyone))
    print(f"counts_for {len(everyone)} people: {seconds * 1000:.1f} ms, {len(queries)} queries")
    one = User.objects.get(username="b000p1")
    with CaptureQueriesContext(connection) as queries:
        answer = todo.todo_for(user=one)
    seconds = best(lambda: todo.todo_for(user=one))
    print(f"todo_for one clerk ({answer['total']} items): {seconds * 1000:.1f} ms, "
          f"{len(queries)} queries")
    for q in ("liming", "lm", "李", ""):
        found = search_people(viewer=one, query=q, limit=50 if q else 1000)
        seconds = best(lambda q=q: search_people(viewer=one, query=q, limit=50 if q else 1000))
        print(f"people search {q!r}: {len(found)} found in {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
