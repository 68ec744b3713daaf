"""HTTP endpoints for authentication, the caller, people and units."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse

from hub.chat import presence
from hub.chat.schemas import TokenIn
from hub.chat.serializers import user_full
from hub.lib.errors import ApiError
from hub.lib.http import bearer_token, endpoint, parse_body
from hub.org import access, actions, handover, imports, people, selectors
from hub.org.models import Unit, UnitMembership, User
from hub.org.schemas import MergeIn, PasswordIn, PersonIn, PersonPatch, UnitIn, UnitPatch


@endpoint("POST", "DELETE", auth=False)
def token(request: HttpRequest, user: None) -> Any:
    if request.method == "DELETE":
        value = bearer_token(request)
        if not value or not actions.revoke_token(token=value):
            raise ApiError("unauthorized", "令牌无效或已失效")
        return 204, None
    data = parse_body(request, TokenIn)
    found = actions.log_in(request=request, username=data.username, password=data.password,
                           via="token")
    full = User.objects.prefetch_related("unit_memberships__unit").get(id=found.id)
    return 200, {"token": actions.issue_token(user=found), "user": _me(full)}


def _me(user: User) -> dict[str, Any]:
    return {**user_full(user), "must_change_password": user.must_change_password}


@endpoint("GET", password_change_ok=True)
def me(request: HttpRequest, user: User) -> Any:
    full = User.objects.prefetch_related("unit_memberships__unit").get(id=user.id)
    return 200, _me(full)


@endpoint("GET")
def users(request: HttpRequest, user: User) -> Any:
    query = request.GET.get("q", "").strip()[:64]
    found = selectors.search_people(viewer=user, query=query, limit=50 if query else 1000)
    if request.GET.get("presence"):
        states = presence.statuses([u["id"] for u in found])
        for item in found:
            item["presence"] = states[item["id"]]
    return 200, found


@endpoint("GET")
def user_detail(request: HttpRequest, user: User, username: str) -> Any:
    return 200, selectors.person(username=username)


@endpoint("GET")
def directory(request: HttpRequest, user: User) -> Any:
    return 200, selectors.directory(with_presence=bool(request.GET.get("presence")))


def _unit(u: Unit) -> dict[str, Any]:
    return {"id": u.id, "code": u.code, "name": u.name, "short_name": u.short_name,
            "kind": u.kind, "parent": u.parent_id, "sort_order": u.sort_order}


@endpoint("GET", "POST")
def units(request: HttpRequest, user: User) -> Any:
    if request.method == "POST":
        data = parse_body(request, UnitIn)
        parent = _parent(data.parent) if data.parent is not None else None
        return 201, _unit(people.save_unit(
            actor=user, unit=None, code=data.code, name=data.name, short_name=data.short_name,
            kind=data.kind, parent=parent, sort_order=data.sort_order))
    return 200, [_unit(u) for u in Unit.objects.filter(merged_into__isnull=True)]


def _parent(code: str) -> Unit:
    parent = Unit.objects.filter(code=code, merged_into__isnull=True).first()
    if parent is None:
        raise ApiError("bad_request", f"上级单位 {code} 不存在")
    return parent


def _any_unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code, merged_into__isnull=True).first()
    if unit is None:
        raise ApiError("not_found", "单位不存在或无权访问")
    return unit


@endpoint("PATCH")
def unit_detail(request: HttpRequest, user: User, code: str) -> Any:
    """The system administrator renames, moves, reorders or re-kinds a unit."""
    unit = _any_unit(code)
    data = parse_body(request, UnitPatch)
    fields = data.model_fields_set
    parent: Any = False
    if "parent" in fields:
        parent = _parent(data.parent) if data.parent else None
    return 200, _unit(people.save_unit(
        actor=user, unit=unit, name=data.name, short_name=data.short_name, kind=data.kind,
        parent=parent, sort_order=data.sort_order))


@endpoint("POST")
def unit_merge(request: HttpRequest, user: User, code: str) -> Any:
    source = _any_unit(code)
    data = parse_body(request, MergeIn)
    target = _any_unit(data.into)
    moved = people.merge_unit(actor=user, source=source, target=target)
    return 200, {"unit": _unit(target), "people_moved": moved}


# --- 部门管理员: a unit's people ---------------------------------------------------------------
def _username(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("username")
    if not isinstance(value, str) or not value:
        raise ApiError("bad_request", "应为用户名或带 username 的对象")
    return value


@endpoint("GET", "POST")
def unit_people(request: HttpRequest, user: User, code: str) -> Any:
    if request.method == "GET":
        unit = access.access_unit(user=user, code=code, manage=False)
        return 200, selectors.unit_people(viewer=user, unit=unit)
    unit = access.access_unit(user=user, code=code)
    data = parse_body(request, PersonIn)
    added = people.add_person(actor=user, unit=unit, username=data.username,
                              display_name=data.display_name, title=data.title, role=data.role,
                              password=data.password)
    body: dict[str, Any] = {"user": selectors.managed_person(added.user)}
    if added.initial_password:
        body["initial_password"] = added.initial_password
    return 201, body


@endpoint("GET", "PATCH")
def person(request: HttpRequest, user: User, username: str) -> Any:
    target = access.access_person(user=user, username=username)
    if request.method == "GET":
        return 200, {**selectors.managed_person(target),
                     "pending": handover.pending(target) if target.is_active else []}
    data = parse_body(request, PersonPatch)
    successor = None
    if data.successor is not None:
        successor = access.access_person(user=user, username=_username(data.successor))
    updated = people.update_person(
        actor=user, person=target, display_name=data.display_name, title=data.title,
        active=data.active, units=people.parse_units(data.units) if data.units is not None
        else None, successor=successor)
    return 200, {**selectors.managed_person(updated.user), "handover": updated.handover}


@endpoint("POST", password_change_ok=True)
def person_password(request: HttpRequest, user: User, username: str) -> Any:
    data = parse_body(request, PasswordIn)
    if username == user.username:
        if data.old_password is None or not data.password:
            raise ApiError("bad_request", "修改自己的密码须提供 old_password 和 password")
        session = getattr(request, "session", None)
        token_id = getattr(request, "auth_token_id", None)
        people.change_own_password(
            user=user, old_password=data.old_password, password=data.password,
            token_id=token_id,
            session_key=session.session_key if session is not None and token_id is None
            else None)
        if token_id is None and session is not None:
            update_session_auth_hash(request, user)
        return 200, {"user": _me(User.objects.prefetch_related("unit_memberships__unit")
                                 .get(id=user.id))}
    target = access.access_person(user=user, username=username)
    shown = people.reset_password(actor=user, person=target, password=data.password)
    return 200, {"user": selectors.managed_person(target),
                 **({"initial_password": shown} if shown else {})}


@endpoint("POST")
def person_sessions_end(request: HttpRequest, user: User, username: str) -> Any:
    target = access.access_person(user=user, username=username)
    people.end_sessions(actor=user, person=target)
    return 204, None


@endpoint("GET")
def unit_audit(request: HttpRequest, user: User, code: str) -> Any:
    unit = access.access_unit(user=user, code=code)
    return 200, selectors.unit_audit(unit=unit, limit=200)


@endpoint("GET")
def managed_units(request: HttpRequest, user: User) -> Any:
    """The units the caller administers, with whether they may grant `admin`."""
    ids = access.managed_unit_ids(user)
    return 200, {"units": [{"id": u.id, "code": u.code, "name": u.name, "parent": u.parent_id}
                           for u in Unit.objects.filter(id__in=ids, merged_into__isnull=True)],
                 "can_grant_admin": access.can_grant_admin(user),
                 "can_edit_tree": user.is_superuser}


@endpoint("GET")
def people_template(request: HttpRequest, user: User, code: str, fmt: str) -> Any:
    access.access_unit(user=user, code=code)
    if fmt not in {"xlsx", "csv"}:
        raise ApiError("not_found", "模板只有 xlsx 和 csv 两种")
    data, mime = imports.template(fmt)
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = (
        f"attachment; filename=\"people-{code}.{fmt}\"; "
        f"filename*=UTF-8''{quote(f'人员导入模板-{code}.{fmt}')}")
    return response


@endpoint("POST")
def people_import(request: HttpRequest, user: User, code: str) -> Any:
    """Multipart `file` (the template, XLSX or CSV); `?dry_run=1` only shows what would
    change. Any row in error: 400 with every row, nothing stored."""
    unit = access.access_unit(user=user, code=code)
    upload = request.FILES.get("file")
    if upload is None:
        raise ApiError("bad_request", "请上传文件（字段 file）")
    rows = imports.check(actor=user, unit=unit,
                         rows=imports.read_rows(name=upload.name or "", data=upload.read()))
    dry_run = request.GET.get("dry_run") in {"1", "true", "yes"}
    body: dict[str, Any] = {"dry_run": dry_run, "counts": imports.summary(rows),
                            "rows": [r.as_dict() for r in rows]}
    if any(r.errors for r in rows):
        raise ApiError("bad_request", f"有 {body['counts']['error']} 行错误，未导入任何人员",
                       **{k: v for k, v in body.items() if k != "dry_run"})
    if dry_run:
        return 200, body
    body["created"] = imports.apply(actor=user, unit=unit, rows=rows)
    return 200, body


@endpoint("GET")
def directory_csv(request: HttpRequest, user: User) -> Any:
    """The directory (通讯录) as CSV, UTF-8 with BOM for Excel."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["单位", "单位代码", "姓名", "用户名", "职务", "角色"])
    labels = dict(UnitMembership.Role.choices)
    for unit in selectors.directory()["units"]:
        for p in unit["people"]:
            writer.writerow([unit["name"], unit["code"], p["display_name"], p["username"],
                             p["title"], labels.get(p["role"], p["role"])])
    response = HttpResponse(("\ufeff" + out.getvalue()).encode(),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        "attachment; filename=\"directory.csv\"; "
        f"filename*=UTF-8''{quote('通讯录.csv')}")
    return response
