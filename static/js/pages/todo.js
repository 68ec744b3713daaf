// 工作台 (#/todo), where everyone lands: everything waiting for me (GET /todo), grouped by kind
// with counts and overdue marks, each item acting in place with its card's buttons (签收,
// 参加, 同意, 已阅...) or opening its object; below it, today's meetings and what I sent that
// is still pending. The list follows the live `todo` frames (shell/todo.js).
//
// A kind needs nothing here to be shown: the server gives its label, its object type and the
// card. A page may still say how its kind looks and where it opens:
//   registerTodoKind("task_report", { icon: "todo", href: (item) => `#/tasks/${item.ref}` })

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { icon } from "../core/icons.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { dueText, span, when } from "../core/time.js";
import { registerPage } from "../shell/router.js";
import { buildHash } from "../shell/routes.js";
import { subscribe } from "../shell/store.js";
import { groupItems, refreshTodo } from "../shell/todo.js";
import { pressCard } from "../ui/cardactions.js";
import { errorText, toast } from "../ui/dialogs.js";
import { openMessage } from "./chat.js";

const kinds = new Map();

export function registerTodoKind(kind, spec) {
  kinds.set(kind, { ...(kinds.get(kind) || {}), ...spec });
}

const OBJECT_PAGES = { document: "documents", meeting: "meetings", approval: "approvals" };
const OBJECT_ICONS = { document: "doc", meeting: "calendar", approval: "stamp", notice: "bell", task: "todo" };

export function itemHref(item) {
  const spec = kinds.get(item.kind);
  if (spec && spec.href) return spec.href(item);
  const pageName = OBJECT_PAGES[item.object_type] || `${item.object_type}s`;
  return buildHash(`${pageName}/${item.ref}`);
}

let view = null; // {el, parts, answer, seq, stops}

function build(el) {
  const total = h("span", { class: "todo-total", "aria-live": "polite" });
  const heading = h("h1", { id: "todo-title", tabindex: "-1" }, gettext("Workbench"));
  const head = h("header", { class: "doc-page-head todo-head" },
    h("a", { class: "icon-btn doc-back todo-chats", href: "#/chats", "aria-label": gettext("Conversations"), title: gettext("Conversations") },
      icon("back", 22)),
    h("div", { class: "doc-page-heading" }, heading, h("p", {}, total)),
    h("div", { class: "doc-page-tools" },
      h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => load(), "aria-label": gettext("Refresh") },
        icon("refresh", 16), h("span", { class: "wk-hide-phone" }, gettext("Refresh")))));
  const list = h("div", { class: "todo-groups", id: "todo-groups" });
  const status = h("p", { class: "doc-list-status todo-status", role: "status" });
  const today = h("section", { class: "todo-side", "aria-labelledby": "todo-today-title" },
    h("h2", { id: "todo-today-title" }, gettext("Today's meetings")), h("ul", { class: "todo-mini" }));
  const sent = h("section", { class: "todo-side", "aria-labelledby": "todo-sent-title" },
    h("h2", { id: "todo-sent-title" }, gettext("Sent by me, still pending")), h("ul", { class: "todo-mini" }));
  el.replaceChildren(h("div", { class: "doc-page-inner" }, head,
    h("div", { class: "doc-scroll" }, h("div", { class: "todo-wrap" }, status, list, h("div", { class: "todo-sides" }, today, sent)))));
  return { total, heading, list, status, today: today.querySelector("ul"), sent: sent.querySelector("ul") };
}

async function load() {
  if (!view) return;
  const mine = ++view.seq;
  const answer = await refreshTodo();
  if (!view || mine !== view.seq) return;
  if (!answer) {
    view.parts.status.textContent = gettext("The list could not be loaded. It will be tried again.");
    return;
  }
  view.answer = answer;
  draw();
}

function draw() {
  const { parts, answer } = view;
  const items = answer.items || [];
  parts.total.textContent = items.length
    ? fmt(ngettext("%(n)s item waiting for me", "%(n)s items waiting for me", items.length), { n: items.length })
    : gettext("Nothing is waiting for me.");
  parts.status.textContent = "";
  parts.status.hidden = Boolean(items.length);
  if (!items.length) parts.status.textContent = gettext("All done. New documents, meetings and approvals will appear here.");
  const groups = groupItems(items);
  parts.list.replaceChildren(...groups.map(groupNode));
}

function groupNode(g) {
  const spec = kinds.get(g.kind) || {};
  const id = `todo-kind-${g.kind}`;
  return h("section", { class: "todo-group", dataset: { kind: g.kind }, "aria-labelledby": id },
    h("h2", { class: "todo-group-title", id },
      h("span", {}, g.label),
      h("span", { class: "todo-count", dataset: { count: g.items.length } }, String(g.items.length)),
      g.overdue ? h("span", { class: "todo-overdue-count" }, fmt(gettext("%(n)s overdue"), { n: g.overdue })) : null),
    h("ul", { class: "todo-list" }, g.items.map((item) => itemNode(item, spec))));
}

