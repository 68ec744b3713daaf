// 人员管理 (#/admin, #/admin/<unit code>): a unit administrator's people. The list with roles
// and states; add a person (the initial password is shown once); edit, reset a password,
// deactivate with 工作移交 to a colleague; import from the template (a dry run first, then
// all rows or none); the unit's history of these changes; the unit's 机关代字 (the prefix of its
// 发文字号, kept by the documents app: GET/PATCH /documents/units/{code}/settings, for the unit's
// admins and leaders and the system administrator, who also sets it in the unit tree).
// Everything goes through the protocol's endpoints, which check each unit and person again.

import { api, csrfToken, ApiError } from "../core/api.js";
import { h, icon } from "../core/dom.js";
import { fmt, gettext, ngettext, pgettext } from "../core/i18n.js";
import { back, navigate, registerPage } from "../shell/router.js";
import { boot } from "../shell/state.js";
import { closeDialog, errorText, openDialog, toast } from "../ui/dialogs.js";

const ROLES = ["member", "clerk", "leader", "admin"];
const ROLE_LABEL = {
  member: () => gettext("Staff"),
  staff: () => gettext("Staff"),
  clerk: () => gettext("Clerk"),
  leader: () => gettext("Leader"),
  admin: () => gettext("Unit administrator"),
};
const roleLabel = (role) => (ROLE_LABEL[role] ? ROLE_LABEL[role]() : role);

let pageEl = null;
let managed = null; // {units, can_grant_admin}
let unitCode = "";
let people = [];
let tab = "people";
let filter = "";

// Whether the caller administers a unit (the sidebar shows the page only to them).
export function isUnitAdmin(me = boot.me) {
  return Boolean(me && (me.manages_units || (me.units || []).some((u) => u.role === "admin") || me.is_superuser));
}

function ensureStyles() {
  if (document.getElementById("admin-css")) return;
  const version = (boot && boot.static_version) || "";
  document.head.append(h("link", { id: "admin-css", rel: "stylesheet", href: `/static/css/admin.css${version ? `?v=${version}` : ""}` }));
}

registerPage({
  name: "admin",
  path: ["admin", "admin/:unit"],
  title: () => gettext("People management"),
  sidebar: { label: () => gettext("People management"), icon: "users", order: 80, visible: () => isUnitAdmin() },
  async mount(el, params) {
    pageEl = el;
    ensureStyles();
    el.classList.add("adm-page");
    el.replaceChildren(h("div", { class: "doc-page-inner" }, h("p", { class: "adm-loading" }, gettext("Loading…"))));
    try {
      managed = await api("GET", "/units/managed");
    } catch (error) {
      el.replaceChildren(h("div", { class: "doc-page-inner" }, h("p", { class: "adm-empty", role: "alert" }, errorText(error))));
      return undefined;
    }
    await show(params.unit);
    return () => { pageEl = null; };
  },
  async update(params) {
    if (managed) await show(params.unit);
  },
});

async function show(code) {
  const units = managed.units || [];
  if (!units.length) {
    pageEl.replaceChildren(h("div", { class: "doc-page-inner" },
      h("p", { class: "adm-empty" }, gettext("You do not administer any unit."))));
    return;
  }
  const own = (boot.me.units || []).find((u) => u.role === "admin");
  unitCode = units.some((u) => u.code === code) ? code : (own && units.some((u) => u.code === own.code) ? own.code : units[0].code);
  await reload();
}

async function reload() {
  try {
    const answer = await api("GET", `/units/${encodeURIComponent(unitCode)}/people`);
    people = answer.people;
  } catch (error) {
    toast(errorText(error), "error");
    people = [];
  }
  draw();
}

function unitName(code = unitCode) {
  const unit = (managed.units || []).find((u) => u.code === code);
  return unit ? unit.name : code;
}

