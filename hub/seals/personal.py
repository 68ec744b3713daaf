"""Personal signing keys: a person signs what they decided (an approval decision) with their
own Ed25519 key, made on first use and kept encrypted like the unit seals' keys.

The signed bytes name the algorithm, the key, the person, the subject and the time, and the
content; verification checks the signature over the stored bytes, then compares the content
with what the rows say now and names the first difference.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import IntegrityError, transaction

from hub.lib.errors import ApiError
from hub.org.models import User
from hub.seals.canonical import canonical_json
from hub.seals.keys import ED25519, _unwrap, new_key_material, wrapping_fingerprint
from hub.seals.models import PersonalKey, PersonalSignature
from hub.seals.signing import first_difference, precise_iso

TBS_VERSION = 1


def create_personal_key(*, user: User) -> PersonalKey:
    return PersonalKey.objects.create(user=user, **new_key_material())


def active_personal_key(*, user: User) -> PersonalKey:
    """The person's active key, made on first use (safe against a concurrent first use)."""
    key = PersonalKey.objects.filter(user=user, revoked_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return create_personal_key(user=user)
    except IntegrityError:
        return PersonalKey.objects.get(user=user, revoked_at__isnull=True)


def _sign(key: PersonalKey, data: bytes) -> bytes:
    if key.alg != ED25519:
        raise ApiError("conflict", f"不支持的签名算法：{key.alg}")
    if key.wrapped_with != wrapping_fingerprint():
        raise ApiError("conflict", "个人签名私钥无法解密：HUITONG_SEAL_KEY 与生成密钥时不同")
    return Ed25519PrivateKey.from_private_bytes(_unwrap(key.private_key, key.key_id)).sign(data)


def sign(*, user: User, subject: str, content: dict[str, Any], at: datetime) -> PersonalSignature:
    """Sign `content` with the person's key; the caller's transaction stores it."""
    key = active_personal_key(user=user)
    tbs = {"v": TBS_VERSION, "alg": key.alg, "key_id": key.key_id, "signer": user.username,
           "subject": subject, "signed_at": precise_iso(at), "content": content}
    data = canonical_json(tbs)
    return PersonalSignature.objects.create(
        key=key, alg=key.alg, subject=subject, signed_at=at, tbs=data.decode("utf-8"),
        value=base64.b64encode(_sign(key, data)).decode())


@dataclass(frozen=True)
class PersonalVerification:
    valid: bool
    reason: str
    signer: str | None = None
    signer_name: str | None = None
    key_id: str | None = None
    alg: str | None = None
    signed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        from hub.lib.times import iso

        return {"valid": self.valid, "reason": self.reason, "signer": self.signer,
                "signer_name": self.signer_name, "key_id": self.key_id, "alg": self.alg,
                "signed_at": iso(self.signed_at)}


def verify(*, signature: PersonalSignature | None, subject: str, content: dict[str, Any],
           describe: Callable[[tuple[Any, ...]], str]) -> PersonalVerification:
    """Check `signature` and that `content` (recomputed now) is what was signed."""
    if signature is None:
        return PersonalVerification(False, "没有签名记录")
    key = signature.key
    user = key.user

    def result(valid: bool, reason: str) -> PersonalVerification:
        return PersonalVerification(valid, reason, signer=user.username, signer_name=user.name,
                                    key_id=key.key_id, alg=signature.alg,
                                    signed_at=signature.signed_at)

    if signature.alg != key.alg or key.alg != ED25519:
        return result(False, "签名算法与密钥不一致")
    if key.revoked_at is not None and key.revoked_at <= signature.signed_at:
        return result(False, "签名时密钥已被吊销")
    data = signature.tbs.encode("utf-8")
    try:
        value = base64.b64decode(signature.value, validate=True)
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key)).verify(value, data)
    except Exception:
        return result(False, "签名值校验失败：签名数据或签名值已被改动")
    tbs = json.loads(data)
    if (tbs.get("subject") != subject or tbs.get("key_id") != key.key_id
            or tbs.get("signer") != user.username
            or tbs.get("signed_at") != precise_iso(signature.signed_at)):
        return result(False, "签名记录与被签对象、签名人或签名时间不一致")
    diff = first_difference(tbs.get("content"), content)
    if diff is not None:
        return result(False, f"{describe(diff)}与签名时不一致，内容已被改动")
    return result(True, "签名有效，自签名以来未被改动")
