// Official documents (公文) in the web client: the compose form (发文) for a unit's clerks and
// leaders, a document's page with its tracking (every recipient unit's state, totals, the
// seal and its verification, 催办), and the list of documents sent and received.
// The pages live at #docs[/sent|/received] and #doc/<id>, over the message pane; the
// documents bot's cards link to them.

import { api } from "../core/api.js";
import { attachmentsField } from "../ui/attachments.js";
import { closeDialog, confirmDialog, errorText, openDialog, toast } from "../ui/dialogs.js";
import { documentCardExtras, documentHref } from "./documents-cards.js";
import { chainFields, chainNode, handlingLogNode, pdfLink, unitsLine } from "./documents-chain.js";
import "./documents-handling.js";
import { $, h, icon } from "../core/dom.js";
import { fileSize, plainMarkdown } from "../core/format.js";
import { fmt, gettext, ngettext, pgettext } from "../core/i18n.js";
import { dayOf, when } from "../core/time.js";
import { registerCard } from "../shell/cards.js";
import { back, navigate, registerPage, registerSidebarAction } from "../shell/router.js";
import { displayName, state } from "../shell/state.js";
import { refreshTodo } from "../shell/todo.js";

const SENDER_ROLES = new Set(["clerk", "leader"]);
const LIST_PAGE = 50;
const REFRESH_AFTER_MS = 250;

const docIcon = (name, size = 18) => icon(name, size);

const STATE_LABELS = {
  delivered: () => gettext("Awaiting sign-for"),
  signed: () => gettext("Signed for"),
  registered: () => gettext("Registered"),
  assigned: () => gettext("Being handled"),
  handled: () => gettext("Handled"),
  returned: () => gettext("Returned"),
};

const EVENT_LABELS = {
  sent: () => gettext("Sent and sealed"),
  delivered: () => gettext("Delivered"),
  signed: () => gettext("Signed for"),
  registered: () => gettext("Registered"),
  assigned: () => gettext("Assigned a handler"),
  handled: () => gettext("Handled"),
  returned: () => gettext("Returned"),
  circulated: () => gettext("Circulated to read"),
  read: () => gettext("Read"),
  reminded: () => gettext("Reminded"),
  escalated: () => gettext("Escalated to the unit's leaders"),
  archived: () => gettext("Filed in the archive"),
};

export function canSendDocuments() {
  return (state.me.units || []).some((u) => SENDER_ROLES.has(u.role));
}

// Any member of a unit may draft its documents (送审); its clerks and leaders may also send
// directly where the unit's rules allow it.
export function canComposeDocuments() {
  return (state.me.units || []).length > 0;
}

let metaCache = null;

async function loadMeta() {
  if (!metaCache) metaCache = await api("GET", "/documents/meta");
  return metaCache;
}

// --- the page over the message pane -------------------------------------------------------
let pageEl = null;
let current = null; // {kind: "list"} | {kind: "doc", id, doc, watch, ...}

function showPage() {}

export function documentsPageOpen() {
  return Boolean(pageEl && !pageEl.hidden);
}

function goToRoom(roomId) {
  navigate(`rooms/${roomId}`);
}

function unitRoom(code) {
  return [...state.rooms.values()].find((r) => r.kind === "unit" && r.unit === code) || null;
}

function pageHead({ title, sub = "", tools = [] }) {
  return h("header", { class: "doc-page-head" },
    h("button", {
      type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), title: gettext("Back (Esc)"), onclick: back,
    }, icon("back", 22)),
    h("div", { class: "doc-page-heading" },
      h("h1", { id: "doc-page-title", tabindex: "-1" }, title),
      sub ? h("p", {}, sub) : null),
    tools.length ? h("div", { class: "doc-page-tools" }, tools) : null);
}

function focusTitle() {
  const title = $("#doc-page-title");
  if (title && !pageEl.contains(document.activeElement)) title.focus({ preventScroll: true });
}

// --- the list -----------------------------------------------------------------------------------
const listState = { box: "all", q: "", results: [], total: 0, loading: false, seq: 0, error: "" };
let listView = null;

function buildListView() {
  const tabs = [
    ["all", () => gettext("All")],
    ["sent", () => gettext("Sent")],
    ["received", () => gettext("Received")],
  ];
  const tabButtons = tabs.map(([box, label]) => h("button", {
    type: "button", role: "tab", class: "tab", id: `doc-tab-${box}`, dataset: { box },
    "aria-controls": "doc-list", onclick: () => chooseBox(box),
  }, label()));
  const tabList = h("div", { class: "tabs doc-tabs", role: "tablist", "aria-label": gettext("Documents") }, tabButtons);
  tabList.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const index = tabs.findIndex(([box]) => box === listState.box);
    const next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length][0];
    chooseBox(next);
    $(`#doc-tab-${next}`).focus();
  });
  const search = h("input", {
    type: "search", id: "doc-search", autocomplete: "off", placeholder: gettext("Title or document number"),
  });
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      listState.q = search.value.trim();
      fetchList();
    }, 250);
  });
  const status = h("p", { class: "doc-list-status", role: "status" });
  const list = h("ul", { class: "doc-list", id: "doc-list", role: "tabpanel", "aria-label": gettext("Documents") });
  const more = h("button", { type: "button", class: "btn btn-default doc-more", hidden: true, onclick: () => fetchList(true) },
    gettext("Load more"));
  const tools = canComposeDocuments() ? [h("button", {
    type: "button", class: "btn btn-primary btn-sm", onclick: () => composeDocument(),
  }, docIcon("compose", 16), gettext("New document"))] : [];
  const node = h("div", { class: "doc-page-inner" },
    pageHead({ title: gettext("Official documents"), tools }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-list-wrap" },
        h("div", { class: "doc-list-tools" }, tabList,
          h("div", { class: "doc-search" },
            h("label", { for: "doc-search", class: "visually-hidden" }, gettext("Search documents")),
            icon("search", 16), search)),
        status, list, more)));
  return { node, tabButtons, search, status, list, more };
}

function chooseBox(box) {
  listState.box = box;
  history.replaceState(history.state, "", documentsHref(box));
  renderTabs();
  fetchList();
}

function renderTabs() {
  for (const b of listView.tabButtons) {
    const on = b.dataset.box === listState.box;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
  }
}

function showList(box) {
  if (!listView) listView = buildListView();
  const again = current && current.kind === "list";
  current = { kind: "list" };
  listState.box = box;
  if (!pageEl.contains(listView.node) || pageEl.childElementCount !== 1) pageEl.replaceChildren(listView.node);
  renderTabs();
  showPage();
  if (!again) focusTitle();
  fetchList();
}

