// People pickers: everything goes through the server's one search (GET /users?q=), which
// matches 汉字, full pinyin and initials (李明: liming, lm, li) and ranks people of my own
// units first.

import { api } from "../core/api.js";
import { h, icon } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
import { displayName, state } from "../shell/state.js";
import { avatar } from "../pages/chat/timeline.js";
import { errorText } from "./dialogs.js";

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

// A people picker for dialogs: a search box over GET /users?q= with the people found. `multiple` collects several.
export function peopleSearch({ multiple, onPick, exclude = [] }) {
  const chosen = new Map();
  const input = h("input", {
    type: "search", id: "people-search", autocomplete: "off", autofocus: true,
    placeholder: gettext("Name or username"), "aria-controls": "people-results",
  });
  const results = h("ul", { id: "people-results", class: "people-list", "aria-label": gettext("People") });
  const chips = h("div", { class: "chips", "aria-live": "polite" });
  let seq = 0;
  const renderChips = () => chips.replaceChildren(...[...chosen.values()].map((u) => h("span", { class: "chip" },
    displayName(u),
    h("button", {
      type: "button", class: "chip-x", "aria-label": fmt(gettext("Remove %(name)s"), { name: displayName(u) }),
      onclick: () => { chosen.delete(u.id); renderChips(); search(); },
    }, icon("x", 12)))));
  const search = async () => {
    const mine = ++seq;
    let users;
    try {
      users = await api("GET", `/users?presence=1&q=${encodeURIComponent(input.value.trim())}`);
    } catch (error) {
      results.replaceChildren(h("li", { class: "muted" }, errorText(error)));
      return;
    }
    if (mine !== seq) return;
    users = users.filter((u) => u.id !== state.me.id && !u.is_bot && !exclude.includes(u.id));
    for (const u of users) if (u.presence) state.presence.set(u.id, u.presence);
    results.replaceChildren(...users.slice(0, 50).map((u) => h("li", {},
      h("button", {
        type: "button", class: `person${chosen.has(u.id) ? " person-chosen" : ""}`,
        "aria-pressed": multiple ? String(chosen.has(u.id)) : null,
        onclick: () => {
          if (!multiple) return onPick([u]);
          if (chosen.has(u.id)) chosen.delete(u.id);
          else chosen.set(u.id, u);
          renderChips();
          search();
        },
      }, avatar(u, { size: 32, presence: true }),
      h("span", { class: "person-text" },
        h("span", { class: "person-name" }, displayName(u)),
        h("span", { class: "person-sub" }, [u.title, `@${u.username}`].filter(Boolean).join(" · "))),
      multiple && chosen.has(u.id) ? icon("check", 18) : null))));
    if (!users.length) results.append(h("li", { class: "muted" }, gettext("Nobody found.")));
  };
  let timer = null;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  search();
  return { node: h("div", { class: "picker" }, h("label", { for: "people-search", class: "visually-hidden" }, gettext("Search people")), input, chips, results), chosen };
}
