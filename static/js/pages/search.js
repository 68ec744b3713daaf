// Full-text search (检索) in the web client: the sidebar box's 「搜索全部」, and the search page
// at #search?q=… over the message pane: results of GET /search grouped by type with their
// snippets, totals, facet filters (type, unit, year, 文种), a date range, the sort and pages.
// A message result opens in its room, scrolled to and highlighted; the others open their page
// (a library file: #/library?file=<id>, its panel in its folder).

import { ApiError, api } from "../core/api.js";
import { errorText } from "../ui/dialogs.js";
import { $, h, icon } from "../core/dom.js";
import { ZH, fmt, gettext, ngettext } from "../core/i18n.js";
import { when } from "../core/time.js";
import { openMessage } from "./chat.js";
import { pageHash, pageQuery, pager, rewritePage, unitNames } from "../ui/lists.js";
import { back, navigate, registerPage } from "../shell/router.js";
import { state } from "../shell/state.js";

const PAGE = 20;
const TYPES = [
  ["message", () => gettext("Messages")],
  ["document", () => gettext("Documents")],
  ["meeting", () => gettext("Meetings")],
  ["approval", () => gettext("Approvals")],
  ["file", () => gettext("Files")],
];
let pageEl = null;
let units = null; // code -> short name
let seq = 0;
const FIELDS = ["q", "type", "unit", "year", "doc_type", "after", "before", "sort", "page"];
let query = {};

// --- the page over the message pane ------------------------------------------------------------
export function searchPageOpen() {
  return Boolean(pageEl && !pageEl.hidden);
}

const hashOf = (q) => pageHash("search", FIELDS, q);

// Open the search page for `text` (a new history entry, so that Back returns).
export function openSearch(text) {
  navigate("search", { query: { q: text.trim() } });
}

registerPage({
  name: "search",
  id: "search-page",
  className: "search-page",
  path: "search",
  title: () => gettext("Search"),
  mount(el, _params, q) {
    pageEl = el;
    el.setAttribute("aria-labelledby", "search-page-title");
    query = pageQuery(FIELDS, q);
    draw();
  },
  update(_params, q) {
    query = pageQuery(FIELDS, q);
    draw();
  },
});

// Filters changed on the page: the same history entry, new results.
function update(changes) {
  query = { ...query, page: "", ...changes };
  rewritePage(hashOf(query));
  draw();
}

// --- drawing ------------------------------------------------------------------------------------
let parts = null;

function build() {
  const input = h("input", {
    id: "search-input", type: "search", class: "search-input", autocomplete: "off", maxlength: "500",
    placeholder: gettext("Words, \"phrases\", from:, in:, type:, unit:, after:, before:"),
    "aria-label": gettext("Search messages and documents"),
  });
  const form = h("form", { class: "search-form", role: "search" },
    h("span", { class: "search-form-icon", "aria-hidden": "true" }, icon("search", 18)),
    input,
    h("button", { type: "submit", class: "btn btn-primary search-go" }, gettext("Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    update({ q: input.value.trim() });
  });
  const after = h("input", { type: "date", id: "search-after", class: "search-date" });
  const before = h("input", { type: "date", id: "search-before", class: "search-date" });
  const dates = () => update({ after: after.value, before: before.value, year: "" });
  after.addEventListener("change", dates);
  before.addEventListener("change", dates);
  const sort = h("div", { class: "search-sort", role: "group", "aria-label": gettext("Sort by") },
    h("button", { type: "button", class: "search-sort-btn", dataset: { sort: "relevance" }, onclick: () => update({ sort: "relevance" }) },
      gettext("Relevance")),
    h("button", { type: "button", class: "search-sort-btn", dataset: { sort: "newest" }, onclick: () => update({ sort: "newest" }) },
      gettext("Newest")));
  const tools = h("div", { class: "search-tools" },
    sort,
    h("div", { class: "search-dates" },
      h("label", { for: "search-after" }, gettext("From")), after,
      h("label", { for: "search-before" }, gettext("to")), before));
  const facets = h("div", { class: "search-facets", "aria-label": gettext("Filters"), role: "group" });
  const status = h("div", { class: "search-status", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "search-results" });
  const pager = h("nav", { class: "search-pager", "aria-label": gettext("Pages") });
  const inner = h("div", { class: "doc-page-inner" },
    h("header", { class: "doc-page-head search-head" },
      h("button", {
        type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), title: gettext("Back (Esc)"), onclick: back,
      }, icon("back", 22)),
      h("h1", { id: "search-page-title", class: "search-title", tabindex: "-1" }, gettext("Search")),
      form),
    h("div", { class: "doc-scroll" },
      h("div", { class: "search-content" }, tools, facets, status, results, pager)));
  pageEl.replaceChildren(inner);
  parts = { input, after, before, sort, facets, status, results, pager };
}