async function fetchList(more = false) {
  const seq = ++listState.seq;
  listState.loading = true;
  listState.error = "";
  renderList();
  const offset = more ? listState.results.length : 0;
  const q = encodeURIComponent(listState.q);
  try {
    const page = await api("GET", `/documents?box=${listState.box}&q=${q}&limit=${LIST_PAGE}&offset=${offset}`);
    if (seq !== listState.seq) return;
    listState.results = more ? [...listState.results, ...page.results] : page.results;
    listState.total = page.total;
  } catch (error) {
    if (seq !== listState.seq) return;
    listState.error = errorText(error);
  }
  listState.loading = false;
  renderList();
}

function urgencyBadge(urgency, label) {
  if (!urgency || urgency === "normal") return null;
  const text = label || { urgent: gettext("Urgent"), very_urgent: gettext("Very urgent") }[urgency] || urgency;
  return h("span", { class: `doc-tag doc-urgency doc-urgency-${urgency}` }, text);
}

function listItem(d) {
  let status;
  if (d.box === "sent" && d.totals) {
    const t = d.totals;
    status = [
      h("span", {}, fmt(gettext("Signed for %(n)s / %(all)s"), { n: t.signed, all: t.recipients })),
      h("span", {}, fmt(gettext("Handled %(n)s / %(all)s"), { n: t.handled, all: t.recipients })),
      t.overdue ? h("span", { class: "doc-warn" }, fmt(gettext("Overdue %(n)s"), { n: t.overdue })) : null,
      t.returned ? h("span", { class: "doc-warn" }, fmt(gettext("Returned %(n)s"), { n: t.returned })) : null,
    ];
  } else {
    status = (d.mine || []).map((x) => h("span", { class: x.overdue ? "doc-warn" : "" },
      h("span", { class: `doc-state doc-state-${x.state}` }, STATE_LABELS[x.state] ? STATE_LABELS[x.state]() : x.state),
      x.overdue ? ` · ${gettext("Overdue")}` : ""));
  }
  return h("li", {},
    h("a", { class: "doc-item", href: documentHref(d.id), dataset: { doc: d.id } },
      h("span", { class: "doc-item-icon", "aria-hidden": "true" }, docIcon(d.box === "sent" ? "compose" : "inbox", 18)),
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" },
          h("span", { class: `doc-tag doc-box-${d.box}` }, d.box === "sent" ? gettext("Sent") : gettext("Received")),
          urgencyBadge(d.urgency),
          h("span", { class: "doc-item-title" }, d.title)),
        h("span", { class: "doc-item-meta" },
          [d.number, d.unit && d.unit.name, when(d.sent_at)].filter(Boolean).map((part, i) => [i ? " · " : null, h("span", {}, part)])),
        h("span", { class: "doc-item-status" }, status))));
}

function renderList() {
  if (!listView) return;
  const { status, list, more } = listView;
  if (listState.error) {
    status.textContent = listState.error;
  } else if (listState.loading && !listState.results.length) {
    status.textContent = gettext("Loading…");
  } else if (!listState.results.length) {
    status.textContent = listState.q ? gettext("No document matches.") : gettext("No documents yet.");
  } else {
    status.textContent = fmt(ngettext("%(n)s document", "%(n)s documents", listState.total), { n: listState.total });
  }
  list.replaceChildren(...listState.results.map(listItem));
  more.hidden = listState.loading || listState.results.length >= listState.total;
}

// --- one document ---------------------------------------------------------------------------------
function showDocument(id) {
  if (current && current.kind === "doc" && current.id === id) {
    showPage();
    return;
  }
  current = { kind: "doc", id, doc: null, watch: new Set(), verify: null, filter: "all", timer: null, seq: 0, previous: new Map() };
  pageEl.replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({ title: gettext("Official document") }),
    h("div", { class: "doc-scroll" }, h("p", { class: "doc-loading" }, gettext("Loading…")))));
  showPage();
  focusTitle();
  fetchDocument(current);
}

async function fetchDocument(view) {
  const seq = ++view.seq;
  let doc;
  try {
    doc = await api("GET", `/documents/${view.id}`);
  } catch (error) {
    if (current !== view || seq !== view.seq) return;
    if (view.doc) {
      toast(errorText(error), "error");
      return;
    }
    pageEl.replaceChildren(h("div", { class: "doc-page-inner" },
      pageHead({ title: gettext("Official document") }),
      h("div", { class: "doc-scroll" }, h("div", { class: "doc-empty", role: "alert" },
        docIcon("doc", 40), h("p", {}, errorText(error))))));
    return;
  }
  if (current !== view || seq !== view.seq) return;
  if (view.doc) {
    view.previous = new Map(view.doc.recipients.map((r) => [r.unit.code, r.state]));
  }
  view.doc = doc;
  view.watch = new Set([doc.tracking_message, ...doc.recipients.map((r) => r.message)].filter(Boolean));
  renderDocument(view);
  if (!view.filing && mayFile(doc)) lookUpFiling(view);
  if (view.maySetTask === undefined && leadsReceivingUnit(doc)) lookUpTaskSetting(view);
}

// --- 归档: a clerk or leader of the issuing unit files the document in the archive now -------------
function mayFile(doc) {
  return doc.viewer.issuer && (state.me.units || []).some((u) => u.code === doc.unit.code && SENDER_ROLES.has(u.role));
}

// The document's entry in the archive (GET /archive finds it by its 发文字号), or null.
async function filedEntry(view) {
  try {
    const found = await api("GET", `/archive?kind=outgoing&q=${encodeURIComponent(view.doc.number)}`);
    return (found.entries || []).find((e) => e.document === view.id) || null;
  } catch {
    return null;
  }
}

async function lookUpFiling(view) {
  view.filing = { state: "checking" };
  const entry = await filedEntry(view);
  if (current !== view) return;
  view.filing = entry ? { state: "filed", no: entry.archive_no } : { state: "open" };
  renderDocument(view);
}

async function fileDocument(view, button) {
  const ok = await confirmDialog({
    title: gettext("File in the archive"),
    text: gettext("File this document in the unit's archive now? It is filed once and cannot be taken back."),
    confirm: gettext("File"),
  });
  if (!ok || current !== view) return;
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    const entry = await api("POST", "/archive", { document: view.id });
    view.filing = { state: "filed", no: entry.archive_no };
    toast(fmt(gettext("Filed as %(no)s"), { no: entry.archive_no }));
  } catch (error) {
    if (error.status !== 409) {
      button.disabled = false;
      button.classList.remove("btn-busy");
      toast(errorText(error), "error");
      return;
    }
    const entry = await filedEntry(view); // filed already (by the worker, or by someone else)
    view.filing = { state: "filed", no: entry ? entry.archive_no : "" };
  }
  if (current === view) renderDocument(view);
}