// --- the page ---------------------------------------------------------------------------------
function draw() {
  if (!pageEl) return;
  const units = managed.units || [];
  const picker = h("select", { id: "adm-unit", class: "adm-select", "aria-label": gettext("Unit"),
    onchange: (event) => navigate(`admin/${event.target.value}`) },
  units.map((u) => h("option", { value: u.code, selected: u.code === unitCode }, u.name)));
  const tabs = h("div", { class: "adm-tabs", role: "tablist" },
    [["people", gettext("People")], ["audit", gettext("History")],
      ...(managed.can_edit_tree ? [["units", gettext("Unit tree")]] : [])].map(([key, label]) => h("button", {
      type: "button", role: "tab", class: `adm-tab${tab === key ? " active" : ""}`, "aria-selected": String(tab === key),
      onclick: () => { tab = key; draw(); },
    }, label)));
  const actions = h("div", { class: "adm-actions" },
    h("button", { type: "button", class: "btn btn-primary", id: "adm-add", onclick: addDialog }, icon("plus", 16), gettext("Add person")),
    h("button", { type: "button", class: "btn btn-default", id: "adm-import", onclick: importDialog }, icon("upload", 16), gettext("Import")),
    h("a", { class: "btn btn-default", id: "adm-template", href: `/api/v1/units/${encodeURIComponent(unitCode)}/people/template.xlsx`, download: "" },
      icon("download", 16), gettext("Template")),
    h("a", { class: "btn btn-default adm-export", href: "/api/v1/directory.csv", download: "" }, icon("contacts", 16), gettext("Export directory")));
  const body = h("div", { class: "adm-body" });
  const unitInfo = h("div", { class: "adm-unitinfo", id: "adm-unit-info", hidden: true });
  pageEl.replaceChildren(h("div", { class: "doc-page-inner" },
    h("header", { class: "doc-page-head adm-head" },
      h("button", {
        type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), title: gettext("Back (Esc)"), onclick: back,
      }, icon("back", 22)),
      h("div", { class: "doc-page-heading" },
        h("h1", { id: "admin-page-title", tabindex: "-1" }, gettext("People management")),
        h("p", { class: "adm-sub" }, gettext("Add, change and deactivate the people of the units you administer."))),
      picker),
    h("div", { class: "doc-scroll" }, h("div", { class: "adm-content" }, unitInfo, h("div", { class: "adm-bar" }, tabs, actions), body))));
  drawNumberCode(unitInfo, unitCode);
  if (tab === "people") drawPeople(body);
  else if (tab === "units") drawUnits(body);
  else drawAudit(body);
}

// --- 机关代字 ------------------------------------------------------------------------------------------
// As the server checks it (bots/documents/rules.py NUMBER_CODE_RE): 1-16 Chinese characters,
// letters or digits. Empty goes back to the default, the unit's short name.
const NUMBER_CODE_RE = /^[\u4e00-\u9fffA-Za-z0-9]{1,16}$/;

function settingsPath(code) {
  return `/documents/units/${encodeURIComponent(code)}/settings`;
}

function numberExample(prefix) {
  return `${prefix}〔${new Date().getFullYear()}〕1号`;
}

async function drawNumberCode(box, code) {
  let settings;
  try {
    settings = await api("GET", settingsPath(code));
  } catch {
    box.hidden = true; // not a member of this unit (an administrator of a unit above it)
    return;
  }
  if (code !== unitCode || !box.isConnected) return;
  box.hidden = false;
  box.replaceChildren(
    h("span", { class: "adm-unitinfo-label" }, gettext("Document number prefix")),
    h("strong", { id: "adm-number-code-value" }, settings.number_code),
    h("span", { class: "adm-unitinfo-hint" }, fmt(gettext("numbers read %(example)s"), { example: numberExample(settings.number_code) })),
    settings.may_change ? h("button", {
      type: "button", class: "btn btn-default btn-sm", id: "adm-number-code-edit",
      onclick: () => numberCodeDialog(code, settings, () => drawNumberCode(box, code)),
    }, gettext("Change")) : null);
}

function checkNumberCode(value) {
  if (value && !NUMBER_CODE_RE.test(value)) {
    throw new ApiError(400, "bad_request", gettext("The prefix is 1 to 16 Chinese characters, letters or digits, such as 区府办."));
  }
}

function numberCodeDialog(code, settings, done) {
  const input = h("input", { id: "adm-number-code", maxlength: 16, value: settings.number_code, autofocus: true, autocomplete: "off" });
  const example = h("p", { class: "adm-hint", id: "adm-number-code-example" }, numberExample(settings.number_code));
  input.addEventListener("input", () => { example.textContent = numberExample(input.value.trim() || "…"); });
  const error = formError();
  const save = h("button", { type: "submit", class: "btn btn-primary", form: "adm-number-code-form" }, gettext("Save"));
  const form = h("form", { id: "adm-number-code-form", class: "adm-form", novalidate: true },
    field("adm-number-code", gettext("Document number prefix"), input,
      gettext("Chinese characters, letters or digits, at most 16, such as 区府办. Empty: the unit's short name. Numbers already given stay; the next document issued takes the new prefix, counted from 1 in the year.")),
    example, error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        const value = input.value.trim();
        checkNumberCode(value);
        await api("PATCH", settingsPath(code), { number_code: value });
        closeDialog();
        toast(gettext("Saved"));
        done();
      } catch (err) {
        showError(error, err);
      }
    });
  });
  openDialog({ title: fmt(gettext("Document number prefix of %(name)s"), { name: settings.unit.name }), body: form,
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), save] });
}

