"""People by what someone typed: a username or a name, within the organisation."""

from __future__ import annotations

from hub.org.models import UnitMembership, User


def find_person(token: str) -> User | None:
    """A person of the organisation by username (`@` allowed) or, when it names one person,
    by name. People on Matrix (`is_external`) are never found: they receive no documents,
    approvals or meetings."""
    name = token.strip().lstrip("@")
    if not name:
        return None
    people = User.objects.filter(is_active=True, is_bot=False, is_external=False)
    person = people.filter(username__iexact=name).first()
    if person is not None:
        return person
    named = list(people.filter(display_name=name)[:2])
    return named[0] if len(named) == 1 else None


def in_organisation(user: User) -> bool:
    return not user.is_external and UnitMembership.objects.filter(user=user).exists()
