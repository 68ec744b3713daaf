// The archive (档案) in the web client: what was handled, filed as items (件) in a unit's
// archive by the archive worker. The page at #/archive?year=&unit=&retention=&kind=&q=&page=
// over the message pane lists GET /archive with its filters and their counts, opens an entry's
// record (metadata, files, handling steps) in a dialog, and downloads a unit's year as a
// package (GET /archive/export) for those who may export it.

import { ApiError, api } from "../core/api.js";
import { closeDialog, errorText, openDialog } from "../ui/dialogs.js";
import { $, h, icon } from "../core/dom.js";
import { fileSize } from "../core/format.js";
import { ZH, fmt, gettext, ngettext } from "../core/i18n.js";
import { whenWithYear as when } from "../core/time.js";
import { pageHash, pageQuery, pager, rewritePage, unitNames } from "../ui/lists.js";
import { back, registerPage } from "../shell/router.js";
import { displayName } from "../shell/state.js";

const PAGE = 50;
const FIELDS = ["year", "unit", "retention", "kind", "q", "page"];
const RETENTIONS = [
  ["permanent", () => gettext("Permanent")],
  ["30y", () => gettext("30 years")],
  ["10y", () => gettext("10 years")],
];
const KINDS = [
  ["incoming", () => gettext("Incoming")],
  ["outgoing", () => gettext("Outgoing")],
  ["approval", () => gettext("Approval")],
];
const labelOf = (table, key, fallback) => {
  const found = table.find(([k]) => k === key);
  return found ? found[1]() : fallback || key;
};

let pageEl = null;
let parts = null;
let query = {};
let answer = null;
let units = null; // code -> name
let seq = 0;

// --- the page over the message pane ------------------------------------------------------------
export function archivePageOpen() {
  return Boolean(pageEl && !pageEl.hidden);
}

const hashOf = (q) => pageHash("archive", FIELDS, q);

registerPage({
  name: "archive",
  id: "archive-page",
  className: "arc-page",
  path: "archive",
  title: () => gettext("Archive"),
  sidebar: { label: () => gettext("Archive"), icon: "box", order: 60, className: "arc-app-link" },
  mount(el, _params, q) {
    pageEl = el;
    el.setAttribute("aria-labelledby", "archive-page-title");
    query = pageQuery(FIELDS, q);
    if (!parts) build();
    if (!pageEl.contains(document.activeElement)) $("#archive-page-title").focus({ preventScroll: true });
    draw();
  },
  update(_params, q) {
    query = pageQuery(FIELDS, q);
    if (!parts) build();
    draw();
  },
});

// Filters changed on the page: the same history entry, new results from the first page.
function update(changes) {
  query = { ...query, page: "", ...changes };
  rewritePage(hashOf(query));
  draw();
}

// --- drawing --------------------------------------------------------------------------------------
function select(id, label, onChange) {
  const control = h("select", { id, class: "arc-select" });
  control.addEventListener("change", () => onChange(control.value));
  return { control, node: h("div", { class: "arc-field" }, h("label", { for: id }, label), control) };
}

