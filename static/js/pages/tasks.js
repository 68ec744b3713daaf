// 督查督办 in the web client: the ledger (督办台账, #/tasks with filters by state, progress, unit,
// source and month, CSV export, 催办 on many) and one task's page (#/tasks/<id>: its units,
// milestones (阶段节点), reports, extension requests and the buttons the caller may press: 接收,
// 汇报 (naming a milestone reached), 申请延期, 同意/不同意延期, 办结, 销号, 催办). Deadlines and
// milestones may be given in working days (the server's calendar with 调休). The `task`
// cards in chat link to the page.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext, pgettext } from "../core/i18n.js";
import { registerCard } from "../shell/cards.js";
import { navigate, registerPage, setQuery } from "../shell/router.js";
import { closeDialog, confirmDialog, errorText, openDialog, toast } from "../ui/dialogs.js";
import { errorPage, loadingPage, pageHead, paragraphs, person, renderKeeping, setPage, tabs, wIcon, when } from "../ui/workpage.js";

const STATUS = {
  on_track: () => gettext("On track"),
  due_soon: () => gettext("Due soon"),
  overdue: () => gettext("Overdue"),
};
const STATES = {
  assigned: () => gettext("Assigned"),
  accepted: () => gettext("In progress"),
  completed: () => gettext("Completed"),
  closed: () => pgettext("task", "Closed"),
};
const MILESTONE = {
  ...STATUS,
  reached: () => gettext("Reached"),
  missed: () => gettext("Not reached"),
};
const SOURCES = [
  ["", () => gettext("All sources")],
  ["document", () => gettext("Instruction on a document")],
  ["bulletin_item", () => gettext("Instruction on a bulletin item")],
  ["meeting", () => gettext("Meeting decision")],
  ["approval", () => gettext("Approval")],
  ["none", () => gettext("Assigned directly")],
];

let view = null; // {kind: "list"|"task", seq, ...}
let section = null; // the page's own section (the router's, kept between visits)
let units = null;

async function allUnits() {
  if (!units) units = (await api("GET", "/units")).filter((u) => u.kind !== "district");
  return units;
}

export function statusTag(status) {
  return h("span", { class: `tk-status tk-status-${status}` }, (STATUS[status] || (() => status))());
}

function stateTag(state) {
  return h("span", { class: `doc-state tk-state-${state}` }, (STATES[state] || (() => state))());
}

// --- the ledger --------------------------------------------------------------------------------------
function listQuery(query) {
  const out = {};
  for (const key of ["state", "status", "unit", "source", "month", "q"]) if (query[key]) out[key] = query[key];
  if (!("state" in query)) out.state = "open";
  return out;
}

