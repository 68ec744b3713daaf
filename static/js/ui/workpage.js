// What the work pages (会议, 审批, and those to come) share: the page head drawn with the
// documents pages' classes (so that every page looks the same), loading and error states,
// tabs; and, gathered here for them, the form parts (ui/forms.js), the people picker
// (ui/pickers.js) and the attachments field (ui/attachments.js).

import { api } from "../core/api.js";
import { errorText } from "./dialogs.js";
import { $, h, icon } from "../core/dom.js";
import { gettext } from "../core/i18n.js";
import { back } from "../shell/router.js";
import { displayName } from "../shell/state.js";

export { ZH } from "../core/i18n.js";
export { localInput, span, when } from "../core/time.js";
export { busy, field, formErrors, wireSubmit } from "./forms.js";
export { peoplePicker } from "./pickers.js";
export { attachmentList, attachmentsField } from "./attachments.js";

export function person(user) {
  return user ? displayName(user) : "";
}

export const wIcon = (name, size = 18) => icon(name, size);

// --- the page over the message pane: the router's section of the page shown ---------------
let pageEl = null;

export function page() {
  return pageEl;
}

// From a work page's mount: its section is the one drawn into from now on.
export function setPage(el) {
  pageEl = el;
}

export function showPage() {}

// Go to a work page (a new history entry, so that Back returns).
export function openHash(hash) {
  location.hash = hash;
}

export { back };

export function pageHead({ title, sub = "", tools = [] }) {
  return h("header", { class: "doc-page-head" },
    h("button", {
      type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), title: gettext("Back (Esc)"), onclick: back,
    }, icon("back", 22)),
    h("div", { class: "doc-page-heading" },
      h("h1", { id: "work-page-title", tabindex: "-1" }, title),
      sub ? h("p", {}, sub) : null),
    tools.length ? h("div", { class: "doc-page-tools" }, tools) : null);
}

export function focusTitle() {
  const title = $("#work-page-title");
  if (title && !pageEl.contains(document.activeElement)) title.focus({ preventScroll: true });
}

export function loadingPage(title) {
  pageEl.replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({ title }),
    h("div", { class: "doc-scroll" }, h("p", { class: "doc-loading" }, gettext("Loading…")))));
}

export function errorPage(title, error) {
  pageEl.replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({ title }),
    h("div", { class: "doc-scroll" }, h("div", { class: "doc-empty", role: "alert" },
      wIcon("ban", 40), h("p", {}, errorText(error))))));
}

// Replace the page's content keeping the scroll position and, when it can, the focus.
export function renderKeeping(node) {
  const scroller = pageEl.querySelector(".doc-scroll");
  const scrollTop = scroller ? scroller.scrollTop : 0;
  const active = document.activeElement;
  const hadFocus = pageEl.contains(active);
  const focusKey = hadFocus && active.dataset ? active.dataset.focus || "" : "";
  const openDetails = [...pageEl.querySelectorAll("details[data-key][open]")].map((d) => d.dataset.key);
  pageEl.replaceChildren(node);
  for (const key of openDetails) {
    const d = pageEl.querySelector(`details[data-key="${key}"]`);
    if (d) d.open = true;
  }
  const newScroller = pageEl.querySelector(".doc-scroll");
  if (newScroller) newScroller.scrollTop = scrollTop;
  if (hadFocus) {
    const target = focusKey && pageEl.querySelector(`[data-focus="${focusKey}"]`);
    (target || $("#work-page-title")).focus({ preventScroll: true });
  }
}

// The room holding a card message, to open it.
export async function roomOfMessage(messageId) {
  const m = await api("GET", `/messages/${messageId}`);
  return m.room;
}

export function paragraphs(text) {
  return (text || "").split(/\n+/).filter((p) => p.trim()).map((p) => h("p", {}, p));
}

// Tabs over a list, as the documents list draws them; arrows move between them.
export function tabs(idPrefix, items, current, choose, label) {
  const buttons = items.map(([key, text]) => h("button", {
    type: "button", role: "tab", class: "tab", id: `${idPrefix}-tab-${key}`, dataset: { box: key },
    "aria-selected": String(key === current), tabindex: key === current ? "0" : "-1",
    "aria-controls": `${idPrefix}-list`, onclick: () => choose(key),
  }, text));
  const node = h("div", { class: "tabs doc-tabs", role: "tablist", "aria-label": label }, buttons);
  node.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const index = items.findIndex(([key]) => key === current);
    const next = items[(index + (event.key === "ArrowRight" ? 1 : items.length - 1)) % items.length][0];
    choose(next);
    const b = $(`#${idPrefix}-tab-${next}`);
    if (b) b.focus();
  });
  return node;
}