function build() {
  const year = select("arc-year", gettext("Archival year"), (value) => update({ year: value }));
  const unit = select("arc-unit", gettext("Unit"), (value) => update({ unit: value }));
  const retention = select("arc-retention", gettext("Retention"), (value) => update({ retention: value }));
  const kind = select("arc-kind", gettext("Category"), (value) => update({ kind: value }));
  const input = h("input", {
    id: "arc-q", type: "search", class: "arc-input", autocomplete: "off", maxlength: "200",
    placeholder: gettext("Title, reference no. or archive no."),
  });
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (input.value.trim() !== query.q) update({ q: input.value.trim() });
    }, 400);
  });
  const form = h("form", { class: "arc-filters", role: "search", "aria-label": gettext("Filter the archive") },
    year.node, unit.node, retention.node, kind.node,
    h("div", { class: "arc-field arc-field-q" },
      h("label", { for: "arc-q" }, gettext("Search the archive")),
      h("div", { class: "arc-q-line" },
        h("span", { class: "arc-q-icon", "aria-hidden": "true" }, icon("search", 16)), input,
        h("button", { type: "submit", class: "btn btn-primary btn-sm" }, gettext("Search")))),
    h("button", {
      type: "button", class: "btn btn-default btn-sm arc-reset", hidden: true,
      onclick: () => { update({ year: "", unit: "", retention: "", kind: "", q: "" }); input.focus(); },
    }, gettext("Clear filters")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    update({ q: input.value.trim() });
  });
  const exportBox = h("div", { class: "arc-export", hidden: true });
  const status = h("div", { class: "arc-status", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "arc-results" });
  const pager = h("nav", { class: "arc-pager", "aria-label": gettext("Pages") });
  const inner = h("div", { class: "doc-page-inner" },
    h("header", { class: "doc-page-head" },
      h("button", {
        type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), title: gettext("Back (Esc)"), onclick: back,
      }, icon("back", 22)),
      h("div", { class: "doc-page-heading" },
        h("h1", { id: "archive-page-title", tabindex: "-1" }, gettext("Archive")))),
    h("div", { class: "doc-scroll" },
      h("div", { class: "arc-content" }, form, exportBox, status, results, pager)));
  pageEl.replaceChildren(inner);
  parts = { year, unit, retention, kind, input, form, exportBox, status, results, pager, reset: form.querySelector(".arc-reset") };
}

// The counts of a facet as a Map: the protocol gives {value: count}; a list of
// {value|code, count} is read the same way.
function counts(raw) {
  const out = new Map();
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const key = item && (item.value ?? item.code ?? item.key);
      if (key !== undefined && key !== null) out.set(String(key), Number(item.count ?? item.n ?? 0));
    }
  } else if (raw && typeof raw === "object") {
    for (const [key, value] of Object.entries(raw)) {
      out.set(String(key), typeof value === "number" ? value : Number((value && (value.count ?? value.n)) || 0));
    }
  }
  return out;
}

function withCount(label, n) {
  return n === undefined ? label : fmt(gettext("%(label)s (%(n)s)"), { label, n });
}

function fillSelect(control, options, value) {
  const known = options.filter(([, , n]) => n !== undefined);
  const sum = known.length ? known.reduce((total, [, , n]) => total + n, 0) : undefined;
  const all = h("option", { value: "" }, withCount(gettext("All"), answer ? sum ?? 0 : undefined));
  const nodes = [all, ...options.map(([key, label, n]) => h("option", { value: key }, withCount(label, n)))];
  control.replaceChildren(...nodes);
  control.value = value;
}

function unitName(code) {
  return (units && units[code]) || code;
}

function drawFilters() {
  const f = (answer && answer.facets) || {};
  const years = counts(f.year);
  if (query.year && !years.has(query.year)) years.set(query.year, 0);
  fillSelect(parts.year.control, [...years].sort((a, b) => b[0].localeCompare(a[0]))
    .map(([y, n]) => [y, ZH ? `${y}年` : y, n]), query.year);
  const unitCounts = counts(f.unit);
  if (query.unit && !unitCounts.has(query.unit)) unitCounts.set(query.unit, 0);
  fillSelect(parts.unit.control, [...unitCounts].map(([code, n]) => [code, unitName(code), n])
    .sort((a, b) => a[1].localeCompare(b[1], "zh-CN")), query.unit);
  const n = (map, key) => (answer ? map.get(key) || 0 : undefined);
  const retentionCounts = counts(f.retention);
  fillSelect(parts.retention.control, RETENTIONS.map(([key, label]) => [key, label(), n(retentionCounts, key)]), query.retention);
  const kindCounts = counts(f.kind);
  fillSelect(parts.kind.control, KINDS.map(([key, label]) => [key, label(), n(kindCounts, key)]), query.kind);
  if (document.activeElement !== parts.input) parts.input.value = query.q;
  parts.reset.hidden = !["year", "unit", "retention", "kind", "q"].some((key) => query[key]);
}

// --- export ---------------------------------------------------------------------------------------
function filenameOf(disposition) {
  if (!disposition) return "";
  const star = disposition.match(/filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      return "";
    }
  }
  const plain = disposition.match(/filename\s*=\s*"?([^";]+)"?/);
  return plain ? plain[1].trim() : "";
}