function toQueryString(q) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function showList(el, query) {
  const q = listQuery(query);
  view = { kind: "list", seq: (view && view.seq ? view.seq : 0) + 1, q, selected: new Set() };
  const mine = view;
  const status = h("p", { class: "doc-list-status", role: "status" }, gettext("Loading…"));
  const list = h("div", { class: "tk-list", id: "tk-list" });
  const tools = h("div", { class: "doc-page-tools" });
  const change = (patch) => {
    const next = { ...mine.q, ...patch };
    for (const k of Object.keys(next)) if (!next[k]) delete next[k];
    if (!next.state) next.state = "all";
    setQuery(next);
    showList(el, next);
  };
  const unitSelect = h("select", { id: "tk-unit", "aria-label": gettext("Unit"), onchange: (e) => change({ unit: e.target.value }) },
    h("option", { value: "" }, gettext("All units")));
  allUnits().then((all) => {
    for (const u of all) unitSelect.append(h("option", { value: u.code, selected: u.code === q.unit }, u.name));
  }).catch(() => {});
  const filters = h("div", { class: "tk-filters" },
    h("select", { id: "tk-status", "aria-label": gettext("Progress"), onchange: (e) => change({ status: e.target.value }) },
      h("option", { value: "" }, gettext("Any progress")),
      Object.entries(STATUS).map(([k, label]) => h("option", { value: k, selected: k === q.status }, label()))),
    unitSelect,
    h("select", { id: "tk-source", "aria-label": gettext("Source"), onchange: (e) => change({ source: e.target.value }) },
      SOURCES.map(([k, label]) => h("option", { value: k, selected: k === (q.source || "") }, label()))),
    h("input", { type: "month", id: "tk-month", "aria-label": gettext("Month"), value: q.month || "", onchange: (e) => change({ month: e.target.value }) }));
  el.replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({ title: gettext("Supervised tasks"), sub: gettext("Key work under supervision"), tools: [tools] }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-list-wrap tk-wrap" },
        h("div", { class: "doc-list-tools" }, tabs("tk", [
          ["open", gettext("In hand")], ["completed", gettext("Completed")], ["closed", pgettext("task", "Closed")], ["all", gettext("All")],
        ], q.state || "all", (key) => change({ state: key }), gettext("Tasks"))),
        filters, status, list))));
  let data;
  try {
    data = await api("GET", `/tasks${toQueryString({ ...q, state: q.state === "all" ? "" : q.state })}`);
  } catch (error) {
    if (mine !== view) return;
    status.textContent = errorText(error);
    return;
  }
  if (mine !== view) return;
  const csv = `/api/v1/tasks.csv${toQueryString({ ...q, state: q.state === "all" ? "" : q.state })}`;
  tools.append(h("a", { class: "btn btn-default btn-sm tk-hide-phone", href: csv, download: "tasks.csv" }, wIcon("download", 16), gettext("Export CSV")),
    h("a", { class: "btn btn-default btn-sm tk-hide-phone", href: csv.replace("/tasks.csv", "/tasks.xlsx"), download: "tasks.xlsx" },
      wIcon("download", 16), gettext("Export XLSX")));
  if (data.can_set) {
    const remind = h("button", { type: "button", class: "btn btn-default btn-sm tk-hide-phone", id: "tk-remind", disabled: true, onclick: () => remindSelected(el, mine) },
      wIcon("bell", 16), gettext("Press selected"));
    mine.remindButton = remind;
    tools.append(remind, h("button", { type: "button", class: "btn btn-primary btn-sm", id: "tk-new", onclick: () => newTaskDialog() },
      wIcon("compose", 16), gettext("New task")));
    if (query.document) {
      const rest = { ...mine.q };
      delete rest.document;
      setQuery(rest);
      newTaskDialog({ document: Number(query.document) });
    }
  }
  const counts = data.counts || {};
  status.textContent = fmt(gettext("%(total)s tasks: %(on)s on track, %(soon)s due soon, %(late)s overdue"), {
    total: data.total, on: counts.on_track || 0, soon: counts.due_soon || 0, late: counts.overdue || 0,
  });
  if (!data.results.length) {
    list.replaceChildren(h("div", { class: "doc-empty" }, wIcon("todo", 40), h("p", {}, gettext("No tasks match."))));
    return;
  }
  list.replaceChildren(h("table", { class: "tk-table" },
    h("thead", {}, h("tr", {},
      data.can_set ? h("th", { class: "tk-check" }, "") : null,
      h("th", {}, gettext("Task")), h("th", {}, gettext("Lead unit")), h("th", { class: "tk-hide-phone" }, gettext("Co-units")),
      h("th", {}, gettext("Due by")), h("th", {}, gettext("State")))),
    h("tbody", {}, data.results.map((t) => h("tr", { class: `tk-row tk-row-${t.status}`, dataset: { id: t.id } },
      data.can_set ? h("td", { class: "tk-check" }, h("input", {
        type: "checkbox", "aria-label": fmt(gettext("Select %(title)s"), { title: t.title }),
        disabled: t.state === "completed" || t.state === "closed",
        onchange: (e) => {
          if (e.target.checked) mine.selected.add(t.id); else mine.selected.delete(t.id);
          mine.remindButton.disabled = !mine.selected.size;
        },
      })) : null,
      h("td", {}, h("a", { href: `#/tasks/${t.id}`, class: "tk-title" }, t.title),
        t.source ? h("span", { class: "tk-source" }, t.source.label) : null,
        t.next_milestone ? h("span", { class: "tk-source tk-next" }, fmt(gettext("Next milestone: %(title)s, %(when)s"), {
          title: t.next_milestone.title, when: when(t.next_milestone.deadline),
        })) : null),
      h("td", {}, t.lead_unit.name),
      h("td", { class: "tk-hide-phone" }, t.co_units.map((u) => u.name).join("、")),
      h("td", {}, when(t.deadline)),
      h("td", {}, stateTag(t.state), " ", statusTag(t.status)))))));
}

