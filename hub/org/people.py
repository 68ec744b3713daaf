"""What a unit's administrators (部门管理员) do to its people: add them, change their names,
titles, roles and units, reset their passwords, deactivate them with 工作移交. Each change is
one transaction ending with its audit entries (subject `unit:<id>` of every unit it touches,
so each unit's administrators read their own history)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from hub.lib.errors import ApiError, bad_request, forbidden
from hub.org import access, actions, handover
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{1,149}$")
# The protocol's role names; "staff" is the stored name of "member".
ROLES: dict[str, str] = {"member": UnitMembership.Role.STAFF, "staff": UnitMembership.Role.STAFF,
         "clerk": UnitMembership.Role.CLERK, "leader": UnitMembership.Role.LEADER,
         "admin": UnitMembership.Role.ADMIN}
ROLE_NAMES: dict[str, str] = {UnitMembership.Role.STAFF: "member", UnitMembership.Role.CLERK: "clerk",
              UnitMembership.Role.LEADER: "leader", UnitMembership.Role.ADMIN: "admin"}
ROLE_LABELS = {"member": "办事员", "clerk": "收发员", "leader": "领导", "admin": "单位管理员"}
# Letters and digits that cannot be mistaken for one another when read aloud or copied.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """A password shown once to the administrator, to be changed at first login."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def role_of(name: str) -> str:
    role = ROLES.get(name)
    if role is None:
        raise bad_request(f"角色无效：{name}（可选 member、clerk、leader、admin）")
    return role


def check_password(password: str, *, user: User | None = None) -> None:
    """Django's validators (length, common, numeric, similarity), in Chinese, as 400."""
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise bad_request("密码不符合要求：" + "；".join(exc.messages)) from exc


def _audit(*, actor: User, units: list[int], event: str, person: User,
           data: dict[str, Any] | None = None) -> None:
    payload = {"user": person.username, "name": person.name, **(data or {})}
    audit.append([audit.Event(event=event, subject=f"unit:{uid}", actor_id=actor.id,
                              data=payload) for uid in sorted(set(units))])


def _role_holders(unit_ids: set[int]) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for unit_id, role in UnitMembership.objects.filter(
            unit_id__in=unit_ids, user__is_active=True,
            role__in=[UnitMembership.Role.CLERK, UnitMembership.Role.ADMIN]).values_list(
            "unit_id", "role"):
        counts[(unit_id, role)] = counts.get((unit_id, role), 0) + 1
    return counts


def _keep_clerks_and_admins(unit_ids: set[int], before: dict[tuple[int, str], int]) -> None:
    """Raise `conflict` (rolling the change back) when a unit that had a clerk or an admin
    has none left."""
    after = _role_holders(unit_ids)
    for (unit_id, role), count in before.items():
        if count and not after.get((unit_id, role)):
            unit = Unit.objects.get(id=unit_id)
            what = "收发员" if role == UnitMembership.Role.CLERK else "单位管理员"
            raise ApiError("conflict", f"「{unit.name}」将没有{what}：请先指定另一位{what}")


@dataclass
class Added:
    user: User
    initial_password: str | None = None


def add_person(*, actor: User, unit: Unit, username: str, display_name: str, title: str = "",
               role: str = "member", password: str | None = None) -> Added:
    """A new account in `unit` (which the caller manages, checked by the caller). With no
    password one is generated and answered once; either way the person must change it at
    first login."""
    stored_role = role_of(role)
    if stored_role == UnitMembership.Role.ADMIN and not access.can_grant_admin(actor):
        raise forbidden("授予单位管理员角色需要区级权限")
    username = username.strip()
    if not USERNAME.match(username):
        raise bad_request("用户名须为 2–150 个字母、数字或 _ . @ + -，以字母或数字开头")
    display_name = display_name.strip()
    if not display_name:
        raise bad_request("姓名不能为空")
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ApiError("conflict", f"用户名 {username} 已被使用")
        user = User(username=username, display_name=display_name[:64], title=title.strip()[:64],
                    must_change_password=True)
        initial = None
        if password:
            check_password(password, user=user)
        else:
            initial = password = generate_password()
        user.set_password(password)
        user.save()
        actions.set_unit_membership(unit=unit, user=user, role=stored_role)
        _audit(actor=actor, units=[unit.id], event="org.person_added", person=user,
               data={"role": ROLE_NAMES[stored_role], "title": user.title})
    return Added(user=user, initial_password=initial)


