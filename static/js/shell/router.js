// The shell's route table. Every page has an address (`#/todo`, `#/rooms/12`,
// `#/documents/5`, `#/search?q=…`), Back works (each page opened is a history entry), and a
// reload returns to the same place. A page is registered once, by its own module:
//
//   registerPage({
//     name: "tasks",                       // unique; the page's section is #page-tasks
//     path: "tasks/:id?",                  // or an array of patterns (shell/routes.js)
//     title: () => gettext("Tasks"),       // the tab's title while it is shown
//     sidebar: { label: () => gettext("Tasks"), icon: "todo", order: 40, badge: "todo.tasks" },
//     mount(el, params, query) { ...; return () => { /* cleanup */ }; },
//     update(params, query) { ... },       // optional: same page, new address (else remount)
//     sidebarPage: "tasks",                // optional: the sidebar entry marked while it shows
//   });
//
// `el` is the page's own <section class="doc-page page"> over the message pane, kept between
// visits (the page may clear it). A page with `pane: true` (the chat) uses the message pane
// itself instead.

import { $, h } from "../core/dom.js";
import { icon } from "../core/icons.js";
import { buildHash, compile, legacyPath, parseHash, resolve } from "./routes.js";
import { get, subscribe } from "./store.js";

const routes = [];
const pages = new Map();
const sidebarActions = [];
let current = null; // {page, params, query, path, cleanup}
let started = false;
let homePath = "todo";
const routeListeners = new Set();

export const isPhone = () => window.matchMedia("(max-width: 760px)").matches;

export function registerPage(spec) {
  if (!spec || !spec.name || !spec.mount) throw new Error("registerPage needs a name and mount");
  if (pages.has(spec.name)) throw new Error(`page ${spec.name} is registered twice`);
  const page = { ...spec, el: null, link: null };
  pages.set(spec.name, page);
  for (const pattern of [].concat(spec.path || spec.name)) routes.push({ page, compiled: compile(pattern) });
  if (started) {
    renderSidebar();
    route();
  }
  return page;
}

// A button in the sidebar's work area that is not a page (发文): {id, label, icon, order,
// onClick, visible?}.
export function registerSidebarAction(spec) {
  sidebarActions.push(spec);
  if (started) renderSidebar();
}

export function href(path, query) {
  return buildHash(path, query);
}

// Go to an address: a new history entry (Back returns), or the same entry with `replace`.
export function navigate(path, { query = {}, replace = false } = {}) {
  const hash = buildHash(path, query);
  if (location.hash === hash) {
    route();
    return;
  }
  const depth = currentDepth();
  if (replace) history.replaceState({ htDepth: depth }, "", hash);
  else history.pushState({ htDepth: depth + 1 }, "", hash);
  route();
}

// A page's filters changed: the address follows, without a new entry or a remount.
export function setQuery(query, { push = false } = {}) {
  if (!current) return;
  const hash = buildHash(current.path, query);
  if (push) history.pushState({ htDepth: currentDepth() + 1 }, "", hash);
  else history.replaceState(history.state, "", hash);
  current.query = { ...query };
  current.hash = location.hash;
}

// Back where the user came from inside the client; from the first page opened, to the
// conversations (phone) or the open room (desktop), else 工作台.
export function back() {
  if (currentDepth() > 0) {
    history.back();
    return;
  }
  const room = get("chat.activeRoom");
  if (isPhone()) navigate("chats", { replace: true });
  else if (room && !(current && current.page.name === "rooms")) navigate(`rooms/${room}`, { replace: true });
  else navigate(homePath, { replace: true });
}

export function currentRoute() {
  return current ? { name: current.page.name, params: current.params, query: current.query, path: current.path } : null;
}

export function onRoute(fn) {
  routeListeners.add(fn);
  return () => routeListeners.delete(fn);
}

export function pageNamed(name) {
  return pages.get(name) || null;
}

function currentDepth() {
  return (history.state && Number.isInteger(history.state.htDepth)) ? history.state.htDepth : 0;
}

function sectionFor(page) {
  if (!page.el) {
    page.el = h("section", {
      id: page.id || `page-${page.name}`,
      class: `doc-page page ${page.className || ""}`.trim(),
      hidden: true,
      dataset: { page: page.name },
    });
    page.el.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || event.defaultPrevented || $("#dialog").open) return;
      const field = event.target;
      if (field instanceof HTMLInputElement && field.value && field.type === "search") return; // Esc clears first
      event.preventDefault();
      back();
    });
    $("#layout").append(page.el);
  }
  return page.el;
}

