"""Writes to units, people and tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from hub.lib import realtime
from hub.org.models import ApiToken, Unit, UnitMembership, User


def _expiry(row: ApiToken, now: datetime) -> datetime:
    """When a token stops working if it is not used again."""
    cap = row.created_at + timedelta(seconds=settings.HUITONG_TOKEN_MAX_AGE_SECONDS)
    if row.expires_at is not None:
        return min(row.expires_at, cap)
    return min(row.created_at + timedelta(seconds=settings.HUITONG_TOKEN_IDLE_SECONDS), cap)


def issue_token(*, user: User) -> str:
    """A new bearer token for the user; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        user=user, digest=ApiToken.digest_of(token), last_used_at=now,
        expires_at=now + timedelta(seconds=min(settings.HUITONG_TOKEN_IDLE_SECONDS,
                                               settings.HUITONG_TOKEN_MAX_AGE_SECONDS)))
    return token


def _close_sockets(*, user_ids: list[int], credentials: list[str] | None = None,
                   keep: list[str] | None = None) -> None:
    """After commit: every server process closes those users' sockets opened with
    `credentials` (all of them when None) with 4401, sparing `keep`."""
    realtime.publish_on_commit({"k": "close", "users": user_ids, "credentials": credentials,
                                "keep": keep or [], "code": 4401, "text": ""})


def revoke_token(*, token: str) -> bool:
    """Revoke one token; the sockets opened with it close at once."""
    with transaction.atomic():
        row = (ApiToken.objects.select_for_update()
               .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True).first())
        if row is None:
            return False
        ApiToken.objects.filter(id=row.id).update(revoked_at=timezone.now())
        _close_sockets(user_ids=[row.user_id], credentials=[f"t{row.id}"])
    return True


# A token's use is written at most this often (its expiry slides with it).
TOKEN_TOUCH_SECONDS = 60


def token_row(*, token: str) -> ApiToken | None:
    """The live token row (with `user` and `expiry` set), sliding its expiry when it was last
    written a while ago; None when unknown, revoked, expired or its user is inactive."""
    if not token or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    expiry = _expiry(row, now)
    if expiry <= now:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        cap = row.created_at + timedelta(seconds=settings.HUITONG_TOKEN_MAX_AGE_SECONDS)
        expiry = min(cap, now + timedelta(seconds=settings.HUITONG_TOKEN_IDLE_SECONDS))
        ApiToken.objects.filter(id=row.id).update(last_used_at=now, expires_at=expiry)
    row.expiry = expiry  # type: ignore[attr-defined]
    return row


def user_for_token(*, token: str) -> User | None:
    row = token_row(token=token)
    return row.user if row else None


def token_expiry(*, token_id: int) -> float | None:
    """When the token expires (a Unix time), or None when it no longer works."""
    row = (ApiToken.objects.filter(id=token_id, revoked_at__isnull=True, user__is_active=True)
           .first())
    if row is None:
        return None
    expiry = _expiry(row, timezone.now())
    return expiry.timestamp() if expiry > timezone.now() else None


def session_credential(session_key: str) -> str:
    """How a browser session is named in close envelopes (never the key itself)."""
    return "s" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def session_valid(*, session_key: str, user_id: int) -> float | None:
    """When the browser session expires (a Unix time) while it is still the user's valid
    session (not logged out, not expired, the password and credentials unchanged)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session

    row = Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now()).first()
    if row is None:
        return None
    data = row.get_decoded()
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(BACKEND_SESSION_KEY):
        return None
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is None or not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")),
                                                 user.get_session_auth_hash()):
        return None
    return row.expire_date.timestamp()


def end_session(*, user: User, session_key: str | None) -> None:
    """A browser logs out: its sockets close on every process."""
    if session_key:
        _close_sockets(user_ids=[user.id], credentials=[session_credential(session_key)])


def end_all_sessions(*, user: User, keep_token: int | None = None,
                     keep_session: str | None = None) -> None:
    """Revoke every token of the person and end every browser session (the credentials
    epoch is part of the session hash), closing their sockets at once; `keep_*` spare the
    caller's own credential when they changed their own password. Inside a transaction."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if keep_token is not None:
        tokens = tokens.exclude(id=keep_token)
    tokens.update(revoked_at=timezone.now())
    keep = [f"t{keep_token}"] if keep_token is not None else []
    if keep_session:
        keep.append(session_credential(keep_session))
    else:
        User.objects.filter(id=user.id).update(credentials_epoch=F("credentials_epoch") + 1)
        user.refresh_from_db(fields=["credentials_epoch"])
    _close_sockets(user_ids=[user.id], keep=keep)


def log_in(*, request: Any, username: str, password: str, via: str) -> User:
    """Check a login under the throttle: `rate_limited` while the username or address is
    locked (even with the right password), `unauthorized` for wrong credentials or an
    inactive account. Every attempt is audited; the backends (LDAP, then local accounts)
    are Django's."""
    from django.contrib.auth import authenticate

    from hub.lib.errors import ApiError
    from hub.org import throttle

    address = client_address(request)
    throttle.check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        known = User.objects.filter(username=username).values_list("id", flat=True).first()
        throttle.failed(username=username, address=address, user_id=known)
        raise ApiError("unauthorized", "用户名或密码错误")
    throttle.succeeded(username=username, user_id=user.id, address=address, via=via)
    return user


def client_address(request: Any) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the last address of
    X-Forwarded-For that is not one of the proxies."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    trusted = set(settings.HUITONG_TRUSTED_PROXIES)
    if address in trusted:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if hop not in trusted:
                return hop[:64]
    return address


def ensure_password(*, user: User, password: str) -> bool:
    """Give the user this password unless it is theirs already; whether it changed. Setting
    the same password again would still change the stored hash (a new salt), and with it
    the session hash that every logged-in browser of the user carries: they would all be
    logged out."""
    if user.has_usable_password() and user.check_password(password):
        return False
    user.set_password(password)
    user.save(update_fields=["password"])
    return True


def set_unit_membership(*, unit: Unit, user: User, role: str) -> UnitMembership:
    """Put a person in a unit with a role; they join the unit's room."""
    from hub.chat.actions import sync_unit_room

    with transaction.atomic():
        membership, _ = UnitMembership.objects.update_or_create(
            unit=unit, user=user, defaults={"role": role}
        )
        sync_unit_room(unit=unit)
    return membership


def remove_unit_membership(*, unit: Unit, user: User) -> None:
    """Take a person out of a unit; they leave the unit's room."""
    from hub.chat.actions import sync_unit_room

    with transaction.atomic():
        UnitMembership.objects.filter(unit=unit, user=user).delete()
        sync_unit_room(unit=unit)
