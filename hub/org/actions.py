"""Writes to units, people and tokens."""

from __future__ import annotations

import hashlib
import secrets
import weakref
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, transaction
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


class RowLookup:
    """A hand-written SELECT of one row of one or more models, for the hottest lookups (every
    socket's first trip, every API call with a token), where building the ORM's query cost
    several times running it. `parts` are (model, alias, field names or None for all
    concrete fields); `rest` is the text after the select list ("FROM … WHERE …", with %s
    parameters). The ORM's own converters are applied, so the instances hold values of the
    same types as a queryset's."""

    def __init__(self, parts: list[tuple[Any, str, tuple[str, ...] | None]], rest: str) -> None:
        self.parts, self.rest = parts, rest
        self._prepared: weakref.WeakKeyDictionary[Any, tuple[str, list[Any]]] = (
            weakref.WeakKeyDictionary())

    def _prepare(self, conn: Any) -> tuple[str, list[Any]]:
        prepared = self._prepared.get(conn)
        if prepared is None:
            q = conn.ops.quote_name
            selected, models = [], []
            for model, alias, names in self.parts:
                # In the model's own field order, which `from_db` expects.
                fields = [f for f in model._meta.concrete_fields
                          if names is None or f.name in names or f.attname in names]
                cols = []
                for field in fields:
                    col = field.get_col(alias)
                    cols.append((col, conn.ops.get_db_converters(col) + col.get_db_converters(conn)))
                    selected.append(f"{alias}.{q(field.column)}")
                models.append((model, [f.attname for f in fields], cols))
            # Only the models' own column names join the caller's fixed text; values are
            # parameters.
            sql = f"SELECT {', '.join(selected)} {self.rest}"  # noqa: S608
            prepared = self._prepared[conn] = (sql, models)
        return prepared

    def one(self, params: list[Any]) -> list[Any] | None:
        """One instance per part, or None when no row matches."""
        conn = connections[DEFAULT_DB_ALIAS]
        sql, models = self._prepare(conn)
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            raw = cursor.fetchone()
        if raw is None:
            return None
        found, start = [], 0
        for model, attnames, cols in models:
            values = []
            for value, (col, converters) in zip(raw[start:start + len(cols)], cols, strict=True):
                for convert in converters:
                    value = convert(value, col, conn)
                values.append(value)
            start += len(cols)
            found.append(model.from_db(DEFAULT_DB_ALIAS, attnames, values))
        return found


_TOKEN_WITH_USER = RowLookup(
    [(ApiToken, "t", ("id", "user", "created_at", "last_used_at", "expires_at")),
     (User, "u", None)],
    "FROM org_apitoken t JOIN org_user u ON u.id = t.user_id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active",
)


def _token_with_user(digest: str) -> ApiToken | None:
    found = _TOKEN_WITH_USER.one([digest])
    if found is None:
        return None
    row, row.user = found
    return row


def token_row(*, token: str) -> ApiToken | None:
    """The live token row (with `user` and `expiry` set), sliding its expiry when it was last
    written a while ago; None when unknown, revoked, expired or its user is inactive."""
    if not token or len(token) > 200:
        return None
    row = _token_with_user(ApiToken.digest_of(token))
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


_SESSION = RowLookup([(Session, "s", ("session_key", "session_data", "expire_date"))],
                     "FROM django_session s WHERE s.session_key = %s AND s.expire_date > %s")
_ACTIVE_USER = RowLookup([(User, "u", None)], "FROM org_user u WHERE u.id = %s AND u.is_active")


def session_user(*, session_key: str) -> tuple[User, float] | None:
    """The browser session's user and when the session expires (a Unix time), resolved as
    Django's `get_user` does: a live session naming an installed backend and an active user
    whose session hash (password and credentials epoch) still matches. None otherwise."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    if not session_key or len(session_key) > 64:
        return None
    now = connections[DEFAULT_DB_ALIAS].ops.adapt_datetimefield_value(timezone.now())
    found = _SESSION.one([session_key, now])
    if found is None:
        return None
    row = found[0]
    data = row.get_decoded()
    user_id = data.get(SESSION_KEY)
    if user_id is None or data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        user_found = _ACTIVE_USER.one([int(user_id)])
    except (TypeError, ValueError):
        return None
    if user_found is None:
        return None
    user = user_found[0]
    if not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), user.get_session_auth_hash()):
        return None
    return user, row.expire_date.timestamp()


def session_valid(*, session_key: str, user_id: int) -> float | None:
    """When the browser session expires (a Unix time) while it is still the user's valid
    session (not logged out, not expired, the password and credentials unchanged)."""
    found = session_user(session_key=session_key)
    if found is None or found[0].id != user_id:
        return None
    return found[1]


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
