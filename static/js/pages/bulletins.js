// Electronic bulletins (电子刊物): the publications (#/bulletins), one publication with its back
// issues by year, items, calls and monthly counts (#/bulletins/<code>?tab=), 约稿
// (#/bulletins/<code>/call), 投稿 (#/bulletins/<code>/submit?call=), 组稿 (#/bulletins/<code>/assemble),
// a call (#/bulletins/calls/<id>), an item with 采用 / 不采用 (#/bulletins/items/<id>), and an
// issue laid out like the printed bulletin (#/bulletins/issues/<id>) with 签发, 印发 and, for its
// editors, the reads by unit coming in live with 催阅. The bot's cards link to these pages.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext, ngettext, pgettext } from "../core/i18n.js";
import { icon } from "../core/icons.js";
import { registerCard } from "../shell/cards.js";
import { registerPage } from "../shell/router.js";
import { onFrame } from "../shell/socket.js";
import { set as storeSet, subscribe } from "../shell/store.js";
import { refreshTodo } from "../shell/todo.js";
import { attachmentsField } from "../ui/workpage.js";
import { registerTodoKind } from "./todo.js";
import { readSummary } from "./noticeledger.js";
import {
  dayFromNow, errorText, failed, field, follow, formError, frame, go, loading, pressing, progress, swap, tag, unitPicker,
  when,
} from "./noticekit.js";

const ITEM_STATES = {
  submitted: () => gettext("Awaiting review"),
  adopted: () => gettext("Adopted"),
  declined: () => gettext("Declined"),
};
const ISSUE_STATES = {
  awaiting_signoff: () => gettext("Awaiting sign-off"),
  returned: () => gettext("Returned"),
  signed_off: () => gettext("Signed off"),
  published: () => gettext("Published"),
};

function itemState(s) {
  return tag(s, ITEM_STATES[s] ? ITEM_STATES[s]() : s);
}

function issueState(s) {
  return tag(s, ISSUE_STATES[s] ? ISSUE_STATES[s]() : s);
}

let pubsCache = null;
async function publications() {
  if (!pubsCache) pubsCache = api("GET", "/bulletins").catch((error) => { pubsCache = null; throw error; });
  return pubsCache;
}

async function publication(code) {
  const found = (await publications()).find((p) => p.code === code);
  if (!found) throw new Error(gettext("No such publication."));
  return found;
}

// --- the publications -----------------------------------------------------------------------------------
function mountPublications(el) {
  el.replaceChildren(loading(gettext("Bulletins")));
  let alive = true;
  publications().then((pubs) => {
    if (!alive) return;
    el.replaceChildren(frame({
      title: gettext("Bulletins"),
      body: [h("ul", { class: "bl-pubs" }, pubs.map((p) => h("li", {},
        h("a", { class: "bl-pub", href: `#/bulletins/${p.code}` },
          h("span", { class: "bl-pub-name" }, `《${p.name}》`),
          h("span", { class: "bl-pub-meta" }, fmt(gettext("Edited by %(unit)s"), { unit: p.unit ? p.unit.name : "" })),
          p.is_editor ? tag("editor", gettext("You edit it")) : null))))],
    }));
  }).catch((error) => { if (alive) el.replaceChildren(failed(gettext("Bulletins"), null, error)); });
  return () => { alive = false; };
}

// --- one publication ------------------------------------------------------------------------------------
const TABS = [
  ["issues", () => gettext("Issues"), false],
  ["items", () => gettext("Items"), false],
  ["calls", () => gettext("Calls for items"), false],
  ["stats", () => gettext("Monthly counts"), false],
];

function mountPublication(el, code, query) {
  let alive = true;
  el.replaceChildren(loading(gettext("Bulletins"), "bulletins"));
  publication(code).then(async (pub) => {
    if (!alive) return;
    const tab = TABS.some(([k]) => k === query.tab) ? query.tab : (pub.is_editor ? "items" : "issues");
    const body = h("div", { class: "doc-list-wrap" }, h("p", { class: "doc-loading" }, gettext("Loading…")));
    const tools = [h("a", { class: "btn btn-default btn-sm", href: `#/bulletins/${code}/submit` }, icon("edit", 16), gettext("Submit an item"))];
    if (pub.is_editor) {
      tools.push(h("a", { class: "btn btn-default btn-sm", href: `#/bulletins/${code}/call` }, icon("bell", 16), gettext("Ask units for items")));
      tools.push(h("a", { class: "btn btn-primary btn-sm", href: `#/bulletins/${code}/assemble` }, icon("plus", 16), gettext("Assemble an issue")));
    }
    el.replaceChildren(frame({
      title: `《${pub.name}》`,
      sub: pub.unit ? fmt(gettext("Edited by %(unit)s"), { unit: pub.unit.name }) : "",
      back: "bulletins",
      tools,
      body: [h("div", { class: "tabs doc-tabs", role: "tablist" }, TABS.map(([key, label]) => h("a", {
        role: "tab", class: "tab", href: `#/bulletins/${code}?tab=${key}`, "aria-selected": String(key === tab),
      }, label()))), body],
    }));
    try {
      const node = await ({ issues: issuesTab, items: itemsTab, calls: callsTab, stats: statsTab }[tab])(pub, query);
      if (alive) body.replaceChildren(node);
    } catch (error) {
      if (alive) body.replaceChildren(h("p", { class: "doc-empty", role: "alert" }, errorText(error)));
    }
  }).catch((error) => { if (alive) el.replaceChildren(failed(gettext("Bulletins"), "bulletins", error)); });
  return () => { alive = false; };
}