function leave() {
  if (!current) return;
  const { page, cleanup } = current;
  current = null;
  try {
    if (typeof cleanup === "function") cleanup();
  } catch (error) {
    console.error(error); // eslint-disable-line no-console
  }
  if (page.el) page.el.hidden = true;
}

// Show what the address says.
export function route() {
  const parsed = parseHash(location.hash);
  if (parsed.legacy) {
    const path = legacyPath(parsed.path);
    if (path !== null) {
      history.replaceState({ htDepth: currentDepth() }, "", buildHash(path, parsed.query));
      return route();
    }
  }
  if (!history.state || !Number.isInteger(history.state.htDepth)) {
    // An entry the browser made (a link, a typed address): one deeper than where it came from.
    history.replaceState({ htDepth: firstRoute ? 0 : lastDepth + 1 }, "", location.href);
  }
  lastDepth = currentDepth();
  firstRoute = false;
  const path = parsed.path || homePath;
  const found = resolve(routes, path) || resolve(routes, homePath);
  if (!found) return false;
  const { route: r, params } = found;
  const page = r.page;
  // The same address as shown (a page that rewrote its own address counts as moved).
  if (current && current.page === page && current.hash === location.hash) return true;
  if (current && current.page === page && page.update) {
    current.params = params;
    current.query = parsed.query;
    current.path = path;
    current.hash = location.hash;
    page.update(params, parsed.query);
  } else {
    leave();
    const layout = $("#layout");
    let el = null;
    if (page.pane) {
      layout.classList.remove("show-doc");
    } else {
      el = sectionFor(page);
      el.hidden = false;
      layout.classList.add("show-doc");
    }
    current = { page, params, query: parsed.query, path, hash: location.hash, cleanup: null };
    try {
      current.cleanup = page.mount(el, params, parsed.query) || null;
    } catch (error) {
      console.error(error); // eslint-disable-line no-console
    }
  }
  markSidebar();
  if (page.title) document.body.dataset.page = page.name;
  for (const fn of [...routeListeners]) fn(currentRoute());
  return true;
}

let lastDepth = 0;
let firstRoute = true;

// --- the sidebar's work area ----------------------------------------------------------------
const badgeStops = [];

function renderSidebar() {
  const nav = $("#sidebar-apps");
  if (!nav) return;
  for (const stop of badgeStops.splice(0)) stop();
  const entries = [];
  for (const page of pages.values()) {
    if (!page.sidebar) continue;
    const s = page.sidebar;
    if (s.visible && !s.visible()) continue;
    const label = typeof s.label === "function" ? s.label() : s.label;
    const badge = h("span", { class: "app-badge", hidden: true, "aria-hidden": "true" });
    const link = h("a", {
      class: `app-link ${s.className || ""}`.trim(), href: buildHash(s.path || page.name), id: s.id || `${page.name}-link`,
      dataset: { page: page.name },
    }, icon(s.icon || "file", 18), h("span", { class: "app-label" }, label), badge);
    if (s.badge) {
      badgeStops.push(subscribe(s.badge, (value) => {
        const n = Number(value) || 0;
        badge.hidden = n <= 0;
        badge.textContent = n > 99 ? "99+" : String(n);
        badge.dataset.count = String(n);
      }));
    }
    page.link = link;
    entries.push([s.order ?? 50, link]);
  }
  for (const a of sidebarActions) {
    if (a.visible && !a.visible()) continue;
    const label = typeof a.label === "function" ? a.label() : a.label;
    entries.push([a.order ?? 50, h("button", {
      type: "button", class: "app-link app-link-action", id: a.id, "aria-haspopup": a.popup ? "dialog" : null,
      title: a.title ? (typeof a.title === "function" ? a.title() : a.title) : label, onclick: a.onClick,
    }, icon(a.icon || "plus", 18), h("span", { class: "app-label" }, label))]);
  }
  entries.sort((x, y) => x[0] - y[0]);
  nav.replaceChildren(...entries.map(([, el]) => el));
  markSidebar();
}

function markSidebar() {
  const shown = current ? current.page.sidebarPage || current.page.name : null;
  for (const page of pages.values()) {
    if (!page.link) continue;
    if (page.name === shown) page.link.setAttribute("aria-current", "page");
    else page.link.removeAttribute("aria-current");
  }
}

// Called once by the shell after every page module registered itself.
export function startRouter({ home = "todo" } = {}) {
  homePath = home;
  started = true;
  renderSidebar();
  window.addEventListener("hashchange", () => route());
  window.addEventListener("popstate", () => route());
  return route();
}
