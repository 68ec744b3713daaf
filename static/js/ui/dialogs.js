// Modal dialogs on the page's one <dialog>, popovers and toasts.

import { peopleSearch } from "./pickers.js";
import { ApiError, api } from "../core/api.js";
import { $, h, icon } from "../core/dom.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { displayName } from "../shell/state.js";
import { QUICK_REACTIONS, avatar } from "../pages/chat/timeline.js";

const dialog = () => $("#dialog");
let closeHook = null;

export function toast(text, kind = "info") {
  const box = $("#toasts");
  const el = h("div", { class: `toast toast-${kind}` }, kind === "error" ? icon("alert", 16) : null, h("span", {}, text));
  box.append(el);
  setTimeout(() => el.classList.add("toast-out"), 4200);
  setTimeout(() => el.remove(), 4600);
}

export function errorText(error) {
  return error instanceof ApiError ? error.detail : gettext("Something went wrong. Please try again.");
}

export function openDialog({ title, body, footer = [], wide = false, onClose = null, className = "" }) {
  const el = dialog();
  if (el.open) el.close();
  const titleEl = h("h2", { id: "dialog-title", class: "dialog-title" }, title);
  const close = h("button", {
    type: "button", class: "icon-btn dialog-close", "aria-label": gettext("Close"), onclick: () => closeDialog(),
  }, icon("x", 18));
  el.className = `dialog${wide ? " dialog-wide" : ""}${className ? ` ${className}` : ""}`;
  el.replaceChildren(...[
    h("header", { class: "dialog-head" }, titleEl, close),
    h("div", { class: "dialog-body" }, body),
    footer.length ? h("footer", { class: "dialog-foot" }, footer) : null,
  ].filter(Boolean));
  closeHook = onClose;
  el.showModal();
  const first = el.querySelector("[autofocus]") || el.querySelector(".dialog-body input, .dialog-body button, .dialog-body [tabindex]");
  if (first) first.focus();
  return el;
}

export function closeDialog() {
  const el = dialog();
  if (el.open) el.close();
}

export function initDialogs() {
  dialog().addEventListener("close", () => {
    const hook = closeHook;
    closeHook = null;
    if (hook) hook();
  });
  dialog().addEventListener("click", (event) => {
    if (event.target === dialog()) closeDialog(); // the backdrop
  });
}

export function confirmDialog({ title, text, confirm, danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = h("button", {
      type: "button", class: `btn ${danger ? "btn-danger" : "btn-primary"}`,
      onclick: () => { answer = true; closeDialog(); },
    }, confirm);
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: h("p", {}, text), footer: [cancel, ok], onClose: () => resolve(answer) });
    ok.focus();
  });
}

// A comment for a card action (approve, return, decline...): resolves to the text, or null.
export function commentDialog({ title, label, required }) {
  return new Promise((resolve) => {
    let answer = null;
    const area = h("textarea", { id: "dialog-comment", rows: 3, maxlength: 2000, autofocus: true });
    const error = h("p", { class: "field-error", role: "alert" });
    const submit = () => {
      const value = area.value.trim();
      if (required && !value) {
        error.textContent = gettext("Please write a comment.");
        area.focus();
        return;
      }
      answer = value;
      closeDialog();
    };
    const form = h("form", { class: "dialog-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      h("label", { for: "dialog-comment" }, label), area, error);
    const ok = h("button", { type: "button", class: "btn btn-primary", onclick: submit }, gettext("Confirm"));
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: form, footer: [cancel, ok], onClose: () => resolve(answer) });
  });
}

// One person (for a card's assign or delegate): resolves to the user, or null.
export function pickPersonDialog(title) {
  return new Promise((resolve) => {
    let answer = null;
    const picker = peopleSearch({ multiple: false, onPick: ([user]) => { answer = user; closeDialog(); } });
    openDialog({ title, body: picker.node, wide: true, onClose: () => resolve(answer) });
  });
}