async function issuesTab(pub, query) {
  const year = query.year ? `&year=${encodeURIComponent(query.year)}` : "";
  const answer = await api("GET", `/bulletins/${pub.code}/issues?state=${pub.is_editor ? "all" : "published"}&limit=200${year}`);
  const years = h("div", { class: "bl-years" },
    h("a", { href: `#/bulletins/${pub.code}?tab=issues`, class: `bl-year${query.year ? "" : " bl-year-on"}` }, gettext("All years")),
    answer.years.map((y) => h("a", {
      href: `#/bulletins/${pub.code}?tab=issues&year=${y.year}`, class: `bl-year${String(y.year) === query.year ? " bl-year-on" : ""}`,
    }, fmt(gettext("%(year)s (%(n)s)"), { year: y.year, n: y.count }))));
  if (!answer.results.length) return h("div", {}, years, h("p", { class: "doc-empty" }, gettext("No issues yet.")));
  return h("div", {}, years, h("ul", { class: "doc-list bl-issues" }, answer.results.map((i) => h("li", {},
    h("a", { class: "doc-item", href: `#/bulletins/issues/${i.id}`, dataset: { issue: i.id } },
      h("span", { class: "doc-item-icon bl-item-icon", "aria-hidden": "true" }, icon("file", 18)),
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" }, h("span", { class: "doc-item-title" },
          i.number ? fmt(gettext("%(year)s No. %(n)s (total %(total)s)"), { year: i.year, n: i.number, total: i.total_number }) : gettext("(not numbered yet)")),
        i.title ? h("span", { class: "muted" }, ` ${i.title}`) : null),
        h("span", { class: "doc-item-meta" }, [
          fmt(ngettext("%(n)s article", "%(n)s articles", i.items), { n: i.items }),
          i.signer ? fmt(gettext("signed off by %(name)s"), { name: i.signer }) : "",
          when(i.published_at)].filter(Boolean).join(" · ")),
        h("span", { class: "doc-item-status" }, issueState(i.state),
          i.state === "published" && !i.read && !pub.is_editor ? tag("pending", gettext("Unread")) : null)))))));
}

async function itemsTab(pub, query) {
  const state = ["submitted", "adopted", "declined"].includes(query.state) ? query.state : "";
  const answer = await api("GET", `/bulletins/${pub.code}/items?limit=200${state ? `&state=${state}` : ""}`);
  const filters = h("div", { class: "bl-years" }, [["", gettext("All")], ["submitted", gettext("Awaiting review")],
    ["adopted", gettext("Adopted")], ["declined", gettext("Declined")]].map(([key, label]) => h("a", {
    href: `#/bulletins/${pub.code}?tab=items${key ? `&state=${key}` : ""}`, class: `bl-year${key === state ? " bl-year-on" : ""}`,
  }, label)));
  if (!answer.results.length) return h("div", {}, filters, h("p", { class: "doc-empty" }, gettext("No items here.")));
  return h("div", {}, filters, h("ul", { class: "doc-list bl-items" }, answer.results.map((i) => h("li", {},
    h("a", { class: "doc-item", href: `#/bulletins/items/${i.id}`, dataset: { item: i.id } },
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" }, h("span", { class: "doc-item-title" }, i.title)),
        h("span", { class: "doc-item-meta" }, [i.unit && i.unit.name, i.submitter && i.submitter.display_name, when(i.submitted_at)]
          .filter(Boolean).join(" · ")),
        h("span", { class: "doc-item-status" }, itemState(i.state), i.issue ? tag("info", gettext("In an issue")) : null)))))));
}

async function callsTab(pub) {
  const calls = await api("GET", `/bulletins/${pub.code}/calls`);
  if (!calls.length) return h("p", { class: "doc-empty" }, gettext("No calls for items yet."));
  return h("ul", { class: "doc-list bl-calls" }, calls.map((c) => {
    const done = c.units.filter((u) => u.submitted).length;
    return h("li", {}, h("a", { class: "doc-item", href: `#/bulletins/calls/${c.id}` },
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" }, h("span", { class: "doc-item-title" }, c.title)),
        h("span", { class: "doc-item-meta" }, fmt(gettext("Due %(t)s"), { t: when(c.deadline) })),
        h("span", { class: "doc-item-status" },
          tag(done === c.units.length ? "done" : c.overdue ? "expired" : "pending",
            fmt(gettext("%(done)s of %(all)s units submitted"), { done, all: c.units.length }))))));
  }));
}

