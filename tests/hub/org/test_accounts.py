"""Accounts: login throttling (429 with Retry-After, then success after the lock), token
expiry and revocation, password rules and the first-login change."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def login(username: str, password: str, address: str = "127.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/api/v1/auth/token", {"username": username, "password": password},
        content_type="application/json")


def test_five_failures_lock_the_username_with_429_then_the_lock_passes(
        demo: Any, settings: Any) -> None:
    settings.HUITONG_LOGIN_MAX_FAILURES = 5
    settings.HUITONG_LOGIN_LOCK_SECONDS = 60
    for _ in range(5):
        assert login("staff1", "wrong-guess").status_code == 401
    locked = login("staff1", DEMO_PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(locked["Retry-After"]) <= 60
    # Someone else's guesses lock only that username: others log in.
    assert login("staff2", DEMO_PASSWORD).status_code == 200
    from hub.org.models import LoginThrottle

    LoginThrottle.objects.filter(key="user:staff1").update(
        locked_until=timezone.now() - timedelta(seconds=1))
    assert login("staff1", DEMO_PASSWORD).status_code == 200
    # A success clears the count: one more failure does not lock again.
    assert login("staff1", "wrong-guess").status_code == 401
    assert login("staff1", DEMO_PASSWORD).status_code == 200


def test_failures_from_one_address_over_many_usernames_lock_the_address(
        demo: Any, settings: Any) -> None:
    settings.HUITONG_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    for n in range(6):
        assert login(f"nobody{n}", "x", address="10.9.9.9").status_code == 401
    assert login("clerk", DEMO_PASSWORD, address="10.9.9.9").status_code == 429
    assert login("clerk", DEMO_PASSWORD, address="10.9.9.8").status_code == 200


def test_logins_and_locks_are_audited(demo: Any, settings: Any) -> None:
    from hub.seals.models import AuditEntry

    settings.HUITONG_LOGIN_MAX_FAILURES = 2
    login("staff3", "bad")
    login("staff3", "bad")
    login("staff4", DEMO_PASSWORD)
    events = list(AuditEntry.objects.values_list("event", flat=True))
    assert events.count("login.failed") == 2
    assert "login.locked" in events and "login.succeeded" in events


def test_the_web_login_form_is_throttled_too(demo: Any, settings: Any) -> None:
    settings.HUITONG_LOGIN_MAX_FAILURES = 3
    browser = Client()
    for _ in range(3):
        browser.post("/login/", {"username": "staff5", "password": "bad"})
    page = browser.post("/login/", {"username": "staff5", "password": DEMO_PASSWORD})
    assert page.status_code == 429
    assert "登录失败次数过多" in page.content.decode()


def test_a_token_expires_when_idle_and_slides_when_used(api: Any, settings: Any) -> None:
    from hub.org.models import ApiToken

    clerk = api("clerk")
    row = ApiToken.objects.get(digest=ApiToken.digest_of(clerk.token))
    ApiToken.objects.filter(id=row.id).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert clerk.get("/me").status_code == 401
    # A token past its maximum age is dead whatever its use.
    fresh = api("staff1")
    ApiToken.objects.filter(digest=ApiToken.digest_of(fresh.token)).update(
        created_at=timezone.now() - timedelta(seconds=settings.HUITONG_TOKEN_MAX_AGE_SECONDS + 5))
    assert fresh.get("/me").status_code == 401
    # Use moves the expiry on.
    third = api("staff2")
    ApiToken.objects.filter(digest=ApiToken.digest_of(third.token)).update(
        last_used_at=timezone.now() - timedelta(hours=1),
        expires_at=timezone.now() + timedelta(minutes=5))
    assert third.get("/me").status_code == 200
    moved = ApiToken.objects.get(digest=ApiToken.digest_of(third.token)).expires_at
    assert moved > timezone.now() + timedelta(hours=1)


@pytest.mark.parametrize("weak", ["12345678", "password", "1234567890", "qwertyuiop",
                                  "short"])
def test_weak_passwords_are_refused_in_chinese(api: Any, weak: str) -> None:
    response = api("clerk").post("/people/clerk/password",
                                 {"old_password": DEMO_PASSWORD, "password": weak})
    assert response.status_code == 400
    detail = response.json()["error"]["detail"]
    assert "密码" in detail
    assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", detail), detail  # no English left


def test_changing_ones_password_kills_other_tokens_but_not_this_one(api: Any) -> None:
    first = api("clerk")
    from tests.conftest import Api

    other = Api("clerk")
    response = first.post("/people/clerk/password",
                          {"old_password": DEMO_PASSWORD, "password": "Zhengwu-2026-huitong"})
    assert response.status_code == 200, response.content
    assert first.get("/me").status_code == 200
    assert other.get("/me").status_code == 401
    assert login("clerk", DEMO_PASSWORD).status_code == 401
    assert login("clerk", "Zhengwu-2026-huitong").status_code == 200


def test_revoked_token_is_refused(api: Any) -> None:
    clerk = api("clerk")
    assert clerk.delete("/auth/token").status_code == 204
    assert clerk.get("/me").status_code == 401


def test_the_browser_must_set_a_password_before_the_client_loads(api: Any) -> None:
    from hub.org.models import User

    answer = api("wsjadmin").post("/units/wsj/people", {"username": "firstday",
                                                         "display_name": "新同事"}).json()
    browser = Client()
    assert browser.post("/login/", {"username": "firstday",
                                    "password": answer["initial_password"]}).status_code == 302
    assert browser.get("/")["Location"] == "/password/"
    assert browser.get("/api/v1/rooms").json()["error"]["code"] == "password_change_required"
    page = browser.post("/password/", {"new_password1": answer["initial_password"],
                                       "new_password2": answer["initial_password"]})
    assert page.status_code == 200 and "初始密码相同" in page.content.decode()
    weak = browser.post("/password/", {"new_password1": "1234567890", "new_password2": "1234567890"})
    assert "密码只包含数字" in weak.content.decode()
    done = browser.post("/password/", {"new_password1": "Xin-tongshi-2026",
                                       "new_password2": "Xin-tongshi-2026"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert browser.get("/").status_code == 200  # the same browser stays logged in
    assert User.objects.get(username="firstday").must_change_password is False


def test_a_bearer_tokens_row_and_user_are_as_the_orm_reads_them(demo: Any) -> None:
    """The hand-written token lookup gives the token and its user with every field of the
    types a queryset gives (aware times, booleans), and refuses what the ORM filter would."""
    from hub.org.actions import issue_token, token_row
    from hub.org.models import ApiToken, User

    leader = User.objects.get(username="wsjadmin")
    leader.last_login = timezone.now() - timedelta(days=1)
    leader.save(update_fields=["last_login"])
    token = issue_token(user=leader)
    row = token_row(token=token)
    assert row is not None
    stored = ApiToken.objects.get(digest=ApiToken.digest_of(token))
    assert (row.id, row.user_id, row.created_at) == (stored.id, leader.id, stored.created_at)
    assert row.created_at.tzinfo is not None and row.expiry > timezone.now()
    fresh = User.objects.get(id=leader.id)
    for field in User._meta.concrete_fields:
        mine, orm = getattr(row.user, field.attname), getattr(fresh, field.attname)
        assert (mine, type(mine)) == (orm, type(orm)), field.name
    assert row.user.is_active is True and row.user.last_login.tzinfo is not None

    assert token_row(token=token + "x") is None
    User.objects.filter(id=leader.id).update(is_active=False)
    assert token_row(token=token) is None
    User.objects.filter(id=leader.id).update(is_active=True)
    ApiToken.objects.filter(id=stored.id).update(revoked_at=timezone.now())
    assert token_row(token=token) is None


def test_a_browser_session_resolves_to_its_user_only_while_it_is_valid(demo: Any) -> None:
    """The socket's own session lookup accepts what Django's `get_user` would, and nothing
    else: a logged-in session, not one whose password changed, whose user id was altered,
    whose backend is unknown or which has expired."""
    from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from hub.org.actions import session_user, session_valid
    from hub.org.models import User

    client = Client()
    assert client.post("/login/", {"username": "staff1", "password": DEMO_PASSWORD}
                       ).status_code == 302
    key = client.cookies["sessionid"].value
    staff1 = User.objects.get(username="staff1")
    found = session_user(session_key=key)
    assert found is not None and found[0] == staff1 and found[1] > timezone.now().timestamp()
    assert session_valid(session_key=key, user_id=staff1.id) == found[1]
    assert session_valid(session_key=key, user_id=staff1.id + 1) is None
    assert session_user(session_key="x" * 65) is None and session_user(session_key="") is None

    def altered(**changes: Any) -> str:
        store = SessionStore(session_key=key)
        data = store.load()
        data.update(changes)
        other = SessionStore()
        for name, value in data.items():
            other[name] = value
        other.create()
        return str(other.session_key)

    other_user = User.objects.get(username="staff2")
    assert session_user(session_key=altered(**{SESSION_KEY: str(other_user.id)})) is None
    assert session_user(session_key=altered(**{BACKEND_SESSION_KEY: "x.Backend"})) is None
    assert session_user(session_key=altered(**{SESSION_KEY: "not-a-number"})) is None

    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    assert session_user(session_key=key) is None
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(hours=1))
    assert session_user(session_key=key) is not None
    staff1.set_password("another-pass-2026!")
    staff1.save()
    assert session_user(session_key=key) is None


def test_a_row_lookup_fills_the_fields_it_names_whatever_their_order(demo: Any) -> None:
    from hub.org.actions import RowLookup, issue_token
    from hub.org.models import ApiToken, User

    issue_token(user=User.objects.get(username="staff1"))
    stored = ApiToken.objects.latest("id")
    lookup = RowLookup([(ApiToken, "t", ("expires_at", "user", "id"))],
                       "FROM org_apitoken t WHERE t.id = %s")
    (row,) = lookup.one([stored.id])
    assert (row.id, row.user_id, row.expires_at) == (stored.id, stored.user_id,
                                                      stored.expires_at)
    assert lookup.one([stored.id + 1000]) is None