function stateBadge(p) {
  if (!p.active) return h("span", { class: "adm-badge adm-badge-off" }, gettext("Deactivated"));
  if (p.must_change_password) return h("span", { class: "adm-badge adm-badge-wait" }, gettext("Password not yet set"));
  return h("span", { class: "adm-badge adm-badge-on" }, pgettext("account", "Active"));
}

function drawPeople(body) {
  const search = h("input", {
    type: "search", class: "adm-filter", placeholder: gettext("Filter by name, pinyin or username"), value: filter,
    "aria-label": gettext("Filter people"),
  });
  const list = h("ul", { class: "adm-list", id: "adm-people" });
  const fill = () => {
    const q = filter.trim().toLowerCase().replace(/\s+/g, "");
    const shown = people.filter((p) => !q || [p.display_name, p.username, (p.pinyin || "").replace(/\s+/g, "")]
      .some((text) => (text || "").toLowerCase().includes(q)));
    list.replaceChildren(...shown.map(personRow));
    if (!shown.length) list.append(h("li", { class: "adm-empty" }, gettext("Nobody here yet.")));
  };
  search.addEventListener("input", () => { filter = search.value; fill(); });
  const activeCount = people.filter((p) => p.active).length;
  body.replaceChildren(
    h("div", { class: "adm-list-head" }, search,
      h("span", { class: "adm-count" }, fmt(ngettext("%(n)s active person", "%(n)s active people", activeCount), { n: activeCount }))),
    list);
  fill();
}

function personRow(p) {
  const buttons = p.active ? [
    h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => editDialog(p) }, gettext("Edit")),
    h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => resetDialog(p) }, gettext("Reset password")),
    p.username === boot.me.username ? null
      : h("button", { type: "button", class: "btn btn-danger-outline btn-sm adm-deactivate", onclick: () => deactivateDialog(p) }, gettext("Deactivate")),
  ] : [
    h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => reactivate(p) }, gettext("Reactivate")),
  ];
  return h("li", { class: `adm-person${p.active ? "" : " adm-inactive"}`, dataset: { username: p.username } },
    h("div", { class: "adm-person-main" },
      h("span", { class: "adm-name" }, p.display_name),
      h("span", { class: "adm-username" }, p.username),
      stateBadge(p)),
    h("div", { class: "adm-person-sub" }, [p.title, roleLabel(p.role)].filter(Boolean).join(" · ")),
    h("div", { class: "adm-person-actions" }, buttons));
}

async function drawAudit(body) {
  body.replaceChildren(h("p", { class: "adm-loading" }, gettext("Loading…")));
  let entries;
  try {
    entries = await api("GET", `/units/${encodeURIComponent(unitCode)}/audit`);
  } catch (error) {
    body.replaceChildren(h("p", { class: "adm-empty", role: "alert" }, errorText(error)));
    return;
  }
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });
  body.replaceChildren(entries.length ? h("ol", { class: "adm-audit" }, entries.map((e) => h("li", {},
    h("time", { datetime: e.at }, when.format(new Date(e.at))),
    h("span", { class: "adm-audit-text" }, auditText(e))))) : h("p", { class: "adm-empty" }, gettext("No changes yet.")));
}