async function statsTab(pub, query) {
  const month = /^\d{4}-\d{2}$/.test(query.month || "") ? query.month : "";
  const answer = await api("GET", `/bulletins/${pub.code}/stats${month ? `?month=${month}` : ""}`);
  const picker = h("input", { type: "month", value: month || (answer.months[0] && answer.months[0].month) || "", "aria-label": gettext("Month") });
  picker.addEventListener("change", () => go(`bulletins/${pub.code}`, { tab: "stats", month: picker.value }, { replace: true }));
  const rows = answer.months.flatMap((m) => m.units.map((u) => h("tr", {},
    h("td", {}, u.unit ? u.unit.name : ""), h("td", {}, String(u.submitted)), h("td", {}, String(u.adopted)),
    h("td", {}, String(u.declined)), h("td", {}, String(u.published)))));
  const totals = answer.months[0] ? answer.months[0].totals : null;
  return h("div", { class: "bl-stats" }, h("label", { class: "bl-month" }, gettext("Month"), picker),
    rows.length ? h("div", { class: "doc-table-wrap" }, h("table", { class: "doc-table" },
      h("thead", {}, h("tr", {}, [gettext("Unit"), gettext("Items submitted"), gettext("Adopted"), gettext("Declined"), gettext("Published")]
        .map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
      totals ? h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, gettext("Total")), h("td", {}, String(totals.submitted)),
        h("td", {}, String(totals.adopted)), h("td", {}, String(totals.declined)), h("td", {}, String(totals.published)))) : null))
      : h("p", { class: "doc-empty" }, gettext("Nothing submitted in this month.")));
}

// --- 约稿 ----------------------------------------------------------------------------------------------
function mountNewCall(el, code) {
  const title = h("input", { type: "text", maxlength: 200, autocomplete: "off" });
  const body = h("textarea", { rows: 5 });
  const unitsPick = unitPicker("bl-call-units", { all: true });
  const deadline = h("input", { type: "date", value: dayFromNow(3) });
  const errors = formError();
  const send = h("button", { type: "submit", class: "btn btn-primary" }, gettext("Send the call"));
  const form = h("form", { class: "doc-form bl-form", novalidate: true },
    field("bl-call-title", gettext("Subject"), title, { required: true }),
    field("bl-call-body", gettext("What is wanted"), body),
    h("div", { class: "doc-field doc-field-wide" }, h("p", { class: "label" }, pgettext("bulletin", "Units asked")), unitsPick.node),
    field("bl-call-deadline", pgettext("bulletin", "Due by"), deadline, { required: true, hint: gettext("Items are due by 17:30 that day.") }),
    errors.box,
    h("div", { class: "nt-form-foot" }, h("a", { class: "btn btn-default", href: `#/bulletins/${code}?tab=calls` }, gettext("Cancel")), send));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.show("");
    try {
      const call = await pressing(send, () => api("POST", `/bulletins/${code}/calls`, {
        title: title.value, body: body.value, units: unitsPick.value(), deadline: deadline.value,
      }));
      go(`bulletins/calls/${call.id}`, {}, { replace: true });
    } catch (error) {
      errors.show(errorText(error));
    }
  });
  el.replaceChildren(frame({ title: gettext("Ask units for items"), back: `bulletins/${code}?tab=calls`, body: [form] }));
  title.focus();
}

function mountCall(el, id) {
  let alive = true;
  el.replaceChildren(loading(gettext("Call for items"), "bulletins"));
  const load = async () => {
    let call;
    try {
      call = await api("GET", `/bulletins/calls/${id}`);
    } catch (error) {
      if (alive) el.replaceChildren(failed(gettext("Call for items"), "bulletins", error));
      return;
    }
    if (!alive) return;
    const pub = await publication(call.publication).catch(() => null);
    const editor = pub && pub.is_editor;
    const done = call.units.filter((u) => u.submitted).length;
    swap(el, frame({
      title: call.title,
      sub: pub ? `《${pub.name}》` : "",
      back: `bulletins/${call.publication}?tab=calls`,
      tools: [h("a", { class: "btn btn-primary btn-sm", href: `#/bulletins/${call.publication}/submit?call=${call.id}` }, icon("edit", 16), gettext("Submit an item"))],
      body: [h("section", { class: "nt-hero" },
        h("div", { class: "nt-hero-tags" }, tag("notice", gettext("Call for items")),
          call.overdue ? tag("expired", gettext("Past the deadline")) : null),
        h("p", { class: "nt-hero-meta" }, fmt(gettext("Due %(t)s"), { t: when(call.deadline) }), " · ",
          call.created_by ? call.created_by.display_name : ""),
        call.body ? h("p", { class: "bl-call-body" }, call.body) : null),
      h("section", { class: "doc-section" },
        h("h3", {}, editor ? fmt(gettext("%(done)s of %(all)s units submitted"), { done, all: call.units.length }) : gettext("Your unit")),
        editor ? progress(done, call.units.length, fmt(gettext("%(done)s of %(all)s units submitted"), { done, all: call.units.length })) : null,
        h("ul", { class: "bl-call-units" }, call.units.map((u) => h("li", { class: u.submitted ? "bl-done" : "" },
          h("span", {}, u.unit ? u.unit.name : ""),
          u.submitted ? tag("done", fmt(ngettext("%(n)s article", "%(n)s articles", u.items), { n: u.items })) : tag("pending", gettext("Not yet")),
          editor && u.items ? h("a", { href: `#/bulletins/${call.publication}?tab=items` }, gettext("See items")) : null))))],
    }));
  };
  load();
  // The asked units' submissions reach the editor as to-do changes of nobody in particular:
  // the page looks again every few seconds while it is open.
  const stop = onFrame("todo", () => load());
  const every = setInterval(load, 10_000);
  return () => { alive = false; clearInterval(every); if (typeof stop === "function") stop(); };
}

