// The message pane: day separators, grouping, replies, attachments, reactions, read
// status, cards. Each message node is built once per version of the message and moved
// into place by `reconcile`, so focus inside the list survives live updates.

import { cardExtras, cardLabel } from "../../shell/cards.js";
import { $, h, icon, reconcile } from "../../core/dom.js";
import { clock, colorFor, dayKey, dayLabel, fileSize, fullTime, htmlText, initials, isImage } from "../../core/format.js";
import { fmt, gettext, ngettext } from "../../core/i18n.js";
import { displayName, sortedMessages, state, timelineOf } from "../../shell/state.js";
import { canPreview } from "../../ui/preview.js";

const GROUP_WITHIN_MS = 5 * 60 * 1000;
// A message longer than this (characters or lines) is shown collapsed to half a screen, with 展开.
const LONG_CHARS = 600;
const LONG_LINES = 12;

export function isLong(m) {
  const body = m.body || "";
  return body.length > LONG_CHARS || body.split("\n").length > LONG_LINES;
}

function isPinned(m) {
  const room = state.rooms.get(m.room);
  return Boolean(room && (room.pinned || []).includes(m.id));
}
export const QUICK_REACTIONS = ["👍", "✅", "收到", "❤️", "😄", "🎉", "🙏", "👀"];

const nodeCache = new WeakMap(); // message -> {key, node}
const dayNodes = new Map();
let unreadDivider = null;

export function avatar(user, { size = 36, presence = false } = {}) {
  const name = displayName(user);
  const el = h("span", {
    class: `avatar${user && user.is_bot ? " avatar-bot" : ""}`,
    "aria-hidden": "true",
    dataset: { user: user ? user.id : "" },
  }, user && user.is_bot ? icon("bot", Math.round(size * 0.55)) : initials(name));
  el.style.setProperty("--avatar-bg", colorFor(user ? user.id : name));
  el.style.setProperty("--avatar-size", `${size}px`);
  if (presence && user) el.append(presenceDot(user.id));
  return el;
}

export function presenceDot(userId) {
  const status = state.presence.get(userId) || "offline";
  return h("span", { class: `presence presence-${status}`, dataset: { presenceUser: userId } });
}

function dayNode(key, date) {
  let node = dayNodes.get(key);
  if (!node) {
    node = h("li", { class: "day-sep", role: "separator" }, h("span", {}, dayLabel(date)));
    dayNodes.set(key, node);
  }
  return node;
}

function unreadNode() {
  if (!unreadDivider) {
    unreadDivider = h("li", { class: "unread-sep", role: "separator" },
      h("span", {}, gettext("New messages")));
  }
  return unreadDivider;
}

function mentionsMe(m) {
  return (m.mentions || []).includes(state.me.id);
}

function canGroup(prev, m) {
  if (!prev || prev.kind === "system" || m.kind === "system") return false;
  if (prev.sender.id !== m.sender.id || m.reply_to) return false;
  return new Date(m.created_at) - new Date(prev.created_at) < GROUP_WITHIN_MS;
}

export function renderTimeline(room, ctx) {
  const list = $("#message-list");
  const timeline = timelineOf(room.id);
  const nodes = [];
  let prev = null;
  for (const m of sortedMessages(timeline)) {
    const date = new Date(m.created_at);
    const key = dayKey(date);
    let grouped = canGroup(prev, m);
    if (!prev || dayKey(new Date(prev.created_at)) !== key) {
      nodes.push(dayNode(key, date));
      grouped = false;
    }
    if (timeline.unreadFrom && m.seq === timeline.unreadFrom) {
      nodes.push(unreadNode());
      grouped = false;
    }
    nodes.push(messageNode(m, grouped, ctx));
    prev = m;
  }
  for (const pending of state.pending.values()) {
    if (pending.room === room.id) nodes.push(pendingNode(pending, ctx));
  }
  reconcile(list, nodes);
  const status = $("#history-status");
  let note = "";
  if (timeline.loading) note = gettext("Loading earlier messages…");
  else if (timeline.loaded && !timeline.bySeq.size) note = gettext("No messages yet. Say hello!");
  else if (timeline.loaded && !timeline.hasOlder) note = gettext("This is the beginning of the conversation.");
  status.textContent = note;
}

export function messageNode(m, grouped, ctx) {
  const parent = m.reply_to ? state.messagesById.get(m.reply_to) : null;
  const editing = ctx.editorFor(m);
  const key = [grouped, mentionsMe(m), m.reply_to ? Boolean(parent) : "", parent ? parent.deleted : "", Boolean(editing),
    isPinned(m), m.topic || "", m.thread_count || 0].join("|");
  const cached = nodeCache.get(m);
  if (cached && cached.key === key) return cached.node;
  const node = m.kind === "system" ? systemNode(m) : buildMessage(m, grouped, parent, ctx, editing);
  nodeCache.set(m, { key, node });
  return node;
}