function auditText(e) {
  const d = e.data || {};
  const who = e.by_name || e.by || gettext("System");
  const person = d.name || d.user || "";
  const texts = {
    "org.person_added": () => fmt(gettext("%(who)s added %(person)s as %(role)s"), { who, person, role: roleLabel(d.role) }),
    "org.person_renamed": () => fmt(gettext("%(who)s renamed %(from)s to %(to)s"), { who, from: d.from, to: d.to }),
    "org.person_retitled": () => fmt(gettext("%(who)s changed the title of %(person)s to %(to)s"), { who, person, to: d.to || "—" }),
    "org.person_joined_unit": () => fmt(gettext("%(who)s added %(person)s to the unit as %(role)s"), { who, person, role: roleLabel(d.role) }),
    "org.person_left_unit": () => fmt(gettext("%(who)s took %(person)s out of the unit"), { who, person }),
    "org.person_role_changed": () => fmt(gettext("%(who)s made %(person)s %(role)s"), { who, person, role: roleLabel(d.role) }),
    "org.person_deactivated": () => (d.successor
      ? fmt(gettext("%(who)s deactivated %(person)s; work handed to %(successor)s"), { who, person, successor: d.successor })
      : fmt(gettext("%(who)s deactivated %(person)s"), { who, person })),
    "org.person_reactivated": () => fmt(gettext("%(who)s reactivated %(person)s"), { who, person }),
    "org.password_reset": () => fmt(gettext("%(who)s reset the password of %(person)s"), { who, person }),
    "org.sessions_ended": () => fmt(gettext("%(who)s ended the sessions of %(person)s"), { who, person }),
    "org.people_imported": () => fmt(gettext("%(who)s imported people: %(create)s new, %(update)s changed"),
      { who, create: d.create || 0, update: d.update || 0 }),
  };
  return texts[e.event] ? texts[e.event]() : `${who}: ${e.event}`;
}

// --- dialogs ------------------------------------------------------------------------------------
function field(id, label, control, hint) {
  return h("div", { class: "doc-field adm-field" },
    h("label", { for: id }, label), control,
    hint ? h("p", { class: "doc-hint" }, hint) : null,
    h("p", { class: "field-error", id: `${id}-error` }));
}

function roleSelect(id, value) {
  return h("select", { id, class: "adm-select" }, ROLES
    .filter((r) => r !== "admin" || managed.can_grant_admin || value === "admin")
    .map((r) => h("option", { value: r, selected: r === value }, roleLabel(r))));
}

function formError() {
  return h("p", { class: "adm-form-error", role: "alert", hidden: true });
}

function showError(box, error) {
  box.textContent = errorText(error);
  box.hidden = false;
}

async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

function passwordShown(title, intro, rows) {
  const table = h("table", { class: "adm-passwords" },
    h("thead", {}, h("tr", {}, h("th", {}, gettext("Full name")), h("th", {}, gettext("Username")), h("th", {}, gettext("Initial password")))),
    h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.display_name), h("td", {}, r.username),
      h("td", {}, h("code", { class: "adm-password" }, r.initial_password))))));
  const copy = h("button", { type: "button", class: "btn btn-default", onclick: async () => {
    const text = rows.map((r) => `${r.display_name}\t${r.username}\t${r.initial_password}`).join("\n");
    try {
      await navigator.clipboard.writeText(text);
      toast(gettext("Copied"));
    } catch {
      toast(gettext("Select the passwords and copy them by hand."), "error");
    }
  } }, gettext("Copy passwords"));
  openDialog({
    title,
    wide: rows.length > 1,
    body: h("div", { class: "adm-shown" }, h("p", {}, intro),
      h("p", { class: "adm-warn" }, icon("alert", 16), gettext("The passwords are shown only now. Hand them over in person; each must be changed at first login.")),
      table),
    footer: [copy, h("button", { type: "button", class: "btn btn-primary", onclick: () => closeDialog() }, gettext("Done"))],
  });
}

function addDialog() {
  const username = h("input", { id: "adm-new-username", autocomplete: "off", autocapitalize: "none", spellcheck: "false", maxlength: 150, autofocus: true });
  const name = h("input", { id: "adm-new-name", autocomplete: "off", maxlength: 64 });
  const title = h("input", { id: "adm-new-title", autocomplete: "off", maxlength: 64 });
  const role = roleSelect("adm-new-role", "member");
  const error = formError();
  const save = h("button", { type: "submit", class: "btn btn-primary", form: "adm-add-form" }, gettext("Add"));
  const form = h("form", { id: "adm-add-form", class: "adm-form", novalidate: true },
    h("p", { class: "adm-form-unit" }, fmt(gettext("Unit: %(unit)s"), { unit: unitName() })),
    field("adm-new-username", gettext("Username"), username, gettext("Letters, digits and _ . @ + -; used to log in.")),
    field("adm-new-name", gettext("Full name"), name),
    field("adm-new-title", pgettext("job", "Title"), title),
    field("adm-new-role", pgettext("account", "Role"), role),
    error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        const answer = await api("POST", `/units/${encodeURIComponent(unitCode)}/people`, {
          username: username.value.trim(), display_name: name.value.trim(), title: title.value.trim(), role: role.value,
        });
        await reload();
        passwordShown(gettext("Person added"), fmt(gettext("%(name)s can now log in with this password."), { name: answer.user.display_name }),
          [{ ...answer.user, initial_password: answer.initial_password }]);
      } catch (err) {
        showError(error, err);
      }
    });
  });
  openDialog({ title: gettext("Add person"), body: form,
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), save] });
}