// --- 投稿 ----------------------------------------------------------------------------------------------
function mountSubmit(el, code, query) {
  const title = h("input", { type: "text", maxlength: 200, autocomplete: "off" });
  const body = h("textarea", { rows: 12 });
  const callSelect = h("select", {}, h("option", { value: "" }, gettext("(not for a call)")));
  const unitSelect = h("select", {});
  const files = attachmentsField("bl-files", { maxFile: 0 });
  const errors = formError();
  const send = h("button", { type: "submit", class: "btn btn-primary" }, gettext("Submit the item"));
  const unitLine = h("div", { hidden: true }, field("bl-unit", gettext("For unit"), unitSelect));
  const form = h("form", { class: "doc-form bl-form", novalidate: true },
    field("bl-call", gettext("Answering the call"), callSelect),
    field("bl-title", gettext("Title"), title, { required: true }),
    field("bl-body", gettext("Text"), body, { required: true, hint: gettext("Pictures and documents go in the attachments.") }),
    unitLine,
    files.node,
    errors.box,
    h("div", { class: "nt-form-foot" }, h("a", { class: "btn btn-default", href: `#/bulletins/${code}` }, gettext("Cancel")), send));
  // The call the page was opened for is chosen at once (its title follows), so that an item
  // sent before the list has loaded still answers it.
  const asked = /^\d+$/.test(query.call || "") ? query.call : "";
  if (asked) callSelect.append(h("option", { value: asked, selected: true }, gettext("Loading…")));
  api("GET", `/bulletins/${code}/calls`).then((calls) => {
    const chosen = callSelect.value;
    callSelect.replaceChildren(callSelect.options[0],
      ...calls.filter((c) => !c.overdue || String(c.id) === asked)
        .map((c) => h("option", { value: String(c.id), selected: String(c.id) === chosen }, c.title)));
  }).catch(() => {});
  api("GET", "/me").then((me) => {
    if ((me.units || []).length > 1) {
      unitSelect.replaceChildren(...me.units.map((u) => h("option", { value: u.code }, u.name)));
      unitLine.hidden = false;
    }
  }).catch(() => {});
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.show("");
    const problem = files.problem();
    if (problem) {
      errors.show(problem);
      return;
    }
    const payload = { title: title.value, body: body.value, attachments: files.ids() };
    if (callSelect.value) payload.call = Number(callSelect.value);
    if (!unitLine.hidden) payload.unit = unitSelect.value;
    try {
      const item = await pressing(send, () => api("POST", `/bulletins/${code}/items`, payload));
      refreshTodo();
      go(`bulletins/items/${item.id}`, {}, { replace: true });
    } catch (error) {
      errors.show(errorText(error));
    }
  });
  el.replaceChildren(frame({ title: gettext("Submit an item"), back: `bulletins/${code}`, body: [form] }));
  title.focus();
}

// --- one item, 采用 / 不采用 ----------------------------------------------------------------------------
function pictures(files) {
  const pics = files.filter((f) => f.picture);
  const others = files.filter((f) => !f.picture);
  return [
    pics.length ? h("div", { class: "bl-pictures" }, pics.map((f) => h("figure", {},
      h("img", { src: f.url, alt: f.name, loading: "lazy" }), h("figcaption", {}, f.name)))) : null,
    others.length ? h("ul", { class: "wk-files nt-files" }, others.map((f) => h("li", {}, icon("file", 16),
      h("a", { href: `${f.url}?download=1` }, f.name)))) : null,
  ];
}

function htmlNode(html, cls) {
  const node = h("div", { class: cls });
  node.innerHTML = html || ""; // sanitized by the server when stored
  return node;
}

function decideBox(item, reload) {
  if (!item.viewer.actions.length) return null;
  const title = h("input", { type: "text", value: item.title, maxlength: 200 });
  const body = h("textarea", { rows: 10 }, item.body);
  const comment = h("textarea", { rows: 2, placeholder: gettext("Opinion (optional when adopting, required when declining)") });
  const errors = formError();
  const adopt = h("button", { type: "button", class: "btn btn-primary", dataset: { action: "adopt" } }, gettext("Adopt"));
  const decline = h("button", { type: "button", class: "btn btn-danger", dataset: { action: "decline" } }, gettext("Decline"));
  const decide = async (action, button) => {
    errors.show("");
    const payload = { action, comment: comment.value };
    if (action === "adopt") {
      if (title.value !== item.title) payload.title = title.value;
      if (body.value !== item.body) payload.body = body.value;
    }
    try {
      await pressing(button, () => api("POST", `/bulletins/items/${item.id}/decide`, payload));
      reload();
    } catch (error) {
      errors.show(errorText(error));
    }
  };
  adopt.addEventListener("click", () => decide("adopt", adopt));
  decline.addEventListener("click", () => decide("decline", decline));
  return h("section", { class: "doc-section bl-decide" },
    h("h3", {}, gettext("Review")),
    h("details", { class: "bl-edit", dataset: { key: "edit" } }, h("summary", {}, gettext("Edit before adopting")),
      field("bl-edit-title", gettext("Title"), title), field("bl-edit-body", gettext("Text"), body)),
    field("bl-comment", gettext("Opinion"), comment),
    errors.box,
    h("div", { class: "nt-form-foot" }, decline, adopt));
}