@dataclass
class UnitChange:
    unit: Unit
    role: str | None  # stored role, None to keep the person's present role (member if new)


def parse_units(items: list[Any]) -> list[UnitChange]:
    """`units` of a PATCH: unit codes, or objects with `code` (or `unit`) and `role`."""
    out: list[UnitChange] = []
    codes: set[str] = set()
    for item in items:
        code: Any
        role: Any
        if isinstance(item, str):
            code, role = item, None
        elif isinstance(item, dict):
            code = item.get("code") or item.get("unit")
            if isinstance(code, dict):
                code = code.get("code")
            role = item.get("role")
        else:
            raise bad_request("units 的每项须为单位代码或 {\"code\", \"role\"}")
        if not isinstance(code, str) or not code:
            raise bad_request("units 的每项须有单位代码")
        if code in codes:
            raise bad_request(f"单位 {code} 重复")
        codes.add(code)
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise bad_request(f"单位 {code} 不存在")
        out.append(UnitChange(unit=unit, role=role_of(role) if role else None))
    return out


@dataclass
class Updated:
    user: User
    handover: dict[str, int] = field(default_factory=dict)


def update_person(*, actor: User, person: User, display_name: str | None = None,
                  title: str | None = None, active: bool | None = None,
                  units: list[UnitChange] | None = None,
                  successor: User | None = None) -> Updated:
    """Change a person the caller manages (checked by the caller with access_person). Moving
    them between units needs the caller to manage every unit they leave or join; granting
    `admin` needs the district permission; a unit keeps at least one clerk and one admin.
    Deactivating revokes their tokens, ends their sessions, closes their sockets and, with a
    `successor`, hands their pending work over (工作移交)."""
    managed = access.managed_unit_ids(actor)
    result = Updated(user=person)
    with transaction.atomic():
        person = User.objects.select_for_update().get(id=person.id)
        result.user = person
        present = {m.unit_id: m for m in UnitMembership.objects.filter(user=person)}
        touched = set(present)
        if units is not None:
            touched |= {c.unit.id for c in units}
        before = _role_holders(touched)
        events: list[tuple[str, list[int], dict[str, Any]]] = []
        fields: list[str] = []
        if display_name is not None and display_name.strip() != person.display_name:
            if not display_name.strip():
                raise bad_request("姓名不能为空")
            events.append(("org.person_renamed", list(present),
                           {"from": person.display_name, "to": display_name.strip()}))
            person.display_name = display_name.strip()[:64]
            fields.append("display_name")
        if title is not None and title.strip() != person.title:
            events.append(("org.person_retitled", list(present),
                           {"from": person.title, "to": title.strip()}))
            person.title = title.strip()[:64]
            fields.append("title")
        if fields:
            person.save(update_fields=fields)
        if units is not None:
            wanted = {c.unit.id: c for c in units}
            for unit_id in (set(present) | set(wanted)):
                old = present.get(unit_id)
                change = wanted.get(unit_id)
                new_role = None if change is None else (
                    change.role or (old.role if old else UnitMembership.Role.STAFF))
                if old is not None and new_role == old.role:
                    continue
                if unit_id not in managed:
                    name = (change.unit.name if change else old.unit.name)  # type: ignore[union-attr]
                    raise forbidden(f"您不是「{name}」的单位管理员")
                if new_role == UnitMembership.Role.ADMIN and not access.can_grant_admin(actor):
                    raise forbidden("授予单位管理员角色需要区级权限")
                if change is None:
                    actions.remove_unit_membership(unit=old.unit, user=person)  # type: ignore[union-attr]
                    events.append(("org.person_left_unit", [unit_id],
                                   {"role": ROLE_NAMES.get(old.role, old.role)}))  # type: ignore[union-attr]
                else:
                    assert new_role is not None
                    actions.set_unit_membership(unit=change.unit, user=person, role=new_role)
                    events.append((
                        "org.person_joined_unit" if old is None else "org.person_role_changed",
                        [unit_id], {"role": ROLE_NAMES.get(new_role, new_role),
                                    **({"from": ROLE_NAMES.get(old.role)} if old else {})}))
            if not UnitMembership.objects.filter(user=person).exists() and not actor.is_superuser:
                raise bad_request("人员至少属于一个单位；停用账号请用 active: false")
        if active is not None and active != person.is_active:
            units_now = list(UnitMembership.objects.filter(user=person)
                             .values_list("unit_id", flat=True))
            if not active:
                if person.id == actor.id:
                    raise bad_request("不能停用自己的账号")
                if successor is not None:
                    if successor.id == person.id or not successor.is_active:
                        raise bad_request("移交对象须是另一位在职人员")
                    result.handover = handover.transfer(source=person, target=successor,
                                                        actor=actor)
                User.objects.filter(id=person.id).update(is_active=False)
                person.is_active = False
                actions.end_all_sessions(user=person)
                events.append(("org.person_deactivated", units_now, {
                    "successor": successor.username if successor else None,
                    "handover": result.handover}))
            else:
                User.objects.filter(id=person.id).update(is_active=True)
                person.is_active = True
                events.append(("org.person_reactivated", units_now, {}))
        elif successor is not None:
            raise bad_request("successor 只在停用账号（active: false）时使用")
        _keep_clerks_and_admins(touched, before)
        for event, unit_ids, data in events:
            _audit(actor=actor, units=unit_ids or list(touched), event=event, person=person,
                   data=data)
    return result