async function download(unit, year, button, errorNode) {
  errorNode.replaceChildren();
  errorNode.hidden = true;
  button.disabled = true;
  button.classList.add("btn-busy");
  const params = new URLSearchParams({ unit, year });
  try {
    let response;
    try {
      response = await fetch(`/api/v1/archive/export?${params}`, {
        credentials: "same-origin", headers: { Accept: "application/zip, application/json" },
      });
    } catch {
      throw new ApiError(0, "network", gettext("The server cannot be reached. Check your network."));
    }
    if (!response.ok) {
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      const detail = data && data.error && data.error.detail;
      throw new ApiError(response.status, "export", detail || `${gettext("Request failed")} (${response.status})`);
    }
    const blob = await response.blob();
    const name = filenameOf(response.headers.get("Content-Disposition")) || `${unit}-${year}.zip`;
    const href = URL.createObjectURL(blob);
    const link = h("a", { href, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
  } catch (error) {
    errorNode.replaceChildren(icon("alert", 16), h("span", {}, errorText(error)));
    errorNode.hidden = false;
  } finally {
    button.disabled = false;
    button.classList.remove("btn-busy");
  }
}

function drawExport() {
  const box = parts.exportBox;
  const exportable = (answer && answer.exportable) || [];
  const fixedUnit = query.unit && exportable.includes(query.unit) ? query.unit : "";
  if (!exportable.length || (query.unit && !fixedUnit)) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const years = [...counts(answer.facets && answer.facets.year).keys()];
  const thisYear = String(new Date().getFullYear());
  if (!years.includes(thisYear)) years.push(thisYear);
  if (query.year && !years.includes(query.year)) years.push(query.year);
  years.sort((a, b) => b.localeCompare(a));
  const yearSelect = h("select", { id: "arc-export-year", class: "arc-select" },
    years.map((y) => h("option", { value: y }, ZH ? `${y}年` : y)));
  yearSelect.value = query.year || years[0];
  const unitSelect = fixedUnit ? null : h("select", { id: "arc-export-unit", class: "arc-select" },
    exportable.map((code) => h("option", { value: code }, unitName(code))));
  const error = h("p", { class: "arc-export-error", role: "alert", hidden: true });
  const button = h("button", { type: "button", class: "btn btn-default btn-sm arc-export-btn" },
    icon("download", 16), gettext("Export the year's archive package"));
  button.addEventListener("click", () => download(fixedUnit || unitSelect.value, yearSelect.value, button, error));
  box.replaceChildren(
    h("div", { class: "arc-export-line" },
      h("span", { class: "arc-export-what" }, icon("box", 18),
        fixedUnit ? fmt(gettext("Archive of %(unit)s"), { unit: unitName(fixedUnit) }) : gettext("Export")),
      unitSelect ? h("div", { class: "arc-field arc-field-inline" },
        h("label", { for: "arc-export-unit" }, gettext("Unit")), unitSelect) : null,
      h("div", { class: "arc-field arc-field-inline" },
        h("label", { for: "arc-export-year" }, gettext("Archival year")), yearSelect),
      button),
    h("p", { class: "arc-export-hint" }, gettext("A zip package (BagIt) with every item's metadata, files, signatures and audit log, and a SHA-256 manifest.")),
    error);
  box.hidden = false;
}

// --- the table (cards at phone width) -----------------------------------------------------------
function checkMark(e) {
  const ok = Boolean(e.verified);
  const text = ok ? gettext("Verified") : gettext("Not verified");
  return h("span", { class: `arc-check ${ok ? "arc-check-ok" : "arc-check-bad"}`, title: e.verify_detail || text },
    h("span", { "aria-hidden": "true" }, ok ? "✓" : "✗"),
    h("span", { class: "visually-hidden" }, e.verify_detail ? `${text}: ${e.verify_detail}` : text));
}

function row(e) {
  const open = h("button", {
    type: "button", class: "arc-open", dataset: { entry: e.id },
    "aria-haspopup": "dialog", onclick: () => showEntry(e.id, open),
  }, e.title || "—");
  const cell = (label, cls, ...content) => h("td", { "data-label": label, class: cls }, content.length && content.some((c) => c) ? content : "—");
  const tr = h("tr", { class: "arc-row", dataset: { id: e.id, kind: e.kind, retention: e.retention } },
    h("td", { "data-label": gettext("Archive no."), class: "arc-no" }, e.archive_no),
    h("th", { scope: "row", "data-label": gettext("Archival title"), class: "arc-title" }, open),
    cell(gettext("Reference no."), "arc-number", e.number),
    cell(gettext("Document type"), "arc-type", e.doc_type),
    cell(gettext("Item date"), "arc-date", e.date ? h("time", { datetime: e.date }, e.date) : null),
    cell(gettext("Retention"), "arc-retention", h("span", { class: `arc-tag arc-retention-${e.retention}` },
      labelOf(RETENTIONS, e.retention, e.retention_label))),
    cell(gettext("Category"), "arc-kind", labelOf(KINDS, e.kind, e.kind_label)),
    h("td", { "data-label": gettext("Check"), class: "arc-verified" }, checkMark(e)));
  // The whole row opens the entry; the title's button is its keyboard way in.
  tr.addEventListener("click", (event) => {
    if (event.target.closest("button, a") || (window.getSelection && String(window.getSelection()))) return;
    open.click();
  });
  return tr;
}

function drawResults() {
  const entries = answer.entries || [];
  const total = answer.total || 0;
  if (!entries.length) {
    const filtered = ["year", "unit", "retention", "kind", "q"].some((key) => query[key]);
    parts.status.replaceChildren(h("div", { class: "arc-empty" }, icon("box", 40),
      h("p", {}, gettext("No archived files yet.")),
      filtered ? h("p", { class: "muted" }, gettext("Try fewer filters.")) : null));
    parts.results.replaceChildren();
    parts.pager.replaceChildren();
    return;
  }
  parts.status.replaceChildren(h("p", { class: "arc-total" }, fmt(ngettext("%(n)s item", "%(n)s items", total), { n: total })));
  const table = h("table", { class: "arc-table" },
    h("caption", { class: "visually-hidden" }, gettext("Archived items")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, gettext("Archive no.")),
      h("th", { scope: "col" }, gettext("Archival title")),
      h("th", { scope: "col" }, gettext("Reference no.")),
      h("th", { scope: "col" }, gettext("Document type")),
      h("th", { scope: "col" }, gettext("Item date")),
      h("th", { scope: "col" }, gettext("Retention")),
      h("th", { scope: "col" }, gettext("Category")),
      h("th", { scope: "col" }, gettext("Check")))),
    h("tbody", {}, entries.map(row)));
  parts.results.replaceChildren(h("div", { class: "arc-table-wrap" }, table));
  parts.pager.replaceChildren(...pager({
    total, size: PAGE, page: Number(query.page) || 1, go, buttonClass: "btn btn-default btn-sm", countClass: "arc-page-n",
  }));
}

