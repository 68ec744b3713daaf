"""LDAP login against a real OpenLDAP server (Debian's slapd) that the test starts on a
loopback port with a temporary configuration and a small seeded tree."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import DEMO_PASSWORD, REQUIRE

pytestmark = pytest.mark.django_db

SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)
SUFFIX = "dc=huitong,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "slapd-root-secret"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PW = "reader-secret-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: Any) -> Iterator[str]:
    if SLAPD is None:
        message = "slapd is not installed (make test installs Debian's slapd when run as root)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)
    from ldap3 import Connection, Server

    base = tmp_path_factory.mktemp("slapd")
    (base / "db").mkdir()
    port = free_port()
    schema = Path("/etc/ldap/schema")
    (base / "slapd.conf").write_text("\n".join([
        *(f"include {schema / name}.schema" for name in ("core", "cosine", "nis",
                                                          "inetorgperson")),
        f"pidfile {base / 'slapd.pid'}",
        "modulepath /usr/lib/ldap",
        "moduleload back_mdb",
        "database mdb",
        f'suffix "{SUFFIX}"',
        f'rootdn "{ROOT_DN}"',
        f"rootpw {ROOT_PW}",
        f"directory {base / 'db'}",
        "maxsize 10485760",
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by * read",
    ]) + "\n")
    url = f"ldap://127.0.0.1:{port}"
    proc = subprocess.Popen([SLAPD, "-f", str(base / "slapd.conf"), "-h", url + "/",  # noqa: S603
                             "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"slapd exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("slapd did not start") from None
            time.sleep(0.1)
    conn = Connection(Server(url), ROOT_DN, ROOT_PW, auto_bind=True)
    conn.add(SUFFIX, ["dcObject", "organization"], {"o": "示范区", "dc": "huitong"})
    conn.add(READER_DN, ["organizationalRole", "simpleSecurityObject"],
             {"cn": "reader", "userPassword": READER_PW})
    conn.add(f"ou=people,{SUFFIX}", ["organizationalUnit"], {"ou": "people"})
    for uid, name, title, unit, password in (
            ("chenjing", "陈静", "医政科科长", "wsj", "Ldap-pass-2026"),
            ("clerk", "王芳（目录）", "文书", "zfb", "Directory-clerk-1"),
            ("twin", "双胞胎甲", "", "", "Twin-pass-2026")):
        conn.add(f"uid={uid},ou=people,{SUFFIX}", ["inetOrgPerson"],
                 {"uid": uid, "cn": name, "sn": name[:1], "displayName": name, "title": title or
                  "科员", "departmentNumber": unit or "none", "userPassword": password})
    # A second entry with the same uid: ambiguous, never used.
    conn.add(f"ou=others,{SUFFIX}", ["organizationalUnit"], {"ou": "others"})
    conn.add(f"uid=twin,ou=others,{SUFFIX}", ["inetOrgPerson"],
             {"uid": "twin", "cn": "双胞胎乙", "sn": "双", "userPassword": "Twin-pass-2026"})
    conn.unbind()
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def with_ldap(settings: Any, slapd: str) -> str:
    settings.HUITONG_LDAP_URL = slapd
    settings.HUITONG_LDAP_BIND_DN = READER_DN
    settings.HUITONG_LDAP_BIND_PASSWORD = READER_PW
    settings.HUITONG_LDAP_USER_BASE = SUFFIX
    settings.AUTHENTICATION_BACKENDS = ["hub.org.ldap.LdapBackend",
                                        "django.contrib.auth.backends.ModelBackend"]
    return slapd


def login(username: str, password: str) -> Any:
    return Client().post("/api/v1/auth/token", {"username": username, "password": password},
                         content_type="application/json")


def test_a_directory_person_logs_in_and_gets_an_account_in_their_unit(
        demo: Any, with_ldap: str) -> None:
    from hub.org.models import User

    response = login("chenjing", "Ldap-pass-2026")
    assert response.status_code == 200, response.content
    user = response.json()["user"]
    assert user["display_name"] == "陈静" and user["title"] == "医政科科长"
    assert [u["code"] for u in user["units"]] == ["wsj"]
    account = User.objects.get(username="chenjing")
    assert account.auth_source == "ldap" and not account.has_usable_password()
    assert login("chenjing", "wrong-password").status_code == 401
    # Their password is the directory's: changing it here is refused.
    token = response.json()["token"]
    refused = Client().post("/api/v1/people/chenjing/password",
                            {"old_password": "Ldap-pass-2026", "password": "Another-pass-99"},
                            content_type="application/json",
                            headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 409


def test_the_web_login_goes_through_the_directory_too(demo: Any, with_ldap: str) -> None:
    browser = Client()
    response = browser.post("/login/", {"username": "chenjing", "password": "Ldap-pass-2026"})
    assert response.status_code == 302
    assert browser.get("/api/v1/me").json()["username"] == "chenjing"


def test_local_accounts_still_work_and_ambiguous_entries_are_refused(
        demo: Any, with_ldap: str) -> None:
    # A local person not in the directory logs in with the local password.
    assert login("staff1", DEMO_PASSWORD).status_code == 200
    # Two entries with one uid: nobody logs in as either.
    assert login("twin", "Twin-pass-2026").status_code == 401
    # An empty password is never an anonymous bind.
    assert login("chenjing", "").status_code in (400, 401)


def test_a_directory_that_is_down_leaves_local_logins_working(demo: Any, settings: Any) -> None:
    settings.HUITONG_LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    settings.HUITONG_LDAP_TIMEOUT = 2
    settings.AUTHENTICATION_BACKENDS = ["hub.org.ldap.LdapBackend",
                                        "django.contrib.auth.backends.ModelBackend"]
    started = time.monotonic()
    assert login("clerk", DEMO_PASSWORD).status_code == 200
    assert login("chenjing", "Ldap-pass-2026").status_code == 401
    assert time.monotonic() - started < 10


def test_directory_sync_brings_everyone_in(demo: Any, with_ldap: str) -> None:
    from django.core.management import call_command

    from hub.org.models import User

    call_command("ldap_sync", stdout=open(os.devnull, "w"))
    assert User.objects.get(username="chenjing").display_name == "陈静"
