// 统计 (#/stats?from=&to=&kind=&unit=): on-time 签收 by unit as bars, the weekly trend as lines,
// the figures of every unit as a table (the same rows as the CSV), the overdue copies, and
// the 督办 figures. Charts are drawn with the vendored Chart.js (static/vendor/chartjs), loaded
// only here. The district office sees every unit; a unit's leaders their own.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
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
    pageHead({ title: gettext("Statistics"), sub: gettext("Documents received and supervised tasks"), tools: [csv] }),
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
  try {
    [scope, docs, tasks, use] = await Promise.all([
      api("GET", "/stats/scope"), api("GET", `/stats/documents${qs(q)}`), api("GET", `/stats/tasks${qs(q)}`),
      api("GET", `/stats/use${qs(q)}`)]);
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
    h("section", { class: "st-block" },
      h("h2", {}, gettext("Supervised tasks, by lead unit")),
      h("div", { class: "st-table-wrap" }, h("table", { class: "tk-table st-table", id: "st-tasks" },
        h("thead", {}, h("tr", {}, [gettext("Unit"), gettext("Led"), gettext("Completed"), gettext("On time"), gettext("Overdue"),
          gettext("On-time rate"), gettext("Co-operated")].map((x) => h("th", {}, x)))),
        h("tbody", {}, tasks.units.filter((r) => r.lead || r.co).map((r) => h("tr", {},
          h("td", {}, r.unit.name), ...[r.lead, r.completed, r.on_time, r.overdue, pct(r.on_time_rate), r.co]
            .map((v) => h("td", { class: "st-num" }, String(v))))))))),
    h("section", { class: "st-block" },
      h("h2", {}, gettext("Use of the system, by unit")),
      h("div", { class: "st-table-wrap" }, h("table", { class: "tk-table st-table", id: "st-use" },
        h("thead", {}, h("tr", {}, [gettext("Unit"), gettext("Registered people"), gettext("Active"), gettext("Active rate")]
          .map((x) => h("th", {}, x)))),
        h("tbody", {}, use.units.map((r) => h("tr", {},
          h("td", {}, r.unit.name), ...[r.registered, r.active, pct(r.active_rate)]
            .map((v) => h("td", { class: "st-num" }, String(v))))))))),
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
