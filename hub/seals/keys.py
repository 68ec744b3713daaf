"""Unit seal keys: made once per unit, private halves encrypted at rest.

The wrapping key is derived (HKDF-SHA256) from settings.HUITONG_SEAL_KEY; private keys are
sealed with AES-256-GCM, bound to their key id, and decrypted only for the moment of signing.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction

from hub.lib.errors import ApiError
from hub.org.models import Unit
from hub.seals.models import SealKey

ED25519 = "ed25519"
WRAP = "aesgcm1"


def _wrapping_key() -> bytes:
    secret = str(settings.HUITONG_SEAL_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huitong-seal",
                info=b"private-key-wrapping-v1").derive(secret)


def wrapping_fingerprint() -> str:
    return hashlib.sha256(_wrapping_key()).hexdigest()[:16]


def _wrap(raw: bytes, key_id: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_wrapping_key()).encrypt(nonce, raw, key_id.encode())
    return f"{WRAP}:" + base64.b64encode(nonce + sealed).decode()


def _unwrap(blob: str, key_id: str) -> bytes:
    scheme, _, data = blob.partition(":")
    if scheme != WRAP:
        raise ValueError(f"unknown wrapping {scheme!r}")
    raw = base64.b64decode(data)
    return AESGCM(_wrapping_key()).decrypt(raw[:12], raw[12:], key_id.encode())


def _key_id(public: bytes) -> str:
    return "ed25519:" + hashlib.sha256(public).hexdigest()[:24]


def new_key_material() -> dict[str, str]:
    """A fresh Ed25519 key pair as stored: its id, the public half, and the private half
    wrapped under the settings' key (the fields shared by unit and personal keys)."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    key_id = _key_id(public)
    return {"key_id": key_id, "alg": ED25519, "public_key": base64.b64encode(public).decode(),
            "private_key": _wrap(raw, key_id), "wrapped_with": wrapping_fingerprint()}


def create_key(*, unit: Unit) -> SealKey:
    """A new Ed25519 seal key for the unit (the caller has checked it has no active one)."""
    return SealKey.objects.create(unit=unit, seal_name=unit.name, **new_key_material())


def active_key(*, unit: Unit) -> SealKey:
    """The unit's active seal key, made on first use (safe against a concurrent first use)."""
    key = SealKey.objects.filter(unit=unit, revoked_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return create_key(unit=unit)
    except IntegrityError:
        return SealKey.objects.get(unit=unit, revoked_at__isnull=True)


@dataclass(frozen=True)
class Signer:
    key: SealKey

    def sign(self, data: bytes) -> bytes:
        if self.key.alg != ED25519:
            raise ApiError("conflict", f"不支持的签章算法：{self.key.alg}")
        if self.key.wrapped_with != wrapping_fingerprint():
            raise ApiError("conflict", "印章私钥无法解密：HUITONG_SEAL_KEY 与生成密钥时不同")
        raw = _unwrap(self.key.private_key, self.key.key_id)
        return Ed25519PrivateKey.from_private_bytes(raw).sign(data)


def verify_raw(*, key: SealKey, data: bytes, signature: bytes) -> bool:
    if key.alg != ED25519:
        return False
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))
    try:
        public.verify(signature, data)
    except Exception:
        return False
    return True