function mountItem(el, id) {
  let alive = true;
  el.replaceChildren(loading(gettext("Item"), "bulletins"));
  const load = async () => {
    let item;
    try {
      item = await api("GET", `/bulletins/items/${id}`);
    } catch (error) {
      if (alive) el.replaceChildren(failed(gettext("Item"), "bulletins", error));
      return;
    }
    if (!alive) return;
    swap(el, frame({
      title: item.title,
      back: `bulletins/${item.publication}?tab=items`,
      body: [h("article", { class: "bl-item-page", dataset: { item: item.id } },
        h("section", { class: "nt-hero" },
          h("div", { class: "nt-hero-tags" }, itemState(item.state),
            item.issue ? h("a", { href: `#/bulletins/issues/${item.issue.id}` }, item.issue.label) : null),
          h("p", { class: "nt-hero-meta" }, [item.unit && item.unit.name, item.submitter && item.submitter.display_name,
            when(item.submitted_at)].filter(Boolean).join(" · ")),
          item.decided_by ? h("p", { class: "nt-hero-meta" }, fmt(gettext("%(who)s: %(state)s %(t)s"), {
            who: item.decided_by.display_name, state: item.state_label, t: when(item.decided_at),
          }), item.comment ? ` · ${item.comment}` : "") : null),
        htmlNode(item.html, "nt-body msg-body"),
        pictures(item.files || []),
        (item.instructions || []).length ? h("section", { class: "doc-section" }, h("h3", {}, gettext("Instructions")),
          item.instructions.map((i) => h("p", { class: "bl-instruction" }, h("b", {}, i.by.display_name), `：${i.comment}`,
            h("span", { class: "muted" }, ` · ${i.units.map((u) => u.name).join("、")} · ${when(i.deadline)}`)))) : null,
        decideBox(item, load))],
    }));
  };
  load();
  return () => { alive = false; };
}

// --- 组稿 -------------------------------------------------------------------------------------------------
async function leadersOf(unitCode) {
  const directory = await api("GET", "/directory");
  const unit = directory.units.find((u) => u.code === unitCode);
  return unit ? unit.people.filter((p) => p.role === "leader") : [];
}

function mountAssemble(el, code) {
  let alive = true;
  el.replaceChildren(loading(gettext("Assemble an issue"), `bulletins/${code}`));
  Promise.all([publication(code), api("GET", `/bulletins/${code}/items?state=adopted&limit=200`)]).then(async ([pub, items]) => {
    if (!alive) return;
    const free = items.results.filter((i) => !i.issue);
    const leaders = await leadersOf(pub.unit ? pub.unit.code : "").catch(() => []);
    const theme = h("input", { type: "text", maxlength: 200, placeholder: gettext("e.g. a special issue on flood control (optional)") });
    const signer = h("select", {}, leaders.map((p) => h("option", { value: p.username }, `${p.display_name}${p.title ? `（${p.title}）` : ""}`)));
    const audience = unitPicker("bl-audience", { all: true, initialAll: true });
    const chosen = new Set();
    const list = h("ul", { class: "bl-choose" }, free.map((i) => {
      const box = h("input", { type: "checkbox", value: String(i.id), onchange: () => { if (box.checked) chosen.add(i.id); else chosen.delete(i.id); } });
      return h("li", {}, h("label", { class: "nt-unit" }, box,
        h("span", {}, h("b", {}, i.title), h("span", { class: "muted" }, ` ${i.unit ? i.unit.name : ""}`))));
    }));
    const errors = formError();
    const send = h("button", { type: "submit", class: "btn btn-primary" }, gettext("Send for sign-off"));
    const form = h("form", { class: "doc-form bl-form", novalidate: true },
      h("div", { class: "doc-field doc-field-wide" }, h("p", { class: "label" }, gettext("Adopted items, in order")),
        free.length ? list : h("p", { class: "doc-empty" }, gettext("No adopted items are waiting for an issue."))),
      field("bl-theme", gettext("Theme"), theme),
      field("bl-signer", gettext("Signed off by"), signer, { required: true }),
      h("div", { class: "doc-field doc-field-wide" }, h("p", { class: "label" }, gettext("Sent to")), audience.node),
      errors.box,
      h("div", { class: "nt-form-foot" }, h("a", { class: "btn btn-default", href: `#/bulletins/${code}` }, gettext("Cancel")), send));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      errors.show("");
      // In the order they are listed (the order of submission, newest first, reversed).
      const ids = free.map((i) => i.id).filter((x) => chosen.has(x)).reverse();
      if (!ids.length) {
        errors.show(gettext("Choose the items of the issue."));
        return;
      }
      try {
        const issue = await pressing(send, () => api("POST", `/bulletins/${code}/issues`, {
          items: ids, signer: signer.value, audience: audience.value(), title: theme.value,
        }));
        go(`bulletins/issues/${issue.id}`, {}, { replace: true });
      } catch (error) {
        errors.show(errorText(error));
      }
    });
    el.replaceChildren(frame({ title: gettext("Assemble an issue"), sub: `《${pub.name}》`, back: `bulletins/${code}`, body: [form] }));
  }).catch((error) => { if (alive) el.replaceChildren(failed(gettext("Assemble an issue"), `bulletins/${code}`, error)); });
  return () => { alive = false; };
}

