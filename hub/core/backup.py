"""Backups of one installation and their restore.

A backup directory holds the database (`pg_dump` custom format for PostgreSQL; for SQLite a
consistent copy made with SQLite's online backup API), the uploaded files (`media/`), the
audit checkpoints file, and `manifest.json` with the SHA-256 and size of every file. The
keys are never in it: `HUITONG_SEAL_KEY` (which unlocks the stored signing keys) is written
only when asked, to a separate directory (`--keys-out`), and the manifest records the
key's fingerprint so that a restore can tell whether the configured key is the right one.
The search index is not backed up: `search_rebuild` (or the worker) builds it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = "huitong-backup-1"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore step failed; the message says which and why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_args(db: Any) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [f"--host={db.get('HOST') or '127.0.0.1'}", f"--port={db.get('PORT') or 5432}"]
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} 失败：{done.stderr.strip()[-1500:]}")


def seal_key_fingerprint() -> str:
    from hub.seals.keys import wrapping_fingerprint

    return wrapping_fingerprint()


def backup(*, out: Path, keys_out: Path | None = None) -> dict[str, Any]:
    """Write a backup into `out` (which must be empty or missing); returns the manifest."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} 不是空目录")
    out.mkdir(parents=True, exist_ok=True)
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        database = "database.pgdump"
        args, env = _pg_args(db)
        _run([shutil.which("pg_dump") or "pg_dump", *args, "--format=custom", "--no-owner",
              f"--file={out / database}", str(db["NAME"])], env)
    elif connection.vendor == "sqlite":
        database = "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        target = sqlite3.connect(str(out / database))
        try:
            with target:
                source.backup(target)  # a consistent copy while others write
        finally:
            target.close()
            source.close()
    else:  # pragma: no cover
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.copytree(media, out / "media", symlinks=False)
    else:
        (out / "media").mkdir()
    checkpoints = Path(settings.HUITONG_AUDIT_CHECKPOINT_FILE)
    if checkpoints.exists():
        shutil.copy2(checkpoints, out / "audit_checkpoints.jsonl")
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        files[rel] = {"sha256": _sha256(path), "size": path.stat().st_size}
    manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                "database": {"vendor": connection.vendor, "file": database},
                "seal_key_fingerprint": seal_key_fingerprint(), "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    if keys_out is not None:
        keys_out.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_file = keys_out / "HUITONG_SEAL_KEY"
        key_file.write_text(str(settings.HUITONG_SEAL_KEY))
        key_file.chmod(0o600)
    return manifest


def check(source: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is present with its recorded SHA-256."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source / MANIFEST} 无法读取：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')!r}")
    bad = [rel for rel, meta in manifest["files"].items()
           if not (source / rel).is_file() or _sha256(source / rel) != meta["sha256"]]
    if bad:
        raise BackupError("备份文件缺失或已损坏：" + "、".join(bad[:10]))
    return manifest


def restore(*, source: Path) -> dict[str, Any]:
    """Restore a backup into this installation's empty database and media directory."""
    manifest = check(source)
    if manifest["seal_key_fingerprint"] != seal_key_fingerprint():
        raise BackupError("HUITONG_SEAL_KEY 与备份时的不同：请先配置备份时的密钥")
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(f"备份来自 {manifest['database']['vendor']}，"
                          f"当前数据库是 {connection.vendor}")
    if connection.introspection.table_names():
        raise BackupError("目标数据库不是空的：只能恢复到空数据库")
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.iterdir()):
        raise BackupError(f"MEDIA_ROOT（{media}）不是空目录")
    db = settings.DATABASES["default"]
    dump = source / manifest["database"]["file"]
    if connection.vendor == "postgresql":
        connection.close()
        args, env = _pg_args(db)
        _run([shutil.which("pg_restore") or "pg_restore", *args, "--no-owner",
              "--exit-on-error", f"--dbname={db['NAME']}", str(dump)], env)
    else:
        connection.close()
        target = sqlite3.connect(str(db["NAME"]))
        backup_db = sqlite3.connect(str(dump))
        try:
            with target:
                backup_db.backup(target)
        finally:
            backup_db.close()
            target.close()
    media.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "media", media, dirs_exist_ok=True)
    copied = source / "audit_checkpoints.jsonl"
    checkpoints = Path(settings.HUITONG_AUDIT_CHECKPOINT_FILE)
    if copied.exists() and not checkpoints.exists():
        checkpoints.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(copied, checkpoints)
    return manifest