async function remindSelected(el, mine) {
  const ids = [...mine.selected];
  if (!ids.length) return;
  try {
    const answer = await api("POST", "/tasks/remind", { tasks: ids });
    toast(fmt(gettext("Reminded %(n)s tasks"), { n: answer.reminded }));
  } catch (error) {
    toast(errorText(error), "error");
  }
}

// --- a form in a dialog ---------------------------------------------------------------------------------
function formDialog({ title, fields, confirm, submit }) {
  const error = h("p", { class: "doc-form-error", role: "alert", hidden: true });
  const form = h("form", { class: "dialog-form tk-form", onsubmit: (event) => { event.preventDefault(); send(); } },
    fields.map(([id, label, control]) => h("div", { class: "doc-field" }, h("label", { for: id }, label), control)), error);
  const ok = h("button", { type: "button", class: "btn btn-primary", id: "tk-dialog-ok", onclick: () => send() }, confirm);
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  async function send() {
    ok.disabled = true;
    error.hidden = true;
    try {
      await submit();
      closeDialog();
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      ok.disabled = false;
    }
  }
  openDialog({ title, body: form, footer: [cancel, ok], wide: true });
}

// `from`: {document: id} to set the task from a leader's 批示 on that document (#/tasks?document=5).
async function newTaskDialog(from = null) {
  const all = await allUnits();
  let source = null;
  let suggested = "";
  if (from && from.document) {
    try {
      const doc = await api("GET", `/documents/${from.document}`);
      source = { document: doc.id };
      suggested = fmt(gettext("Carry out the instruction on “%(title)s”"), { title: doc.title });
    } catch (error) {
      toast(errorText(error), "error");
    }
  }
  const options = (blank) => [blank ? h("option", { value: "" }, blank) : null, ...all.map((u) => h("option", { value: u.code }, u.name))];
  const title = h("input", { id: "tk-new-title", maxlength: 200, autofocus: true, value: suggested });
  const lead = h("select", { id: "tk-new-lead" }, options(gettext("Choose the lead unit")));
  const co = h("div", { class: "tk-co", id: "tk-new-co", role: "group" }, all.map((u) => h("label", { class: "tk-co-option" },
    h("input", { type: "checkbox", value: u.code }), u.name)));
  const deadline = deadlineInput("tk-new-deadline");
  const milestones = milestoneRows();
  const cycle = h("select", { id: "tk-new-cycle" },
    h("option", { value: "" }, gettext("No fixed cycle")), h("option", { value: "weekly" }, gettext("Weekly")),
    h("option", { value: "monthly" }, gettext("Monthly")));
  const instruction = h("textarea", { id: "tk-new-instruction", rows: 3, maxlength: 2000 });
  formDialog({
    title: gettext("New supervised task"),
    confirm: gettext("Assign"),
    fields: [
      ["tk-new-title", gettext("Task"), title], ["tk-new-lead", gettext("Lead unit"), lead],
      ["tk-new-co", gettext("Co-units"), co], ["tk-new-deadline", gettext("Due by"), deadline.el],
      ["tk-ms-list", gettext("Milestones"), milestones.el],
      ["tk-new-cycle", gettext("Report cycle"), cycle], ["tk-new-instruction", gettext("Instruction or requirement"), instruction],
      source ? ["tk-new-source", gettext("Source"), h("p", { id: "tk-new-source" }, gettext("Instruction on a document"), " · ",
        h("a", { href: `#/documents/${source.document}` }, `#${source.document}`))] : null,
    ].filter(Boolean),
    submit: async () => {
      const task = await api("POST", "/tasks", {
        title: title.value, lead_unit: lead.value || null,
        co_units: [...co.querySelectorAll("input:checked")].map((i) => i.value),
        ...deadline.value(), milestones: milestones.value(), report_cycle: cycle.value, instruction: instruction.value,
        ...(source ? { source } : {}),
      });
      toast(gettext("The task was assigned"));
      navigate(`tasks/${task.id}`);
    },
  });
}

