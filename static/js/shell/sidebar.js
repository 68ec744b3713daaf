// The room list: sections for unit rooms, groups, channels, direct messages and bots,
// each room with its unread count and last message, newest first.

import { $, h, icon, reconcile } from "../core/dom.js";
import { colorFor, initials, listTime, plainPreview } from "../core/format.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { state, unreadOf } from "./state.js";
import { presenceDot } from "../pages/chat/timeline.js";

const SECTIONS = [
  ["unit", () => gettext("Unit rooms")],
  ["group", () => gettext("Groups")],
  ["channel", () => gettext("Channels")],
  ["direct", () => gettext("Direct messages")],
  ["bot", () => gettext("Bots")],
];

const items = new Map(); // room id -> element
const sectionNodes = new Map();

export function roomAvatar(room, size = 36) {
  let content;
  if (room.kind === "channel") content = icon("hash", size * 0.5);
  else if (room.kind === "unit") content = icon("building", size * 0.5);
  else if (room.kind === "bot") content = icon("bot", size * 0.55);
  else content = initials(room.name, { group: room.kind === "group" });
  const key = room.kind === "direct" && room.peer ? room.peer.id : `room-${room.id}`;
  const el = h("span", { class: `avatar room-kind-${room.kind}`, "aria-hidden": "true" }, content);
  el.style.setProperty("--avatar-bg", colorFor(key));
  el.style.setProperty("--avatar-size", `${size}px`);
  if ((room.kind === "direct" || room.kind === "bot") && room.peer) el.append(presenceDot(room.peer.id));
  return el;
}

function preview(room) {
  const last = room.last_message;
  if (!last) return room.topic || "";
  if (last.deleted) return gettext("A message was deleted");
  let text = plainPreview(last.body);
  if (last.kind === "card") text = `[${gettext("Card")}] ${text}`;
  if (!text) text = `[${gettext("Attachment")}]`;
  text = text.replace(/\s+/g, " ");
  if (room.kind === "direct") return text;
  return `${last.sender}: ${text}`;
}

function lastTime(room) {
  return room.last_message ? new Date(room.last_message.created_at).getTime() : 0;
}

function roomItem(room, onOpen) {
  let el = items.get(room.id);
  if (!el) {
    el = h("a", { class: "room-item", href: `#/rooms/${room.id}`, dataset: { room: room.id } });
    el.addEventListener("click", (event) => {
      event.preventDefault();
      onOpen(room.id);
    });
    items.set(room.id, el);
  }
  const unread = unreadOf(room);
  const active = state.activeRoomId === room.id;
  const last = room.last_message;
  const mention = room.mentioned && unread > 0;
  el.classList.toggle("active", active);
  el.classList.toggle("has-unread", unread > 0);
  el.classList.toggle("room-muted", Boolean(room.muted));
  if (active) el.setAttribute("aria-current", "page");
  else el.removeAttribute("aria-current");
  const signature = JSON.stringify([room.name, unread, mention, Boolean(room.muted), last && last.id, last && last.body,
    last && last.deleted, room.peer && room.peer.id, state.presence.get(room.peer && room.peer.id)]);
  if (el.dataset.sig === signature) return el;
  el.dataset.sig = signature;
  const unreadLabel = unread ? fmt(ngettext("%(n)s unread message", "%(n)s unread messages", unread), { n: unread }) : "";
  el.setAttribute("aria-label", [room.name, unreadLabel, preview(room)].filter(Boolean).join(gettext(", ")));
  el.replaceChildren(
    roomAvatar(room),
    h("span", { class: "room-text", "aria-hidden": "true" },
      h("span", { class: "room-line" },
        h("span", { class: "room-name" }, room.name),
        room.muted ? h("span", { class: "room-muted-icon", title: gettext("Muted") }, icon("mute", 14)) : null,
        last ? h("span", { class: "room-time" }, listTime(new Date(last.created_at))) : null),
      h("span", { class: "room-line" },
        h("span", { class: "room-preview" }, mention ? h("span", { class: "mention-flag" }, gettext("[Mentioned]")) : null, preview(room)),
        unread ? h("span", { class: "unread-badge", dataset: { unread } }, unread > 99 ? "99+" : String(unread)) : null)),
  );
  return el;
}

export function renderRoomList(onOpen) {
  const nav = $("#room-list");
  const filter = $("#room-search").value.trim().toLowerCase();
  const nodes = [];
  for (const [kind, title] of SECTIONS) {
    const rooms = [...state.rooms.values()]
      .filter((r) => r.kind === kind)
      .filter((r) => !filter || r.name.toLowerCase().includes(filter) || (r.unit || "").includes(filter))
      .sort((a, b) => lastTime(b) - lastTime(a) || a.name.localeCompare(b.name, "zh-CN"));
    if (!rooms.length) continue;
    let section = sectionNodes.get(kind);
    if (!section) {
      const heading = h("h2", { class: "room-section-title", id: `section-${kind}` });
      const list = h("div", { class: "room-section-list" });
      section = h("section", { class: "room-section", "aria-labelledby": `section-${kind}` }, heading, list);
      sectionNodes.set(kind, section);
    }
    section.firstElementChild.textContent = title();
    const unread = rooms.reduce((sum, r) => sum + unreadOf(r), 0);
    section.firstElementChild.dataset.unread = unread || "";
    reconcile(section.lastElementChild, rooms.map((room) => roomItem(room, onOpen)));
    nodes.push(section);
  }
  if (!nodes.length) {
    nodes.push(h("p", { class: "room-list-empty" },
      filter ? gettext("No conversation matches.") : gettext("No conversations yet.")));
  }
  reconcile(nav, nodes);
}

export function forgetRoomItem(roomId) {
  items.delete(roomId);
}
