"""Writes to units, people and tokens."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from hub.org.models import ApiToken, Unit, UnitMembership, User


def issue_token(*, user: User) -> str:
    """A new bearer token for the user; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=ApiToken.digest_of(token))
    return token


def revoke_token(*, token: str) -> bool:
    return bool(
        ApiToken.objects.filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )


def user_for_token(*, token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return row.user if row else None


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
