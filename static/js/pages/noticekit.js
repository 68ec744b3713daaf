// What the notices (通知公告) and bulletins (电子刊物) pages share and nothing else needs: the
// page frame they draw into the shell's page element, a unit picker over GET /units with
// "every unit", a receipt bar, and a live refresher that follows card updates.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
import { icon } from "../core/icons.js";
import { back as goBack, navigate } from "../shell/router.js";
import { errorText } from "../ui/dialogs.js";

export { when } from "../core/time.js";
export { errorText };

// Go to a page of the client (a history entry, so that Back returns; with `replace`, in
// place of the form that made what it opens).
export function go(path, query = {}, { replace = false } = {}) {
  navigate(path, { query, replace });
}

// The page frame: a head with Back and the title, tools on the right, a scrolling body.
export function frame({ title, sub = "", tools = [], back = null, body = [] }) {
  return h("div", { class: "doc-page-inner nt-page" },
    h("header", { class: "doc-page-head" },
      h("button", {
        type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), title: gettext("Back (Esc)"),
        dataset: { up: back || "" }, onclick: () => goBack(),
      }, icon("back", 22)),
      h("div", { class: "doc-page-heading" },
        h("h1", { class: "nt-title", tabindex: "-1" }, title),
        sub ? h("p", {}, sub) : null),
      tools.length ? h("div", { class: "doc-page-tools" }, tools) : null),
    h("div", { class: "doc-scroll nt-scroll" }, body));
}

export function loading(title, back) {
  return frame({ title, back, body: [h("p", { class: "doc-loading" }, gettext("Loading…"))] });
}

export function failed(title, back, error) {
  return frame({ title, back, body: [h("div", { class: "doc-empty", role: "alert" }, h("p", {}, errorText(error)))] });
}

// Swap a page's content keeping its scroll position (a live refresh must not jump).
export function swap(el, node) {
  const old = el.querySelector(".nt-scroll");
  const top = old ? old.scrollTop : 0;
  const open = [...el.querySelectorAll("details[data-key][open]")].map((d) => d.dataset.key);
  el.replaceChildren(node);
  for (const key of open) {
    const d = el.querySelector(`details[data-key="${key}"]`);
    if (d) d.open = true;
  }
  const fresh = el.querySelector(".nt-scroll");
  if (fresh) fresh.scrollTop = top;
}

export function tag(kind, text) {
  return h("span", { class: `nt-tag nt-tag-${kind}` }, text);
}

export async function pressing(button, work) {
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.classList.remove("btn-busy");
  }
}

// A bar of done / all with its words beside it, for receipts and reads.
export function progress(done, all, label) {
  const pct = all ? Math.round((100 * done) / all) : 0;
  const fill = h("span", { class: "nt-bar-fill" });
  fill.style.width = `${pct}%`;
  return h("div", { class: "nt-bar", role: "img", "aria-label": label, title: label }, fill);
}

export function field(id, label, control, { hint = "", required = false } = {}) {
  control.id = id;
  return h("div", { class: "doc-field doc-field-wide" },
    h("label", { for: id }, label, required ? h("span", { class: "doc-req", "aria-hidden": "true" }, " *") : null),
    control,
    hint ? h("p", { class: "doc-hint" }, hint) : null,
    h("p", { class: "field-error", id: `${id}-error` }));
}

export function formError() {
  const box = h("div", { class: "doc-form-error", role: "alert", hidden: true });
  return {
    box,
    show(text) {
      box.replaceChildren(...(text ? [icon("alert", 16), h("span", {}, text)] : []));
      box.hidden = !text;
      if (text) box.scrollIntoView({ block: "nearest" });
    },
  };
}

let unitsCache = null;
export async function units() {
  if (!unitsCache) unitsCache = api("GET", "/units").catch((error) => { unitsCache = null; throw error; });
  return unitsCache;
}

// Units to choose, with "every unit" on top and a filter by name; value() is ["all"] or codes.
export function unitPicker(id, { all = true, initialAll = false } = {}) {
  const chosen = new Set();
  let everyone = initialAll;
  const filter = h("input", { type: "search", class: "nt-unit-filter", placeholder: gettext("Filter units"), "aria-label": gettext("Filter units") });
  const list = h("ul", { class: "nt-unit-list", id, role: "group", "aria-label": gettext("Units") });
  const count = h("span", { class: "nt-unit-count", "aria-live": "polite" });
  const allBox = h("input", { type: "checkbox", id: `${id}-all`, checked: everyone });
  let loaded = [];
  const render = () => {
    const q = filter.value.trim();
    list.replaceChildren(...loaded.filter((u) => !q || u.name.includes(q) || (u.short_name || "").includes(q) || u.code.includes(q))
      .map((u) => {
        const box = h("input", {
          type: "checkbox", value: u.code, checked: everyone || chosen.has(u.code), disabled: everyone,
          onchange: () => { if (box.checked) chosen.add(u.code); else chosen.delete(u.code); showCount(); },
        });
        return h("li", {}, h("label", { class: "nt-unit" }, box, h("span", {}, u.name)));
      }));
    showCount();
  };
  const showCount = () => {
    count.textContent = everyone ? fmt(gettext("All %(n)s units"), { n: loaded.length })
      : fmt(gettext("%(n)s units chosen"), { n: chosen.size });
  };
  allBox.addEventListener("change", () => { everyone = allBox.checked; render(); });
  filter.addEventListener("input", render);
  // The district itself is no addressee: "every unit" means its units.
  units().then((found) => { loaded = found.filter((u) => u.kind !== "district"); render(); }).catch((error) => {
    list.replaceChildren(h("li", { class: "muted" }, errorText(error)));
  });
  const node = h("div", { class: "nt-units" },
    h("div", { class: "nt-units-head" },
      all ? h("label", { class: "nt-unit nt-unit-all" }, allBox, h("span", {}, gettext("Every unit"))) : null,
      filter, count),
    list);
  return {
    node,
    value: () => (everyone ? ["all"] : [...chosen]),
    set(codes) {
      everyone = codes.includes("all");
      allBox.checked = everyone;
      chosen.clear();
      for (const c of codes) if (c !== "all") chosen.add(c);
      render();
    },
  };
}

// Call `refresh` (at most every `gap` ms) whenever a message_updated frame names one of
// `ids()`; also every `poll` ms when given. Returns the cleanup.
export function follow(onFrame, { ids, refresh, gap = 400, poll = 0 }) {
  let timer = null;
  const soon = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; refresh(); }, gap);
  };
  const stops = [];
  if (onFrame) {
    stops.push(onFrame("message_updated", (frame) => {
      const id = frame.message && frame.message.id;
      if (id && ids().includes(id)) soon();
    }));
    stops.push(onFrame("message", (frame) => {
      const id = frame.message && frame.message.id;
      if (id && ids().includes(id)) soon();
    }));
  }
  const every = poll ? setInterval(refresh, poll) : null;
  return () => {
    clearTimeout(timer);
    if (every) clearInterval(every);
    for (const stop of stops) if (typeof stop === "function") stop();
  };
}

export function fileList(files) {
  if (!files || !files.length) return null;
  return h("ul", { class: "wk-files nt-files" }, files.map((a) => h("li", {},
    icon("file", 16),
    h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.name))));
}

// Local date (YYYY-MM-DD) `days` from today, for date inputs.
export function dayFromNow(days) {
  const d = new Date(Date.now() + days * 86400000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