export function newChatDialog(app, tab = "direct") {
  const tabs = [
    ["direct", gettext("Direct message")],
    ["group", gettext("New group")],
    ["channels", gettext("Channels")],
  ];
  const panel = h("div", { class: "tab-panel", role: "tabpanel" });
  const tabButtons = tabs.map(([key, label]) => h("button", {
    type: "button", role: "tab", class: "tab", id: `tab-${key}`, "aria-selected": String(key === tab),
    onclick: () => show(key),
  }, label));
  const tabList = h("div", { class: "tabs", role: "tablist" }, tabButtons);
  tabList.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const index = tabs.findIndex(([key]) => key === tab);
    const next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length][0];
    show(next);
    $(`#tab-${next}`).focus();
  });
  const show = (key) => {
    tab = key;
    tabButtons.forEach((b, i) => {
      b.setAttribute("aria-selected", String(tabs[i][0] === key));
      b.tabIndex = tabs[i][0] === key ? 0 : -1;
    });
    panel.setAttribute("aria-labelledby", `tab-${key}`);
    if (key === "direct") {
      const picker = peopleSearch({
        multiple: false,
        onPick: async ([user]) => {
          try {
            const room = await api("POST", "/rooms", { kind: "direct", members: [user.username] });
            closeDialog();
            app.roomJoined(room, { open: true });
          } catch (error) {
            toast(errorText(error), "error");
          }
        },
      });
      panel.replaceChildren(h("p", { class: "muted" }, gettext("Choose a person to talk to.")), picker.node);
      picker.node.querySelector("input").focus();
    } else if (key === "group") {
      const name = h("input", { id: "group-name", maxlength: 100, required: true });
      const isChannel = h("input", { type: "checkbox", id: "group-public" });
      const error = h("p", { class: "field-error", role: "alert" });
      const picker = peopleSearch({ multiple: true, onPick: () => {} });
      const create = h("button", {
        type: "submit", class: "btn btn-primary",
      }, gettext("Create"));
      const form = h("form", {
        class: "dialog-form",
        onsubmit: async (event) => {
          event.preventDefault();
          if (!name.value.trim()) {
            error.textContent = gettext("Give the group a name.");
            name.focus();
            return;
          }
          create.disabled = true;
          try {
            const room = await api("POST", "/rooms", {
              kind: isChannel.checked ? "channel" : "group", name: name.value.trim(),
              members: [...picker.chosen.values()].map((u) => u.username),
            });
            closeDialog();
            app.roomJoined(room, { open: true });
          } catch (err) {
            error.textContent = errorText(err);
            create.disabled = false;
          }
        },
      },
      h("label", { for: "group-name" }, gettext("Name")), name,
      h("label", { class: "check" }, isChannel, gettext("Public channel: anyone can find and join it")),
      h("p", { class: "label" }, gettext("Members")), picker.node, error,
      h("div", { class: "form-actions" }, create));
      panel.replaceChildren(form);
      name.focus();
    } else {
      panel.replaceChildren(h("p", { class: "muted" }, gettext("Loading…")));
      api("GET", "/channels").then((channels) => {
        if (tab !== "channels") return;
        if (!channels.length) {
          panel.replaceChildren(h("p", { class: "muted" }, gettext("There are no channels yet.")));
          return;
        }
        panel.replaceChildren(h("ul", { class: "channel-list" }, channels.map((c) => h("li", { class: "channel-item" },
          h("span", { class: "channel-icon" }, icon("hash", 18)),
          h("span", { class: "channel-text" },
            h("span", { class: "channel-name" }, c.name),
            h("span", { class: "channel-sub" }, [fmt(ngettext("%(n)s member", "%(n)s members", c.members_count), { n: c.members_count }), c.topic].filter(Boolean).join(" · "))),
          c.joined
            ? h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => { closeDialog(); app.openRoom(c.id); } }, gettext("Open"))
            : h("button", {
              type: "button", class: "btn btn-primary btn-sm",
              onclick: async (event) => {
                event.currentTarget.disabled = true;
                try {
                  const room = await api("POST", `/rooms/${c.id}/join`);
                  closeDialog();
                  app.roomJoined(room, { open: true });
                } catch (error) {
                  toast(errorText(error), "error");
                }
              },
            }, gettext("Join"))))));
      }).catch((error) => panel.replaceChildren(h("p", { class: "field-error" }, errorText(error))));
    }
  };
  openDialog({ title: gettext("New conversation"), body: h("div", {}, tabList, panel), wide: true });
  show(tab);
  $(`#tab-${tab}`).focus();
}