function systemNode(m) {
  const body = h("div", { class: "msg-system-body" });
  body.innerHTML = m.html; // sanitized by the server
  return h("li", { class: "msg msg-system", id: `msg-${m.id}`, dataset: { seq: m.seq, id: m.id } }, body);
}

function senderLine(m, own, ctx) {
  const time = new Date(m.created_at);
  return h("div", { class: "msg-meta" },
    own ? null : h("span", { class: "msg-sender" }, displayName(m.sender)),
    !own && m.sender.title ? h("span", { class: "msg-title" }, m.sender.title) : null,
    m.sender.is_bot ? h("span", { class: "badge badge-bot" }, gettext("Bot")) : null,
    h("time", { datetime: m.created_at, title: fullTime(time) }, clock(time)),
    topicChip(m, ctx));
}

// The message's topic (话题), which opens the topic beside the room.
function topicChip(m, ctx) {
  if (!m.topic || !ctx || !ctx.openTopic) return null;
  return h("button", {
    type: "button", class: "msg-topic", title: gettext("Open the topic"), onclick: () => ctx.openTopic(m),
  }, `# ${m.topic}`);
}

// The reply count of a thread's first message, which opens the thread beside the room.
function threadLink(m, ctx) {
  if (!m.thread_count || !ctx.openThread) return null;
  return h("button", { type: "button", class: "msg-thread-link", onclick: () => ctx.openThread(m) },
    icon("reply", 14), fmt(ngettext("%(n)s reply", "%(n)s replies", m.thread_count), { n: m.thread_count }));
}

function buildMessage(m, grouped, parent, ctx, editing) {
  const own = m.sender.id === state.me.id;
  const classes = ["msg", own ? "msg-own" : "msg-other"];
  if (grouped) classes.push("msg-grouped");
  if (m.deleted) classes.push("msg-deleted");
  if (m.kind === "card") classes.push("msg-card");
  if (mentionsMe(m)) classes.push("msg-mentions-me");
  const time = new Date(m.created_at);
  const label = `${displayName(m.sender)} ${fullTime(time)}`;
  const bubble = h("div", { class: "msg-bubble" });
  if (m.forwarded && !m.deleted) bubble.append(forwardedNode(m.forwarded));
  if (m.reply_to) bubble.append(quoteNode(m.reply_to, parent, ctx));
  if (m.deleted) {
    bubble.append(h("p", { class: "msg-deleted-text" }, gettext("This message was deleted.")));
  } else if (editing) {
    bubble.append(editing);
  } else if (m.kind === "card" && m.card) {
    bubble.append(cardNode(m, ctx));
  } else if (m.html) {
    const body = h("div", { class: "msg-body" });
    body.innerHTML = m.html; // sanitized by the server; `body` (the source) is never parsed
    bubble.append(body);
    if (isLong(m)) {
      body.classList.add("msg-collapsed");
      const more = h("button", { type: "button", class: "link-btn msg-expand", "aria-expanded": "false" }, gettext("Expand"));
      more.addEventListener("click", () => {
        const open = body.classList.toggle("msg-collapsed") === false;
        more.textContent = open ? gettext("Collapse") : gettext("Expand");
        more.setAttribute("aria-expanded", String(open));
      });
      bubble.append(more);
    }
  }
  if (!m.deleted && !editing && m.attachments && m.attachments.length) bubble.append(attachmentsNode(m.attachments, ctx));
  if (m.edited_at && !m.deleted && !editing) {
    bubble.append(h("span", { class: "msg-edited", title: fullTime(new Date(m.edited_at)) }, gettext("(edited)")));
  }
  const foot = h("div", { class: "msg-foot" });
  if (!m.deleted && m.reactions && m.reactions.length) foot.append(reactionsNode(m, ctx));
  const thread = threadLink(m, ctx);
  if (thread) foot.append(thread);
  if (own && !m.deleted && m.kind !== "system") foot.append(readStatusNode(m, ctx));
  const main = h("div", { class: "msg-main" },
    grouped && !m.topic ? h("span", { class: "visually-hidden" }, label) : senderLine(m, own, ctx),
    isPinned(m) && !m.deleted ? h("span", { class: "msg-pinned" }, icon("pin", 12), gettext("Pinned")) : null,
    bubble,
    foot.childElementCount ? foot : null);
  return h("li", {
    class: classes.join(" "),
    id: `msg-${m.id}`,
    dataset: { seq: m.seq, id: m.id, sender: m.sender.id },
  },
  grouped
    ? h("span", { class: "msg-gutter" }, h("time", { datetime: m.created_at, title: fullTime(time) }, clock(time)))
    : avatar(m.sender, { presence: !own && !m.sender.is_bot }),
  main,
  m.deleted ? null : toolsNode(m, own, ctx));
}