// --- one issue --------------------------------------------------------------------------------------------
let meCache = null;
async function amLeader() {
  if (!meCache) meCache = api("GET", "/me").catch(() => { meCache = null; return { units: [] }; });
  const me = await meCache;
  return (me.units || []).some((u) => u.role === "leader");
}

// A leader's 批示 on an item: what they want done, by which units, by when.
function instructForm(item, reload) {
  const comment = h("textarea", { rows: 3 });
  const units = unitPicker(`bl-ins-units-${item.id}`, { all: true });
  const deadline = h("input", { type: "date", value: dayFromNow(7) });
  const errors = formError();
  const send = h("button", { type: "submit", class: "btn btn-primary btn-sm" }, gettext("Give the instruction"));
  const form = h("form", { class: "bl-instruct-form", novalidate: true },
    field(`bl-ins-comment-${item.id}`, gettext("Instruction"), comment, { required: true }),
    h("div", { class: "doc-field doc-field-wide" }, h("p", { class: "label" }, gettext("Units to carry it out")), units.node),
    field(`bl-ins-deadline-${item.id}`, gettext("To be done by"), deadline, { required: true }),
    errors.box, h("div", { class: "nt-form-foot" }, send));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.show("");
    try {
      await pressing(send, () => api("POST", `/bulletins/items/${item.id}/instructions`, {
        comment: comment.value, units: units.value(), deadline: deadline.value,
      }));
      reload();
    } catch (error) {
      errors.show(errorText(error));
    }
  });
  return h("details", { class: "bl-instruct", dataset: { key: `ins-${item.id}` } },
    h("summary", {}, icon("edit", 16), gettext("Instruct on this item")), form);
}

function instructionsOf(item) {
  if (!(item.instructions || []).length) return null;
  return h("div", { class: "bl-instructions" }, item.instructions.map((i) => h("p", { class: "bl-instruction" },
    h("b", {}, `${i.by.display_name}${gettext(" instructs: ")}`), i.comment,
    h("span", { class: "muted" }, ` ${i.units.map((u) => u.name).join("、")} · ${fmt(gettext("by %(t)s"), { t: when(i.deadline) })}`))));
}

function paper(issue, { leader = false, reload = () => {} } = {}) {
  const m = issue.masthead;
  return h("article", { class: "bl-paper", "aria-label": issue.label },
    h("header", { class: "bl-masthead" },
      h("h2", { class: "bl-name" }, m.name),
      h("p", { class: "bl-number" }, m.issue ? `${m.issue}${m.total ? `（${m.total}）` : ""}` : gettext("(not numbered yet)")),
      h("div", { class: "bl-mast-line" }, h("span", {}, m.unit), h("span", {}, m.date || ""))),
    issue.title ? h("p", { class: "bl-theme" }, issue.title) : null,
    issue.items.length > 1 ? h("nav", { class: "bl-contents", "aria-label": gettext("Contents") },
      h("h3", {}, gettext("In this issue")),
      h("ol", {}, issue.items.map((i) => h("li", {}, h("a", { href: `#/bulletins/issues/${issue.id}`, dataset: { item: i.id },
        onclick: (e) => { e.preventDefault(); const t = document.getElementById(`bl-item-${i.id}`); if (t) t.scrollIntoView({ behavior: "smooth" }); },
      }, i.title), h("span", { class: "bl-contents-unit" }, i.unit ? i.unit.name : ""))))) : null,
    issue.items.map((i) => h("section", { class: "bl-article", id: `bl-item-${i.id}` },
      h("h3", { class: "bl-article-title" }, i.title),
      h("p", { class: "bl-article-unit" }, `（${i.unit ? i.unit.name : ""}）`),
      htmlNode(i.html, "bl-article-body"),
      pictures(i.files || []),
      instructionsOf(i),
      leader && issue.state === "published" ? instructForm(i, reload) : null)),
    h("footer", { class: "bl-colophon" },
      h("p", {}, fmt(gettext("Signed off by: %(name)s"), { name: issue.signer ? issue.signer.display_name : "" })),
      h("p", {}, fmt(gettext("Sent to: %(who)s"), {
        who: issue.audience.includes("all") ? gettext("every unit") : issue.audience.join("、"),
      })),
      issue.seal ? h("p", { class: "bl-seal" }, fmt(gettext("Sealed by %(unit)s"), { unit: issue.seal.unit_name })) : null));
}

function decisionBox(issue, reload) {
  const acts = issue.viewer.actions;
  const box = h("section", { class: "doc-section bl-actions" });
  const errors = formError();
  const run = async (button, path, body) => {
    errors.show("");
    try {
      await pressing(button, () => api("POST", path, body));
      refreshTodo();
      reload();
    } catch (error) {
      errors.show(errorText(error));
    }
  };
  if (acts.includes("sign_off")) {
    const comment = h("textarea", { rows: 2, placeholder: gettext("Opinion (required to return it)") });
    const sign = h("button", { type: "button", class: "btn btn-primary", dataset: { action: "sign_off" } }, gettext("Sign off"));
    const back = h("button", { type: "button", class: "btn btn-danger", dataset: { action: "return" } }, gettext("Return"));
    sign.addEventListener("click", () => run(sign, `/bulletins/issues/${issue.id}/decide`, { action: "sign_off", comment: comment.value }));
    back.addEventListener("click", () => run(back, `/bulletins/issues/${issue.id}/decide`, { action: "return", comment: comment.value }));
    box.append(h("h3", {}, gettext("Sign-off")), field("bl-decide-comment", gettext("Opinion"), comment), h("div", { class: "nt-form-foot" }, back, sign));
  }
  if (acts.includes("publish")) {
    const pub = h("button", { type: "button", class: "btn btn-primary", dataset: { action: "publish" } }, gettext("Publish the issue"));
    pub.addEventListener("click", () => run(pub, `/bulletins/issues/${issue.id}/publish`, {}));
    box.append(h("p", {}, gettext("Signed off: publishing numbers it, seals it and sends it to its units.")), pub);
  }
  if (acts.includes("resubmit")) {
    box.append(h("p", { class: "doc-warn" }, gettext("Returned by the signer: change the items and assemble it again.")));
  }
  box.append(errors.box);
  return box.childElementCount > 1 ? box : null;
}