function chip(label, count, active, onclick) {
  return h("button", {
    type: "button", class: "search-chip", "aria-pressed": active ? "true" : "false", onclick,
  }, h("span", {}, label), count !== null ? h("span", { class: "search-chip-n" }, String(count)) : null);
}

function facetGroup(title, chips) {
  if (!chips.length) return null;
  return h("div", { class: "search-facet" }, h("span", { class: "search-facet-title" }, title), h("div", { class: "search-chips" }, chips));
}

function drawFacets(answer) {
  const f = (answer && answer.facets) || {};
  const groups = [];
  const typeCounts = f.type || {};
  const all = Object.values(typeCounts).reduce((a, b) => a + b, 0);
  groups.push(facetGroup(gettext("Type"), [
    chip(gettext("All"), query.type ? null : all, !query.type, () => update({ type: "", doc_type: "" })),
    ...TYPES.filter(([t]) => typeCounts[t] || query.type === t).map(([t, label]) => chip(label(), typeCounts[t] || 0, query.type === t,
      () => update({ type: query.type === t ? "" : t, doc_type: "" }))),
  ]));
  const unitEntries = Object.entries(f.unit || {}).sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (query.unit && !unitEntries.some(([c]) => c === query.unit)) unitEntries.unshift([query.unit, 0]);
  groups.push(facetGroup(gettext("Unit"), unitEntries.map(([code, n]) => chip((units && units[code]) || code, n, query.unit === code,
    () => update({ unit: query.unit === code ? "" : code })))));
  const years = Object.entries(f.year || {}).sort((a, b) => b[0].localeCompare(a[0]));
  groups.push(facetGroup(gettext("Year"), years.map(([year, n]) => chip(ZH ? `${year}年` : year, n, query.year === year,
    () => update(query.year === year ? { year: "", after: "", before: "" } : { year, after: "", before: "" })))));
  const kinds = Object.entries(f.doc_type || {}).filter(([k]) => k).sort((a, b) => b[1] - a[1]);
  groups.push(facetGroup(gettext("Document type"), kinds.map(([kind, n]) => chip(kind, n, query.doc_type === kind,
    () => update(query.doc_type === kind ? { doc_type: "" } : { doc_type: kind, type: "document" })))));
  parts.facets.replaceChildren(...groups.filter(Boolean));
  parts.facets.hidden = !answer;
}

function resultHref(r) {
  if (r.type === "document") return `#/documents/${r.id}`;
  if (r.type === "meeting") return `#/meetings/${r.id}`;
  if (r.type === "approval") return `#/approvals/${r.id}`;
  if (r.type === "file") return `#/library?file=${r.id}`; // 文档管理 opens it in its folder
  return `#/rooms/${r.room}`;
}

function resultItem(r) {
  const snippet = h("p", { class: "search-snippet" });
  snippet.innerHTML = r.snippet_html || ""; // escaped by the server, with only <mark> and <b>
  const meta = [];
  if (r.number) meta.push(h("span", { class: "search-number" }, r.number));
  if (r.type !== "message" && r.doc_type) meta.push(h("span", {}, r.doc_type));
  if (r.unit && units && units[r.unit]) meta.push(h("span", {}, units[r.unit]));
  meta.push(h("time", { datetime: r.created_at }, when(r.created_at)));
  const title = r.type === "message"
    ? [icon("hash", 14), h("span", {}, r.title || gettext("Conversation"))]
    : [r.type === "file" ? icon("file", 14) : null, h("span", {}, r.title)];
  const link = h("a", {
    class: `search-hit search-hit-${r.type}`, href: resultHref(r), dataset: { type: r.type, id: r.id },
  },
  h("span", { class: "search-hit-head" }, h("span", { class: "search-hit-title" }, title),
    h("span", { class: "search-hit-meta" }, meta)),
  snippet);
  if (r.type === "message") {
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      openMessage(r.room, r.message || r.id);
    });
  }
  return h("li", {}, link);
}

