// 统计 (#/stats?from=&to=&kind=&unit=): on-time 签收 by unit as bars, the weekly trend as lines,
// the figures of every unit as a table (the same rows as the CSV), the overdue copies; then
// 督办 (on time and overdue by lead unit), meetings (answers on time, attendance), approvals
// (turnaround per step and per approver), bulletins (submissions and adoptions) and use
// (active people by week, registered vs active), each with its chart, its table and its CSV.
// Charts are drawn with the vendored Chart.js (static/vendor/chartjs), loaded only here. The
// district office sees every unit; a unit's leaders their own.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext, pgettext } from "../core/i18n.js";
import { registerPage, setQuery } from "../shell/router.js";
import { errorText } from "../ui/dialogs.js";
import { pageHead, setPage, wIcon, when } from "../ui/workpage.js";

const CHART_SRC = "/static/vendor/chartjs/chart.umd.js";
const KINDS = [
  ["", () => gettext("All kinds of unit")],
  ["party", () => gettext("Party departments")],
  ["government", () => gettext("Government departments")],
  ["township", () => gettext("Townships")],
];

let charts = [];
let section = null; // the page's own section
let seq = 0;
let chartLoad = null;

function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLoad) {
    chartLoad = new Promise((resolve, reject) => {
      const script = h("script", { src: CHART_SRC });
      script.onload = () => resolve(window.Chart);
      script.onerror = () => reject(new Error(gettext("The chart library could not be loaded.")));
      document.head.append(script);
    });
  }
  return chartLoad;
}

function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function defaults(query) {
  const today = new Date();
  return {
    from: query.from || isoDay(new Date(today.getFullYear(), today.getMonth(), 1)),
    to: query.to || isoDay(today),
    kind: query.kind || "",
    unit: query.unit || "",
  };
}

export function pct(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

function qs(q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return `?${p.toString()}`;
}

const COLORS = { blue: "#2e86c1", red: "#c0392b", green: "#27ae60", amber: "#e0a526", grey: "#95a5a6", purple: "#8e44ad" };

function num(v) {
  return v === null || v === undefined ? "—" : String(v);
}

// A table of figures: the first column a name, the rest numbers (right-aligned).
function figureTable(id, headers, rows, foot) {
  return h("div", { class: "st-table-wrap" }, h("table", { class: "tk-table st-table", id },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map(([attrs, name, values]) => h("tr", attrs, h("td", {}, name),
      ...values.map((v) => h("td", { class: "st-num" }, num(v)))))),
    foot ? h("tfoot", {}, h("tr", {}, h("th", {}, gettext("Total")), ...foot.map((v) => h("th", { class: "st-num" }, num(v))))) : null));
}

function csvLink(id, path, q) {
  return h("a", { class: "btn btn-default btn-sm st-csv", id, href: `/api/v1/stats/${path}.csv${qs(q)}`, download: "" },
    wIcon("download", 14), gettext("CSV"));
}

function block(id, title, csv, ...children) {
  return h("section", { class: "st-block", id },
    h("div", { class: "st-block-head" }, h("h2", {}, title), csv), ...children);
}

function chartBox(id, caption) {
  const canvas = h("canvas", { id, role: "img", "aria-label": caption });
  return { canvas, el: h("figure", { class: "st-chart" }, h("figcaption", {}, caption), h("div", { class: "st-canvas" }, canvas)) };
}

const pctValue = (rate) => (rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10);

function barsByUnit(rows, datasets, { stacked = false, percent = false } = {}) {
  return {
    type: "bar",
    data: { labels: rows.map((r) => r.unit.name), datasets },
    options: {
      indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
      scales: {
        x: { stacked, beginAtZero: true, ...(percent ? { max: 100, ticks: { callback: (v) => `${v}%` } } : { ticks: { precision: 0 } }) },
        y: { stacked },
      },
      plugins: { legend: { display: datasets.length > 1 } },
    },
  };
}

function destroyCharts() {
  for (const c of charts) c.destroy();
  charts = [];
}