function personRow(u, extra = null) {
  return h("li", { class: "person person-static" },
    avatar(u, { size: 32, presence: !u.is_bot }),
    h("span", { class: "person-text" },
      h("span", { class: "person-name" }, displayName(u)),
      h("span", { class: "person-sub" }, [u.title, `@${u.username}`].filter(Boolean).join(" · "))),
    extra);
}

// Who has read a message; for its sender, 加急提醒 to everyone who has not (`remind`).
export async function readersDialog(message, { remind = null } = {}) {
  let data;
  try {
    data = await api("GET", `/messages/${message.id}/readers`);
  } catch (error) {
    toast(errorText(error), "error");
    return;
  }
  const column = (title, people) => h("section", { class: "readers-col" },
    h("h3", {}, `${title} (${people.length})`),
    people.length ? h("ul", { class: "people-list" }, people.map((u) => personRow(u))) : h("p", { class: "muted" }, gettext("Nobody")));
  const remindBtn = remind && data.unread.length ? h("button", {
    type: "button", class: "btn btn-danger", id: "remind-btn", title: gettext("Remind everyone who has not read it, by a mention and a notification"),
    onclick: (event) => remind(event.currentTarget),
  }, icon("zap", 16), gettext("Urgent reminder")) : null;
  openDialog({
    title: gettext("Read status"),
    body: h("div", { class: "readers" }, column(gettext("Read"), data.read), column(gettext("Unread"), data.unread)),
    footer: remindBtn ? [remindBtn] : [],
    wide: true,
  });
}

// The members of a room, with `extra` (a node: the room's settings for its admins) above them.
export async function membersDialog(app, room, { extra = null } = {}) {
  let members;
  try {
    members = await api("GET", `/rooms/${room.id}/members`);
  } catch (error) {
    toast(errorText(error), "error");
    return;
  }
  for (const m of members) app.rememberUser(m);
  const canAdd = room.kind === "channel" || (room.kind === "group" && room.role === "admin");
  const canLeave = room.kind === "group" || room.kind === "channel";
  const footer = [];
  if (canLeave) {
    footer.push(h("button", {
      type: "button", class: "btn btn-danger-outline",
      onclick: async () => {
        const ok = await confirmDialog({
          title: gettext("Leave the conversation"),
          text: fmt(gettext("Leave “%(room)s”? You will no longer receive its messages."), { room: room.name }),
          confirm: gettext("Leave"), danger: true,
        });
        if (!ok) return;
        try {
          await api("POST", `/rooms/${room.id}/leave`);
          app.roomLeft(room.id);
        } catch (error) {
          toast(errorText(error), "error");
        }
      },
    }, gettext("Leave")));
  }
  if (canAdd) {
    footer.push(h("button", {
      type: "button", class: "btn btn-primary",
      onclick: () => addMembersDialog(app, room, members.map((m) => m.id)),
    }, gettext("Add members")));
  }
  openDialog({
    title: fmt(gettext("Members of %(room)s"), { room: room.name }),
    body: [extra, h("ul", { class: "people-list members-list" }, members.map((m) => personRow(m,
      m.role === "admin" ? h("span", { class: "badge" }, gettext("Admin")) : null)))],
    footer,
    wide: true,
  });
}

function addMembersDialog(app, room, existing) {
  const picker = peopleSearch({ multiple: true, onPick: () => {}, exclude: existing });
  const add = h("button", {
    type: "button", class: "btn btn-primary",
    onclick: async () => {
      const usernames = [...picker.chosen.values()].map((u) => u.username);
      if (!usernames.length) return;
      try {
        const result = await api("POST", `/rooms/${room.id}/members`, { members: usernames });
        toast(fmt(ngettext("%(n)s person added", "%(n)s people added", result.added), { n: result.added }));
        closeDialog();
        app.refreshRoom(room.id);
      } catch (error) {
        toast(errorText(error), "error");
      }
    },
  }, gettext("Add"));
  openDialog({ title: fmt(gettext("Add members to %(room)s"), { room: room.name }), body: picker.node, footer: [add], wide: true });
}

