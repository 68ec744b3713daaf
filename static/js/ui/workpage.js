// What the meetings (会议) and approvals (审批) screens share: their page over the message pane
// (drawn with the documents pages' classes, so that every work page looks the same), times in
// the product's words, form fields, a people picker over GET /users and the attachments field.

import { api, upload } from "../core/api.js";
import { errorText } from "./dialogs.js";
import { $, h, icon } from "../core/dom.js";
import { fileSize } from "../core/format.js";
import { fmt, gettext } from "../core/i18n.js";
import { back } from "../shell/router.js";
import { displayName } from "../shell/state.js";
import { avatar } from "../pages/chat/timeline.js";

export { ZH } from "../core/i18n.js";
export { localInput, span, when } from "../core/time.js";

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

export async function busy(button, work) {
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.classList.remove("btn-busy");
  }
}

// The room holding a card message, to open it.
export async function roomOfMessage(messageId) {
  const m = await api("GET", `/messages/${messageId}`);
  return m.room;
}

// --- form parts -----------------------------------------------------------------------------------
export function field(id, label, control, { hint = "", required = false, wide = false } = {}) {
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

// The form's error line (in the footer) and the fields' own errors.
export function formErrors(form, idPrefix) {
  const box = h("div", { class: "doc-form-error", role: "alert", id: `${idPrefix}-form-error`, tabindex: "-1", hidden: true });
  const show = (text) => {
    box.replaceChildren(...(text ? [icon("alert", 16), h("span", {}, text)] : []));
    box.hidden = !text;
  };
  return {
    box,
    show,
    clear: () => {
      show("");
      for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
      for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    },
    field: (input, text) => {
      const node = form.querySelector(`#${input.id}-error`);
      if (node) node.textContent = text;
      input.setAttribute("aria-invalid", "true");
    },
  };
}

// A compose form's sending. `collect()` checks the fields and returns the request body, or
// null once it has shown what is wrong; the button is busy while `request(body)` runs; a
// server error is shown in the form, which stays as typed; Ctrl/⌘+Enter sends too.
export function wireSubmit({ form, send, errors, collect, request, done }) {
  let sending = false;
  const submit = async () => {
    if (sending) return;
    errors.clear();
    const body = collect();
    if (!body) return;
    sending = true;
    let created;
    try {
      created = await busy(send, () => request(body));
    } catch (error) {
      sending = false;
      errors.show(errorText(error));
      errors.box.focus();
      return;
    }
    done(created);
  };
  send.addEventListener("click", submit);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
}

let pickerSeq = 0;

// People over GET /users?q=, as a combobox with chips: `value()` gives usernames.
export function peoplePicker({ id, label, multiple = true, exclude = () => [], onChange = () => {} }) {
  const chosen = new Map();
  const listId = `${id}-list`;
  const input = h("input", {
    type: "text", id, autocomplete: "off", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": listId, placeholder: gettext("Search by name or username"), spellcheck: "false",
  });
  const list = h("ul", { class: "wk-people-list", id: listId, role: "listbox", hidden: true, "aria-label": label });
  const chips = h("div", { class: "wk-chips", "aria-live": "polite" });
  let options = [];
  let active = -1;
  let seq = 0;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const renderChips = () => {
    chips.replaceChildren(...[...chosen.values()].map((u) => h("span", { class: "chip wk-chip", dataset: { user: u.username } },
      avatar(u, { size: 20 }), displayName(u),
      h("button", {
        type: "button", class: "chip-x", "aria-label": fmt(gettext("Remove %(name)s"), { name: displayName(u) }),
        onclick: () => { chosen.delete(u.username); renderChips(); onChange(); input.focus(); },
      }, icon("x", 12)))));
    chips.hidden = !chosen.size;
  };
  const pick = (u) => {
    if (!multiple) chosen.clear();
    chosen.set(u.username, u);
    input.value = "";
    renderChips();
    close();
    onChange();
    input.focus();
  };
  const setActive = (index) => {
    active = index;
    options.forEach((o, i) => o.el.setAttribute("aria-selected", String(i === index)));
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].el.id);
      options[index].el.scrollIntoView({ block: "nearest" });
    }
  };
  const search = async () => {
    const mine = ++seq;
    const q = input.value.trim();
    let users;
    try {
      users = await api("GET", `/users?q=${encodeURIComponent(q)}`);
    } catch (error) {
      list.replaceChildren(h("li", { class: "muted wk-people-empty" }, errorText(error)));
      list.hidden = false;
      return;
    }
    if (mine !== seq || document.activeElement !== input) return;
    const skip = new Set(exclude());
    users = users.filter((u) => !u.is_bot && !chosen.has(u.username) && !skip.has(u.username)).slice(0, 8);
    options = users.map((u, i) => ({
      u,
      el: h("li", {
        id: `${id}-opt-${++pickerSeq}-${i}`, role: "option", class: "wk-person", "aria-selected": "false",
        onmousedown: (event) => { event.preventDefault(); pick(u); },
      }, avatar(u, { size: 28 }),
      h("span", { class: "person-text" },
        h("span", { class: "person-name" }, displayName(u)),
        h("span", { class: "person-sub" }, [u.title, `@${u.username}`].filter(Boolean).join(" · ")))),
    }));
    list.replaceChildren(...(options.length ? options.map((o) => o.el)
      : [h("li", { class: "muted wk-people-empty" }, gettext("Nobody found."))]));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    setActive(options.length ? 0 : -1);
  };
  let timer = null;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("focus", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("blur", () => setTimeout(close, 120));
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { search(); return; }
      if (!options.length) return;
      setActive((active + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length);
    } else if (event.key === "Enter") {
      if (!list.hidden && options[active]) {
        event.preventDefault();
        event.stopPropagation();
        pick(options[active].u);
      }
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Backspace" && !input.value && chosen.size) {
      const last = [...chosen.keys()].pop();
      chosen.delete(last);
      renderChips();
      onChange();
    }
  });
  renderChips();
  const node = h("div", { class: "wk-people" }, chips, h("div", { class: "wk-people-box" }, icon("search", 16), input, list));
  return {
    node,
    input,
    value: () => [...chosen.keys()],
    users: () => [...chosen.values()],
    set: (users) => { chosen.clear(); for (const u of users) chosen.set(u.username, u); renderChips(); },
    focus: () => input.focus(),
  };
}

