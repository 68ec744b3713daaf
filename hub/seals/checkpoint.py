"""Signed checkpoints of the audit log's head, kept outside the database.

The chain in the database proves that no entry was altered or removed from the middle, but
someone with write access to the database can delete the newest entries and move the head
row back: what is left is a consistent, shorter chain. A checkpoint is the head (seq and
hash) at a moment, signed with a key derived from `HUITONG_SEAL_KEY` (which is kept apart
from the database), and written where the database cannot reach: a file the worker appends
to periodically (`HUITONG_AUDIT_CHECKPOINT_FILE`), the archive feed that an outside archive
system pulls, or paper (`manage.py audit_checkpoint` prints one). `manage.py audit_verify
--checkpoint FILE` then checks that every checkpointed entry is still in the chain with the
same hash: a truncated tail shows as a missing entry.

The signature is Ed25519 so that an outside system can check it with the public key alone
(it is in every checkpoint; pin it once).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone

from hub.seals import audit
from hub.seals.canonical import canonical_json
from hub.seals.models import AuditEntry
from hub.seals.signing import precise_iso

logger = logging.getLogger("hub.seals")

DOMAIN = "huitong-audit-checkpoint-v1"


def _private_key() -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huitong-seal",
                info=b"audit-checkpoint-v1").derive(str(settings.HUITONG_SEAL_KEY).encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> str:
    raw = _private_key().public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public: str) -> str:
    return "ed25519:" + hashlib.sha256(base64.b64decode(public)).hexdigest()[:24]


def _signed_part(cp: dict[str, Any]) -> bytes:
    return canonical_json({"domain": DOMAIN, "seq": cp["seq"], "hash": cp["hash"],
                           "at": cp["at"], "key_id": cp["key_id"]})


def current() -> dict[str, Any]:
    """A signed checkpoint of the chain's head now."""
    seq, digest = audit.head()
    public = public_key()
    cp: dict[str, Any] = {"seq": seq, "hash": digest, "at": precise_iso(timezone.now()),
                          "key_id": key_id(public), "public_key": public}
    cp["signature"] = base64.b64encode(_private_key().sign(_signed_part(cp))).decode()
    return cp


def signature_valid(cp: dict[str, Any], *, trusted_public_key: str | None = None) -> bool:
    """The checkpoint was signed by the key it names (and that key is the trusted one:
    by default this installation's own)."""
    trusted = trusted_public_key or public_key()
    try:
        if cp.get("public_key") != trusted or cp.get("key_id") != key_id(trusted):
            return False
        Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted)).verify(
            base64.b64decode(cp["signature"]), _signed_part(cp))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
    return True


def checkpoint_file() -> Path:
    return Path(settings.HUITONG_AUDIT_CHECKPOINT_FILE)


def _last_line(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def write(path: Path | None = None) -> dict[str, Any] | None:
    """Append a checkpoint to the file when the head moved since the last one (the worker's
    task); returns what was written, or None."""
    path = path or checkpoint_file()
    last = _last_line(path)
    seq, digest = audit.head()
    if seq == 0 or (last is not None and last.get("seq") == seq and last.get("hash") == digest):
        return None
    cp = current()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(cp, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return cp


def read(path: Path) -> list[dict[str, Any]]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"第 {number} 行不是合法的 JSON") from exc
        if not isinstance(value, dict):
            raise ValueError(f"第 {number} 行不是检查点")
        out.append(value)
    return out


@dataclass(frozen=True)
class Finding:
    seq: int
    reason: str


def verify(checkpoints: list[dict[str, Any]], *,
           trusted_public_key: str | None = None) -> list[Finding]:
    """What the database no longer agrees with: each checkpoint must be validly signed, and
    its entry must still be in the log with the same hash, at or below the head."""
    findings: list[Finding] = []
    wanted = {int(cp["seq"]) for cp in checkpoints if isinstance(cp.get("seq"), int)}
    stored = dict(AuditEntry.objects.filter(seq__in=wanted).values_list("seq", "hash"))
    head_seq, _ = audit.head()
    for cp in checkpoints:
        seq = cp.get("seq")
        if not isinstance(seq, int) or not signature_valid(cp,
                                                            trusted_public_key=trusted_public_key):
            findings.append(Finding(seq if isinstance(seq, int) else 0,
                                    f"检查点（第 {seq} 条）的签名无效或不是本系统的密钥"))
            continue
        if seq not in stored:
            findings.append(Finding(seq, f"检查点记录的第 {seq} 条已不在日志中"
                                         f"（链头现为第 {head_seq} 条：末尾条目被删除）"))
        elif stored[seq] != cp.get("hash"):
            findings.append(Finding(seq, f"第 {seq} 条的哈希与检查点不符（日志被改写）"))
    return findings


def worker_turn() -> None:
    try:
        write()
    except OSError:
        logger.exception("writing the audit checkpoint to %s failed", checkpoint_file())
