// What notices add to a room: the pinned notices at its top (GET /notices?room=&pinned=1, until
// they expire), and, in a channel's menu, its announce-only setting (POST /rooms/<id>/settings)
// for its admins. The shell calls `pinnedNotices(room)` when it shows a room and
// `channelSettings(room)` when it builds the room's menu.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { gettext } from "../core/i18n.js";
import { icon } from "../core/icons.js";
import { closeDialog } from "../ui/dialogs.js";
import { errorText, tag } from "./noticekit.js";

// A strip of the room's pinned notices (null when there are none); refreshes itself when a
// pinned notice card arrives or changes in the room.
export function pinnedNotices(room, { onFrame } = {}) {
  const strip = h("div", { class: "nt-pins", hidden: true, role: "region", "aria-label": gettext("Pinned notices") });
  let alive = true;
  const load = async () => {
    let answer;
    try {
      answer = await api("GET", `/notices?room=${room.id}&pinned=1&limit=5`);
    } catch {
      return;
    }
    if (!alive) return;
    strip.replaceChildren(...answer.results.map((n) => h("a", { class: "nt-pin", href: `#/notices/${n.id}`, dataset: { notice: n.id } },
      icon("bell", 16), h("span", { class: "nt-pin-title" }, n.title),
      n.ack_required && n.mine && !n.mine.acked ? tag("pending", gettext("Awaiting your acknowledgement")) : null)));
    strip.hidden = !answer.results.length;
  };
  load();
  const stops = [];
  if (onFrame) {
    const touches = (frame) => frame.message && frame.message.room === room.id && frame.message.card
      && frame.message.card.card_type === "notice" && frame.message.card.pinned;
    stops.push(onFrame("message", (frame) => { if (touches(frame)) load(); }));
    stops.push(onFrame("message_updated", (frame) => { if (touches(frame)) load(); }));
  }
  return {
    node: strip,
    stop: () => { alive = false; for (const s of stops) if (typeof s === "function") s(); },
  };
}

// The announce-only switch of a channel, for its admins (null for anyone else and for other
// rooms). `onChange(room)` gets the Room the server answers.
export function channelSettings(room, { onChange = () => {} } = {}) {
  if (!room || room.kind !== "channel" || room.role !== "admin") return null;
  const box = h("input", { type: "checkbox", id: `nt-announce-${room.id}`, checked: Boolean(room.announce_only) });
  const error = h("p", { class: "field-error", role: "alert" });
  box.addEventListener("change", async () => {
    error.textContent = "";
    box.disabled = true;
    try {
      onChange(await api("POST", `/rooms/${room.id}/settings`, { announce_only: box.checked }));
    } catch (e) {
      box.checked = !box.checked;
      error.textContent = errorText(e);
    } finally {
      box.disabled = false;
    }
  });
  return h("div", { class: "nt-channel-settings" },
    h("label", { class: "nt-check", for: box.id }, box, gettext("Announce-only channel")),
    h("p", { class: "doc-hint" }, gettext("Only the channel's admins post; members read, react and press card buttons.")),
    error,
    h("a", { class: "btn btn-default btn-sm nt-room-notice", href: `#/notices/new?room=${room.id}`, onclick: () => closeDialog() },
      icon("bell", 16), gettext("Post a notice in this channel")));
}

// What a member who may not post sees instead of the composer.
export function readOnlyNote() {
  return h("p", { class: "nt-readonly", role: "note" }, icon("bell", 16), gettext("Only admins post in this channel."));
}
