"""Sealing and verifying: a unit's seal over the canonical form of some content.

Shape after GB/T 38540 (signature = seal + digest of the document + time): the signed bytes
(`tbs`) name the algorithm, the key, the unit and the seal's name, the subject, the time, and
the content — for a document its metadata and the SHA-256 of every attachment. Verification
checks the signature over the stored bytes, then recomputes the content from what is stored
now (rows and files) and reports the first difference, so a changed byte or field shows as
invalid with the reason.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.org.models import Unit
from hub.seals.canonical import canonical_json
from hub.seals.keys import Signer, active_key, verify_raw
from hub.seals.models import Signature

TBS_VERSION = 1


def precise_iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str
    unit: str | None = None
    unit_name: str | None = None
    key_id: str | None = None
    alg: str | None = None
    signed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        from hub.lib.times import iso

        return {
            "valid": self.valid,
            "seal": {"unit": self.unit, "unit_name": self.unit_name, "key_id": self.key_id,
                     "alg": self.alg},
            "signed_at": iso(self.signed_at),
            "reason": self.reason,
        }


def seal(*, unit: Unit, subject: str, content: dict[str, Any], at: datetime) -> Signature:
    """Sign `content` with the unit's seal; the caller's transaction stores it."""
    key = active_key(unit=unit)
    tbs = {
        "v": TBS_VERSION, "alg": key.alg, "key_id": key.key_id, "unit": unit.code,
        "seal_name": key.seal_name, "subject": subject, "signed_at": precise_iso(at),
        "content": content,
    }
    data = canonical_json(tbs)
    value = Signer(key).sign(data)
    return Signature.objects.create(key=key, alg=key.alg, subject=subject, signed_at=at,
                                    tbs=data.decode("utf-8"),
                                    value=base64.b64encode(value).decode())


def first_difference(signed: Any, now: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path to the first place where two JSON values differ, or None if equal."""
    if isinstance(signed, dict) and isinstance(now, dict):
        for key in sorted(set(signed) | set(now)):
            if key not in signed or key not in now:
                return (*path, key)
            found = first_difference(signed[key], now[key], (*path, key))
            if found is not None:
                return found
        return None
    if isinstance(signed, list) and isinstance(now, list):
        for index, (a, b) in enumerate(zip(signed, now, strict=False)):
            found = first_difference(a, b, (*path, index))
            if found is not None:
                return found
        if len(signed) != len(now):
            return (*path, min(len(signed), len(now)))
        return None
    return None if signed == now else path


def verify(*, signature: Signature | None, subject: str, content: dict[str, Any],
           describe: Callable[[tuple[Any, ...]], str]) -> Verification:
    """Check `signature` and that `content` (recomputed now) is what was signed.
    `describe` names a differing path for the reason, e.g. ("title",) -> "标题"."""
    if signature is None:
        return Verification(False, "没有签章记录")
    key = signature.key

    def result(valid: bool, reason: str) -> Verification:
        return Verification(valid, reason, unit=key.unit.code, unit_name=key.seal_name,
                            key_id=key.key_id, alg=signature.alg, signed_at=signature.signed_at)

    if signature.alg != key.alg:
        return result(False, "签章算法与印章密钥不一致")
    if key.revoked_at is not None and key.revoked_at <= signature.signed_at:
        return result(False, "签章时印章密钥已被吊销")
    data = signature.tbs.encode("utf-8")
    try:
        value = base64.b64decode(signature.value, validate=True)
    except ValueError:
        return result(False, "签章值格式错误")
    if not verify_raw(key=key, data=data, signature=value):
        return result(False, "签章值校验失败：签章数据或签章值已被改动")
    tbs = json.loads(data)
    if (tbs.get("subject") != subject or tbs.get("key_id") != key.key_id
            or tbs.get("signed_at") != precise_iso(signature.signed_at)):
        return result(False, "签章记录与被签对象或签章时间不一致")
    diff = first_difference(tbs.get("content"), content)
    if diff is not None:
        return result(False, f"{describe(diff)}与签章时不一致，内容已被改动")
    return result(True, "签章有效，内容自签章以来未被改动")