async function show(el, query) {
  const mine = ++seq;
  const q = defaults(query);
  destroyCharts();
  const change = (patch) => {
    const next = { ...q, ...patch };
    setQuery(Object.fromEntries(Object.entries(next).filter(([, v]) => v)));
    show(el, next);
  };
  const from = h("input", { type: "date", id: "st-from", value: q.from, onchange: (e) => change({ from: e.target.value }) });
  const to = h("input", { type: "date", id: "st-to", value: q.to, onchange: (e) => change({ to: e.target.value }) });
  const kind = h("select", { id: "st-kind", onchange: (e) => change({ kind: e.target.value }) },
    KINDS.map(([k, label]) => h("option", { value: k, selected: k === q.kind }, label())));
  const unit = h("select", { id: "st-unit", onchange: (e) => change({ unit: e.target.value }) },
    h("option", { value: "" }, gettext("All units in view")));
  const csv = h("a", { class: "btn btn-default btn-sm", id: "st-csv", href: `/api/v1/stats/documents.csv${qs(q)}`, download: "" },
    wIcon("download", 16), gettext("Export CSV"));
  const body = h("div", { class: "st-body" }, h("p", { class: "doc-loading" }, gettext("Loading…")));
  el.replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({ title: gettext("Statistics"), sub: gettext("Documents, supervised tasks, meetings, approvals, bulletins and use"), tools: [csv] }),
    h("div", { class: "doc-scroll" }, h("div", { class: "st-wrap" },
      h("div", { class: "st-filters", role: "group", "aria-label": gettext("Filters") },
        h("label", { for: "st-from" }, gettext("Period from")), from,
        h("label", { for: "st-to" }, gettext("To")), to,
        h("label", { for: "st-kind", class: "st-sr" }, gettext("Kind of unit")), kind,
        h("label", { for: "st-unit", class: "st-sr" }, gettext("Unit")), unit),
      body))));
  let scope;
  let docs;
  let tasks;
  let use;
  let meetings;
  let approvals;
  let bulletins;
  try {
    [scope, docs, tasks, use, meetings, approvals, bulletins] = await Promise.all([
      api("GET", "/stats/scope"), api("GET", `/stats/documents${qs(q)}`), api("GET", `/stats/tasks${qs(q)}`),
      api("GET", `/stats/use${qs(q)}`), api("GET", `/stats/meetings${qs(q)}`), api("GET", `/stats/approvals${qs(q)}`),
      api("GET", `/stats/bulletins${qs(q)}`)]);
  } catch (error) {
    if (mine !== seq) return;
    body.replaceChildren(h("div", { class: "doc-empty", role: "alert" }, wIcon("ban", 40), h("p", {}, errorText(error))));
    return;
  }
  if (mine !== seq) return;
  for (const u of scope.units) unit.append(h("option", { value: u.code, selected: u.code === q.unit }, u.name));
  const t = docs.totals;
  const tiles = [
    [gettext("Received"), t.received], [gettext("Signed on time"), t.signed_on_time],
    [gettext("On-time rate"), pct(t.on_time_rate)],
    [gettext("Median minutes to sign"), t.median_sign_minutes ?? "—"],
    [gettext("Handled"), t.handled], [gettext("Overdue"), t.overdue],
  ];
  const barCanvas = h("canvas", { id: "st-bars", role: "img", "aria-label": gettext("On-time signing rate by unit") });
  const lineCanvas = h("canvas", { id: "st-lines", role: "img", "aria-label": gettext("Trend by week") });
  const withData = docs.units.filter((r) => r.received);
  const more = [];

  // 督办: on time, overdue and still open by lead unit.
  const taskRows = tasks.units.filter((r) => r.lead || r.co);
  const taskChart = chartBox("st-task-bars", gettext("Supervised tasks by lead unit"));
  const tt = tasks.totals;
  const taskBlock = block("st-tasks-block", gettext("Supervised tasks, by lead unit"), csvLink("st-tasks-csv", "tasks", q),
    taskRows.some((r) => r.lead) ? h("div", { class: "st-charts st-charts-one" }, taskChart.el) : h("p", { class: "st-nodata", role: "status" }, gettext("No tasks were set in this period.")),
    figureTable("st-tasks", [gettext("Unit"), gettext("Led"), gettext("Completed"), gettext("On time"), gettext("Overdue"), gettext("On-time rate"), gettext("Co-operated")],
      taskRows.map((r) => [{ dataset: { unit: r.unit.code } }, r.unit.name, [r.lead, r.completed, r.on_time, r.overdue, pct(r.on_time_rate), r.co]]),
      [tt.lead, tt.completed, tt.on_time, tt.overdue, pct(tt.on_time_rate), tt.co]));
  const taskLed = taskRows.filter((r) => r.lead);
  if (taskLed.length) {
    more.push([taskChart.canvas, barsByUnit(taskLed, [
      { label: gettext("Completed on time"), data: taskLed.map((r) => r.on_time), backgroundColor: COLORS.green },
      { label: gettext("Overdue"), data: taskLed.map((r) => r.overdue), backgroundColor: COLORS.red },
      { label: gettext("Other"), data: taskLed.map((r) => Math.max(0, r.lead - r.on_time - r.overdue)), backgroundColor: COLORS.grey },
    ], { stacked: true })]);
  }

  // Meetings: how each invited unit answered, and whether in time.
  const meetingRows = meetings.units.filter((r) => r.invited);
  const meetingChart = chartBox("st-meeting-bars", gettext("Meeting notices answered, by unit"));
  const mt = meetings.totals;
  const meetingBlock = block("st-meetings-block", gettext("Meetings, by invited unit"), csvLink("st-meetings-csv", "meetings", q),
    meetingRows.length ? h("div", { class: "st-charts st-charts-one" }, meetingChart.el) : h("p", { class: "st-nodata", role: "status" }, gettext("No meetings in this period.")),
    figureTable("st-meetings", [gettext("Unit"), pgettext("stats", "Invited"), gettext("Answered"), gettext("Answered on time"), gettext("Attending"),
      gettext("Excused"), gettext("Unanswered"), gettext("On-time rate")],
    meetingRows.map((r) => [{ dataset: { unit: r.unit.code } }, r.unit.name, [r.invited, r.answered, r.on_time, r.attending, r.declined, r.unanswered, pct(r.on_time_rate)]]),
    [mt.invited, mt.answered, mt.on_time, mt.attending, mt.declined, mt.unanswered, pct(mt.on_time_rate)]));
  if (meetingRows.length) {
    more.push([meetingChart.canvas, barsByUnit(meetingRows, [
      { label: gettext("Attending"), data: meetingRows.map((r) => r.attending), backgroundColor: COLORS.green },
      { label: gettext("Excused"), data: meetingRows.map((r) => r.declined), backgroundColor: COLORS.amber },
      { label: gettext("Unanswered"), data: meetingRows.map((r) => r.unanswered), backgroundColor: COLORS.red },
    ], { stacked: true })]);
  }

  // Approvals: minutes to a decision, per step and per approver.
  const stepChart = chartBox("st-approval-steps", gettext("Median minutes to decide, by step"));
  const at = approvals.totals;
  const approvalBlock = block("st-approvals-block", gettext("Approvals, by approver"), csvLink("st-approvals-csv", "approvals", q),
    approvals.steps.length ? h("div", { class: "st-charts st-charts-one" }, stepChart.el) : h("p", { class: "st-nodata", role: "status" }, gettext("No approvals were decided in this period.")),
    approvals.approvers.length ? figureTable("st-approvals", [gettext("Approver"), gettext("Unit"), gettext("Decided"), gettext("Waiting"), gettext("Median minutes")],
      approvals.approvers.map((a) => [{ dataset: { user: a.user.username } }, a.user.display_name, [a.unit.name, a.decided, a.waiting, a.median_minutes]]),
      ["", at.decided, at.waiting, at.median_minutes]) : null);
  if (approvals.steps.length) {
    more.push([stepChart.canvas, {
      type: "bar",
      data: {
        labels: approvals.steps.map((x) => fmt(gettext("Step %(n)s"), { n: x.step })),
        datasets: [{ label: gettext("Median minutes"), data: approvals.steps.map((x) => x.median_minutes), backgroundColor: COLORS.purple }],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
    }]);
  }

  // Bulletins: items submitted and adopted, by unit.
  const bulletinRows = bulletins.units.filter((r) => r.submitted);
  const bulletinChart = chartBox("st-bulletin-bars", gettext("Bulletin items submitted and adopted, by unit"));
  const bt = bulletins.totals;
  const bulletinBlock = block("st-bulletins-block", gettext("Bulletin submissions, by unit"), csvLink("st-bulletins-csv", "bulletins", q),
    bulletinRows.length ? h("div", { class: "st-charts st-charts-one" }, bulletinChart.el) : h("p", { class: "st-nodata", role: "status" }, gettext("No bulletin items were submitted in this period.")),
    figureTable("st-bulletins", [gettext("Unit"), pgettext("stats", "Submitted"), gettext("Adopted"), gettext("Declined"), pgettext("stats", "Waiting"), gettext("Adoption rate")],
      bulletinRows.map((r) => [{ dataset: { unit: r.unit.code } }, r.unit.name, [r.submitted, r.adopted, r.declined, r.waiting, pct(r.adoption_rate)]]),
      [bt.submitted, bt.adopted, bt.declined, bt.waiting, pct(bt.adoption_rate)]));
  if (bulletinRows.length) {
    more.push([bulletinChart.canvas, barsByUnit(bulletinRows, [
      { label: pgettext("stats", "Submitted"), data: bulletinRows.map((r) => r.submitted), backgroundColor: COLORS.blue },
      { label: gettext("Adopted"), data: bulletinRows.map((r) => r.adopted), backgroundColor: COLORS.green },
    ])]);
  }

  // Use: registered and active people by unit; active people by week.
  const useBars = chartBox("st-use-bars", gettext("Active rate by unit"));
  const useLines = chartBox("st-use-lines", gettext("Active people by week"));
  const ut = use.totals;
  const useRows = use.units.filter((r) => r.registered);
  const useBlock = block("st-use-block", gettext("Use of the system, by unit"), csvLink("st-use-csv", "use", q),
    h("div", { class: "st-charts" }, useBars.el, useLines.el),
    figureTable("st-use", [gettext("Unit"), gettext("Registered people"), gettext("Active"), gettext("Active rate")],
      use.units.map((r) => [{ dataset: { unit: r.unit.code } }, r.unit.name, [r.registered, r.active, pct(r.active_rate)]]),
      [ut.registered, ut.active, pct(ut.active_rate)]));
  more.push([useBars.canvas, barsByUnit(useRows, [{
    label: gettext("Active rate (%)"), data: useRows.map((r) => pctValue(r.active_rate) ?? 0), backgroundColor: COLORS.blue,
  }], { percent: true })]);
  more.push([useLines.canvas, {
    type: "line",
    data: {
      labels: use.weeks.map((w) => w.start.slice(5)),
      datasets: [{ label: gettext("Active people"), data: use.weeks.map((w) => w.active), borderColor: COLORS.blue, tension: 0.2 }],
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  }]);

  body.replaceChildren(
    h("div", { class: "st-tiles" }, tiles.map(([label, value]) => h("div", { class: "st-tile" },
      h("span", { class: "st-tile-value" }, String(value)), h("span", { class: "st-tile-label" }, label)))),
    ...(docs.totals.received ? [] : [h("p", { class: "st-nodata", role: "status" }, gettext("No documents were received in this period."))]),
    h("div", { class: "st-charts" },
      h("figure", { class: "st-chart" }, h("figcaption", {}, gettext("On-time signing rate by unit")), h("div", { class: "st-canvas" }, barCanvas)),
      h("figure", { class: "st-chart" }, h("figcaption", {}, gettext("Trend by week")), h("div", { class: "st-canvas" }, lineCanvas))),
    h("section", { class: "st-block" },
      h("h2", {}, gettext("Documents received, by unit")),
      h("div", { class: "st-table-wrap" }, h("table", { class: "tk-table st-table", id: "st-table" },
        h("thead", {}, h("tr", {}, [gettext("Unit"), gettext("Received"), gettext("Signed for"), gettext("On time"), gettext("Late"),
          gettext("Unsigned"), gettext("On-time rate"), gettext("Median minutes"), gettext("Handled"), gettext("Overdue")]
          .map((x) => h("th", {}, x)))),
        h("tbody", {}, docs.units.map((r) => h("tr", { dataset: { unit: r.unit.code } },
          h("td", {}, r.unit.name), ...[r.received, r.signed, r.signed_on_time, r.signed_late, r.unsigned, pct(r.on_time_rate),
            r.median_sign_minutes ?? "—", r.handled, r.overdue].map((v) => h("td", { class: "st-num" }, String(v)))))),
        h("tfoot", {}, h("tr", {}, h("th", {}, gettext("Total")), ...[t.received, t.signed, t.signed_on_time, t.signed_late,
          t.unsigned, pct(t.on_time_rate), t.median_sign_minutes ?? "—", t.handled, t.overdue]
          .map((v) => h("th", { class: "st-num" }, String(v)))))))),
    h("section", { class: "st-block" },
      h("h2", {}, fmt(gettext("Overdue documents (%(n)s shown)"), { n: docs.overdue_list.length })),
      docs.overdue_list.length ? h("ul", { class: "st-overdue" }, docs.overdue_list.map((o) => h("li", {},
        h("a", { href: `#/documents/${o.document}` }, o.title), " · ", o.unit.name, " · ",
        fmt(gettext("deadline %(when)s"), { when: when(o.deadline) }))))
        : h("p", { class: "tk-none" }, gettext("Nothing overdue."))),
    taskBlock, meetingBlock, approvalBlock, bulletinBlock, useBlock,
  );
  let Chart;
  try {
    Chart = await loadChart();
  } catch (error) {
    barCanvas.replaceWith(h("p", { role: "alert" }, error.message));
    return;
  }
  if (mine !== seq) return;
  const rows = withData.length ? withData : docs.units;
  charts.push(new Chart(barCanvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => r.unit.name),
      datasets: [{
        label: gettext("On-time rate (%)"),
        data: rows.map((r) => (r.on_time_rate === null ? 0 : Math.round(r.on_time_rate * 1000) / 10)),
        backgroundColor: rows.map((r) => ((r.on_time_rate ?? 0) < 0.9 ? "#c0392b" : "#2e86c1")),
      }],
    },
    options: {
      indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
      plugins: { legend: { display: false } },
    },
  }));
  charts.push(new Chart(lineCanvas, {
    type: "line",
    data: {
      labels: docs.weeks.map((w) => w.start.slice(5)),
      datasets: [
        { label: gettext("Received"), data: docs.weeks.map((w) => w.received), borderColor: "#7f8c8d", yAxisID: "y", tension: 0.2 },
        {
          label: gettext("On-time rate (%)"), data: docs.weeks.map((w) => (w.on_time_rate === null ? null : Math.round(w.on_time_rate * 1000) / 10)),
          borderColor: "#2e86c1", yAxisID: "rate", tension: 0.2,
        },
      ],
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: { y: { beginAtZero: true, position: "left" }, rate: { min: 0, max: 100, position: "right", grid: { drawOnChartArea: false } } },
    },
  }));
  for (const [canvas, config] of more) charts.push(new Chart(canvas, config));
}

registerPage({
  name: "stats",
  path: "stats",
  className: "stats-page",
  title: () => gettext("Statistics"),
  sidebar: { label: () => gettext("Statistics"), icon: "chart", order: 50, id: "stats-link" },
  mount(el, params, query) {
    section = el;
    setPage(el);
    show(el, query || {});
    return () => { destroyCharts(); seq += 1; };
  },
  update(params, query) {
    show(section, query || {});
  },
});