def reset_password(*, actor: User, person: User, password: str | None) -> str | None:
    """An administrator sets the person's password (generated when not given, then answered
    once): every token and session of theirs ends, and they must change it at first login."""
    if person.auth_source == "ldap":
        raise ApiError("conflict", "该账号通过目录服务（LDAP）登录，密码须在目录中修改")
    shown = None
    if password:
        check_password(password, user=person)
    else:
        shown = password = generate_password()
    with transaction.atomic():
        person = User.objects.select_for_update().get(id=person.id)
        person.set_password(password)
        person.must_change_password = True
        person.save(update_fields=["password", "must_change_password"])
        actions.end_all_sessions(user=person)
        units = list(UnitMembership.objects.filter(user=person).values_list("unit_id", flat=True))
        _audit(actor=actor, units=units, event="org.password_reset", person=person)
    return shown


def change_own_password(*, user: User, old_password: str, password: str,
                        token_id: int | None, session_key: str | None) -> None:
    """The person sets their own password: the old one must match and the new one pass the
    validators and differ from it. Every other token and session of theirs ends; the one
    used for the change goes on."""
    if user.auth_source == "ldap":
        raise ApiError("conflict", "该账号通过目录服务（LDAP）登录，密码须在目录中修改")
    if not user.check_password(old_password or ""):
        raise bad_request("原密码不正确")
    if old_password == password:
        raise bad_request("新密码不能与原密码相同")
    check_password(password, user=user)
    with transaction.atomic():
        person = User.objects.select_for_update().get(id=user.id)
        person.set_password(password)
        person.must_change_password = False
        person.save(update_fields=["password", "must_change_password"])
        actions.end_all_sessions(user=person, keep_token=token_id, keep_session=session_key)
        audit.append([audit.Event(event="org.password_changed", subject=f"user:{person.id}",
                                  actor_id=person.id, data={})])
    user.password = person.password
    user.must_change_password = False