function itemNode(item, spec) {
  const card = item.card;
  const actions = card && card.actions ? card.actions : [];
  const meta = [
    item.number, item.unit && item.unit.name,
    item.requester && (item.requester.display_name || item.requester.username),
    item.on_behalf_of ? fmt(gettext("for %(name)s"), { name: item.on_behalf_of.display_name || item.on_behalf_of.username }) : null,
    item.start ? span(item.start, null) : null, item.location,
    item.since ? fmt(gettext("since %(time)s"), { time: when(item.since) }) : null,
  ].filter(Boolean);
  const due = item.deadline ? dueText(item.deadline) : "";
  const buttons = actions.map((a) => h("button", {
    type: "button",
    class: `btn btn-sm ${a.style === "primary" ? "btn-primary" : a.style === "danger" ? "btn-danger" : "btn-default"}`,
    dataset: { action: a.action },
    onclick: (event) => act(item, a, event.currentTarget),
  }, a.label || a.action));
  const li = h("li", {
    class: `todo-item${item.overdue ? " todo-item-overdue" : ""}`,
    dataset: { kind: item.kind, ref: item.ref, message: item.message || "" },
  },
  h("span", { class: "todo-icon", "aria-hidden": "true" }, icon(spec.icon || OBJECT_ICONS[item.object_type] || "file", 18)),
  h("div", { class: "todo-main" },
    h("a", { class: "todo-title", href: itemHref(item) },
      item.urgency && item.urgency !== "normal" ? h("span", { class: "todo-urgent" }, item.urgency === "very_urgent" ? gettext("Very urgent") : gettext("Urgent")) : null,
      item.title),
    h("p", { class: "todo-meta" },
      meta.join(" · "),
      due ? h("span", { class: `todo-due${item.overdue ? " todo-due-over" : ""}` }, item.overdue ? gettext("Overdue") : due) : null)),
  h("div", { class: "todo-acts card-actions" },
    buttons,
    item.message ? h("button", {
      type: "button", class: "btn btn-sm btn-link todo-card-link", title: gettext("Open the card in its conversation"),
      onclick: () => openMessage(item.room, item.message),
    }, gettext("Card")) : null));
  return li;
}

async function act(item, action, button) {
  const updated = await pressCard({ id: item.message, card: item.card, room: item.room }, action, button);
  if (!updated) return;
  toast(fmt(gettext("Done: %(action)s"), { action: action.label || action.action }));
  const li = button.closest(".todo-item");
  if (li) li.classList.add("todo-item-done");
  load();
}

async function loadSides() {
  if (!view) return;
  const { today, sent } = view.parts;
  try {
    const meetings = await api("GET", "/meetings?box=all&limit=50");
    const now = new Date();
    const mine = (meetings.results || []).filter((m) => {
      const d = new Date(m.start);
      return d.toDateString() === now.toDateString() && m.state !== "cancelled";
    }).sort((a, b) => new Date(a.start) - new Date(b.start));
    today.replaceChildren(...(mine.length ? mine.map((m) => h("li", {},
      h("a", { href: buildHash(`meetings/${m.id}`) }, m.title),
      h("span", { class: "todo-meta" }, [span(m.start, m.end), m.location].filter(Boolean).join(" · "))))
      : [h("li", { class: "muted" }, gettext("No meetings today."))]));
  } catch (error) {
    today.replaceChildren(h("li", { class: "muted" }, errorText(error)));
  }
  try {
    const [docs, approvals] = await Promise.all([
      api("GET", "/documents?box=sent&limit=20"),
      api("GET", "/approvals?box=mine&limit=20"),
    ]);
    const rows = [];
    for (const d of docs.results || []) {
      const t = d.totals || {};
      if (t.recipients && (t.handled || 0) < t.recipients) {
        rows.push(h("li", {}, h("a", { href: buildHash(`documents/${d.id}`) }, d.title),
          h("span", { class: "todo-meta" }, fmt(gettext("%(signed)s of %(all)s signed for, %(handled)s handled"), {
            signed: t.signed || 0, all: t.recipients, handled: t.handled || 0,
          }))));
      }
    }
    for (const a of approvals.results || []) {
      if (a.state === "pending" || a.state === "in_progress") {
        rows.push(h("li", {}, h("a", { href: buildHash(`approvals/${a.id}`) }, a.title),
          h("span", { class: "todo-meta" }, a.state_label || a.state)));
      }
    }
    sent.replaceChildren(...(rows.length ? rows.slice(0, 10) : [h("li", { class: "muted" }, gettext("Nothing pending."))]));
  } catch (error) {
    sent.replaceChildren(h("li", { class: "muted" }, errorText(error)));
  }
}

registerPage({
  name: "todo",
  path: "todo",
  className: "todo-page",
  title: () => gettext("Workbench"),
  sidebar: { label: () => gettext("Workbench"), icon: "todo", order: 10, badge: "todo.total", id: "todo-link" },
  mount(el) {
    el.setAttribute("aria-labelledby", "todo-title");
    view = { el, parts: build(el), answer: null, seq: 0, stops: [] };
    // A frame says the counts changed: the items follow.
    view.stops.push(subscribe("todo", () => {
      if (view && view.answer) {
        clearTimeout(view.timer);
        view.timer = setTimeout(load, 150);
      }
    }, { now: false }));
    load();
    loadSides();
    if (!el.contains(document.activeElement)) view.parts.heading.focus({ preventScroll: true });
    return () => {
      for (const stop of view.stops) stop();
      clearTimeout(view.timer);
      view = null;
    };
  },
});