// 附件: uploads as they are chosen (POST /attachments); `ids()` once all are done.
export function attachmentsField(id, { maxFile }) {
  const files = [];
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, id: `${id}-input` });
  const fileList = h("ul", { class: "doc-files", "aria-label": gettext("Attachments") });
  const addBtn = h("button", { type: "button", class: "btn btn-default btn-sm", id, onclick: () => fileInput.click() },
    icon("clip", 16), gettext("Add attachments"));
  const renderFiles = () => {
    fileList.hidden = !files.length;
    fileList.replaceChildren(...files.map((item) => {
      let status;
      if (item.status === "uploading") {
        status = h("progress", { max: 100, value: Math.round(item.progress * 100), "aria-label": fmt(gettext("Uploading %(name)s"), { name: item.file.name }) });
      } else if (item.status === "error") {
        status = h("span", { class: "upload-error", role: "alert" }, item.error);
      } else {
        status = h("span", { class: "upload-done" }, icon("check", 14), gettext("Uploaded"));
      }
      return h("li", { class: `doc-file doc-file-${item.status}`, dataset: { upload: item.key } },
        h("span", { class: "upload-thumb upload-thumb-file" }, icon("file", 18)),
        h("span", { class: "upload-text" },
          h("span", { class: "upload-name" }, item.file.name),
          h("span", { class: "upload-size" }, fileSize(item.file.size)),
          status),
        h("button", {
          type: "button", class: "icon-btn icon-btn-sm", "aria-label": fmt(gettext("Remove %(name)s"), { name: item.file.name }),
          onclick: () => {
            if (item.status === "uploading" && item.abort) item.abort();
            files.splice(files.indexOf(item), 1);
            renderFiles();
            addBtn.focus();
          },
        }, icon("x", 14)));
    }));
  };
  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) {
      const item = { key: Math.random().toString(36).slice(2), file, progress: 0, status: "uploading", attachment: null, error: "" };
      files.push(item);
      if (maxFile && file.size > maxFile) {
        item.status = "error";
        item.error = fmt(gettext("A file can be at most %(size)s."), { size: fileSize(maxFile) });
        continue;
      }
      const { promise, abort } = upload(file, (fraction) => {
        item.progress = fraction;
        const bar = fileList.querySelector(`[data-upload="${item.key}"] progress`);
        if (bar) bar.value = Math.round(fraction * 100);
      });
      item.abort = abort;
      promise.then((attachment) => {
        item.status = "done";
        item.attachment = attachment;
      }).catch((error) => {
        item.status = "error";
        item.error = errorText(error);
      }).finally(renderFiles);
    }
    fileInput.value = "";
    renderFiles();
  });
  renderFiles();
  return {
    node: h("div", { class: "doc-field doc-field-wide" },
      h("p", { class: "label" }, gettext("Attachments")),
      h("div", { class: "doc-attach-line" }, addBtn), fileInput, fileList),
    // An error text while the files are not ready, else null.
    problem: () => {
      if (files.some((f) => f.status === "uploading")) return gettext("Wait until the attachments have been uploaded.");
      if (files.some((f) => f.status === "error")) return gettext("Remove the attachments that could not be uploaded.");
      return null;
    },
    ids: () => files.map((f) => f.attachment.id),
    focus: () => addBtn.focus(),
  };
}

export function attachmentList(files) {
  if (!files || !files.length) return null;
  return h("ul", { class: "wk-files" }, files.map((a) => h("li", {},
    icon("file", 16),
    h("a", { href: `${a.url}?download=1`, download: a.name }, a.name),
    h("span", { class: "muted" }, ` ${fileSize(a.size)}`))));
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