function forwardedNode(origin) {
  const who = origin.sender ? displayName(origin.sender) : "";
  return h("div", { class: "msg-forwarded" }, icon("forward", 14),
    fmt(gettext("Forwarded from %(sender)s in %(room)s"), { sender: who, room: origin.room_name || "" }));
}

function quoteNode(replyTo, parent, ctx) {
  if (!parent) {
    ctx.needMessage(replyTo);
    return h("div", { class: "msg-quote" }, gettext("Loading the quoted message…"));
  }
  let text;
  if (parent.deleted) text = gettext("This message was deleted.");
  else if (parent.kind === "card" && parent.card) text = `[${gettext("Card")}] ${parent.card.title || ""}`;
  else text = htmlText(parent.html) || parent.body || (parent.attachments || []).map((a) => `[${a.name}]`).join(" ");
  if (text.length > 120) text = `${text.slice(0, 120)}…`;
  return h("button", {
    type: "button",
    class: "msg-quote",
    title: gettext("Go to the quoted message"),
    onclick: () => ctx.jumpTo(parent),
  },
  h("span", { class: "msg-quote-sender" }, displayName(parent.sender)),
  h("span", { class: "msg-quote-text" }, text));
}

function attachmentsNode(attachments, ctx) {
  return h("div", { class: "attachments" }, attachments.map((a) => {
    if (isImage(a)) {
      const img = h("img", { src: a.url, alt: a.name, loading: "lazy", decoding: "async" });
      img.addEventListener("load", () => ctx.mediaLoaded());
      return h("a", {
        class: "attachment-image", href: a.url, target: "_blank", rel: "noopener",
        title: `${a.name} (${fileSize(a.size)})`, onclick: (event) => previewClick(event, a, ctx),
      }, img);
    }
    const href = `${a.url}?download=1`;
    const preview = canPreview(a);
    return h("a", {
      class: `attachment-file${preview ? " attachment-previewable" : ""}`, href, download: a.name,
      title: preview ? gettext("Preview") : gettext("Download"),
      onclick: preview ? (event) => { if (!event.target.closest(".attachment-dl")) previewClick(event, a, ctx); } : null,
    },
      h("span", { class: "attachment-icon" }, icon("file", 26)),
      h("span", { class: "attachment-text" },
        h("span", { class: "attachment-name" }, a.name),
        h("span", { class: "attachment-size" }, fileSize(a.size))),
      h("span", { class: "attachment-dl" }, icon("download", 18)));
  }));
}

// A plain click previews in the page; with a modifier key the browser does as it likes.
function previewClick(event, a, ctx) {
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  ctx.preview(a);
}

function reactionsNode(m, ctx) {
  return h("div", { class: "reactions" }, m.reactions.map((r) => {
    const mine = r.users.includes(state.me.id);
    const names = r.users.map((id) => displayName(state.users.get(id)) || `#${id}`).join(gettext(", "));
    return h("button", {
      type: "button",
      class: `reaction${mine ? " reaction-mine" : ""}`,
      "aria-pressed": mine ? "true" : "false",
      title: names,
      "aria-label": fmt(gettext("%(emoji)s, %(count)s, by %(names)s"), { emoji: r.emoji, count: r.count, names }),
      onclick: () => ctx.react(m, r.emoji, !mine),
    }, h("span", { class: "reaction-emoji" }, r.emoji), h("span", { class: "reaction-count" }, r.count));
  }));
}

function readStatusNode(m, ctx) {
  const room = state.rooms.get(m.room);
  const others = m.member_count;
  const read = Math.min(m.read_count, others);
  const unread = Math.max(0, others - read);
  let text;
  if (others === 0) text = "";
  else if (room && room.kind === "direct") text = read ? gettext("Read") : gettext("Unread");
  else if (unread === 0) text = gettext("Read by all");
  else text = fmt(gettext("Read %(read)s / Unread %(unread)s"), { read, unread });
  if (!text) return null;
  return h("button", {
    type: "button",
    class: `read-status${unread === 0 ? " read-all" : ""}`,
    dataset: { readCount: read, unreadCount: unread },
    title: gettext("See who has read it"),
    onclick: () => ctx.showReaders(m),
  }, unread === 0 ? icon("checks", 14) : null, text);
}