function chainOf(issue) {
  if (!issue.chain.length) return null;
  return h("section", { class: "doc-section" }, h("h3", {}, gettext("Sign-off record")),
    h("ol", { class: "bl-chain" }, issue.chain.map((c) => h("li", {},
      h("b", {}, c.decided_by ? c.decided_by.display_name : ""), ` ${c.decision_label} `,
      c.comment ? `“${c.comment}” ` : "", h("span", { class: "muted" }, when(c.at)),
      c.signature_valid ? tag("done", gettext("Signature valid")) : tag("expired", gettext("Signature invalid"))))));
}

function readsPanel(issue, reload) {
  if (issue.state !== "published" || !issue.viewer.editor) return null;
  const units = issue.units;
  const { read, unread, readers, recent } = readSummary(units, 10);
  const note = h("p", { class: "field-error", role: "alert" });
  const remind = unread.length && issue.viewer.actions.includes("remind")
    ? h("button", { type: "button", class: "btn btn-default nt-remind" }, icon("bell", 16),
      fmt(gettext("Remind the %(n)s units that have not read it"), { n: unread.length }))
    : null;
  if (remind) {
    remind.addEventListener("click", async () => {
      note.textContent = "";
      try {
        const answer = await pressing(remind, () => api("POST", `/bulletins/issues/${issue.id}/remind`, {}));
        note.classList.add("nt-ok");
        note.textContent = fmt(gettext("Reminded %(n)s units."), { n: answer.reminded });
        reload();
      } catch (error) {
        note.classList.remove("nt-ok");
        note.textContent = errorText(error);
      }
    });
  }
  return h("section", { class: "doc-section nt-ledger bl-reads" },
    h("h3", {}, gettext("Reads")),
    h("div", { class: "nt-stats" },
      h("div", { class: "nt-stat nt-stat-acked" }, h("span", { class: "nt-stat-n", dataset: { count: "units-read" } }, String(read.length)), h("span", {}, gettext("units have read it"))),
      h("div", { class: "nt-stat nt-stat-pending" }, h("span", { class: "nt-stat-n", dataset: { count: "units-unread" } }, String(unread.length)), h("span", {}, gettext("units not yet"))),
      h("div", { class: "nt-stat" }, h("span", { class: "nt-stat-n", dataset: { count: "readers" } }, String(readers)), h("span", {}, gettext("readers")))),
    progress(read.length, units.length, fmt(gettext("%(done)s of %(all)s units have read it"), { done: read.length, all: units.length })),
    h("div", { class: "nt-remind-line" }, remind,
      issue.reminders ? h("span", { class: "muted" }, fmt(gettext("Reminded %(n)s times"), { n: issue.reminders })) : null),
    note,
    recent.length ? h("div", { class: "nt-latest" }, h("h3", {}, gettext("Latest readers")),
      h("ol", { class: "nt-latest-list" }, recent.map((r) => h("li", {},
        h("span", { class: "nt-person nt-person-acked" }, r.user.display_name),
        h("span", { class: "muted" }, `${r.unit ? r.unit.name : ""} · ${when(r.at)}`))))) : null,
    unread.length ? h("details", { class: "nt-units-done", dataset: { key: "unread" }, open: unread.length <= 12 },
      h("summary", {}, fmt(gettext("Not read yet (%(n)s units)"), { n: unread.length })),
      h("p", { class: "bl-unit-chips" }, unread.map((u) => h("span", { class: "nt-person nt-person-pending" }, u.unit ? u.unit.name : "")))) : null,
    read.length ? h("details", { class: "nt-units-done", dataset: { key: "read" } },
      h("summary", {}, fmt(gettext("Read (%(n)s units)"), { n: read.length })),
      h("ul", { class: "bl-call-units" }, read.map((u) => h("li", { class: "bl-done" },
        h("span", {}, u.unit ? u.unit.name : ""),
        h("span", { class: "muted" }, u.readers.map((r) => r.user.display_name).join("、")))))) : null);
}

