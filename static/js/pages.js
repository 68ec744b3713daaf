// Pages shown over the message pane (search, archive) with their filters in the address,
// `#name?key=value…`. Opening one pushes a history entry marked `mark`, so that the page's
// back button returns where the user was; changing filters rewrites that entry in place.

import { api } from "./api.js";
import { h } from "./dom.js";
import { fmt, gettext } from "./i18n.js";
import { state } from "./state.js";

export function pageHash(name, fields, query) {
  const params = new URLSearchParams();
  for (const key of fields) if (query[key]) params.set(key, query[key]);
  const text = params.toString().replace(/\+/g, "%20");
  return text ? `#${name}?${text}` : `#${name}`;
}

// The page's filters in `hash`, or null when `hash` is not this page's.
export function pageQuery(name, fields, hash) {
  const match = hash.match(new RegExp(`^#${name}(?:\\?(.*))?$`));
  if (!match) return null;
  const params = new URLSearchParams(match[1] || "");
  const query = {};
  for (const key of fields) query[key] = (params.get(key) || "").trim();
  return query;
}

export function openPage(mark, hash) {
  history.pushState({ [mark]: true }, "", hash);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

// Back to the entry before the page when the page pushed one, else to the open room.
export function leavePage(mark, hide) {
  if (history.state && history.state[mark]) {
    history.back();
    return;
  }
  const room = state.activeRoomId;
  history.replaceState(null, "", room !== null ? `#room/${room}` : location.pathname);
  hide();
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

// New filters: the same history entry, its address rewritten.
export function rewritePage(hash) {
  history.replaceState(history.state, "", hash);
}

let names = null;

// Unit codes to short names, from GET /units once (an empty map when that fails).
export async function unitNames() {
  if (names) return names;
  try {
    if (!state.units) state.units = await api("GET", "/units");
    names = {};
    for (const u of state.units) names[u.code] = u.short_name || u.name;
  } catch {
    names = {};
  }
  return names;
}

// Previous · Page n of m · Next under a page's results; nothing when one page holds them all.
export function pager({ total, size, page, go, buttonClass, countClass }) {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) return [];
  return [
    h("button", { type: "button", class: buttonClass, disabled: page <= 1, onclick: () => go(page - 1) }, gettext("Previous")),
    h("span", { class: countClass }, fmt(gettext("Page %(page)s of %(pages)s"), { page, pages })),
    h("button", { type: "button", class: buttonClass, disabled: page >= pages, onclick: () => go(page + 1) }, gettext("Next")),
  ];
}
