"""People by what someone typed: a username or a name, within the organisation."""

from __future__ import annotations

from hub.org.models import UnitMembership, User


def find_person(token: str) -> User | None:
    """A person by username (`@` allowed) or, when it names one person, by name."""
    name = token.strip().lstrip("@")
    if not name:
        return None
    person = User.objects.filter(username__iexact=name, is_active=True, is_bot=False).first()
    if person is not None:
        return person
    named = list(User.objects.filter(display_name=name, is_active=True, is_bot=False)[:2])
    return named[0] if len(named) == 1 else None


def in_organisation(user: User) -> bool:
    return UnitMembership.objects.filter(user=user).exists()
