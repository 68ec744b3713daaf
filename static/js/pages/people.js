// 通讯录 (#/people, #/people/<username>): the unit tree with its people (title, role,
// presence), found by 汉字, pinyin or initials through the server's search (GET /users?q=),
// a person's card with a button to message them.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { icon } from "../core/icons.js";
import { fmt, gettext } from "../core/i18n.js";
import { navigate, registerPage } from "../shell/router.js";
import { displayName, state } from "../shell/state.js";
import { closeDialog, errorText, openDialog, toast } from "../ui/dialogs.js";
import { avatar } from "./chat/timeline.js";
import { roomJoined } from "./chat.js";

const ROLE_LABELS = {
  leader: () => gettext("Leader"),
  admin: () => gettext("Administrator"),
  clerk: () => gettext("Clerk"),
  member: () => gettext("Staff"),
};

let view = null;

function presenceText(status) {
  return { online: gettext("Online"), away: gettext("Away"), offline: gettext("Offline") }[status || "offline"];
}

function personRow(p, unit) {
  if (p.presence) state.presence.set(p.id, p.presence);
  return h("li", {},
    h("button", {
      type: "button", class: "person people-person", dataset: { username: p.username },
      onclick: () => personCard(p.username),
    }, avatar(p, { size: 36, presence: true }),
    h("span", { class: "person-text" },
      h("span", { class: "person-name" }, displayName(p)),
      h("span", { class: "person-sub" }, [p.title, p.role && ROLE_LABELS[p.role] ? ROLE_LABELS[p.role]() : null,
        unit ? unit.short_name || unit.name : null].filter(Boolean).join(" · ")))));
}

// Message someone: their direct room, made when there is none.
export async function messagePerson(username) {
  try {
    const room = await api("POST", "/rooms", { kind: "direct", members: [username] });
    closeDialog();
    roomJoined(room);
    navigate(`rooms/${room.id}`);
  } catch (error) {
    toast(errorText(error), "error");
  }
}

export async function personCard(username) {
  let user;
  try {
    user = await api("GET", `/users/${encodeURIComponent(username)}`);
  } catch (error) {
    toast(errorText(error), "error");
    return;
  }
  if (user.presence) state.presence.set(user.id, user.presence);
  const units = (user.units || []).map((u) => `${u.name}${u.role && ROLE_LABELS[u.role] ? `（${ROLE_LABELS[u.role]()}）` : ""}`);
  const me = user.id === state.me.id;
  openDialog({
    title: displayName(user),
    body: h("div", { class: "people-card" },
      avatar(user, { size: 64, presence: true }),
      h("dl", { class: "people-card-fields" },
        user.title ? [h("dt", {}, gettext("Job title")), h("dd", {}, user.title)] : null,
        units.length ? [h("dt", {}, gettext("Units")), h("dd", {}, units.join("、"))] : null,
        [h("dt", {}, gettext("Username")), h("dd", {}, `@${user.username}`)],
        user.pinyin ? [h("dt", {}, gettext("Pinyin")), h("dd", {}, user.pinyin)] : null,
        [h("dt", {}, gettext("Status")), h("dd", {}, presenceText(user.presence))])),
    footer: [
      h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Close")),
      me ? null : h("button", {
        type: "button", class: "btn btn-primary people-message", onclick: () => messagePerson(user.username),
      }, icon("chat", 16), gettext("Send a message")),
    ],
  });
}

function build(el) {
  const input = h("input", {
    type: "search", id: "people-q", class: "people-q", autocomplete: "off",
    placeholder: gettext("Name, pinyin or initials (liming, lm)"), "aria-label": gettext("Find people"),
  });
  const status = h("p", { class: "doc-list-status", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "people-results", id: "people-results" });
  el.replaceChildren(h("div", { class: "doc-page-inner" },
    h("header", { class: "doc-page-head" },
      h("a", { class: "icon-btn doc-back", href: "#/chats", "aria-label": gettext("Back"), onclick: (event) => { event.preventDefault(); history.back(); } },
        icon("back", 22)),
      h("div", { class: "doc-page-heading" }, h("h1", { id: "people-title", tabindex: "-1" }, gettext("Contacts")))),
    h("div", { class: "doc-scroll" }, h("div", { class: "people-wrap" },
      h("div", { class: "doc-search people-search" }, icon("search", 16), input), status, results))));
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value.trim()), 150);
  });
  return { input, status, results };
}

async function search(q) {
  if (!view) return;
  const mine = ++view.seq;
  const { status, results } = view.parts;
  if (!q) {
    drawTree();
    return;
  }
  let users;
  try {
    users = await api("GET", `/users?presence=1&q=${encodeURIComponent(q)}`);
  } catch (error) {
    status.textContent = errorText(error);
    return;
  }
  if (!view || mine !== view.seq) return;
  users = users.filter((u) => !u.is_bot);
  status.textContent = users.length ? fmt(gettext("%(n)s found"), { n: users.length }) : gettext("Nobody found.");
  results.replaceChildren(h("ul", { class: "people-list" }, users.map((u) => personRow(u, null))));
}

async function drawTree() {
  const { status, results } = view.parts;
  if (!view.directory) {
    status.textContent = gettext("Loading…");
    try {
      view.directory = await api("GET", "/directory?presence=1");
    } catch (error) {
      status.textContent = errorText(error);
      return;
    }
  }
  if (!view || view.parts.input.value.trim()) return;
  status.textContent = "";
  const mineCodes = new Set((state.me.units || []).map((u) => u.code));
  const units = [...view.directory.units].filter((u) => u.people.length);
  results.replaceChildren(...units.map((u) => h("details", {
    class: "people-unit", dataset: { unit: u.code }, open: mineCodes.has(u.code) || null,
  },
  h("summary", {}, h("span", {}, u.name), h("span", { class: "todo-count" }, String(u.people.length))),
  h("ul", { class: "people-list" }, u.people.map((p) => personRow(p, null))))));
}

registerPage({
  name: "people",
  path: ["people", "people/:username"],
  className: "people-page",
  title: () => gettext("Contacts"),
  sidebar: { label: () => gettext("Contacts"), icon: "contacts", order: 70, id: "people-link" },
  mount(el, params) {
    el.setAttribute("aria-labelledby", "people-title");
    view = { parts: build(el), seq: 0, directory: null };
    drawTree();
    if (params.username) personCard(params.username);
    view.parts.input.focus({ preventScroll: true });
    return () => { view = null; };
  },
  update(params) {
    if (params.username) personCard(params.username);
  },
});
