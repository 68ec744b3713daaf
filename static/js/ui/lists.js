// What list pages share: their filters in the address (`#/archive?year=2025&unit=wsj`),
// unit names, and the pager under the results (classes: see docs/architecture.md).

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
import { buildHash } from "../shell/routes.js";
import { state } from "../shell/state.js";

// The address of a list page with these filters (only `fields`, only those set).
export function pageHash(name, fields, query) {
  const picked = {};
  for (const key of fields) if (query[key]) picked[key] = query[key];
  return buildHash(name, picked);
}

// The filters of a page from the router's query: every field, trimmed, "" when absent.
export function pageQuery(fields, query) {
  const found = {};
  for (const key of fields) found[key] = String((query || {})[key] || "").trim();
  return found;
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