// A deadline as a date or as so many working days (the server counts them by the calendar with
// 调休): {el, value() -> {deadline} | {deadline_days}}, with `daysKey` naming the days field.
function deadlineInput(id, daysKey = "deadline_days", dateLabel = null, daysLabel = null) {
  const date = h("input", { id, type: "date", ...(dateLabel ? { "aria-label": dateLabel } : {}) });
  const days = h("input", { id: `${id}-days`, type: "number", min: 1, max: 500, hidden: true, "aria-label": daysLabel || gettext("Working days") });
  const unit = h("span", { class: "tk-days-unit", hidden: true }, gettext("working days"));
  const mode = h("select", {
    id: `${id}-mode`, "aria-label": gettext("Deadline as"),
    onchange: () => {
      const inDays = mode.value === "days";
      date.hidden = inDays;
      days.hidden = !inDays;
      unit.hidden = !inDays;
    },
  }, h("option", { value: "date" }, gettext("On a date")), h("option", { value: "days" }, gettext("In working days")));
  return {
    el: h("div", { class: "tk-deadline" }, mode, date, days, unit),
    value: () => (mode.value === "days" ? { [daysKey]: days.value ? Number(days.value) : null } : { deadline: date.value || null }),
  };
}

// 阶段节点 rows: a name and a deadline (a date or working days from now) each.
function milestoneRows() {
  const list = h("ol", { class: "tk-ms-list", id: "tk-ms-list" });
  const rows = [];
  const add = () => {
    const n = rows.length + 1;
    const title = h("input", { class: "tk-ms-title", maxlength: 100, "aria-label": fmt(gettext("Milestone %(n)s"), { n }), placeholder: gettext("Milestone") });
    const due = deadlineInput(`tk-ms-${n}`, "days", fmt(gettext("Deadline of milestone %(n)s"), { n }),
      fmt(gettext("Working days to milestone %(n)s"), { n }));
    const row = { title, due };
    const li = h("li", { class: "tk-ms-row" }, title, due.el, h("button", {
      type: "button", class: "btn btn-default btn-sm", "aria-label": gettext("Remove"),
      onclick: () => { rows.splice(rows.indexOf(row), 1); li.remove(); },
    }, wIcon("x", 14)));
    rows.push(row);
    list.append(li);
    title.focus();
  };
  const button = h("button", { type: "button", class: "btn btn-default btn-sm", id: "tk-ms-add", onclick: add }, wIcon("plus", 14), gettext("Add a milestone"));
  return {
    el: h("div", { class: "tk-ms" }, list, button),
    value: () => rows.map((r) => ({ title: r.title.value, ...r.due.value() })),
  };
}

// --- one task ----------------------------------------------------------------------------------------
async function showTask(el, id) {
  view = { kind: "task", id, seq: (view && view.seq ? view.seq : 0) + 1 };
  const mine = view;
  loadingPage(gettext("Supervised task"));
  try {
    await draw(mine);
  } catch (error) {
    if (mine === view) errorPage(gettext("Supervised task"), error);
  }
}

// Read the task of a view and draw it, unless the user has gone on meanwhile (to the ledger
// or another task): an answer that comes back late must not draw over what is shown now.
async function draw(mine) {
  const task = await api("GET", `/tasks/${mine.id}`);
  if (mine !== view) return;
  mine.task = task;
  renderKeeping(taskView(task));
}

// After an action, or on a live update of the task's card.
async function reload() {
  if (view && view.kind === "task") await draw(view);
}

async function act(path, body, done) {
  await api("POST", `/tasks/${view.id}${path}`, body);
  if (done) toast(done);
  await reload();
}

