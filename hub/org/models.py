"""Units (单位) as a tree, people and their roles in units, API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models


class Unit(models.Model):
    class Kind(models.TextChoices):
        PARTY = "party", "党委部门"
        GOVERNMENT = "government", "政府部门"
        MASS = "mass", "群团组织"
        TOWNSHIP = "township", "乡镇街道"
        DISTRICT = "district", "区"

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.IntegerField("排序", default=0)
    # A unit merged into another leaves the tree (the directory, the unit lists) but stays in
    # the records that name it.
    merged_into = models.ForeignKey(
        "self", verbose_name="并入", null=True, blank=True, on_delete=models.PROTECT,
        related_name="merged_units",
    )

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=64, blank=True)
    title = models.CharField("职务", max_length=64, blank=True)
    is_bot = models.BooleanField("机器人", default=False)
    # A person on Matrix seen through the bridge: a member of bridged rooms only, with no
    # password, no unit, and never a recipient of documents, approvals or meetings.
    is_external = models.BooleanField("外部人员（Matrix）", default=False)
    # Set when an administrator gives the person a password (a new account, a reset): the
    # person must choose their own before doing anything else.
    must_change_password = models.BooleanField("须修改密码", default=False)
    # Raised to end every browser session of the person at once (an administrator ending
    # their sessions, a deactivation): part of the session's authentication hash.
    credentials_epoch = models.PositiveIntegerField("凭据版本", default=0)
    # "ldap" for a person who logs in against the directory server (no local password).
    auth_source = models.CharField("认证来源", max_length=16, blank=True, default="")

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, and of the credentials epoch once it was raised:
        a session made before either changed is no longer valid."""
        base = super().get_session_auth_hash()
        if not self.credentials_epoch:
            return base
        return hashlib.sha256(f"{base}:{self.credentials_epoch}".encode()).hexdigest()


class UnitMembership(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", "办事员"
        CLERK = "clerk", "收发员"
        LEADER = "leader", "领导"
        ADMIN = "admin", "单位管理员"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                             related_name="memberships")
    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.CASCADE,
                             related_name="unit_memberships")
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = "单位成员"
        verbose_name_plural = "单位成员"
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="unit_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Slides forward with use (HUITONG_TOKEN_IDLE_SECONDS), never past created_at +
    # HUITONG_TOKEN_MAX_AGE_SECONDS. Null for tokens made before expiry existed: they expire
    # by the same rule counted from their creation.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "访问令牌"
        verbose_name_plural = "访问令牌"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LoginThrottle(models.Model):
    """Failed logins counted per username (`user:<name>`) and per address (`addr:<ip>`),
    shared by every server process through the database. `locked_until` is set when the
    failures within the window reach the limit; a success clears the username's row."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录失败计数"
        verbose_name_plural = "登录失败计数"