function filingTool(view) {
  const filing = view.filing;
  if (!filing || !mayFile(view.doc)) return null;
  if (filing.state === "filed") {
    return h("a", {
      class: "btn btn-default btn-sm doc-filed", dataset: { focus: "archive" },
      href: filing.no ? `#archive?q=${encodeURIComponent(filing.no)}` : "#archive",
      title: filing.no ? fmt(gettext("Filed as %(no)s"), { no: filing.no }) : gettext("Filed"),
    }, h("span", {}, gettext("Filed")), filing.no ? h("span", { class: "doc-filed-no" }, filing.no) : null);
  }
  if (filing.state !== "open") return null;
  return h("button", {
    type: "button", class: "btn btn-default btn-sm doc-file-btn", dataset: { focus: "archive" },
    title: gettext("File this document in the unit's archive now"), onclick: (event) => fileDocument(view, event.currentTarget),
  }, gettext("File"));
}

// Every new or updated document card (registered below). The tracking card changes on every step of every
// recipient, so the page fetches the document again when it does.
export function documentMessageUpdated(m) {
  if (m && m.card && current && current.kind === "list"
      && (m.card.card_type === "document" || m.card.card_type === "document_tracking")) {
    clearTimeout(listState.timer);
    listState.timer = setTimeout(() => fetchList(), 600);
    return;
  }
  if (!current || current.kind !== "doc" || !m || !current.watch.has(m.id)) return;
  const view = current;
  clearTimeout(view.timer);
  view.timer = setTimeout(() => fetchDocument(view), REFRESH_AFTER_MS);
}

function stat(key, label, value, extra = {}) {
  const mood = extra.warn ? " doc-stat-warn" : extra.pending ? " doc-stat-pending" : "";
  return h("div", { class: `doc-stat doc-stat-${key}${mood}`, dataset: { stat: key } },
    h("dt", {}, label),
    h("dd", {}, h("span", { class: "doc-stat-n" }, String(value)),
      extra.of !== undefined ? h("span", { class: "doc-stat-of" }, ` / ${extra.of}`) : null));
}

function statsNode(t) {
  return h("dl", { class: "doc-stats" },
    stat("delivered", gettext("Delivered"), t.delivered, { of: t.recipients }),
    stat("signed", gettext("Signed for"), t.signed, { of: t.recipients }),
    stat("handled", gettext("Handled"), t.handled, { of: t.recipients }),
    stat("unsigned", gettext("Not signed for"), t.unsigned, { pending: t.unsigned > 0 }),
    stat("overdue", gettext("Overdue"), t.overdue, { warn: t.overdue > 0 }),
    t.returned ? stat("returned", gettext("Returned"), t.returned, { warn: true }) : null);
}

function person(user) {
  return user ? displayName(user) : "";
}

function cell(label, ...content) {
  const empty = content.flat().every((c) => c === null || c === "" || c === undefined || c === false);
  return h("td", { "data-label": label, class: empty ? "doc-cell-empty" : "" }, empty ? "—" : content);
}

function timeBy(iso, user) {
  if (!iso) return null;
  return [h("time", { datetime: iso }, when(iso)), user ? h("span", { class: "doc-by" }, person(user)) : null];
}

function statePill(stateName, label, overdue) {
  return [h("span", { class: `doc-state doc-state-${stateName}` }, label || stateName),
    overdue ? h("span", { class: "doc-state doc-state-overdue" }, gettext("Overdue")) : null];
}

function noteOf(r, { withLog = true } = {}) {
  const notes = [];
  if (r.reply) notes.push(h("span", { class: "doc-note" }, h("b", {}, gettext("Reply: ")), r.reply));
  if (r.return_reason) {
    notes.push(h("span", { class: "doc-note doc-warn" }, h("b", {}, gettext("Returned: ")), r.return_reason));
    notes.push(h("span", { class: "doc-by" }, [person(r.returned_by), when(r.returned_at)].filter(Boolean).join(" · ")));
  }
  // Every step's comment kept in the unit's record (拟办意见, 批示, 阅示, 办结 result...).
  for (const e of withLog ? r.log || [] : []) {
    if (!e.comment) continue;
    notes.push(h("span", { class: "doc-note doc-log-note", dataset: { action: e.action } },
      h("b", {}, `${e.label || e.action}${gettext(": ")}`), e.comment,
      h("span", { class: "doc-by" }, [person(e.by), when(e.at)].filter(Boolean).join(" · "))));
  }
  if (r.incoming_number) notes.push(h("span", { class: "doc-note" }, h("b", {}, gettext("Incoming no.: ")), r.incoming_number));
  const reminders = (r.reminders ? r.reminders.sign + r.reminders.deadline : 0);
  if (reminders) notes.push(h("span", { class: "doc-note muted" }, fmt(ngettext("Reminded %(n)s time", "Reminded %(n)s times", reminders), { n: reminders })));
  if (r.escalated_at) notes.push(h("span", { class: "doc-note doc-warn" }, gettext("Escalated to the leaders")));
  if (r.circulation && r.circulation.length) {
    const read = r.circulation.filter((c) => c.read_at).length;
    notes.push(h("span", { class: "doc-note muted" }, fmt(gettext("Circulated: %(read)s of %(n)s read"), { read, n: r.circulation.length })));
  }
  return notes;
}

// The notes stacked in one box (on a phone the cell lays its label and content in a row).
function notesNode(notes) {
  return notes.length ? h("div", { class: "doc-notes" }, notes) : null;
}

const FILTERS = [
  ["all", () => gettext("All"), () => true],
  ["unsigned", () => gettext("Not signed for"), (r) => r.state === "delivered"],
  ["overdue", () => gettext("Overdue"), (r) => r.overdue],
  ["open", () => gettext("In progress"), (r) => !["delivered", "handled", "returned"].includes(r.state)],
  ["handled", () => gettext("Handled"), (r) => r.state === "handled"],
  ["returned", () => gettext("Returned"), (r) => r.state === "returned"],
];

const ROW_LIMIT = 12;