function editDialog(p) {
  const name = h("input", { id: "adm-edit-name", value: p.display_name, maxlength: 64, autofocus: true });
  const title = h("input", { id: "adm-edit-title", value: p.title || "", maxlength: 64 });
  const role = roleSelect("adm-edit-role", p.role);
  const move = h("select", { id: "adm-edit-unit", class: "adm-select" },
    (managed.units || []).map((u) => h("option", { value: u.code, selected: u.code === unitCode }, u.name)));
  const error = formError();
  const save = h("button", { type: "submit", class: "btn btn-primary", form: "adm-edit-form" }, gettext("Save"));
  const form = h("form", { id: "adm-edit-form", class: "adm-form", novalidate: true },
    field("adm-edit-name", gettext("Full name"), name), field("adm-edit-title", pgettext("job", "Title"), title),
    field("adm-edit-role", fmt(gettext("Role in %(unit)s"), { unit: unitName() }), role),
    (managed.units || []).length > 1 ? field("adm-edit-unit", gettext("Unit (move to another unit you administer)"), move) : null,
    error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        const person = await api("GET", `/people/${encodeURIComponent(p.username)}`);
        // The person's other units stay; this unit's place takes the role (and moves with it).
        const units = person.units.filter((u) => u.code !== unitCode && u.code !== move.value)
          .map((u) => ({ code: u.code, role: u.role }));
        units.push({ code: move.value || unitCode, role: role.value });
        await api("PATCH", `/people/${encodeURIComponent(p.username)}`, {
          display_name: name.value.trim(), title: title.value.trim(), units,
        });
        closeDialog();
        toast(gettext("Saved"));
        await reload();
      } catch (err) {
        showError(error, err);
      }
    });
  });
  const endSessions = h("button", { type: "button", class: "btn btn-default adm-end-sessions", onclick: () => busy(endSessions, async () => {
    try {
      await api("POST", `/people/${encodeURIComponent(p.username)}/sessions/end`, {});
      toast(fmt(gettext("%(name)s is logged out everywhere."), { name: p.display_name }));
    } catch (err) {
      showError(error, err);
    }
  }) }, gettext("Log out everywhere"));
  openDialog({ title: fmt(gettext("Edit %(name)s"), { name: p.display_name }), body: form,
    footer: [endSessions, h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), save] });
}

function resetDialog(p) {
  const error = formError();
  const go = h("button", { type: "button", class: "btn btn-primary", onclick: () => busy(go, async () => {
    try {
      const answer = await api("POST", `/people/${encodeURIComponent(p.username)}/password`, {});
      await reload();
      passwordShown(gettext("Password reset"), fmt(gettext("%(name)s is logged out everywhere and must log in with this password."), { name: p.display_name }),
        [{ ...p, initial_password: answer.initial_password }]);
    } catch (err) {
      showError(error, err);
    }
  }) }, gettext("Reset password"));
  openDialog({
    title: fmt(gettext("Reset the password of %(name)s"), { name: p.display_name }),
    body: h("div", {}, h("p", {}, gettext("A new password is made and shown to you once. The person is logged out at once and must choose their own password at the next login.")), error),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), go],
  });
}

