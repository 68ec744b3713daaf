"""Importing a unit's people from the template (XLSX or CSV): read, check every row, show
what would change (a dry run), then apply all of it in one transaction or nothing.

Idempotent: a row that matches a person as they are changes nothing; a row for a person of a
unit the caller manages updates their name, title and role; a new username creates an account
with a generated password, shown once in the answer. Errors are per row (with the row number
as the spreadsheet shows it) and any error stops the whole import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower

from hub.lib.errors import ApiError, bad_request
from hub.org import access, people
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit

COLUMNS = ["用户名", "姓名", "职务", "单位代码", "角色", "初始密码"]
KEYS = ["username", "display_name", "title", "unit", "role", "password"]
# Also accepted as headers: the English keys.
HEADER_ALIASES = {**dict(zip(COLUMNS, KEYS, strict=True)), **{k: k for k in KEYS}}
ROLE_WORDS = {"办事员": "member", "成员": "member", "收发员": "clerk", "领导": "leader",
              "单位管理员": "admin", "管理员": "admin", "": "member"}
MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024


def template(fmt: str) -> tuple[bytes, str]:
    """The empty template with its headers (and, in XLSX, a sheet explaining the columns)."""
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerow(COLUMNS)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(COLUMNS)
    for col, width in zip("ABCDEF", (16, 12, 20, 14, 12, 18), strict=True):
        sheet.column_dimensions[col].width = width
    notes = book.create_sheet("说明")
    for line in (
        ["列", "说明"],
        ["用户名", "必填；2–150 个字母、数字或 _ . @ + -，以字母或数字开头；全区唯一"],
        ["姓名", "必填"],
        ["职务", "可空"],
        ["单位代码", "可空，空则为导入所在单位；须为您管理的单位"],
        ["角色", "办事员、收发员、领导或单位管理员（空则为办事员）；授予单位管理员需要区级权限"],
        ["初始密码", "可空，空则自动生成；首次登录须修改"],
    ):
        notes.append(line)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(*, name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, {key: text}) for each non-empty row after the header."""
    if len(data) > MAX_BYTES:
        raise ApiError("too_large", "导入文件不能超过 2 MB")
    table: list[list[str]]
    if name.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise bad_request("无法读取该 XLSX 文件，请使用下载的模板") from exc
        sheet = book["人员"] if "人员" in book.sheetnames else book.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append([_cell(v) for v in row])
            if len(table) > MAX_ROWS + 1:
                break
        book.close()
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise bad_request("CSV 文件须为 UTF-8 或 GBK 编码")
        if "\x00" in text:
            raise bad_request("文件中不能含有 NUL 字符")
        table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    if not table:
        raise bad_request("文件是空的")
    header = [HEADER_ALIASES.get(h.strip()) for h in table[0]]
    if "username" not in header or "display_name" not in header:
        raise bad_request("第 1 行须为模板的列名：" + "、".join(COLUMNS))
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue
        rows.append((number, {key: (raw[i] if i < len(raw) else "")
                              for i, key in enumerate(header) if key}))
    if len(rows) > MAX_ROWS:
        raise bad_request(f"一次最多导入 {MAX_ROWS} 人")
    if not rows:
        raise bad_request("文件中没有人员")
    return rows


@dataclass
class Row:
    row: int
    username: str
    display_name: str
    title: str
    unit: str
    role: str
    action: str = ""
    errors: list[str] = field(default_factory=list)
    password: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "username": self.username, "display_name": self.display_name,
                "title": self.title, "unit": self.unit, "role": self.role,
                "action": self.action or "error", "errors": self.errors}