function recipientsNode(view, { withLog = true } = {}) {
  const doc = view.doc;
  const rows = doc.recipients;
  const filters = FILTERS.map(([key, label, test]) => [key, label, rows.filter(test).length])
    .filter(([key, , n]) => key === "all" || n > 0);
  if (!filters.some(([key]) => key === view.filter)) view.filter = "all";
  const test = FILTERS.find(([key]) => key === view.filter)[2];
  const bar = rows.length > 1 ? h("div", { class: "doc-filters", role: "group", "aria-label": gettext("Show") },
    filters.map(([key, label, n]) => h("button", {
      type: "button", class: "doc-filter", "aria-pressed": String(view.filter === key), dataset: { filter: key },
      onclick: () => { view.filter = key; renderDocument(view); const b = pageEl.querySelector(`[data-filter="${key}"]`); if (b) b.focus(); },
    }, label(), h("span", { class: "doc-filter-n" }, String(n))))) : null;
  const matching = rows.filter(test);
  // With a whole district of recipients, the first rows and a button for the rest, so the
  // document and its chain below stay within reach (on a phone above all).
  const shown = view.showAll || matching.length <= ROW_LIMIT ? matching : matching.slice(0, ROW_LIMIT);
  const more = shown.length < matching.length
    ? h("button", {
      type: "button", class: "btn btn-default btn-sm doc-show-all", dataset: { focus: "show-all" },
      onclick: () => { view.showAll = true; renderDocument(view); },
    }, fmt(gettext("Show all %(n)s units"), { n: matching.length }))
    : null;
  const table = h("table", { class: "doc-table" },
    h("caption", { class: "visually-hidden" }, gettext("Recipient units and their handling")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, gettext("Unit")),
      h("th", { scope: "col" }, gettext("State")),
      h("th", { scope: "col" }, gettext("Sign-for")),
      h("th", { scope: "col" }, gettext("Handler")),
      h("th", { scope: "col" }, gettext("Completion")),
      h("th", { scope: "col" }, gettext("Notes")))),
    h("tbody", {}, shown.map((r) => {
      const before = view.previous.get(r.unit.code);
      const changed = before !== undefined && before !== r.state;
      return h("tr", { class: `doc-row${changed ? " doc-row-changed" : ""}${r.overdue ? " doc-row-overdue" : ""}`, dataset: { unit: r.unit.code, state: r.state } },
        h("th", { scope: "row", class: "doc-unit" },
          h("span", { class: "doc-unit-name" }, r.unit.name),
          h("span", { class: `doc-kind doc-kind-${r.kind}` }, r.kind === "cc" ? gettext("Copy") : gettext("Main"))),
        h("td", { "data-label": gettext("State"), class: "doc-cell-state" }, statePill(r.state, r.state_label, r.overdue)),
        cell(gettext("Sign-for"), timeBy(r.signed_at, r.signed_by)),
        cell(gettext("Handler"), r.assignee ? person(r.assignee) : null),
        cell(gettext("Completion"), timeBy(r.handled_at, r.handled_by)),
        cell(gettext("Notes"), notesNode(noteOf(r, { withLog }))));
    })));
  return h("section", { class: "doc-section", "aria-labelledby": "doc-rcpt-title" },
    h("div", { class: "doc-section-head" },
      h("h2", { id: "doc-rcpt-title" }, doc.viewer.issuer ? gettext("Recipient units") : gettext("Our unit's copy")),
      bar),
    shown.length ? h("div", { class: "doc-table-wrap" }, table) : h("p", { class: "muted" }, gettext("No unit in this view.")),
    more);
}

// 立项督办: a leader of a supervising office that received the document sets a task from it
// (the tasks page opens its form with the document as the source). Whether the caller may
// set tasks is the tasks ledger's `can_set`, asked once.
let taskSetter = null;

function maySetTasks() {
  if (!taskSetter) {
    taskSetter = api("GET", "/tasks?limit=1").then((data) => Boolean(data.can_set)).catch(() => {
      taskSetter = null;
      return false;
    });
  }
  return taskSetter;
}

function leadsReceivingUnit(doc) {
  if (doc.viewer.issuer) return false;
  const codes = new Set(doc.viewer.units || []);
  return (state.me.units || []).some((u) => codes.has(u.code) && u.role === "leader");
}

async function lookUpTaskSetting(view) {
  view.maySetTask = false;
  const may = await maySetTasks();
  if (current !== view || !may) return;
  view.maySetTask = true;
  renderDocument(view);
}

function taskTool(view) {
  if (!view.maySetTask) return null;
  return h("a", {
    class: "btn btn-default btn-sm doc-task-btn", dataset: { focus: "task" },
    href: `#/tasks?document=${encodeURIComponent(view.id)}`,
    title: gettext("Set a supervised task to carry out this document"),
  }, docIcon("stamp", 16), h("span", {}, gettext("Set as a supervised task")));
}

async function verifySeal(view, button) {
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    view.verify = await api("GET", `/documents/${view.id}/verify`);
  } catch (error) {
    view.verify = { valid: false, reason: errorText(error), failed: true };
  }
  if (current !== view) return;
  renderDocument(view);
  const result = pageEl.querySelector(".doc-verify-result");
  if (result) result.focus({ preventScroll: false });
}

function verifyNode(view) {
  const v = view.verify;
  if (!v) return null;
  const seal = v.seal || {};
  return h("div", {
    class: `doc-verify-result ${v.valid ? "doc-verify-ok" : "doc-verify-bad"}`, role: "status", tabindex: "-1",
  },
  docIcon(v.valid ? "shield" : "shieldX", 22),
  h("div", {},
    h("strong", {}, v.valid ? gettext("Valid") : gettext("Invalid")),
    h("p", {}, v.reason || ""),
    v.failed ? null : h("p", { class: "muted" }, [
      seal.unit_name, seal.key_id ? `${gettext("Key")} ${seal.key_id}` : seal.alg,
      v.signed_at ? fmt(gettext("sealed %(time)s"), { time: when(v.signed_at) }) : null,
    ].filter(Boolean).join(" · "))));
}

async function remind(view, button) {
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    const answer = await api("POST", `/documents/${view.id}/remind`);
    if (answer.reminded) {
      toast(fmt(ngettext("Reminded %(n)s unit.", "Reminded %(n)s units.", answer.reminded), { n: answer.reminded }));
    } else {
      toast(gettext("No reminder sent: the units were reminded a few minutes ago."));
    }
    fetchDocument(view);
  } catch (error) {
    toast(errorText(error), "error");
  } finally {
    button.disabled = false;
    button.classList.remove("btn-busy");
  }
}

