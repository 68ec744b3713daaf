"""Matrix bridge benchmark: messages per second and p50/p99 latency, Huitong → Matrix and
Matrix → Huitong, through the bridge process and a real Synapse.

In a PostgreSQL database of its own (`huitong_matrixbench`, dropped and created again):
migrate, two people and a group room; a Synapse from the tests' pinned environment
(tests/integrations/matrix/synapse.py), the registration written by `matrix_registration`,
`manage.py run_matrix_bridge` as its own process, and the room bridged to a Matrix room of
@alice. Then:

- Huitong → Matrix: `--messages` messages sent with `send_message` as fast as it goes; each
  one's latency runs from its send to when alice's /sync (long poll) shows it;
- Matrix → Huitong: alice sends as many; each latency runs from her send to when the message
  is stored in Huitong (polled every 5 ms).

Figures only. `make bench-matrix` or `.venv/bin/python bench/matrix_bench.py --messages 300`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "huitong_matrixbench"


def log(text: str) -> None:
    print(text, flush=True)


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], span: float) -> dict[str, float]:
    figures = {"messages": len(latencies), "per_second": len(latencies) / span,
               "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000,
               "mean_ms": statistics.mean(latencies) * 1000}
    log(f"{label}: {figures['messages']} messages, {figures['per_second']:.1f} msg/s, "
        f"p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()

    from tests.integrations.matrix.synapse import SERVER_NAME, Synapse, free_port, q

    work = Path(tempfile.mkdtemp(prefix="matrix-bench-"))
    fresh_database()
    listen = f"127.0.0.1:{free_port()}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUITONG_MATRIX")},
           "DATABASE_URL": f"{PG_URL}/{BENCH_DB}", "HUITONG_MATRIX_SERVER_NAME": SERVER_NAME,
           "HUITONG_MATRIX_LISTEN": listen, "MEDIA_ROOT": str(work / "media"),
           "HUITONG_MATRIX_REGISTRATION": str(work / "registration.yaml")}
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "matrix_registration", "--out",  # noqa: S603
                    env["HUITONG_MATRIX_REGISTRATION"]], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    synapse = Synapse(work / "synapse", Path(env["HUITONG_MATRIX_REGISTRATION"]))
    log("starting Synapse …")
    synapse.start()
    env["HUITONG_MATRIX_HOMESERVER"] = os.environ["HUITONG_MATRIX_HOMESERVER"] = synapse.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "hub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from hub.chat import actions
    from hub.chat.models import Message
    from hub.org.models import User
    from integrations.matrix import actions as bridging
    from integrations.matrix.config import load

    zhang = User.objects.create_user(username="zhang", password="pw-12345678",
                                     display_name="张伟")
    li = User.objects.create_user(username="li", password="pw-12345678", display_name="李娜")
    room, _ = actions.create_room(creator=zhang, name="基准", kind="group", members=["li"])
    alice = synapse.register("alice")
    matrix_room = alice.create_room(name="基准")
    alice.invite(matrix_room, load().bot_mxid)
    bridge = subprocess.Popen([sys.executable, "manage.py", "run_matrix_bridge"],  # noqa: S603
                              cwd=ROOT, env=env, stdout=open(work / "bridge.log", "wb"),  # noqa: SIM115
                              stderr=subprocess.STDOUT)
    results: dict[str, object] = {}
    try:
        time.sleep(3)
        bridging.bridge_room(user=zhang, room_id=room["id"], matrix_room=matrix_room)
        # Warm up: ghosts registered and joined.
        actions.send_message(sender=zhang, room_id=room["id"], body="预热", client_id="w0")
        actions.send_message(sender=li, room_id=room["id"], body="预热", client_id="w1")
        since = alice.call("GET", "/sync?timeout=0")["next_batch"]
        deadline = time.monotonic() + 60
        warm = 0
        while warm < 2 and time.monotonic() < deadline:
            answer = alice.call("GET", f"/sync?timeout=5000&since={q(since)}")
            since = answer["next_batch"]
            events = answer.get("rooms", {}).get("join", {}).get(matrix_room, {})
            warm += sum(1 for e in events.get("timeline", {}).get("events", [])
                        if e["type"] == "m.room.message" and e["content"].get("body") == "预热")

        n = args.messages
        sent_at: dict[str, float] = {}
        seen_at: dict[str, float] = {}

        def watch() -> None:
            nonlocal since
            end = time.monotonic() + 300
            while len(seen_at) < n and time.monotonic() < end:
                answer = alice.call("GET", f"/sync?timeout=10000&since={q(since)}")
                now = time.monotonic()
                since = answer["next_batch"]
                events = answer.get("rooms", {}).get("join", {}).get(matrix_room, {})
                for event in events.get("timeline", {}).get("events", []):
                    body = event.get("content", {}).get("body", "")
                    if body.startswith("bench "):
                        seen_at.setdefault(body, now)

        watcher = threading.Thread(target=watch)
        watcher.start()
        start = time.monotonic()
        for i in range(n):
            body = f"bench {i}"
            sent_at[body] = time.monotonic()
            actions.send_message(sender=zhang if i % 2 else li, room_id=room["id"], body=body,
                                 client_id=f"b{i}")
        watcher.join()
        lat = [seen_at[b] - sent_at[b] for b in sent_at if b in seen_at]
        results["huitong_to_matrix"] = report("Huitong → Matrix", lat,
                                              max(seen_at.values()) - start)

        sent_in: dict[str, float] = {}
        stored_at: dict[str, float] = {}

        def poll() -> None:
            end = time.monotonic() + 300
            while len(stored_at) < n and time.monotonic() < end:
                now = time.monotonic()
                for body in Message.objects.filter(room_id=room["id"], body__startswith="mx ",
                                                   sender__is_external=True).values_list(
                                                       "body", flat=True):
                    stored_at.setdefault(body, now)
                time.sleep(0.005)
            from django.db import connection

            connection.close()

        poller = threading.Thread(target=poll)
        poller.start()
        start = time.monotonic()
        for i in range(n):
            body = f"mx {i}"
            sent_in[body] = time.monotonic()
            alice.text(matrix_room, body)
        sending = time.monotonic() - start
        poller.join()
        # The homeserver's own ceiling here: one client sending one message after another.
        log(f"alice's {n} sends to the homeserver took {sending:.1f} s ({n / sending:.1f} msg/s)")
        results["homeserver_sends_per_second"] = n / sending
        lat = [stored_at[b] - sent_in[b] for b in sent_in if b in stored_at]
        results["matrix_to_huitong"] = report("Matrix → Huitong", lat,
                                              max(stored_at.values()) - start)
        results["load_average"] = os.getloadavg()[0]
        log(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "matrix.json").write_text(json.dumps(results, indent=2))
    finally:
        bridge.terminate()
        bridge.wait(timeout=20)
        synapse.stop()
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