function mountIssue(el, id) {
  let alive = true;
  let issue = null;
  let seq = 0;
  let marked = false;
  el.replaceChildren(loading(gettext("Bulletin"), "bulletins"));
  const load = async () => {
    const mine = ++seq;
    let fresh;
    try {
      fresh = await api("GET", `/bulletins/issues/${id}`);
    } catch (error) {
      if (alive && !issue) el.replaceChildren(failed(gettext("Bulletin"), "bulletins", error));
      return;
    }
    if (!alive || mine !== seq) return;
    issue = fresh;
    // Opening the published issue is reading it.
    if (!marked && issue.viewer.actions.includes("read") && issue.mine && !issue.mine.read) {
      marked = true;
      api("POST", `/bulletins/issues/${id}/read`, {}).catch(() => { marked = false; });
    }
    const side = [decisionBox(issue, load), readsPanel(issue, load), chainOf(issue)].filter(Boolean);
    const leader = issue.state === "published" && await amLeader();
    if (!alive || mine !== seq) return;
    swap(el, frame({
      title: `《${issue.publication.name}》${issue.number ? fmt(gettext("%(year)s No. %(n)s"), { year: issue.year, n: issue.number }) : ""}`,
      back: `bulletins/${issue.publication.code}`,
      tools: [issueState(issue.state),
        issue.pdf ? h("a", { class: "btn btn-default btn-sm", href: issue.pdf, target: "_blank", rel: "noopener" }, icon("download", 16), "PDF") : null]
        .filter(Boolean),
      body: [h("div", { class: `bl-issue${side.length ? " bl-issue-with-side" : ""}`, dataset: { issue: issue.id, state: issue.state } },
        paper(issue, { leader, reload: load }), side.length ? h("aside", { class: "bl-side" }, side) : null)],
    }));
  };
  load();
  const stop = follow(onFrame, {
    ids: () => (issue ? [issue.tracking_message, issue.signer_message].filter(Boolean) : []),
    refresh: load,
  });
  return () => { alive = false; stop(); };
}

// --- cards ------------------------------------------------------------------------------------------------
const CARD_LINKS = {
  bulletin_call: (ref) => [`#/bulletins/calls/${ref}`, gettext("Submit an item")],
  bulletin_item: (ref) => [`#/bulletins/items/${ref}`, gettext("Read the item")],
  bulletin_review: (ref) => [`#/bulletins/issues/${ref}`, gettext("Read the whole issue")],
  bulletin_issue: (ref) => [`#/bulletins/issues/${ref}`, gettext("Reads by unit")],
  bulletin: (ref) => [`#/bulletins/issues/${ref}`, gettext("Read the bulletin")],
};

export function bulletinCardExtras(card) {
  if (!card || card.ref == null || !CARD_LINKS[card.card_type]) return [];
  const [href, label] = CARD_LINKS[card.card_type](card.ref);
  const t = card.totals;
  const bar = card.card_type === "bulletin_issue" && t && t.units
    ? h("div", { class: "card-progress" }, progress(t.units_read, t.units,
      fmt(gettext("%(done)s of %(all)s units have read it"), { done: t.units_read, all: t.units })))
    : null;
  return [bar, h("div", { class: "card-more-row" }, h("a", { class: "card-more", href }, label, h("span", { "aria-hidden": "true" }, " ›")))];
}

const CARD_LABELS = {
  bulletin_call: () => gettext("Call for items"),
  bulletin_item: () => gettext("Item submitted"),
  bulletin_review: () => gettext("Bulletin to sign off"),
  bulletin_issue: () => gettext("Bulletin issue"),
  bulletin: () => gettext("Bulletin"),
};
for (const kind of Object.keys(CARD_LINKS)) registerCard(kind, { label: CARD_LABELS[kind], extras: bulletinCardExtras });

// The sidebar's badge: items to submit for my unit and issues waiting for my sign-off.
subscribe("todo", (todo) => {
  const counts = (todo && todo.counts) || {};
  storeSet("bulletins.todo", (counts.bulletin_submit || 0) + (counts.bulletin_review || 0));
});

registerTodoKind("bulletin_submit", { icon: "edit", href: (item) => `#/bulletins/calls/${item.ref}` });
registerTodoKind("bulletin_review", { icon: "stamp", href: (item) => `#/bulletins/issues/${item.ref}` });

// --- routes -------------------------------------------------------------------------------------------------
const PAGES = [
  ["bulletins", "bulletins", (el) => mountPublications(el)],
  ["bulletin-publication", "bulletins/:code", (el, p, q) => mountPublication(el, p.code, q)],
  ["bulletin-new-call", "bulletins/:code/call", (el, p) => mountNewCall(el, p.code)],
  ["bulletin-submit", "bulletins/:code/submit", (el, p, q) => mountSubmit(el, p.code, q)],
  ["bulletin-assemble", "bulletins/:code/assemble", (el, p) => mountAssemble(el, p.code)],
  ["bulletin-call", "bulletins/calls/:id", (el, p) => mountCall(el, p.id)],
  ["bulletin-item", "bulletins/items/:id", (el, p) => mountItem(el, p.id)],
  ["bulletin-issue", "bulletins/issues/:id", (el, p) => mountIssue(el, p.id)],
];

for (const [name, path, mount] of PAGES) {
  registerPage({
    name,
    path,
    className: "nt-page-section",
    title: () => gettext("Bulletins"),
    sidebarPage: "bulletins",
    sidebar: name === "bulletins"
      ? { label: () => gettext("Bulletins"), icon: "news", order: 45, badge: "bulletins.todo", id: "bulletins-link" }
      : undefined,
    mount: (el, params, query) => mount(el, params, query || {}),
  });
}