function go(page) {
  query = { ...query, page: page > 1 ? String(page) : "" };
  rewritePage(hashOf(query));
  draw();
  pageEl.querySelector(".doc-scroll").scrollTop = 0;
}

function showError(text, retry) {
  parts.status.replaceChildren(h("div", { class: "arc-error", role: "alert" },
    icon("alert", 18), h("p", {}, text),
    retry ? h("button", { type: "button", class: "btn btn-default btn-sm", onclick: draw }, gettext("Try again")) : null));
  parts.results.replaceChildren();
  parts.pager.replaceChildren();
}

async function loadUnits() {
  if (!units) units = await unitNames();
}

async function draw() {
  const mine = ++seq;
  drawFilters();
  const params = new URLSearchParams({ limit: String(PAGE) });
  const page = Number(query.page) || 1;
  if (page > 1) params.set("offset", String((page - 1) * PAGE));
  for (const key of ["year", "unit", "retention", "kind", "q"]) if (query[key]) params.set(key, query[key]);
  parts.status.replaceChildren(h("p", { class: "arc-loading" }, gettext("Loading…")));
  pageEl.setAttribute("aria-busy", "true");
  await loadUnits();
  let got;
  try {
    got = await api("GET", `/archive?${params}`);
  } catch (error) {
    if (mine !== seq) return;
    pageEl.removeAttribute("aria-busy");
    showError(errorText(error), !(error instanceof ApiError) || error.status === 0 || error.status >= 500);
    parts.exportBox.hidden = true;
    return;
  }
  if (mine !== seq) return;
  pageEl.removeAttribute("aria-busy");
  answer = got;
  for (const e of answer.entries || []) if (e.unit && units && !units[e.unit.code]) units[e.unit.code] = e.unit.name;
  drawFilters();
  drawExport();
  drawResults();
}