function infoList(doc) {
  const rows = [
    [gettext("Document type"), doc.doc_type],
    [gettext("Document number"), doc.number],
    [gettext("Issuing unit"), doc.unit.name],
    [gettext("Sent by"), doc.sender ? person(doc.sender) : ""],
    [gettext("Signer"), doc.signer],
    [gettext("Date"), dayOf(doc.date)],
    [gettext("Sent at"), when(doc.sent_at)],
    [gettext("Urgency"), doc.urgency_label],
    [gettext("Classification"), doc.secrecy === "internal" ? gettext("Internal") : gettext("Not classified")],
    [gettext("Deadline"), doc.deadline ? when(doc.deadline) : gettext("None")],
    [gettext("Reply to the sender"), doc.reply_required ? gettext("Reply needed") : gettext("No reply needed")],
  ];
  return h("dl", { class: "doc-info" }, rows.filter(([, v]) => v).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

function unitNames(doc, codes) {
  const names = new Map(doc.recipients.map((r) => [r.unit.code, r.unit.name]));
  return codes.map((c) => names.get(c) || c);
}

// The document as it reads on paper (GB/T 9704): the red header, the number, the title, the
// main recipients, the body, the attachments, the issuing unit and date under the seal. Its
// words (文件, 附件, 抄送) are the document's own text, in Chinese whatever the interface's
// language.
const LETTER_TYPES = new Set(["函", "纪要"]);

function sheetNode(view) {
  const doc = view.doc;
  const files = doc.attachments || [];
  const verifyBtn = h("button", {
    type: "button", class: "btn btn-default btn-sm doc-verify-btn", dataset: { focus: "verify" }, onclick: (event) => verifySeal(view, event.currentTarget),
  }, docIcon("shield", 16), gettext("Verify the seal"));
  return h("section", { class: "doc-section", "aria-labelledby": "doc-sheet-title" },
    h("div", { class: "doc-section-head" }, h("h2", { id: "doc-sheet-title" }, gettext("Document"))),
    h("article", { class: "doc-sheet", lang: "zh-Hans" },
      h("div", { class: "doc-redhead" }, LETTER_TYPES.has(doc.doc_type) ? doc.unit.name : `${doc.unit.name}文件`),
      h("p", { class: "doc-sheet-number" }, doc.number),
      h("hr", { class: "doc-redline" }),
      h("h3", { class: "doc-sheet-title" }, doc.title),
      doc.main && doc.main.length && doc.viewer.issuer ? unitsLine(unitNames(doc, doc.main), { className: "doc-sheet-to", end: "：" }) : null,
      h("div", { class: "doc-sheet-body" }, plainMarkdown(doc.body).split(/\n+/).filter((p) => p.trim()).map((p) => h("p", {}, p))),
      files.length ? h("div", { class: "doc-sheet-files" },
        h("p", { class: "doc-files-label" }, "附件："),
        h("ol", {}, files.map((a) => h("li", {},
          h("a", { href: `${a.url}?download=1`, download: a.name }, a.name),
          h("span", { class: "muted" }, ` (${fileSize(a.size)})`))))) : null,
      h("div", { class: "doc-sheet-sign" },
        h("p", {}, doc.unit.name),
        h("p", {}, dayOf(doc.date)),
        doc.seal ? h("img", {
          class: "doc-seal", src: doc.seal.image, width: 132, height: 132,
          alt: fmt(gettext("Electronic seal of %(unit)s"), { unit: doc.seal.unit_name }),
        }) : null),
      doc.cc && doc.cc.length && doc.viewer.issuer ? unitsLine(unitNames(doc, doc.cc), { className: "doc-sheet-cc", prefix: "抄送：", end: "。" }) : null),
    h("div", { class: "doc-verify" }, verifyBtn),
    verifyNode(view));
}

function logNode(doc) {
  const log = doc.log || [];
  if (!log.length) return null;
  const names = new Map([[doc.unit.code, doc.unit.name], ...doc.recipients.map((r) => [r.unit.code, r.unit.name])]);
  return h("section", { class: "doc-section" },
    h("details", { class: "doc-log" },
      h("summary", {}, fmt(gettext("Handling record (%(n)s)"), { n: log.length })),
      h("ol", {}, log.slice().reverse().map((e) => {
        const name = e.event.replace(/^document\./, "");
        return h("li", {},
          h("time", { datetime: e.at }, when(e.at)),
          h("span", { class: "doc-log-what" }, EVENT_LABELS[name] ? EVENT_LABELS[name]() : name),
          h("span", { class: "muted" }, [e.unit && names.get(e.unit), e.actor && person(e.actor),
            e.data && e.data.archive_no].filter(Boolean).join(" · ")));
      }))));
}

function renderDocument(view) {
  const doc = view.doc;
  const scroller = pageEl.querySelector(".doc-scroll");
  const scrollTop = scroller ? scroller.scrollTop : 0;
  const hadFocus = pageEl.contains(document.activeElement);
  const focusKey = hadFocus ? (document.activeElement.dataset.focus || document.activeElement.dataset.filter || "") : "";
  const logOpen = Boolean(pageEl.querySelector(".doc-log[open]"));
  const tools = [];
  const pdf = pdfLink(doc);
  if (pdf) tools.push(pdf);
  const task = taskTool(view);
  if (task) tools.push(task);
  const open = doc.totals ? doc.totals.handled + doc.totals.returned < doc.totals.recipients : false;
  if (doc.viewer.issuer && open) {
    tools.push(h("button", {
      type: "button", class: "btn btn-default btn-sm", dataset: { focus: "remind" },
      title: gettext("Remind every unit that has not finished"), onclick: (event) => remind(view, event.currentTarget),
    }, docIcon("bell", 16), gettext("Remind")));
  }
  const filing = filingTool(view);
  if (filing) tools.push(filing);
  const roomCode = doc.viewer.issuer ? doc.unit.code : doc.viewer.units[0];
  const room = roomCode ? unitRoom(roomCode) : null;
  if (room) {
    const label = doc.viewer.issuer ? gettext("Tracking card") : gettext("Unit room");
    tools.push(h("button", {
      type: "button", class: "btn btn-default btn-sm doc-room-btn", dataset: { focus: "room" }, "aria-label": label,
      title: fmt(gettext("Open %(room)s"), { room: room.name }), onclick: () => goToRoom(room.id),
    }, docIcon("chat", 16), h("span", {}, label)));
  }
  // 办理记录 of the units' copies, step by step: the viewer's own unit's, or an issuer's
  // few recipients (with many, the table's notes carry each unit's comments).
  const handling = !doc.viewer.issuer || doc.recipients.length <= 5 ? handlingLogNode(doc) : null;
  const t = doc.totals;
  const overall = doc.viewer.issuer
    ? h("span", { class: `doc-state doc-state-${doc.state}` }, doc.state === "completed" ? gettext("All handled") : gettext("In progress"))
    : null;
  const hero = h("section", { class: "doc-hero" },
    h("div", { class: "doc-hero-tags" },
      h("span", { class: "doc-tag" }, doc.doc_type),
      urgencyBadge(doc.urgency, doc.urgency_label),
      doc.reply_required ? h("span", { class: "doc-tag" }, gettext("Reply required")) : null,
      overall),
    h("h2", { class: "doc-hero-title" }, doc.title),
    h("p", { class: "doc-hero-meta" },
      [doc.number, doc.unit.name, fmt(gettext("sent %(time)s"), { time: when(doc.sent_at) }),
        doc.deadline ? fmt(gettext("due %(time)s"), { time: when(doc.deadline) }) : null].filter(Boolean).join(" · ")),
    t ? statsNode(t) : null);
  const inner = h("div", { class: "doc-page-inner" },
    pageHead({ title: doc.viewer.issuer ? gettext("Document tracking") : gettext("Official document"), sub: doc.number, tools }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-content" },
        hero,
        recipientsNode(view, { withLog: !handling }),
        handling,
        h("div", { class: "doc-columns" },
          sheetNode(view),
          h("div", { class: "doc-side" },
            h("section", { class: "doc-section", "aria-labelledby": "doc-info-title" },
              h("div", { class: "doc-section-head" }, h("h2", { id: "doc-info-title" }, gettext("Details"))),
              infoList(doc)),
            chainNode(doc))),
        logNode(doc))));
  pageEl.replaceChildren(inner);
  const log = pageEl.querySelector(".doc-log");
  if (log && logOpen) log.open = true;
  const newScroller = pageEl.querySelector(".doc-scroll");
  newScroller.scrollTop = scrollTop;
  if (hadFocus) {
    const target = focusKey && pageEl.querySelector(`[data-focus="${focusKey}"], [data-filter="${focusKey}"]`);
    (target || $("#doc-page-title")).focus({ preventScroll: true });
  }
}

// --- the compose form ------------------------------------------------------------------------------------
let draft = null;

function field(id, label, control, { hint = "", required = false, wide = false } = {}) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  if (required) control.setAttribute("aria-required", "true");
  return h("div", { class: `doc-field${wide ? " doc-field-wide" : ""}` },
    h("label", { for: id }, label, required ? h("span", { class: "doc-req", "aria-hidden": "true" }, " *") : null),
    control,
    hint ? h("p", { class: "doc-hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errorId }));
}

// 主送 / 抄送: groups (全部乡镇…) and units, with a filter. A chosen group covers its units.
function recipientPicker({ id, legend, meta, issuing, required }) {
  const chosen = new Set();
  const chips = h("div", { class: "rcpt-chips", "aria-live": "polite" });
  const toggle = h("button", {
    type: "button", class: "btn btn-default btn-sm rcpt-toggle", "aria-expanded": "false", "aria-controls": `${id}-panel`,
    id: `${id}-toggle`,
  }, icon("plus", 14), gettext("Choose units"));
  const filter = h("input", { type: "search", id: `${id}-filter`, autocomplete: "off", placeholder: gettext("Filter units") });
  const groupsBox = h("div", { class: "rcpt-options rcpt-groups", role: "group", "aria-label": gettext("Groups of units") });
  const unitsBox = h("div", { class: "rcpt-options rcpt-units", role: "group", "aria-label": gettext("Units") });
  const panel = h("div", { class: "rcpt-panel", id: `${id}-panel`, hidden: true },
    h("label", { for: `${id}-filter`, class: "visually-hidden" }, gettext("Filter units")),
    filter, groupsBox, unitsBox,
    h("div", { class: "rcpt-panel-foot" }, h("button", {
      type: "button", class: "btn btn-default btn-sm", onclick: () => setOpen(false, true),
    }, gettext("Done"))));
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const node = h("fieldset", { class: "doc-field doc-field-wide rcpt", id, "aria-describedby": `${id}-error` },
    h("legend", {}, legend, required ? h("span", { class: "doc-req", "aria-hidden": "true" }, " *") : null),
    h("div", { class: "rcpt-line" }, chips, toggle), panel, error);
  const setOpen = (open, focusToggle = false) => {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) filter.focus();
    else if (focusToggle) toggle.focus();
  };
  toggle.addEventListener("click", () => setOpen(panel.hidden));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false, true);
    }
  });
  const units = () => meta.units.filter((u) => u.code !== issuing());
  const covered = () => {
    const codes = new Set();
    for (const g of meta.groups) if (chosen.has(g.code)) g.units.forEach((c) => codes.add(c));
    return codes;
  };
  const render = () => {
    const issuingCode = issuing();
    const inGroups = covered();
    const q = filter.value.trim().toLowerCase();
    groupsBox.replaceChildren(...meta.groups.map((g) => {
      const n = g.units.filter((c) => c !== issuingCode).length;
      const input = h("input", { type: "checkbox", value: g.code, checked: chosen.has(g.code) });
      input.addEventListener("change", () => {
        if (input.checked) chosen.add(g.code);
        else chosen.delete(g.code);
        render();
      });
      const row = h("label", { class: "rcpt-option rcpt-option-group" }, input,
        h("span", {}, g.name), h("span", { class: "rcpt-count" }, fmt(ngettext("%(n)s unit", "%(n)s units", n), { n })));
      row.hidden = Boolean(q) && !`${g.name} ${g.aliases.join(" ")} ${g.code}`.toLowerCase().includes(q);
      return row;
    }));
    unitsBox.replaceChildren(...units().map((u) => {
      const byGroup = inGroups.has(u.code);
      const input = h("input", { type: "checkbox", value: u.code, checked: byGroup || chosen.has(u.code), disabled: byGroup });
      input.addEventListener("change", () => {
        if (input.checked) chosen.add(u.code);
        else chosen.delete(u.code);
        render();
      });
      const row = h("label", { class: `rcpt-option${byGroup ? " rcpt-option-covered" : ""}` }, input,
        h("span", {}, u.name), byGroup ? h("span", { class: "rcpt-count" }, gettext("in a chosen group")) : null);
      row.hidden = Boolean(q) && !`${u.name} ${u.short_name || ""} ${u.code}`.toLowerCase().includes(q);
      return row;
    }));
    const items = [];
    for (const g of meta.groups) if (chosen.has(g.code)) items.push([g.code, g.name]);
    for (const u of units()) if (chosen.has(u.code) && !inGroups.has(u.code)) items.push([u.code, u.short_name || u.name]);
    chips.replaceChildren(...(items.length ? items.map(([code, name]) => h("span", { class: "chip", dataset: { code } }, name,
      h("button", {
        type: "button", class: "chip-x", "aria-label": fmt(gettext("Remove %(name)s"), { name }),
        onclick: () => { chosen.delete(code); render(); toggle.focus(); },
      }, icon("x", 12)))) : [h("span", { class: "rcpt-none muted" }, gettext("None chosen"))]));
  };
  filter.addEventListener("input", render);
  render();
  return {
    node,
    error,
    value: () => {
      const inGroups = covered();
      const codes = [...chosen].filter((c) => meta.groups.some((g) => g.code === c) || !inGroups.has(c));
      return codes.filter((c) => c !== issuing());
    },
    refresh: () => { chosen.delete(issuing()); render(); },
    focus: () => toggle.focus(),
  };
}