async function deactivateDialog(p) {
  let detail;
  try {
    detail = await api("GET", `/people/${encodeURIComponent(p.username)}`);
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const pending = (detail.pending || []).filter((k) => k.count > 0);
  const colleagues = people.filter((x) => x.active && x.username !== p.username);
  const successor = h("select", { id: "adm-successor", class: "adm-select" },
    h("option", { value: "" }, gettext("Nobody (leave the work where it is)")),
    colleagues.map((x) => h("option", { value: x.username }, `${x.display_name}（${x.username}）`)));
  if (pending.length && colleagues.length) successor.value = colleagues[0].username;
  const error = formError();
  const go = h("button", { type: "button", class: "btn btn-danger", id: "adm-deactivate-confirm", onclick: () => busy(go, async () => {
    try {
      const body = { active: false };
      if (successor.value) body.successor = successor.value;
      const answer = await api("PATCH", `/people/${encodeURIComponent(p.username)}`, body);
      closeDialog();
      const moved = Object.values(answer.handover || {}).reduce((a, b) => a + b, 0);
      toast(successor.value
        ? fmt(gettext("%(name)s is deactivated; %(n)s items handed over."), { name: p.display_name, n: moved })
        : fmt(gettext("%(name)s is deactivated."), { name: p.display_name }));
      await reload();
    } catch (err) {
      showError(error, err);
    }
  }) }, gettext("Deactivate"));
  openDialog({
    title: fmt(gettext("Deactivate %(name)s"), { name: p.display_name }),
    body: h("div", { class: "adm-form" },
      h("p", {}, gettext("The account can no longer log in; every open window of it is logged out at once. It can be reactivated later.")),
      h("h3", { class: "adm-h3" }, gettext("Handover (工作移交)")),
      pending.length
        ? h("ul", { class: "adm-pending" }, pending.map((k) => h("li", {}, fmt(gettext("%(label)s: %(n)s"), { label: k.label, n: k.count }))))
        : h("p", { class: "adm-muted" }, gettext("Nothing is waiting for this person.")),
      field("adm-successor", gettext("Hand pending work to"), successor),
      error),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), go],
  });
}