// --- one entry ------------------------------------------------------------------------------------------
// The DA/T 46 fields in the order the filing writes them (a JSON object's order does not
// survive the database); fields not named here follow in the order given.
const META_ORDER = [
  "档号", "全宗号", "门类", "年度", "保管期限", "机构（问题）", "件号", "题名", "责任者", "文件编号", "日期",
  "文种", "密级", "紧急程度", "签发人", "主送", "抄送", "附件数", "页数", "件数", "电子签章", "收文编号",
  "收文类别", "承办人", "办结人", "办结时间", "办理结果", "发文人", "办理情况", "申请单位", "申请时间",
  "审批结果", "轮次", "内容", "审批记录", "附注", "机构代码", "归档时间", "归档人", "真实性与完整性检测",
];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function metadataRows(metadata) {
  if (!metadata) return [];
  const rows = Array.isArray(metadata)
    ? metadata.map((m) => [m.label ?? m.name ?? m.key, m.value])
    : Object.entries(metadata);
  const rank = (key) => {
    const i = META_ORDER.indexOf(key);
    return i < 0 ? META_ORDER.length : i;
  };
  return rows.map((row, i) => [row, i]).sort((a, b) => rank(a[0][0]) - rank(b[0][0]) || a[1] - b[1]).map(([row]) => row);
}

function valueText(value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return "—";
  if (typeof value === "boolean") return value ? gettext("Yes") : gettext("No");
  if (typeof value === "string" && ISO_TIME.test(value)) return when(value);
  if (Array.isArray(value)) return value.every((v) => v === null || typeof v !== "object") ? value.map(valueText).join("、") : "";
  if (typeof value === "object") return "";
  return String(value);
}