function buildCompose(meta) {
  // Every unit the caller may draft for (any membership); where they may also send directly
  // (a clerk or leader, in a unit whose rules allow 直接发文) the form offers both.
  const issuingCodes = new Set(meta.issuing_units.map((u) => u.code));
  const units = meta.drafting_units && meta.drafting_units.length ? meta.drafting_units : meta.issuing_units;
  const unitSelect = units.length > 1
    ? h("select", { id: "doc-unit" }, units.map((u) => h("option", { value: u.code }, u.name)))
    : null;
  const issuing = () => (unitSelect ? unitSelect.value : units[0].code);
  const issuingUnit = () => units.find((u) => u.code === issuing()) || units[0];
  const mayDirect = () => issuingCodes.has(issuing()) && issuingUnit().direct_issue !== false;
  const year = new Date().getFullYear();
  const typeSelect = h("select", { id: "doc-type" }, meta.doc_types.map((t) => h("option", { value: t, selected: t === "通知" }, t)));
  const number = h("input", { id: "doc-number", autocomplete: "off", maxlength: 64, spellcheck: "false" });
  const title = h("input", { id: "doc-title", autocomplete: "off", maxlength: 200 });
  const to = recipientPicker({ id: "doc-to", legend: gettext("Main recipients"), meta, issuing, required: true });
  const cc = recipientPicker({ id: "doc-cc", legend: gettext("Copy to"), meta, issuing, required: false });
  const urgency = h("div", { class: "doc-segmented", role: "radiogroup", "aria-labelledby": "doc-urgency-label" },
    meta.urgencies.map((u, index) => h("label", { class: "doc-seg" },
      h("input", { type: "radio", name: "doc-urgency", value: u.value, checked: index === 0 }),
      h("span", {}, u.label))));
  const secrecy = h("select", { id: "doc-secrecy" }, meta.secrecies.map((s) => h("option", { value: s.value }, s.label)));
  const deadline = h("input", { id: "doc-deadline", type: "datetime-local" });
  const signer = h("input", { id: "doc-signer", autocomplete: "off", maxlength: 64, placeholder: gettext("Optional") });
  const reply = h("input", { type: "checkbox", id: "doc-reply" });
  const body = h("textarea", { id: "doc-body", rows: 7 });
  const files = attachmentsField("doc-attach", {
    maxFile: meta.max_file_bytes, inputId: "doc-file-input",
    hint: fmt(gettext("Up to %(file)s a file, %(all)s in all."), {
      file: fileSize(meta.max_file_bytes), all: fileSize(meta.max_attachment_bytes),
    }),
  });
  // 发出方式: 直接发出 (sealed and delivered now) or 送审 (核稿, 签发, then 用印分发 by a clerk).
  const directRadio = h("input", { type: "radio", name: "doc-mode", value: "direct", id: "doc-mode-direct" });
  const reviewRadio = h("input", { type: "radio", name: "doc-mode", value: "review", id: "doc-mode-review" });
  const directOption = h("label", { class: "doc-seg", for: "doc-mode-direct" }, directRadio,
    h("span", {}, gettext("Send directly (sealed and delivered now)")));
  const modeHint = h("p", { class: "doc-hint", id: "doc-mode-hint" });
  const modeBox = h("div", { class: "doc-field doc-field-wide doc-mode" },
    h("p", { class: "label", id: "doc-mode-label" }, gettext("How it goes out")),
    h("div", { class: "doc-segmented", role: "radiogroup", "aria-labelledby": "doc-mode-label", "aria-describedby": "doc-mode-hint" },
      directOption,
      h("label", { class: "doc-seg", for: "doc-mode-review" }, reviewRadio,
        h("span", {}, gettext("Send for review (核稿, 签发, then sealed and issued)")))),
    modeHint);
  const chain = chainFields({ unit: issuingUnit });
  const numberHint = h("p", { class: "doc-hint", id: "doc-number-hint" });
  const numberLabelReq = h("span", { class: "doc-req", "aria-hidden": "true" }, " *");
  const signerField = field("doc-signer", gettext("Signer"), signer);
  const reviewing = () => reviewRadio.checked;
  const formError = h("div", { class: "doc-form-error", role: "alert", id: "doc-form-error", tabindex: "-1", hidden: true });
  const sendLabel = h("span", {}, gettext("Send"));
  const send = h("button", { type: "button", class: "btn btn-primary", id: "doc-send" }, icon("send", 16), sendLabel);
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  const noteText = h("span", {});
  const note = h("p", { class: "doc-foot-note" }, docIcon("seal", 16), noteText);
  // What depends on the unit and the mode: the number's rule, the signer, the footer.
  const applyMode = () => {
    const direct = mayDirect();
    directRadio.disabled = !direct;
    directOption.hidden = !direct;
    if (!direct) reviewRadio.checked = true;
    else if (!directRadio.checked && !reviewRadio.checked) directRadio.checked = true;
    modeHint.textContent = direct ? "" : gettext("This unit's documents are reviewed and signed off before a clerk seals and issues them.");
    modeHint.hidden = direct;
    const review = reviewing();
    const unit = issuingUnit();
    const code = unit.number_code || unit.short_name || unit.name;
    numberHint.textContent = review
      ? fmt(gettext("Leave empty to number it when it is issued (%(example)s)."), { example: `${code}〔${year}〕n号` })
      : gettext("Agency code〔year〕number, e.g. 区府办〔2026〕12号");
    number.placeholder = review ? gettext("Optional") : fmt(gettext("e.g. %(example)s"), { example: `${code}〔${year}〕1号` });
    numberLabelReq.hidden = review;
    if (review) number.removeAttribute("aria-required");
    else number.setAttribute("aria-required", "true");
    signerField.hidden = review;
    chain.node.hidden = !review;
    sendLabel.textContent = review ? pgettext("document", "Submit for review") : gettext("Send");
    noteText.textContent = review
      ? gettext("The reviewers and the signer get it in a message; a clerk seals and issues it once it is signed off.")
      : gettext("Sealed with the unit's electronic seal when sent.");
  };
  directRadio.addEventListener("change", applyMode);
  reviewRadio.addEventListener("change", applyMode);
  number.setAttribute("aria-describedby", "doc-number-hint doc-number-error");
  const fields = [
    unitSelect ? field("doc-unit", gettext("Issuing unit"), unitSelect, { wide: true }) : h("p", { class: "doc-field doc-field-wide doc-issuer" },
      h("span", { class: "muted" }, gettext("Issuing unit")), " ", h("strong", {}, units[0].name)),
    modeBox,
    field("doc-type", gettext("Document type"), typeSelect, { required: true }),
    h("div", { class: "doc-field" },
      h("label", { for: "doc-number" }, gettext("Document number"), numberLabelReq),
      number, numberHint, h("p", { class: "field-error", id: "doc-number-error" })),
    field("doc-title", gettext("Title"), title, { required: true, wide: true }),
    to.node,
    cc.node,
    h("div", { class: "doc-field" },
      h("p", { class: "label", id: "doc-urgency-label" }, gettext("Urgency")), urgency),
    field("doc-secrecy", gettext("Classification"), secrecy, { hint: gettext("This system is not for classified documents.") }),
    field("doc-deadline", gettext("Deadline"), deadline, { hint: gettext("Leave empty for no deadline.") }),
    signerField,
    h("div", { class: "doc-field doc-field-wide" },
      h("label", { class: "check doc-check" }, reply, gettext("The recipients must reply with the result of their handling"))),
    field("doc-body", gettext("Body"), body, { wide: true }),
    files.node,
    chain.node,
  ];
  const form = h("form", { class: "dialog-form doc-form", novalidate: true, "aria-label": gettext("New official document") }, fields);
  const setFieldError = (input, errorNode, text) => {
    errorNode.textContent = text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  const showError = (text) => {
    formError.replaceChildren(...(text ? [icon("alert", 16), h("span", {}, text)] : []));
    formError.hidden = !text;
  };
  const clearErrors = () => {
    showError("");
    for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  };
  // An error goes as soon as its field is changed; the summary with the last of them.
  const recheck = (event) => {
    const target = event && event.target;
    if (target instanceof HTMLElement && target.getAttribute("aria-invalid") && target.id) {
      const node = form.querySelector(`#${target.id}-error`);
      setFieldError(target, node || h("span"), "");
    }
    if (to.error.textContent && to.value().length) setFieldError(to.node, to.error, "");
    if (chain.error.textContent && chain.value().signer) chain.error.textContent = "";
    const left = [...form.querySelectorAll(".field-error")].some((n) => n.textContent);
    // The server's answer was about what was sent: an edit makes it stale.
    if ((!left && fieldSummary) || serverSummary) {
      fieldSummary = false;
      serverSummary = false;
      showError("");
    }
  };
  let fieldSummary = false;
  let serverSummary = false;
  form.addEventListener("input", recheck);
  form.addEventListener("change", recheck);
  if (unitSelect) {
    unitSelect.addEventListener("change", () => {
      to.refresh();
      cc.refresh();
      chain.refresh();
      applyMode();
    });
  }
  applyMode();
  let sending = false;
  const submit = async () => {
    if (sending) return;
    clearErrors();
    const review = reviewing();
    let first = null;
    const need = (ok, input, errorNode, text) => {
      if (ok) return;
      setFieldError(input, errorNode, text);
      if (!first) first = input;
    };
    if (!review) need(number.value.trim(), number, $("#doc-number-error", form), gettext("Fill in the document number."));
    need(title.value.trim(), title, $("#doc-title-error", form), gettext("Fill in the title."));
    need(to.value().length, to.node, to.error, gettext("Choose at least one main recipient."));
    const route = review ? chain.value() : null;
    if (review && !route.signer) {
      chain.error.textContent = gettext("Choose the leader who signs it off.");
      if (!first) first = chain;
    }
    if (first) {
      showError(gettext("Some fields need your attention."));
      fieldSummary = true;
      (first === to.node ? to : first).focus();
      return;
    }
    const problem = files.problem();
    if (problem) {
      showError(problem);
      files.focus();
      return;
    }
    if (files.totalSize() > meta.max_attachment_bytes) {
      showError(fmt(gettext("The attachments together can be at most %(size)s."), { size: fileSize(meta.max_attachment_bytes) }));
      return;
    }
    const payload = {
      unit: issuing(),
      doc_type: typeSelect.value,
      number: number.value.trim(),
      title: title.value.trim(),
      body: body.value,
      recipients: to.value(),
      cc: cc.value(),
      urgency: form.querySelector("input[name=doc-urgency]:checked").value,
      secrecy: secrecy.value,
      deadline: deadline.value || null,
      reply_required: reply.checked,
      attachments: files.ids(),
    };
    if (review) {
      if (!payload.number) delete payload.number;
      payload.reviewers = route.reviewers;
      payload.signer = route.signer;
    } else {
      payload.signer = signer.value.trim();
    }
    sending = true;
    send.disabled = true;
    send.classList.add("btn-busy");
    let doc;
    try {
      doc = await api("POST", review ? "/documents/drafts" : "/documents", payload);
    } catch (error) {
      sending = false;
      send.disabled = false;
      send.classList.remove("btn-busy");
      showError(errorText(error));
      serverSummary = true;
      if (error.code === "conflict" && payload.number) {
        setFieldError(number, $("#doc-number-error", form), errorText(error));
        number.focus();
      } else {
        formError.focus();
      }
      return;
    }
    draft = null;
    closeDialog();
    listState.results = [];
    if (review) {
      toast(fmt(gettext("Sent for review: %(title)s"), { title: doc.title }));
      refreshTodo(300);
      navigate(`drafts/${doc.id}`);
      return;
    }
    toast(fmt(gettext("Sent: %(title)s"), { title: doc.title }));
    navigate(`documents/${doc.id}`);
  };
  send.addEventListener("click", submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
  return {
    form,
    footer: [formError, note, cancel, send],
    focusFirst: () => (unitSelect || typeSelect).focus(),
  };
}

export async function composeDocument() {
  let meta;
  try {
    meta = await loadMeta();
  } catch (error) {
    toast(errorText(error), "error");
    return;
  }
  if (!meta.issuing_units.length && !(meta.drafting_units || []).length) {
    toast(gettext("Only the members of a unit can draft its documents."), "error");
    return;
  }
  // An unsent draft stays until it is sent (or the page is reloaded).
  if (!draft) draft = buildCompose(meta);
  const el = openDialog({ title: gettext("New official document"), body: draft.form, footer: draft.footer, wide: true });
  el.classList.add("dialog-doc");
  draft.focusFirst();
}

// --- registration -----------------------------------------------------------------------------------------
function documentsHref(box) {
  return box === "all" ? "#/documents" : `#/documents/${box}`;
}

registerPage({
  name: "documents",
  id: "doc-page",
  path: ["documents", "documents/:box", "documents/:id"],
  title: () => gettext("Documents"),
  sidebar: { label: () => gettext("Documents"), icon: "doc", order: 20, id: "docs-link" },
  mount(el, params) {
    pageEl = el;
    el.setAttribute("aria-labelledby", "doc-page-title");
    show(params);
    // Emptied on leaving: the draft's page shows the same chain (with the same ids).
    return () => {
      current = null;
      el.replaceChildren();
    };
  },
  update: show,
});

function show(params) {
  if (params.id !== undefined) showDocument(params.id);
  else showList(["sent", "received"].includes(params.box) ? params.box : "all");
}

registerSidebarAction({
  id: "compose-doc-btn", order: 21, icon: "compose", popup: true,
  label: () => gettext("Compose"), title: () => gettext("New official document"),
  visible: canComposeDocuments, onClick: () => composeDocument(),
});

for (const type of ["document", "document_tracking"]) {
  registerCard(type, {
    label: type === "document" ? () => gettext("Official document") : () => gettext("Document tracking"),
    extras: documentCardExtras,
    onMessage: documentMessageUpdated,
  });
}