async function reactivate(p) {
  try {
    await api("PATCH", `/people/${encodeURIComponent(p.username)}`, { active: true });
    toast(fmt(gettext("%(name)s is active again."), { name: p.display_name }));
    await reload();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

// --- import -------------------------------------------------------------------------------------
async function postImport(file, dryRun) {
  const data = new FormData();
  data.append("file", file);
  const response = await fetch(`/api/v1/units/${encodeURIComponent(unitCode)}/people/import${dryRun ? "?dry_run=1" : ""}`, {
    method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  let body;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const err = body && body.error;
    const error = new ApiError(response.status, err ? err.code : `http_${response.status}`, err ? err.detail : gettext("Request failed"));
    error.rows = err && err.rows;
    error.counts = err && err.counts;
    throw error;
  }
  return body;
}

const ACTION_LABEL = {
  create: () => gettext("New"),
  update: () => gettext("Changed"),
  unchanged: () => gettext("Unchanged"),
  error: () => gettext("Error"),
};

function rowsTable(rows) {
  return h("div", { class: "adm-table-wrap" }, h("table", { class: "adm-rows" },
    h("thead", {}, h("tr", {}, [gettext("Row"), gettext("Username"), gettext("Full name"), gettext("Unit"), pgettext("account", "Role"), pgettext("import", "Result")]
      .map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map((r) => h("tr", { class: r.errors.length ? "adm-row-error" : `adm-row-${r.action}` },
      h("td", {}, r.row), h("td", {}, r.username), h("td", {}, r.display_name), h("td", {}, r.unit), h("td", {}, roleLabel(r.role)),
      h("td", {}, r.errors.length ? r.errors.join("；") : ACTION_LABEL[r.action]()))))));
}

function countsLine(counts) {
  return fmt(gettext("%(create)s new, %(update)s changed, %(unchanged)s unchanged, %(error)s with errors"), counts);
}

function importDialog() {
  const input = h("input", { id: "adm-file", type: "file", class: "adm-file-input", accept: ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const chosen = h("span", { class: "adm-file-name" }, gettext("No file chosen"));
  const picker = h("div", { class: "adm-file" },
    h("label", { for: "adm-file", class: "btn btn-default" }, icon("upload", 16), gettext("Choose a file…")), chosen, input);
  const result = h("div", { class: "adm-import-result", "aria-live": "polite" });
  const confirm = h("button", { type: "button", class: "btn btn-primary", id: "adm-import-confirm", disabled: true }, gettext("Import"));
  let checked = null;
  input.addEventListener("change", async () => {
    checked = null;
    confirm.disabled = true;
    const file = input.files[0];
    chosen.textContent = file ? file.name : gettext("No file chosen");
    if (!file) return;
    result.replaceChildren(h("p", { class: "adm-loading" }, gettext("Checking the file…")));
    try {
      const answer = await postImport(file, true);
      checked = file;
      const changes = answer.counts.create + answer.counts.update;
      confirm.disabled = changes === 0;
      result.replaceChildren(h("p", { class: "adm-ok" }, icon("check", 16), countsLine(answer.counts)), rowsTable(answer.rows));
    } catch (err) {
      result.replaceChildren(h("p", { class: "adm-form-error", role: "alert" }, icon("alert", 16), errorText(err)),
        err.rows ? rowsTable(err.rows.filter((r) => r.errors.length)) : null);
    }
  });
  confirm.addEventListener("click", () => busy(confirm, async () => {
    if (!checked) return;
    result.prepend(h("p", { class: "adm-loading" }, gettext("Importing… (setting up each account takes a moment)")));
    try {
      const answer = await postImport(checked, false);
      await reload();
      if (answer.created.length) {
        passwordShown(gettext("People imported"), countsLine(answer.counts), answer.created);
      } else {
        closeDialog();
        toast(countsLine(answer.counts));
      }
    } catch (err) {
      result.replaceChildren(h("p", { class: "adm-form-error", role: "alert" }, icon("alert", 16), errorText(err)),
        err.rows ? rowsTable(err.rows.filter((r) => r.errors.length)) : null);
    }
  }));
  openDialog({
    title: gettext("Import people"),
    wide: true,
    body: h("div", { class: "adm-form" },
      h("ol", { class: "adm-steps" },
        h("li", {}, gettext("Download the template, fill in one person per row (username, name, title, unit code, role, initial password)."),
          " ", h("a", { href: `/api/v1/units/${encodeURIComponent(unitCode)}/people/template.xlsx`, download: "" }, gettext("Template (XLSX)")),
          " · ", h("a", { href: `/api/v1/units/${encodeURIComponent(unitCode)}/people/template.csv`, download: "" }, gettext("Template (CSV)"))),
        h("li", {}, gettext("Choose the file: it is checked first and nothing is changed yet.")),
        h("li", {}, gettext("Confirm: every row is imported, or none when one has an error."))),
      h("div", { class: "doc-field adm-field" }, h("span", { class: "adm-label" }, gettext("Spreadsheet file")), picker),
      result),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), confirm],
  });
}

// --- the unit tree (the system administrator) -----------------------------------------------------
const KINDS = [
  ["district", () => gettext("District")],
  ["party", () => gettext("Party department")],
  ["government", () => gettext("Government department")],
  ["mass", () => gettext("Mass organisation")],
  ["township", () => gettext("Township or street")],
];
const kindLabel = (kind) => {
  const found = KINDS.find(([key]) => key === kind);
  return found ? found[1]() : kind;
};

async function drawUnits(body) {
  body.replaceChildren(h("p", { class: "adm-loading" }, gettext("Loading…")));
  let units;
  try {
    units = await api("GET", "/units");
  } catch (error) {
    body.replaceChildren(h("p", { class: "adm-empty", role: "alert" }, errorText(error)));
    return;
  }
  const children = new Map();
  for (const unit of units) {
    const key = unit.parent ?? 0;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(unit);
  }
  for (const list of children.values()) list.sort((a, b) => (a.sort_order - b.sort_order) || a.code.localeCompare(b.code));
  const ids = new Set(units.map((u) => u.id));
  const rows = [];
  const walk = (parent, depth) => {
    for (const unit of children.get(parent) || []) {
      rows.push(h("li", { class: "adm-person adm-unit", dataset: { code: unit.code } },
        h("span", { class: `adm-unit-name adm-depth-${Math.min(depth, 4)}` }, unit.name,
          h("span", { class: "adm-username" }, ` ${unit.code}`)),
        h("span", { class: "adm-person-sub" }, kindLabel(unit.kind)),
        h("span", { class: "adm-person-actions" },
          h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => unitDialog(units, unit) }, gettext("Edit")),
          unit.parent ? h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => mergeDialog(units, unit) }, gettext("Merge into…")) : null)));
      walk(unit.id, depth + 1);
    }
  };
  walk(0, 0);
  for (const unit of units) if (unit.parent && !ids.has(unit.parent)) walk(unit.parent, 0);
  body.replaceChildren(
    h("div", { class: "adm-list-head" },
      h("button", { type: "button", class: "btn btn-primary", id: "adm-unit-add", onclick: () => unitDialog(units, null) }, icon("plus", 16), gettext("Add unit"))),
    h("ul", { class: "adm-list adm-units" }, rows));
}