export function shortcutsDialog() {
  const rows = [
    ["Ctrl+K", gettext("Search conversations")],
    ["Alt+Shift+↓", gettext("Next conversation with unread messages")],
    ["Alt+↑ / Alt+↓", gettext("Previous / next conversation")],
    ["Enter", gettext("Send the message")],
    ["Shift+Enter", gettext("New line")],
    ["↑", gettext("Edit your last message (in an empty input)")],
    ["Esc", gettext("Cancel a reply or an edit, close a dialog")],
    ["?", gettext("Show these shortcuts")],
  ];
  openDialog({
    title: gettext("Keyboard shortcuts"),
    body: h("table", { class: "shortcuts" }, h("tbody", {}, rows.map(([keys, what]) => h("tr", {},
      h("th", { scope: "row" }, keys.split(" / ").map((k, i) => [i ? " / " : null, h("kbd", {}, k)])),
      h("td", {}, what))))),
  });
}

// A small popover of quick reactions next to `anchor`.
// Emoji for reactions, by kind; the quick row first (收到 and 👍 are what offices use most).
const EMOJI_GROUPS = [
  ["😀", "😄", "😂", "🙂", "😉", "😊", "😍", "🤔", "😮", "😢", "😭", "😅", "😤", "😴", "🤝", "👏"],
  ["👌", "🙌", "💪", "✌️", "👋", "🫡", "🙇", "☕", "🌹", "🎂", "🎊", "🔥", "⭐", "💯", "⚠️", "❓"],
  ["✔️", "❌", "⭕", "📌", "📎", "📄", "📅", "⏰", "📞", "🚗", "🏛️", "🇨🇳", "好的", "辛苦了", "已阅", "同意"],
];

export function reactionPopover(anchor, onPick) {
  document.querySelectorAll(".popover").forEach((p) => p.remove());
  const pick = (emoji) => { pop.remove(); onPick(emoji); anchor.focus(); };
  const button = (emoji) => h("button", {
    type: "button", role: "menuitem", class: `popover-emoji${[...emoji].length > 2 ? " popover-word" : ""}`, onclick: () => pick(emoji),
  }, emoji);
  const more = h("div", { class: "popover-more", hidden: true }, EMOJI_GROUPS.map((g) => h("div", { class: "popover-row" }, g.map(button))));
  const moreBtn = h("button", {
    type: "button", role: "menuitem", class: "popover-emoji popover-toggle", "aria-expanded": "false",
    "aria-label": gettext("More emoji"), title: gettext("More emoji"),
    onclick: () => {
      more.hidden = !more.hidden;
      moreBtn.setAttribute("aria-expanded", String(!more.hidden));
      place();
    },
  }, icon("plus", 16));
  const pop = h("div", { class: "popover popover-emoji-picker", role: "menu", "aria-label": gettext("Add reaction") },
    h("div", { class: "popover-row" }, QUICK_REACTIONS.map(button), moreBtn), more);
  document.body.append(pop);
  const place = () => {
    const rect = anchor.getBoundingClientRect();
    const width = pop.offsetWidth;
    pop.style.left = `${Math.max(8, Math.min(window.innerWidth - width - 8, rect.right - width))}px`;
    const above = rect.top - pop.offsetHeight - 6;
    pop.style.top = `${above > 8 ? above : Math.min(rect.bottom + 6, window.innerHeight - pop.offsetHeight - 8)}px`;
  };
  place();
  pop.querySelector("button").focus();
  pop.addEventListener("keydown", (event) => {
    const buttons = [...pop.querySelectorAll("button")].filter((b) => b.offsetParent !== null);
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") { pop.remove(); anchor.focus(); }
    if (event.key === "ArrowRight") buttons[(index + 1) % buttons.length].focus();
    if (event.key === "ArrowLeft") buttons[(index - 1 + buttons.length) % buttons.length].focus();
  });
  setTimeout(() => document.addEventListener("click", function away(event) {
    if (!pop.contains(event.target)) {
      pop.remove();
      document.removeEventListener("click", away);
    }
  }), 0);
}

