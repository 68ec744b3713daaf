"""`manage.py backup` and `manage.py restore`, end to end on PostgreSQL: a restore into an
empty database and an empty media directory gives back every message, a document whose seal
verifies, an intact audit chain, archive entries whose files match, and a search index that
rebuilds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.bots.conftest import document_body
from tests.integration.conftest import ROOT, base_env

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

CHECK = """
import json, hashlib
from pathlib import Path
from django.conf import settings
from hub.chat.models import Message, Room
from archive.models import ArchiveEntry
from bots.documents import sealing
from bots.documents.models import Document
rooms = {}
for room in Room.objects.all():
    seqs = list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, room.last_seq + 1)), (room.id, seqs[-3:], room.last_seq)
    rooms[room.id] = [room.last_seq, sorted(Message.objects.filter(room=room).values_list("body", flat=True))]
seals = {d.id: sealing.verify(d).valid for d in Document.objects.all()}
files = []
for entry in ArchiveEntry.objects.all():
    for f in entry.files:
        from hub.chat.models import Attachment
        from hub.chat.actions import attachment_path
        path = attachment_path(Attachment.objects.get(id=f["attachment"]))
        files.append(hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"])
print(json.dumps({"rooms": rooms, "seals": seals, "entries": ArchiveEntry.objects.count(),
                  "files": files}))
"""


def snapshot(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", CHECK], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_backup_restores_into_an_empty_database_and_everything_verifies(
        demo: Any, api: Any, tmp_path: Path, settings: Any) -> None:
    settings.HUITONG_AUDIT_CHECKPOINT_FILE = tmp_path / "source-checkpoints.jsonl"
    clerk, town1 = api("clerk"), api("staff4")
    general = demo["rooms"]["general"].id
    for n in range(5):
        assert clerk.send(general, f"备份前的第{n}条", client_id=f"bk{n}").status_code == 201
    attachment = clerk.upload("附件.txt", "防汛值班安排".encode()).json()
    sent = clerk.post("/documents", document_body(recipients=["town1"],
                                                  attachments=[attachment["id"]]))
    assert sent.status_code == 201, sent.content
    card = sent.json()["recipients"][0]["message"]
    assert town1.post(f"/messages/{card}/actions", {"action": "sign"}).status_code == 200
    assert town1.post(f"/messages/{card}/actions", {"action": "complete"}).status_code == 200
    call_command("archive_file", stdout=open(os.devnull, "w"))
    call_command("audit_checkpoint", write=True, stdout=open(os.devnull, "w"))

    out, keys = tmp_path / "backup", tmp_path / "keys"
    call_command("backup", out=str(out), keys_out=str(keys), stdout=open(os.devnull, "w"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["database"]["file"] == "database.pgdump"
    assert any(name.startswith("media/attachments/") for name in manifest["files"])
    # The key is never in the backup itself.
    key = (keys / "HUITONG_SEAL_KEY").read_text()
    assert key == settings.HUITONG_SEAL_KEY
    assert not any(key.encode() in p.read_bytes() for p in out.rglob("*") if p.is_file())

    source_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + \
        settings.DATABASES["default"]["NAME"]
    target = f"huitong_restore_{uuid.uuid4().hex[:8]}"
    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        common = base_env()
        common["HUITONG_SEAL_KEY"] = key
        source_env = dict(common, DATABASE_URL=source_url, MEDIA_ROOT=str(settings.MEDIA_ROOT),
                          HUITONG_VAR_DIR=str(tmp_path / "source-var"))
        env = dict(common, DATABASE_URL=os.environ["DATABASE_URL"].rsplit("/", 1)[0]
                   + "/" + target, MEDIA_ROOT=str(tmp_path / "restored-media"),
                   HUITONG_VAR_DIR=str(tmp_path / "restored-var"))
        restored = subprocess.run(
            [sys.executable, "manage.py", "restore", "--from", str(out), "--verify"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr[-3000:] + restored.stdout[-2000:]
        assert "审计日志完整" in restored.stdout and "已重建" in restored.stdout
        after, before = snapshot(env), snapshot(source_env)
        assert after == before
        assert after["entries"] >= 1 and all(after["files"]) and after["files"]
        assert after["seals"] and all(after["seals"].values())
        # The checkpoint taken before the backup agrees with the restored chain.
        verified = subprocess.run(
            [sys.executable, "manage.py", "audit_verify", "--checkpoint",
             str(tmp_path / "restored-var" / "audit_checkpoints.jsonl")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert verified.returncode == 0, verified.stderr
        # A second restore over what is now there is refused.
        again = subprocess.run([sys.executable, "manage.py", "restore", "--from", str(out)],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode != 0 and "不是空的" in again.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def test_a_damaged_backup_is_refused(demo: Any, tmp_path: Path) -> None:
    from hub.core import backup

    out = tmp_path / "backup"
    call_command("backup", out=str(out), stdout=open(os.devnull, "w"))
    dump = out / "database.pgdump"
    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(backup.BackupError, match="损坏"):
        backup.check(out)
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