function unitDialog(units, unit) {
  const code = h("input", { id: "adm-unit-code", maxlength: 32, autocapitalize: "none", spellcheck: "false", value: unit ? unit.code : "", disabled: Boolean(unit) });
  const name = h("input", { id: "adm-unit-name", maxlength: 100, value: unit ? unit.name : "", autofocus: true });
  const short = h("input", { id: "adm-unit-short", maxlength: 50, value: unit ? unit.short_name || "" : "" });
  const kind = h("select", { id: "adm-unit-kind", class: "adm-select" },
    KINDS.map(([key, label]) => h("option", { value: key, selected: unit ? unit.kind === key : key === "government" }, label())));
  const parent = h("select", { id: "adm-unit-parent", class: "adm-select" },
    h("option", { value: "" }, gettext("(top of the tree)")),
    units.filter((u) => !unit || u.id !== unit.id).map((u) => h("option", { value: u.code, selected: unit ? unit.parent === u.id : u.parent === null }, u.name)));
  const order = h("input", { id: "adm-unit-order", type: "number", value: unit ? unit.sort_order ?? 0 : 0 });
  const prefix = h("input", { id: "adm-unit-prefix", maxlength: 16, autocomplete: "off" });
  let prefixWas = null;
  if (unit) {
    api("GET", settingsPath(unit.code)).then((settings) => {
      prefixWas = settings.number_code;
      if (!prefix.value) prefix.value = settings.number_code;
    }).catch(() => {});
  }
  const error = formError();
  const save = h("button", { type: "submit", class: "btn btn-primary", form: "adm-unit-form" }, gettext("Save"));
  const form = h("form", { id: "adm-unit-form", class: "adm-form", novalidate: true },
    field("adm-unit-code", gettext("Unit code"), code, unit ? null : gettext("Lower-case letters, digits, _ or -; cannot be changed later.")),
    field("adm-unit-name", gettext("Full name"), name), field("adm-unit-short", gettext("Short name"), short),
    field("adm-unit-kind", gettext("Kind"), kind), field("adm-unit-parent", gettext("Parent unit"), parent),
    field("adm-unit-order", gettext("Order"), order),
    field("adm-unit-prefix", gettext("Document number prefix"), prefix, gettext("Such as 区府办; empty: the short name.")), error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      const body = { name: name.value.trim(), short_name: short.value.trim(), kind: kind.value,
        parent: parent.value || null, sort_order: Number(order.value) || 0 };
      try {
        const wanted = prefix.value.trim();
        checkNumberCode(wanted);
        // The prefix first for an existing unit, so that a refused one changes nothing.
        if (unit && prefixWas !== null && wanted !== prefixWas) await api("PATCH", settingsPath(unit.code), { number_code: wanted });
        if (unit) await api("PATCH", `/units/${encodeURIComponent(unit.code)}`, body);
        else await api("POST", "/units", { code: code.value.trim(), ...body });
        if (!unit && wanted) await api("PATCH", settingsPath(code.value.trim()), { number_code: wanted });
        closeDialog();
        toast(gettext("Saved"));
        managed = await api("GET", "/units/managed");
        draw();
      } catch (err) {
        showError(error, err);
      }
    });
  });
  openDialog({ title: unit ? fmt(gettext("Edit %(name)s"), { name: unit.name }) : gettext("Add unit"), body: form,
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), save] });
}

function mergeDialog(units, unit) {
  const target = h("select", { id: "adm-merge-into", class: "adm-select" },
    units.filter((u) => u.id !== unit.id).map((u) => h("option", { value: u.code }, u.name)));
  const error = formError();
  const go = h("button", { type: "button", class: "btn btn-danger", onclick: () => busy(go, async () => {
    try {
      const answer = await api("POST", `/units/${encodeURIComponent(unit.code)}/merge`, { into: target.value });
      closeDialog();
      toast(fmt(gettext("%(unit)s merged; %(n)s people moved."), { unit: unit.name, n: answer.people_moved }));
      managed = await api("GET", "/units/managed");
      draw();
    } catch (err) {
      showError(error, err);
    }
  }) }, gettext("Merge"));
  openDialog({
    title: fmt(gettext("Merge %(unit)s"), { unit: unit.name }),
    body: h("div", { class: "adm-form" },
      h("p", {}, gettext("Its people join the unit chosen with their roles, its sub-units move there, and it leaves the tree. Documents and history keep its name.")),
      field("adm-merge-into", gettext("Merge into"), target), error),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel")), go],
  });
}