function actionButtons(task) {
  const can = new Set(task.viewer.actions);
  const out = [];
  const button = (key, label, style, onclick, iconName) => h("button", {
    type: "button", class: `btn btn-${style} btn-sm`, id: `tk-act-${key}`, onclick,
  }, iconName ? wIcon(iconName, 16) : null, label);
  const safe = (fn) => async () => { try { await fn(); } catch (error) { toast(errorText(error), "error"); } };
  if (can.has("accept")) out.push(button("accept", gettext("Accept"), "primary", safe(() => act("/accept", {}, gettext("Accepted"))), "check"));
  if (can.has("report")) {
    out.push(button("report", gettext("Report progress"), "primary", () => {
      const body = h("textarea", { id: "tk-report-body", rows: 5, maxlength: 20000, autofocus: true });
      const open = task.viewer.lead ? (task.milestones || []).filter((m) => m.status !== "reached" && m.status !== "missed") : [];
      const milestone = h("select", { id: "tk-report-milestone" }, h("option", { value: "" }, gettext("No milestone")),
        open.map((m) => h("option", { value: m.id }, fmt(gettext("%(title)s (due %(when)s)"), { title: m.title, when: when(m.deadline) }))));
      formDialog({
        title: gettext("Report progress"), confirm: gettext("Submit"),
        fields: [["tk-report-body", gettext("Progress"), body],
          open.length ? ["tk-report-milestone", gettext("Milestone reached"), milestone] : null].filter(Boolean),
        submit: () => act("/reports", { body: body.value, ...(milestone.value ? { milestone: Number(milestone.value) } : {}) },
          gettext("The report was submitted")),
      });
    }, "send"));
  }
  if (can.has("extension")) {
    out.push(button("extension", gettext("Ask for more time"), "default", () => {
      const deadline = deadlineInput("tk-ext-deadline");
      const reason = h("textarea", { id: "tk-ext-reason", rows: 3, maxlength: 2000 });
      formDialog({
        title: gettext("Ask for more time"), confirm: gettext("Submit"),
        fields: [["tk-ext-deadline", gettext("New deadline"), deadline.el], ["tk-ext-reason", gettext("Reason"), reason]],
        submit: () => {
          const asked = deadline.value();
          return act("/extension", { ...asked, deadline: asked.deadline || "", reason: reason.value }, gettext("The request was sent"));
        },
      });
    }, "clock"));
  }
  if (can.has("approve_extension")) {
    out.push(button("approve", gettext("Approve the extension"), "primary",
      safe(() => act("/extension/decide", { action: "approve" }, gettext("The deadline was extended"))), "check"));
    out.push(button("reject", gettext("Reject the extension"), "danger",
      safe(() => act("/extension/decide", { action: "reject" }, gettext("The extension was rejected"))), "x"));
  }
  if (can.has("complete")) {
    out.push(button("complete", gettext("Complete"), "default", () => {
      const result = h("textarea", { id: "tk-result", rows: 4, maxlength: 20000 });
      formDialog({
        title: gettext("Complete the task"), confirm: gettext("Complete"),
        fields: [["tk-result", gettext("Result"), result]],
        submit: () => act("/complete", { result: result.value }, gettext("Completed")),
      });
    }, "checks"));
  }
  if (can.has("remind")) out.push(button("remind", gettext("Press"), "default", safe(() => act("/remind", {}, gettext("The units were reminded"))), "bell"));
  if (can.has("close")) {
    out.push(button("close", gettext("Close the task"), "primary", safe(async () => {
      const ok = await confirmDialog({
        title: gettext("Close the task"), confirm: gettext("Close the task"),
        text: gettext("Closing signs off the task as done with your personal key. It cannot be reopened."),
      });
      if (ok) await act("/close", {}, gettext("The task was closed"));
    }), "seal"));
  }
  return out;
}

