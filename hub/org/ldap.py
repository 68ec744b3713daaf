"""Optional login against the organisation's LDAP directory (OpenLDAP, Active Directory).

With `HUITONG_LDAP_URL` set, `LdapBackend` comes before Django's own: a person found in the
directory under `HUITONG_LDAP_USER_BASE` by `HUITONG_LDAP_USER_FILTER` (a service account
`HUITONG_LDAP_BIND_DN` searches, or an anonymous bind) logs in by binding as their entry with
the password they typed. Their account here is made or refreshed from the entry (name,
title, and the unit whose code is in `HUITONG_LDAP_ATTR_UNIT`, when they have none yet); it
keeps no usable local password, so its password is changed in the directory.

A directory that cannot be reached is logged and passed over: local accounts keep working
(Django tries the next backend). Without the setting nothing here runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from hub.org.models import Unit, UnitMembership, User

logger = logging.getLogger("hub.ldap")


class DirectoryUnavailable(Exception):
    """The LDAP server could not be reached or answered with an error."""


@dataclass(frozen=True)
class Entry:
    dn: str
    username: str
    display_name: str
    title: str
    unit: str


def _server() -> Any:
    from ldap3 import NONE, Server

    return Server(settings.HUITONG_LDAP_URL, get_info=NONE,
                  connect_timeout=settings.HUITONG_LDAP_TIMEOUT)


def _first(values: Any) -> str:
    if isinstance(values, list | tuple):
        values = values[0] if values else ""
    return str(values or "").strip()


def _search_connection() -> Any:
    from ldap3 import Connection

    conn = Connection(_server(), user=settings.HUITONG_LDAP_BIND_DN or None,
                      password=settings.HUITONG_LDAP_BIND_PASSWORD or None,
                      receive_timeout=settings.HUITONG_LDAP_TIMEOUT, read_only=True)
    if not conn.bind():
        raise DirectoryUnavailable(f"service bind refused: {conn.result.get('description')}")
    return conn


def _attributes() -> list[str]:
    return [a for a in (settings.HUITONG_LDAP_ATTR_NAME, settings.HUITONG_LDAP_ATTR_TITLE,
                        settings.HUITONG_LDAP_ATTR_UNIT, "uid", "cn") if a]


def _entry(username: str, dn: str, attrs: dict[str, Any]) -> Entry:
    name = _first(attrs.get(settings.HUITONG_LDAP_ATTR_NAME)) or _first(attrs.get("cn"))
    return Entry(dn=dn, username=username, display_name=name or username,
                 title=_first(attrs.get(settings.HUITONG_LDAP_ATTR_TITLE)),
                 unit=_first(attrs.get(settings.HUITONG_LDAP_ATTR_UNIT)))


def find(conn: Any, username: str) -> Entry | None:
    from ldap3 import SUBTREE
    from ldap3.utils.conv import escape_filter_chars

    query = settings.HUITONG_LDAP_USER_FILTER.format(username=escape_filter_chars(username))
    if not conn.search(settings.HUITONG_LDAP_USER_BASE, query, SUBTREE,
                       attributes=_attributes(), size_limit=2):
        if conn.result.get("result") not in (0, 32):  # 32: no such object
            raise DirectoryUnavailable(f"search failed: {conn.result.get('description')}")
        return None
    if len(conn.response) != 1:
        return None  # none, or ambiguous: never guess whose password this is
    found = conn.response[0]
    return _entry(username, found["dn"], dict(found.get("attributes") or {}))


def check_login(username: str, password: str) -> Entry | None:
    """The directory entry when the password is right, None when the person is unknown or
    the password wrong; `DirectoryUnavailable` when the directory cannot answer."""
    from ldap3 import Connection
    from ldap3.core.exceptions import LDAPException

    if not username or not password:  # an empty password would be an anonymous bind
        return None
    try:
        search = _search_connection()
        try:
            entry = find(search, username)
        finally:
            search.unbind()
        if entry is None:
            return None
        conn = Connection(_server(), user=entry.dn, password=password,
                          receive_timeout=settings.HUITONG_LDAP_TIMEOUT, read_only=True)
        ok = conn.bind()
        if ok:
            conn.unbind()
        return entry if ok else None
    except LDAPException as exc:
        raise DirectoryUnavailable(str(exc)) from exc


def sync_user(entry: Entry) -> User | None:
    """Make or refresh the account of a directory entry; None for a local account of that
    name that is a bot or external."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=entry.username).first()
        if user is None:
            user = User(username=entry.username)
        elif user.is_bot or user.is_external:
            return None
        user.display_name = entry.display_name[:64]
        user.title = entry.title[:64] or user.title
        user.auth_source = "ldap"
        user.must_change_password = False
        user.set_unusable_password()
        user.save()
        if entry.unit and not UnitMembership.objects.filter(user=user).exists():
            unit = Unit.objects.filter(code=entry.unit).first()
            if unit is not None:
                from hub.org.actions import set_unit_membership

                set_unit_membership(unit=unit, user=user, role=UnitMembership.Role.STAFF)
    return user


def sync_all() -> dict[str, int]:
    """Bring every entry the filter finds (with `{username}` as `*`) into the accounts: the
    directory sync (`manage.py ldap_sync`)."""
    from ldap3 import SUBTREE

    conn = _search_connection()
    counts = {"seen": 0, "synced": 0}
    try:
        query = settings.HUITONG_LDAP_USER_FILTER.format(username="*")
        conn.search(settings.HUITONG_LDAP_USER_BASE, query, SUBTREE,
                    attributes=_attributes(), paged_size=500)
        for item in conn.response:
            if item.get("type") != "searchResEntry":
                continue
            attrs = dict(item.get("attributes") or {})
            username = _first(attrs.get("uid"))
            if not username:
                continue
            counts["seen"] += 1
            if sync_user(_entry(username, item["dn"], attrs)) is not None:
                counts["synced"] += 1
    finally:
        conn.unbind()
    return counts


class LdapBackend:
    """Django authentication backend over `check_login`."""

    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> User | None:
        if not settings.HUITONG_LDAP_URL or not username or not password:
            return None
        try:
            entry = check_login(username, password)
        except DirectoryUnavailable as exc:
            logger.warning("LDAP directory unavailable, local accounts only: %s", exc)
            return None
        if entry is None:
            return None
        user = sync_user(entry)
        return user if user is not None and user.is_active else None

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.filter(id=user_id).first()
        return user if user is not None and user.is_active else None
