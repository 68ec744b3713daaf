// Reading aids of the chat: 免打扰 (mute) per room, 置顶 (pins) shown above the messages,
// 转发 (forward) to another room, 加急提醒 from the read list, and which new messages raise
// a browser notification.

import { api } from "../../core/api.js";
import { $, h, icon } from "../../core/dom.js";
import { fmt, gettext } from "../../core/i18n.js";
import { state } from "../../shell/state.js";
import { closeDialog, errorText, openDialog, toast } from "../../ui/dialogs.js";
import { roomAvatar } from "../../shell/sidebar.js";

// --- notifications -----------------------------------------------------------------------------
// A new message notifies when it is a direct message, mentions me, or is a card I may act on
// (a document to sign for my unit, a meeting to answer, an approval...): the server shows a
// card's buttons only to those who may press them. A muted room notifies for mentions only.
export function shouldNotify(room, m, me) {
  if (!room || !m || m.deleted || (m.sender && m.sender.id === me.id)) return null;
  const mention = (m.mentions || []).includes(me.id);
  if (room.muted) return mention ? "mention" : null;
  if (mention) return "mention";
  if (room.kind === "direct") return "direct";
  if (m.kind === "card" && m.card && (m.card.actions || []).length) return "card";
  return null;
}

// --- 免打扰 ------------------------------------------------------------------------------------
export function renderMute(room) {
  const button = $("#mute-btn");
  if (!button) return;
  const muted = Boolean(room && room.muted);
  button.replaceChildren(icon(muted ? "mute" : "bell", 20));
  button.setAttribute("aria-pressed", String(muted));
  const label = muted ? gettext("Muted: notify me of mentions only (click to unmute)") : gettext("Mute this conversation");
  button.setAttribute("aria-label", label);
  button.title = label;
  button.classList.toggle("is-on", muted);
}

export async function toggleMute(room, onRoom) {
  try {
    const updated = await api("POST", `/rooms/${room.id}/mute`, { muted: !room.muted });
    onRoom(updated);
    toast(updated.muted ? gettext("Muted. Only mentions will notify you.") : gettext("Notifications are back on for this conversation."));
  } catch (error) {
    toast(errorText(error), "error");
  }
}

// --- 置顶 -------------------------------------------------------------------------------------
const pinCache = new Map(); // room id -> {key, messages}

export async function renderPins(room, { openMessage, unpin }) {
  const bar = $("#pin-bar");
  if (!bar) return;
  const ids = (room && room.pinned) || [];
  if (!ids.length) {
    bar.hidden = true;
    bar.replaceChildren();
    return;
  }
  const key = ids.join(",");
  let cached = pinCache.get(room.id);
  if (!cached || cached.key !== key) {
    try {
      cached = { key, messages: await api("GET", `/rooms/${room.id}/pins`) };
      pinCache.set(room.id, cached);
    } catch {
      return;
    }
  }
  if (state.activeRoomId !== room.id) return;
  const [latest] = cached.messages;
  if (!latest) {
    bar.hidden = true;
    return;
  }
  const text = latest.kind === "card" && latest.card ? `[${gettext("Card")}] ${latest.card.title || ""}` : (latest.body || "").replace(/\s+/g, " ");
  bar.hidden = false;
  bar.replaceChildren(...[
    icon("pin", 16),
    h("button", {
      type: "button", class: "pin-text link-btn", title: gettext("Go to the pinned message"),
      onclick: () => openMessage(room.id, latest.id),
    }, h("strong", {}, latest.sender ? `${latest.sender.display_name || latest.sender.username}：` : ""), text.slice(0, 120)),
    cached.messages.length > 1 ? h("button", {
      type: "button", class: "link-btn pin-all", onclick: () => pinsDialog(room, cached.messages, { openMessage, unpin }),
    }, fmt(gettext("All %(n)s pinned"), { n: cached.messages.length })) : null,
  ].filter(Boolean));
}