def check(*, actor: User, unit: Unit, rows: list[tuple[int, dict[str, str]]]) -> list[Row]:
    """Every row with what it would do (`create`, `update`, `unchanged`) or its errors."""
    managed = access.managed_unit_ids(actor)
    grant = access.can_grant_admin(actor)
    units = {u.code: u for u in Unit.objects.all()}
    names = [r.get("username", "").strip() for _, r in rows]
    # Matched without regard to case, so that "Zhang" cannot sit beside "zhang".
    existing = {u.username.lower(): u for u in User.objects.annotate(
        lname=Lower("username")).filter(lname__in=[n.lower() for n in names if n])}
    memberships: dict[int, dict[int, str]] = {}
    for m in UnitMembership.objects.filter(user__in=list(existing.values())):
        memberships.setdefault(m.user_id, {})[m.unit_id] = m.role
    seen: dict[str, int] = {}
    out: list[Row] = []
    for number, raw in rows:
        role_word = raw.get("role", "").strip()
        row = Row(row=number, username=raw.get("username", "").strip(),
                  display_name=raw.get("display_name", "").strip(),
                  title=raw.get("title", "").strip(), unit=raw.get("unit", "").strip() or unit.code,
                  role=ROLE_WORDS.get(role_word, role_word.lower()),
                  password=raw.get("password", "").strip())
        out.append(row)
        if not row.username:
            row.errors.append("用户名为空")
        elif not people.USERNAME.match(row.username):
            row.errors.append("用户名须为 2–150 个字母、数字或 _ . @ + -")
        elif row.username.lower() in seen:
            row.errors.append(f"用户名与第 {seen[row.username.lower()]} 行重复")
        else:
            seen[row.username.lower()] = number
        if not row.display_name:
            row.errors.append("姓名为空")
        if len(row.display_name) > 64 or len(row.title) > 64:
            row.errors.append("姓名和职务最多 64 个字符")
        target = units.get(row.unit)
        if target is None:
            row.errors.append(f"单位代码 {row.unit} 不存在")
        elif target.id not in managed:
            row.errors.append(f"您不能管理「{target.name}」的人员")
        if row.role not in people.ROLES:
            row.errors.append(f"角色「{role_word}」无效（办事员、收发员、领导、单位管理员）")
        elif row.role == "admin" and not grant:
            row.errors.append("授予单位管理员角色需要区级权限")
        if row.errors or target is None:
            continue
        stored_role = people.ROLES[row.role]
        user = existing.get(row.username.lower())
        if user is None:
            if row.password:
                try:
                    people.check_password(row.password, user=User(
                        username=row.username, display_name=row.display_name))
                except ApiError as exc:
                    row.errors.append(exc.detail)
                    continue
            row.action = "create"
            continue
        if user.is_bot or user.is_external:
            row.errors.append(f"用户名 {row.username} 已被使用")
            continue
        if user.username != row.username:
            row.errors.append(f"用户名与已有账号 {user.username} 仅大小写不同")
            continue
        theirs = memberships.get(user.id, {})
        if not (set(theirs) & managed) and not actor.is_superuser:
            row.errors.append(f"用户名 {row.username} 已被其他单位的人员使用")
            continue
        same = (user.display_name == row.display_name and user.title == row.title
                and theirs.get(target.id) == stored_role)
        row.action = "unchanged" if same else "update"
        if row.password:
            row.errors.append("已有账号不能在导入时设置密码，请用“重置密码”")
            row.action = ""
    return out


def summary(rows: list[Row]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
    for row in rows:
        counts["error" if row.errors else row.action] += 1
    return counts


def apply(*, actor: User, unit: Unit, rows: list[Row]) -> list[dict[str, str]]:
    """Apply checked rows (none with errors) in one transaction; the generated passwords."""
    if any(r.errors for r in rows):
        raise bad_request("导入文件有错误，未导入任何人员")
    created: list[dict[str, str]] = []
    units = {u.code: u for u in Unit.objects.all()}
    with transaction.atomic():
        for row in rows:
            target = units[row.unit]
            if row.action == "create":
                added = people.add_person(actor=actor, unit=target, username=row.username,
                                          display_name=row.display_name, title=row.title,
                                          role=row.role, password=row.password or None)
                created.append({"username": row.username, "display_name": row.display_name,
                                "initial_password": added.initial_password or ""})
            elif row.action == "update":
                person = User.objects.get(username=row.username)
                present = {m.unit.code: m.role for m in
                           UnitMembership.objects.filter(user=person).select_related("unit")}
                present[row.unit] = people.ROLES[row.role]
                people.update_person(
                    actor=actor, person=person, display_name=row.display_name, title=row.title,
                    units=[people.UnitChange(unit=units[code], role=role)
                           for code, role in present.items()])
        audit.append([audit.Event(event="org.people_imported", subject=f"unit:{unit.id}",
                                  actor_id=actor.id, data=summary(rows))])
    return created