// A value as text, or as lines for an object (电子签章) or a list of them (审批记录).
function metaValue(value) {
  const pairs = (o) => Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}：${typeof v === "object" && v !== null ? JSON.stringify(v) : valueText(v)}`).join("；");
  if (Array.isArray(value) && value.some((v) => v && typeof v === "object")) {
    return h("ol", { class: "arc-meta-list" }, value.map((v) => h("li", {}, v && typeof v === "object" ? pairs(v) : valueText(v))));
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return h("ul", { class: "arc-meta-list" }, Object.entries(value).map(([k, v]) => h("li", {}, `${k}：${valueText(v)}`)));
  }
  return valueText(value);
}

function metaRow([key, value]) {
  const wide = (value && typeof value === "object") || (typeof value === "string" && value.length > 40);
  return h("div", { class: wide ? "arc-meta-wide" : "" }, h("dt", {}, key), h("dd", {}, metaValue(value)));
}

function actorText(actor) {
  if (!actor) return "";
  if (typeof actor === "string") return actor;
  if (typeof actor === "number") return String(actor);
  return actor.display_name ? displayName(actor) : actor.name || actor.username || "";
}

function detailText(detail) {
  if (!detail) return "";
  if (typeof detail === "string") return detail;
  if (typeof detail === "object") {
    return Object.entries(detail).filter(([, v]) => v !== null && v !== "" && v !== undefined)
      .map(([k, v]) => `${k}: ${valueText(v)}`).join(" · ");
  }
  return String(detail);
}

function entryBody(e) {
  const ok = Boolean(e.verified);
  const files = e.files || [];
  const log = e.log || [];
  return [
    h("div", { class: "arc-detail-head" },
      h("p", { class: "arc-detail-no" }, e.archive_no),
      h("div", { class: "arc-detail-tags" },
        h("span", { class: "arc-tag" }, labelOf(KINDS, e.kind, e.kind_label)),
        h("span", { class: `arc-tag arc-retention-${e.retention}` }, labelOf(RETENTIONS, e.retention, e.retention_label)),
        e.unit ? h("span", { class: "arc-tag" }, e.unit.name) : null)),
    h("div", { class: `arc-verify ${ok ? "arc-verify-ok" : "arc-verify-bad"}` },
      h("strong", {}, ok ? `✓ ${gettext("Verified at filing")}` : `✗ ${gettext("Not verified at filing")}`),
      e.verify_detail ? h("span", {}, e.verify_detail) : null),
    h("section", { class: "arc-detail-section", "aria-labelledby": "arc-meta-title" },
      h("h3", { id: "arc-meta-title" }, gettext("Metadata")),
      h("dl", { class: "arc-meta" }, metadataRows(e.metadata).map(metaRow))),
    h("section", { class: "arc-detail-section", "aria-labelledby": "arc-files-title" },
      h("h3", { id: "arc-files-title" }, fmt(gettext("Files (%(n)s)"), { n: files.length })),
      files.length ? h("ul", { class: "arc-files" }, files.map((f) => h("li", {},
        h("a", { href: f.url, download: f.name }, icon("file", 16), h("span", {}, f.name)),
        h("span", { class: "muted" }, fileSize(f.size || 0)),
        f.sha256 ? h("code", { class: "arc-sha", title: f.sha256 }, `SHA-256 ${f.sha256.slice(0, 16)}…`) : null)))
        : h("p", { class: "muted" }, gettext("No files."))),
    h("section", { class: "arc-detail-section", "aria-labelledby": "arc-log-title" },
      h("h3", { id: "arc-log-title" }, fmt(gettext("Handling steps (%(n)s)"), { n: log.length })),
      log.length ? h("ol", { class: "arc-log" }, log.map((step) => h("li", { dataset: { event: step.event || "" } },
        h("time", { datetime: step.at }, when(step.at)),
        h("span", { class: "arc-log-what" }, detailText(step.detail) || step.event || ""),
        step.actor ? h("span", { class: "muted" }, actorText(step.actor)) : null)))
        : h("p", { class: "muted" }, gettext("No steps recorded."))),
    h("p", { class: "arc-filed muted" }, fmt(gettext("Filed %(time)s"), { time: when(e.filed_at) }),
      e.filed_by ? "" : ` · ${gettext("automatically")}`),
  ];
}

function sourceLink(e) {
  let href = null;
  let label = null;
  if (e.document) {
    href = `#/documents/${e.document}`;
    label = gettext("Open the document");
  } else if (e.approval) {
    href = `#/approvals/${e.approval}`;
    label = gettext("Open the approval");
  }
  if (!href) return null;
  // The documents and approvals pages take these links themselves (documents.js, work.js).
  return h("a", { class: "btn btn-default arc-source", href, onclick: () => closeDialog() }, label);
}

async function showEntry(id, opener) {
  const body = h("div", { class: "arc-detail", "aria-busy": "true" }, h("p", { class: "arc-loading" }, gettext("Loading…")));
  const close = h("button", { type: "button", class: "btn btn-primary", onclick: () => closeDialog() }, gettext("Close"));
  const slot = h("span", { class: "arc-foot-slot" });
  const el = openDialog({
    title: gettext("Archived item"), body, footer: [slot, close], wide: true,
    onClose: () => {
      if (archiveLeft()) return;
      // The list may have been drawn again meanwhile: the same entry's button, or the title.
      const target = opener && opener.isConnected ? opener : pageEl.querySelector(`.arc-open[data-entry="${id}"]`);
      if (target) target.focus();
      else $("#archive-page-title").focus({ preventScroll: true });
    },
  });
  el.classList.add("dialog-archive");
  close.focus();
  let entry;
  try {
    entry = await api("GET", `/archive/${id}`);
  } catch (error) {
    if (!el.open || !el.contains(body)) return;
    body.removeAttribute("aria-busy");
    body.replaceChildren(h("div", { class: "arc-error", role: "alert" }, icon("alert", 18), h("p", {}, errorText(error))));
    return;
  }
  if (!el.open || !el.contains(body)) return;
  body.removeAttribute("aria-busy");
  $("#dialog-title").textContent = entry.title || gettext("Archived item");
  body.replaceChildren(...entryBody(entry));
  slot.replaceWith(sourceLink(entry) || slot);
}

function archiveLeft() {
  return !archivePageOpen();
}

// --- start ----------------------------------------------------------------------------------------------