function pinsDialog(room, messages, { openMessage, unpin }) {
  openDialog({
    title: gettext("Pinned messages"),
    wide: true,
    body: h("ul", { class: "pin-list" }, messages.map((m) => h("li", {},
      h("button", { type: "button", class: "link-btn", onclick: () => { closeDialog(); openMessage(room.id, m.id); } },
        (m.kind === "card" && m.card ? m.card.title : m.body || "").slice(0, 140)),
      h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => { closeDialog(); unpin(m); } }, gettext("Unpin"))))),
  });
}

export async function setPinned(m, on) {
  try {
    if (on) await api("POST", `/rooms/${m.room}/pins`, { message: m.id });
    else await api("DELETE", `/rooms/${m.room}/pins/${m.id}`);
    toast(on ? gettext("Pinned to the top of the conversation.") : gettext("Unpinned."));
    return true;
  } catch (error) {
    toast(errorText(error), "error");
    return false;
  }
}

// --- 转发 -------------------------------------------------------------------------------------
export function forwardDialog(m, { onForwarded }) {
  const filter = h("input", {
    type: "search", id: "forward-filter", autocomplete: "off", placeholder: gettext("Find a conversation"),
    "aria-label": gettext("Find a conversation"),
  });
  const list = h("ul", { class: "forward-rooms", role: "radiogroup", "aria-label": gettext("Forward to") });
  const comment = h("textarea", { id: "forward-comment", rows: 2, maxlength: 2000 });
  const error = h("p", { class: "field-error", id: "forward-error", role: "alert" });
  let chosen = null;
  const rooms = [...state.rooms.values()].filter((r) => r.kind !== "bot")
    .sort((a, b) => (b.last_message ? Date.parse(b.last_message.created_at) : 0) - (a.last_message ? Date.parse(a.last_message.created_at) : 0));
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    list.replaceChildren(...rooms.filter((r) => !q || r.name.toLowerCase().includes(q)).slice(0, 60).map((r) => h("li", {},
      h("label", { class: `forward-room${chosen === r.id ? " is-chosen" : ""}` },
        h("input", {
          type: "radio", name: "forward-room", value: String(r.id), checked: chosen === r.id,
          onchange: () => { chosen = r.id; error.textContent = ""; draw(); },
        }),
        roomAvatar(r, 28), h("span", {}, r.name)))));
  };
  filter.addEventListener("input", draw);
  draw();
  const send = h("button", {
    type: "button", class: "btn btn-primary", onclick: async () => {
      if (!chosen) {
        error.textContent = gettext("Choose the conversation to forward to.");
        return;
      }
      send.disabled = true;
      try {
        const body = { room: chosen };
        if (comment.value.trim()) body.comment = comment.value.trim();
        const copy = await api("POST", `/messages/${m.id}/forward`, body);
        closeDialog();
        toast(fmt(gettext("Forwarded to %(room)s."), { room: state.rooms.get(chosen).name }));
        onForwarded(copy);
      } catch (e) {
        error.textContent = errorText(e);
        send.disabled = false;
      }
    },
  }, gettext("Forward"));
  openDialog({
    title: gettext("Forward the message"),
    wide: true,
    body: h("div", { class: "dialog-form forward-form" }, filter, list,
      h("label", { for: "forward-comment" }, gettext("Comment (optional)")), comment, error),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")), send],
  });
}

// --- 加急提醒 ---------------------------------------------------------------------------------
export async function remindUnread(m, button) {
  if (button) button.disabled = true;
  try {
    const answer = await api("POST", `/messages/${m.id}/remind`);
    toast(answer.reminded
      ? fmt(gettext("Urgent reminder sent to %(n)s people."), { n: answer.reminded })
      : gettext("Everyone has read it."));
  } catch (error) {
    toast(errorText(error), "error"); // 429: the server says when it may be sent again
    if (button) button.disabled = false;
  }
}
