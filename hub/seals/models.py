"""Unit seal keys, the signatures they made, and the hash-chained audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SealKey(models.Model):
    """A unit's seal: identity (the unit and the name on the stamp), picture (drawn from the
    name, see image.py) and an Ed25519 key pair whose private half is stored only encrypted
    with the key from HUITONG_SEAL_KEY. `alg` names the algorithm so that SM2/SM3 or an
    accredited seal service can take Ed25519's place without changing the rows' shape."""

    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT,
                             related_name="seal_keys")
    key_id = models.CharField("密钥标识", max_length=64, unique=True)
    alg = models.CharField("算法", max_length=32)
    public_key = models.TextField("公钥")  # base64 of the raw public key
    private_key = models.TextField("私钥（加密）")  # "<wrap>:<base64 nonce+ciphertext>"
    # Fingerprint of the wrapping key, so that a changed HUITONG_SEAL_KEY says so clearly.
    wrapped_with = models.CharField(max_length=32)
    seal_name = models.CharField("印章名称", max_length=100)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "单位印章密钥"
        verbose_name_plural = "单位印章密钥"
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=models.Q(revoked_at__isnull=True),
                                    name="seal_key_one_active_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.seal_name} ({self.key_id})"


class Signature(models.Model):
    """A seal applied to something: the exact canonical bytes that were signed (`tbs`, which
    name the subject, the time and the digests) and the signature over them."""

    key = models.ForeignKey(SealKey, on_delete=models.PROTECT, related_name="signatures")
    alg = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, db_index=True)  # e.g. "document:12"
    signed_at = models.DateTimeField()
    tbs = models.TextField()
    value = models.TextField()  # base64

    class Meta:
        verbose_name = "签章"
        verbose_name_plural = "签章"


class AuditEntry(models.Model):
    """One state change, chained to the one before by SHA-256: `hash` covers this entry's
    content and `prev_hash`, so an altered entry no longer matches its hash and a removed one
    leaves a gap in `seq` and a broken link. Rows are only ever inserted."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=64, db_index=True)
    event = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["seq"]


class AuditHead(models.Model):
    """The chain's newest seq and hash in one row: appenders lock it, so entries are chained
    in one order across processes, and a removed last entry shows as a mismatch here."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")


class PersonalKey(models.Model):
    """A person's signing key (for decisions on approvals): an Ed25519 key pair whose private
    half is stored encrypted like a unit seal's, one active key per person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="人员",
                             on_delete=models.PROTECT, related_name="personal_keys")
    key_id = models.CharField("密钥标识", max_length=64, unique=True)
    alg = models.CharField("算法", max_length=32)
    public_key = models.TextField("公钥")
    private_key = models.TextField("私钥（加密）")
    wrapped_with = models.CharField(max_length=32)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "个人签名密钥"
        verbose_name_plural = "个人签名密钥"
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True),
                                    name="personal_key_one_active_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.key_id})"


class PersonalSignature(models.Model):
    """A person's signature over the canonical bytes `tbs` (which name the subject, the time
    and what was decided)."""

    key = models.ForeignKey(PersonalKey, on_delete=models.PROTECT, related_name="signatures")
    alg = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, db_index=True)  # e.g. "approval:3:decision:9"
    signed_at = models.DateTimeField()
    tbs = models.TextField()
    value = models.TextField()  # base64

    class Meta:
        verbose_name = "个人签名"
        verbose_name_plural = "个人签名"