function taskView(task) {
  const lead = task.units.find((u) => u.role === "lead");
  const sourceLink = task.source && task.source.type === "document"
    ? h("a", { href: `#/documents/${task.source.id}` }, task.source.label)
    : task.source ? task.source.label : gettext("Assigned directly");
  const rows = [
    [gettext("Supervising office"), task.office.name],
    [gettext("Lead unit"), lead ? lead.unit.name : task.lead_unit.name],
    [gettext("Co-units"), task.co_units.map((u) => u.name).join("、") || "—"],
    [gettext("Due by"), when(task.deadline) + (task.first_deadline !== task.deadline ? ` (${gettext("extended")})` : "")],
    [gettext("Source"), sourceLink],
    [gettext("Set by"), person(task.set_by)],
  ];
  const pending = task.extensions.find((e) => e.state === "pending");
  return h("div", { class: "doc-page-inner" },
    pageHead({ title: task.title, sub: gettext("Supervised task"), tools: actionButtons(task) }),
    h("div", { class: "doc-scroll" }, h("div", { class: "tk-detail" },
      h("p", { class: "tk-badges" }, stateTag(task.state), " ", statusTag(task.status)),
      h("dl", { class: "tk-fields" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      task.instruction ? h("section", { class: "tk-block tk-instruction" },
        h("h2", {}, gettext("Instruction")),
        h("blockquote", {}, paragraphs(task.instruction), task.instructed_by ? h("footer", {}, `— ${person(task.instructed_by)}`) : null)) : null,
      pending ? h("section", { class: "tk-block tk-pending", role: "status" },
        h("h2", {}, gettext("Extension requested")),
        h("p", {}, fmt(gettext("%(who)s asks to extend the deadline to %(when)s: %(reason)s"), {
          who: person(pending.by), when: when(pending.deadline), reason: pending.reason,
        }))) : null,
      task.milestones && task.milestones.length ? h("section", { class: "tk-block" },
        h("h2", {}, gettext("Milestones")),
        h("ol", { class: "tk-milestones", id: "tk-milestones" }, task.milestones.map((m) => h("li", { class: `tk-milestone tk-ms-${m.status}`, dataset: { id: m.id } },
          h("span", { class: "tk-ms-name" }, m.title),
          h("span", { class: "tk-ms-when" }, fmt(gettext("due %(when)s"), { when: when(m.deadline) })),
          h("span", { class: `tk-status tk-status-${m.status}` }, (MILESTONE[m.status] || (() => m.status))()),
          m.reached_at ? h("span", { class: "tk-ms-when" }, fmt(m.late ? gettext("reached %(when)s, late") : gettext("reached %(when)s"), {
            when: when(m.reached_at),
          })) : null)))) : null,
      h("section", { class: "tk-block" },
        h("h2", {}, gettext("Units")),
        h("table", { class: "tk-table tk-units" },
          h("thead", {}, h("tr", {}, h("th", {}, gettext("Unit")), h("th", {}, gettext("Role")),
            h("th", {}, gettext("Reports")), h("th", {}, gettext("Next report due")))),
          h("tbody", {}, task.units.map((u) => h("tr", {},
            h("td", {}, u.unit.name), h("td", {}, u.role === "lead" ? gettext("Lead") : gettext("Co-operating")),
            h("td", {}, String(u.reports)), h("td", {}, u.report_due && task.state !== "completed" && task.state !== "closed" ? when(u.report_due) : "—")))))),
      h("section", { class: "tk-block" },
        h("h2", {}, fmt(gettext("Progress reports (%(n)s)"), { n: task.reports.length })),
        task.reports.length ? h("ol", { class: "tk-reports" }, task.reports.map((r) => h("li", { class: "tk-report" },
          h("p", { class: "tk-report-head" }, h("strong", {}, r.unit.name), " · ", person(r.by), " · ", when(r.at)),
          h("div", { class: "tk-report-body" }, paragraphs(r.body)),
          r.attachments.length ? h("p", { class: "tk-report-files" }, r.attachments.map((a) => h("a", { href: a.url, target: "_blank", rel: "noopener" }, wIcon("clip", 14), a.name))) : null)))
          : h("p", { class: "tk-none" }, gettext("No reports yet."))),
      task.extensions.length ? h("section", { class: "tk-block" },
        h("h2", {}, gettext("Extension requests")),
        h("ul", { class: "tk-extensions" }, task.extensions.map((e) => h("li", {},
          fmt(gettext("%(who)s, %(at)s: to %(when)s (%(reason)s) — %(state)s"), {
            who: person(e.by), at: when(e.at), when: when(e.deadline), reason: e.reason,
            state: { pending: gettext("waiting"), approved: gettext("approved"), rejected: gettext("rejected") }[e.state],
          }))))) : null,
      task.result ? h("section", { class: "tk-block" }, h("h2", {}, gettext("Result")), paragraphs(task.result),
        task.closed_at ? h("p", { class: "tk-closed" }, wIcon("seal", 16), fmt(gettext("Closed by %(who)s, %(when)s (signed)"), {
          who: person(task.closed_by), when: when(task.closed_at),
        })) : null) : null)));
}

// --- cards and the page ------------------------------------------------------------------------------
registerCard("task", {
  label: () => gettext("Supervised task"),
  extras: (card) => h("a", { class: "card-link", href: `#/tasks/${card.ref}` }, gettext("Open the task")),
  onMessage: (message) => {
    if (view && view.kind === "task" && message.card && message.card.ref === view.id) reload().catch(() => {});
  },
});

registerPage({
  name: "tasks",
  path: ["tasks", "tasks/:id"],
  className: "tasks-page",
  title: () => gettext("Supervised tasks"),
  sidebar: { label: () => gettext("Supervision"), icon: "stamp", order: 35, badge: "todo.count.task_report", id: "tasks-link" },
  mount(el, params, query) {
    section = el;
    setPage(el);
    if (params.id) showTask(el, Number(params.id));
    else showList(el, query || {});
    return () => { view = null; };
  },
  update(params, query) {
    setPage(section);
    if (params.id) showTask(section, Number(params.id));
    else showList(section, query || {});
  },
});
