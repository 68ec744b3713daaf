"""Finding people: by 汉字, full pinyin, initials and a syllable, people of the caller's own
units first; the directory (通讯录) and one person's card."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes(demo: Any) -> None:
    """李明华 of the health bureau beside the district head 李明; 曾国强 (曾 read zeng or
    ceng); 吕红 (lv or lu)."""
    from hub.org import actions
    from hub.org.models import User

    for username, name, unit in (("lmh", "李明华", "wsj"), ("zgq", "曾国强", "wtj"),
                                 ("lvhong", "吕红", "wtj")):
        user = User.objects.create(username=username, display_name=name, title="科员")
        actions.set_unit_membership(unit=demo["units"][unit], user=user, role="staff")


def found(api: Any, username: str, q: str) -> list[str]:
    response = api(username).get("/users", q=q)
    assert response.status_code == 200
    return [u["username"] for u in response.json()]


@pytest.mark.parametrize("q", ["李明", "liming", "lm", "li", "LiMing", "li ming", "ming"])
def test_li_ming_is_found_by_characters_pinyin_initials_and_syllables(
        api: Any, namesakes: None, q: str) -> None:
    assert "leader" in found(api, "clerk", q)


def test_own_units_come_first(api: Any, namesakes: None) -> None:
    """The government office's clerk gets the district head first; the health bureau's
    clerk gets their colleague 李明华 first."""
    assert found(api, "clerk", "liming")[:2] == ["leader", "lmh"]
    assert found(api, "staff2", "liming")[:2] == ["lmh", "leader"]
    # Among people of one's own units, the better match first.
    assert found(api, "staff2", "li")[:2] == ["staff2", "lmh"] or \
        found(api, "staff2", "li")[:2] == ["lmh", "staff2"]


def test_surnames_with_several_readings_and_u_umlaut(api: Any, namesakes: None) -> None:
    for q in ("zengguoqiang", "zgq", "cengguoqiang", "guoqiang"):
        assert "zgq" in found(api, "clerk", q), q
    for q in ("lvhong", "luhong", "lh"):
        assert "lvhong" in found(api, "clerk", q), q
    assert found(api, "clerk", "xyzzy") == []


def test_each_user_carries_pinyin_and_units(api: Any, namesakes: None) -> None:
    (leader,) = [u for u in api("clerk").get("/users", q="李明").json() if u["username"] == "leader"]
    assert leader["pinyin"] == "li ming"
    assert {u["code"] for u in leader["units"]} == {"zfb", "qwb"}
    assert api("clerk").get("/me").json()["pinyin"] == "wang fang"


def test_without_a_query_everyone_is_listed_with_presence(api: Any, demo: Any) -> None:
    everyone = api("clerk").get("/users", presence=1).json()
    assert len(everyone) == len([u for u in demo["users"].values() if u.is_active])
    assert all(u["presence"] in ("online", "away", "offline") for u in everyone)
    # People first, bots after them.
    bots = [u["is_bot"] for u in everyone]
    assert bots == sorted(bots)


def test_directory_lists_units_with_people_roles_and_titles(api: Any, demo: Any) -> None:
    from hub.org.models import User

    User.objects.filter(username="staff6").update(is_active=False)
    units = {u["code"]: u for u in api("staff3").get("/directory").json()["units"]}
    assert list(units)[:3] == ["district", "qwb", "zfb"]
    zfb = units["zfb"]
    assert zfb["name"] == "区政府办公室" and zfb["parent"] == units["district"]["id"]
    assert [(p["username"], p["role"], p["title"]) for p in zfb["people"]] == [
        ("leader", "leader", "区长"), ("clerk", "clerk", "文书")]
    assert zfb["people"][0]["pinyin"] == "li ming" and zfb["people"][0]["is_bot"] is False
    everyone = {p["username"] for u in units.values() for p in u["people"]}
    assert "staff6" not in everyone, "an inactive account is left out"
    assert not any(User.objects.get(username=n).is_bot for n in everyone)
    assert units["town3"]["people"] == []
    assert Client().get("/api/v1/directory").status_code == 401


def test_one_person_with_units_roles_and_presence(api: Any, demo: Any) -> None:
    leader = api("staff6").get("/users/leader").json()
    assert leader["display_name"] == "李明" and leader["pinyin"] == "li ming"
    assert {(u["code"], u["role"]) for u in leader["units"]} == {("zfb", "leader"),
                                                                 ("qwb", "leader")}
    assert leader["presence"] == "offline"
    missing = api("staff6").get("/users/nobody")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    from hub.org.models import User

    User.objects.filter(username="staff5").update(is_active=False)
    assert api("staff6").get("/users/staff5").status_code == 404


def test_bots_are_always_online(api: Any, demo: Any) -> None:
    listed = {u["username"]: u for u in api("clerk").get("/users", presence=1).json()}
    assert listed["gongwen"]["is_bot"] and listed["gongwen"]["presence"] == "online"
    assert listed["clerk"]["presence"] == "offline"  # no socket open
    assert api("clerk").get("/users/shenpi").json()["presence"] == "online"