function drawResults(answer) {
  const total = answer.total || 0;
  const rows = answer.results; // the 文种 filter is the server's (doc_type=), totals included
  const counts = (answer.facets && answer.facets.type) || {};
  const groups = [];
  for (const [type, label] of TYPES) {
    const items = rows.filter((r) => r.type === type);
    if (!items.length) continue;
    const id = `search-group-${type}`;
    groups.push(h("section", { class: `search-group search-group-${type}`, "aria-labelledby": id },
      h("h2", { id, class: "search-group-title" }, label(),
        h("span", { class: "search-group-n" }, fmt(gettext("%(n)s in all"), { n: counts[type] ?? items.length }))),
      h("ol", { class: "search-hits" }, items.map(resultItem))));
  }
  parts.status.replaceChildren(total
    ? h("p", { class: "search-total" }, fmt(ngettext("%(n)s result", "%(n)s results", total), { n: total }))
    : h("p", { class: "search-none" }, gettext("Nothing found. Try other words or fewer filters.")));
  parts.results.replaceChildren(...groups);
  parts.pager.replaceChildren(...pager({
    total, size: PAGE, page: Number(query.page) || 1, go, buttonClass: "btn", countClass: "search-page-n",
  }));
}

function go(page) {
  query = { ...query, page: page > 1 ? String(page) : "" };
  rewritePage(hashOf(query));
  draw();
  pageEl.querySelector(".doc-scroll").scrollTop = 0;
}

function showError(text, retry) {
  parts.status.replaceChildren(h("div", { class: "search-error", role: "alert" }, h("p", {}, text),
    retry ? h("button", { type: "button", class: "btn", onclick: draw }, gettext("Try again")) : null));
  parts.results.replaceChildren();
  parts.pager.replaceChildren();
}

async function loadUnits() {
  if (!units) units = await unitNames();
}

async function draw() {
  if (!parts) build();
  const mine = ++seq;
  parts.input.value = query.q;
  parts.after.value = query.after;
  parts.before.value = query.before;
  const sort = query.sort || (query.q ? "relevance" : "newest");
  for (const b of parts.sort.children) b.setAttribute("aria-pressed", b.dataset.sort === sort ? "true" : "false");
  if (!query.q) {
    drawFacets(null);
    parts.status.replaceChildren(h("p", { class: "search-hint" },
      gettext("Search messages, documents (by 发文字号 too, e.g. 94号), meetings, approvals and library files.")));
    parts.results.replaceChildren();
    parts.pager.replaceChildren();
    if (!pageEl.contains(document.activeElement)) parts.input.focus();
    return;
  }
  const params = new URLSearchParams({ q: query.q, limit: String(PAGE), sort });
  const page = Number(query.page) || 1;
  if (page > 1) params.set("offset", String((page - 1) * PAGE));
  for (const key of ["type", "unit", "doc_type"]) if (query[key]) params.set(key, query[key]);
  const after = query.after || query.year;
  const before = query.before || query.year;
  if (after) params.set("after", after);
  if (before) params.set("before", before);
  parts.status.replaceChildren(h("p", { class: "search-loading" }, gettext("Searching…")));
  pageEl.setAttribute("aria-busy", "true");
  await loadUnits();
  let answer;
  try {
    answer = await api("GET", `/search?${params}`);
  } catch (error) {
    if (mine !== seq) return;
    pageEl.removeAttribute("aria-busy");
    drawFacets(null);
    if (error instanceof ApiError && error.status === 503) showError(gettext("The index is being rebuilt. Please try again later."), true);
    else showError(errorText(error), error instanceof ApiError && error.status === 0);
    return;
  }
  if (mine !== seq) return;
  pageEl.removeAttribute("aria-busy");
  drawFacets(answer);
  drawResults(answer);
}

// --- the sidebar's box ------------------------------------------------------------------------
function roomsMatch(text) {
  const filter = text.trim().toLowerCase();
  return [...state.rooms.values()].some((r) => r.name.toLowerCase().includes(filter) || (r.unit || "").includes(filter));
}

// The sidebar's box: Enter opens the first conversation found (the chat); with none found, or
// with Shift, it searches everything. Set up when the module loads, before the chat's own
// keys, so that this handler runs first.
function initSearchBox() {
  const box = $("#room-search");
  const all = h("button", { type: "button", id: "search-all", class: "search-all", hidden: true },
    icon("search", 16), h("span", { class: "search-all-text" }), h("kbd", {}, "Shift+Enter"));
  all.addEventListener("click", () => {
    const text = box.value.trim();
    box.value = "";
    box.dispatchEvent(new Event("input"));
    all.hidden = true;
    openSearch(text);
  });
  box.after(all);
  box.addEventListener("input", () => {
    const text = box.value.trim();
    all.hidden = !text;
    all.querySelector(".search-all-text").textContent = fmt(gettext("Search everything for “%(q)s”"), { q: text });
  });
  // Enter opens the first conversation found (app.js); with none found, or with Shift, search.
  box.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    const text = box.value.trim();
    if (!text || (!event.shiftKey && roomsMatch(text))) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    all.click();
  });
}

initSearchBox();