def set_first_password(*, user: User, password: str, session_key: str | None) -> None:
    """The person replaces the password an administrator gave them (validated by the form):
    their other tokens and sessions end; this browser goes on."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(id=user.id)
        person.set_password(password)
        person.must_change_password = False
        person.save(update_fields=["password", "must_change_password"])
        actions.end_all_sessions(user=person, keep_session=session_key)
        audit.append([audit.Event(event="org.password_changed", subject=f"user:{person.id}",
                                  actor_id=person.id, data={"first": True})])
    user.password = person.password
    user.must_change_password = False


def end_sessions(*, actor: User, person: User) -> None:
    """An administrator ends every session of the person (tokens, browsers, sockets)."""
    with transaction.atomic():
        actions.end_all_sessions(user=person)
        units = list(UnitMembership.objects.filter(user=person).values_list("unit_id", flat=True))
        _audit(actor=actor, units=units, event="org.sessions_ended", person=person)


# --- the unit tree (the system administrator) ------------------------------------------------------
def _check_parent(unit: Unit | None, parent: Unit | None) -> None:
    node = parent
    while node is not None:
        if unit is not None and node.id == unit.id:
            raise bad_request("不能把单位移到它自己或它的下级单位之下")
        node = node.parent


def save_unit(*, actor: User, unit: Unit | None, code: str | None = None, name: str | None = None,
              short_name: str | None = None, kind: str | None = None,
              parent: Unit | None | bool = False, sort_order: int | None = None) -> Unit:
    """Add a unit (unit None) or change one: only the superuser; its room follows its name.
    `parent` False leaves it where it is; None puts it at the top."""
    from hub.chat.actions import sync_unit_room

    if not actor.is_superuser:
        raise forbidden("只有系统管理员可以调整单位")
    if kind is not None and kind not in Unit.Kind.values:
        raise bad_request(f"单位类别无效（可选 {'、'.join(Unit.Kind.values)}）")
    with transaction.atomic():
        if unit is None:
            if not code or not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}$", code):
                raise bad_request("单位代码须为 1–32 个小写字母、数字、_ 或 -")
            if Unit.objects.filter(code=code).exists():
                raise ApiError("conflict", f"单位代码 {code} 已存在")
            if not name or not kind:
                raise bad_request("新单位须有名称和类别")
            unit = Unit(code=code, name=name.strip()[:100], kind=kind)
            event = "org.unit_added"
        else:
            unit = Unit.objects.select_for_update().get(id=unit.id)
            event = "org.unit_changed"
        if name is not None:
            if not name.strip():
                raise bad_request("单位名称不能为空")
            unit.name = name.strip()[:100]
        if short_name is not None:
            unit.short_name = short_name.strip()[:50]
        if kind is not None:
            unit.kind = kind
        if isinstance(parent, Unit) or parent is None:
            _check_parent(unit if unit.pk else None, parent)
            unit.parent = parent
        if sort_order is not None:
            unit.sort_order = sort_order
        unit.save()
        sync_unit_room(unit=unit)
        audit.append([audit.Event(event=event, subject=f"unit:{unit.id}", actor_id=actor.id,
                                  data={"code": unit.code, "name": unit.name, "kind": unit.kind,
                                        "parent": unit.parent_id, "sort_order": unit.sort_order})])
    return unit


def merge_unit(*, actor: User, source: Unit, target: Unit) -> int:
    """Merge `source` into `target`: its people join the target with their roles (a higher
    role already held there is kept), its sub-units move under the target, and it leaves the
    tree (`merged_into`; it stays in the records under its name, its room keeps its history). Answers how
    many people moved."""
    from hub.chat.actions import sync_unit_room

    if not actor.is_superuser:
        raise forbidden("只有系统管理员可以合并单位")
    if source.id == target.id:
        raise bad_request("不能把单位合并到它自己")
    if source.merged_into_id or target.merged_into_id:
        raise ApiError("conflict", "该单位已并入其他单位")
    _check_parent(source, target)
    rank: dict[str, int] = {UnitMembership.Role.ADMIN: 3, UnitMembership.Role.LEADER: 2,
            UnitMembership.Role.CLERK: 1, UnitMembership.Role.STAFF: 0}
    with transaction.atomic():
        moved = 0
        there = {m.user_id: m.role for m in UnitMembership.objects.filter(unit=target)}
        for m in UnitMembership.objects.filter(unit=source):
            if rank.get(m.role, 0) > rank.get(there.get(m.user_id, ""), -1):
                UnitMembership.objects.update_or_create(unit=target, user_id=m.user_id,
                                                        defaults={"role": m.role})
            moved += 1
        UnitMembership.objects.filter(unit=source).delete()
        Unit.objects.filter(parent=source).update(parent=target)
        Unit.objects.filter(id=source.id).update(merged_into=target)
        sync_unit_room(unit=target)
        sync_unit_room(unit=source)
        audit.append([audit.Event(event=ev, subject=f"unit:{uid}", actor_id=actor.id,
                                  data={"source": source.code, "target": target.code,
                                        "people": moved})
                      for ev, uid in (("org.unit_merged_away", source.id),
                                      ("org.unit_merged_in", target.id))])
    return moved