function toolsNode(m, own, ctx) {
  const tools = h("div", { class: "msg-tools", role: "toolbar", "aria-label": gettext("Message actions") });
  const add = (name, label, handler) => tools.append(h("button", {
    type: "button", class: "tool-btn", title: label, "aria-label": label, onclick: handler,
  }, icon(name, 16)));
  add("reply", gettext("Reply"), () => ctx.reply(m));
  if (ctx.openThread && m.kind !== "system") add("chat", gettext("Reply in thread"), () => ctx.openThread(m));
  add("smile", gettext("Add reaction"), (event) => ctx.pickReaction(m, event.currentTarget));
  if (own && m.kind === "text") add("edit", gettext("Edit"), () => ctx.edit(m));
  add("forward", gettext("Forward"), () => ctx.forward(m));
  const room = state.rooms.get(m.room);
  if (room && (room.kind === "direct" || room.kind === "group" || room.role === "admin")) {
    if (isPinned(m)) add("pin", gettext("Unpin"), () => ctx.pin(m, false));
    else add("pin", gettext("Pin"), () => ctx.pin(m, true));
  }
  if (own || (room && room.role === "admin")) add("trash", gettext("Delete"), () => ctx.remove(m));
  return tools;
}

export function cardNode(m, ctx) {
  const card = m.card;
  const typeLabel = cardLabel(card);
  const actions = (card.actions || []).map((a) => h("button", {
    type: "button",
    class: `btn btn-sm ${a.style === "primary" ? "btn-primary" : a.style === "danger" ? "btn-danger" : "btn-default"}`,
    dataset: { action: a.action },
    onclick: (event) => ctx.pressCard(m, a, event.currentTarget),
  }, a.label || a.action));
  return h("section", {
    class: `card card-type-${String(card.card_type).replace(/[^a-z0-9_-]/gi, "")}`,
    "aria-label": `${typeLabel}: ${card.title || ""}`,
  },
  h("header", { class: "card-head" },
    h("span", { class: "card-type" }, typeLabel),
    card.state ? h("span", { class: "card-state", dataset: { state: card.state } }, card.state_label || card.state) : null),
  h("h3", { class: "card-title" }, card.title || ""),
  (card.fields || []).length
    ? h("dl", { class: "card-fields" }, card.fields.map((f) => h("div", { class: "card-field" },
      h("dt", {}, f.label), h("dd", {}, f.value == null ? "" : String(f.value)))))
    : null,
  cardExtras(card, m),
  actions.length ? h("div", { class: "card-actions" }, actions) : null);
}

export function pendingNode(p, ctx) {
  const failed = p.status === "failed";
  const key = `${p.status}|${p.error || ""}|${p.attachments.length}`;
  const cached = nodeCache.get(p);
  if (cached && cached.key === key) return cached.node;
  const bubble = h("div", { class: "msg-bubble" });
  if (p.reply_to) {
    const parent = state.messagesById.get(p.reply_to);
    if (parent) bubble.append(h("div", { class: "msg-quote" },
      h("span", { class: "msg-quote-sender" }, displayName(parent.sender)),
      h("span", { class: "msg-quote-text" }, (parent.body || "").slice(0, 120))));
  }
  if (p.body) bubble.append(h("div", { class: "msg-body msg-body-plain" }, p.body));
  if (p.attachments.length) bubble.append(attachmentsNode(p.attachments, ctx));
  const status = failed
    ? h("div", { class: "pending-status pending-failed", role: "alert" },
      icon("alert", 14),
      h("span", {}, p.error ? fmt(gettext("Not sent: %(error)s"), { error: p.error }) : gettext("Not sent")),
      h("button", { type: "button", class: "link-btn", onclick: () => ctx.retry(p) }, gettext("Retry")),
      h("button", { type: "button", class: "link-btn", onclick: () => ctx.discard(p) }, gettext("Discard")))
    : h("div", { class: "pending-status" }, h("span", { class: "spinner", "aria-hidden": "true" }),
      p.status === "queued" ? gettext("Waiting for the connection…") : gettext("Sending…"));
  const node = h("li", {
    class: `msg msg-own msg-pending${failed ? " msg-failed" : ""}`,
    dataset: { clientId: p.client_id },
  },
  avatar(state.me),
  h("div", { class: "msg-main" }, bubble, h("div", { class: "msg-foot" }, status)));
  nodeCache.set(p, { key, node });
  return node;
}

export function typingText(roomId) {
  const now = Date.now();
  const map = state.typing.get(roomId);
  if (!map) return "";
  const names = [];
  for (const [userId, entry] of map) {
    if (entry.until > now) names.push(entry.name);
    else map.delete(userId);
  }
  if (!names.length) return "";
  if (names.length === 1) return fmt(gettext("%(name)s is typing…"), { name: names[0] });
  return fmt(ngettext("%(names)s is typing…", "%(names)s are typing…", names.length), {
    names: names.slice(0, 3).join(gettext(", ")),
  });
}
