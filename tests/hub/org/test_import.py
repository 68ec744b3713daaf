"""Importing a unit's people from the template: a dry run first, then all rows or none;
per-row errors for unknown units, duplicate usernames and other units' people; idempotent."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["用户名", "姓名", "职务", "单位代码", "角色", "初始密码"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api: Any, data: bytes, *, name: str = "people.xlsx", dry_run: bool = False,
           unit: str = "wsj") -> Any:
    admin = api("wsjadmin")
    path = f"/api/v1/units/{unit}/people/import" + ("?dry_run=1" if dry_run else "")
    return admin.client.post(path, {"file": SimpleUploadedFile(name, data)},
                             headers=admin.headers)


def twenty() -> list[list[str]]:
    return [[f"wsj{n:02d}", f"卫生{n:02d}", "科员", "", "办事员", ""] for n in range(1, 21)]


def test_the_template_downloads_in_both_formats(api: Any) -> None:
    admin = api("wsjadmin")
    got = admin.get("/units/wsj/people/template.xlsx")
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.content))
    assert [c.value for c in book["人员"][1]] == ["用户名", "姓名", "职务", "单位代码", "角色",
                                                 "初始密码"]
    text = admin.get("/units/wsj/people/template.csv").content.decode("utf-8-sig")
    assert text.startswith("用户名,姓名")
    assert api("staff3").get("/units/wsj/people/template.xlsx").status_code == 403


def test_twenty_people_dry_run_then_import_then_again_unchanged(api: Any) -> None:
    from hub.org.models import User

    data = xlsx(twenty())
    dry = upload(api, data, dry_run=True)
    assert dry.status_code == 200, dry.content
    assert dry.json()["counts"] == {"create": 20, "update": 0, "unchanged": 0, "error": 0}
    assert not User.objects.filter(username="wsj01").exists()
    done = upload(api, data)
    assert done.status_code == 200, done.content
    created = done.json()["created"]
    assert len(created) == 20 and all(len(c["initial_password"]) >= 10 for c in created)
    assert User.objects.filter(username__regex=r"^wsj[0-9]", must_change_password=True,
                               unit_memberships__unit__code="wsj").count() == 20
    # Again: nothing to do. With one title changed: one update.
    again = upload(api, data, dry_run=True).json()["counts"]
    assert again == {"create": 0, "update": 0, "unchanged": 20, "error": 0}
    rows = twenty()
    rows[4][2] = "副科长"
    changed = upload(api, xlsx(rows))
    assert changed.json()["counts"]["update"] == 1
    assert User.objects.get(username="wsj05").title == "副科长"


def test_bad_rows_are_reported_each_and_nothing_is_stored(api: Any) -> None:
    from hub.org.models import User

    rows = twenty()
    rows.append(["wsj03", "重复", "", "", "", ""])           # duplicate in the file
    rows.append(["newbie", "新人", "", "nosuch", "", ""])     # unknown unit
    rows.append(["staff3", "王五", "", "", "", ""])           # another unit's person
    rows.append(["other", "别人", "", "wtj", "", ""])         # a unit not managed
    rows.append(["boss", "老板", "", "", "单位管理员", ""])    # admin needs the district
    rows.append(["weak", "弱密码", "", "", "", "12345678"])   # weak password
    rows.append(["bad name!", "坏名", "", "", "", ""])
    rows.append(["norole", "无角色", "", "", "局长", ""])
    response = upload(api, xlsx(rows))
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["counts"]["error"] == 8 and body["counts"]["create"] == 20
    errors = {r["row"]: r["errors"] for r in body["rows"] if r["errors"]}
    assert "与第 4 行重复" in errors[22][0]
    assert "nosuch" in errors[23][0]
    assert "其他单位" in errors[24][0]
    assert "不能管理" in errors[25][0]
    assert "区级权限" in errors[26][0]
    assert "密码" in errors[27][0]
    assert set(errors) == set(range(22, 30))
    assert not User.objects.filter(username__regex=r"^wsj[0-9]").exists()


def test_csv_in_gbk_as_excel_saves_it(api: Any) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["用户名", "姓名", "职务", "单位代码", "角色", "初始密码"])
    writer.writerow(["gbk1", "高博", "科员", "wsj", "收发员", ""])
    response = upload(api, out.getvalue().encode("gb18030"), name="人员.csv")
    assert response.status_code == 200, response.content
    people = api("wsjadmin").get("/units/wsj/people").json()["people"]
    assert {"username": "gbk1", "role": "clerk"}.items() <= next(
        p for p in people if p["username"] == "gbk1").items()


def test_a_failure_while_applying_rolls_everything_back(api: Any) -> None:
    """The only clerk demoted in the same file as new people: the unit would lose its
    clerk, so nobody is created either."""
    from hub.org.models import User

    rows = twenty() + [["staff2", "李四", "办公室主任", "", "办事员", ""]]
    response = upload(api, xlsx(rows))
    assert response.status_code == 409
    assert not User.objects.filter(username__startswith="wsj0").exists()


def test_the_directory_exports_as_csv(api: Any) -> None:
    got = api("staff1").get("/directory.csv")
    text = got.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "单位,单位代码,姓名,用户名,职务,角色"
    assert "周敏,wsjadmin" in text
