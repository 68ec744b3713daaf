// Topics (话题) and threads (跟帖) beside a room: one side panel over the right of the message
// pane (the whole screen on a phone) that shows either the room's topics (with unread per
// topic, 关注 and 免打扰, rename), one topic's messages, or one message's thread, each with
// a box to write into it. The main timeline stays the room's one stream in seq order; a
// message's topic chip and its reply count open the panel. The address carries what is open
// (`#/rooms/12?topic=…`, `#/rooms/12?thread=34`), so a reload or a link returns to it.

import { api } from "../../core/api.js";
import { $, h } from "../../core/dom.js";
import { icon } from "../../core/icons.js";
import { fmt, gettext, ngettext } from "../../core/i18n.js";
import { clock, fullTime } from "../../core/time.js";
import { currentRoute, navigate, onRoute, setQuery } from "../../shell/router.js";
import { onFrame } from "../../shell/socket.js";
import { displayName, state } from "../../shell/state.js";
import { closeDialog, commentDialog, errorText, openDialog, toast } from "../../ui/dialogs.js";
import { avatar } from "./timeline.js";

const TOPIC_MAX = 60;

let panel = null; // the <aside>
const topicStates = new Map(); // "room|name" -> "follow" | "mute": the caller's, from GET /topics

// Whether the caller follows ("follow") or muted ("mute") a topic of a room, else null.
export function followedTopic(roomId, name) {
  return name ? topicStates.get(`${roomId}|${name}`) || null : null;
}

function rememberState(roomId, name, next) {
  const key = `${roomId}|${name}`;
  if (next === "follow" || next === "mute") topicStates.set(key, next);
  else topicStates.delete(key);
}

async function loadTopicStates() {
  try {
    for (const t of await api("GET", "/topics")) rememberState(t.room, t.name, t.state);
  } catch {
    /* notifications fall back to the room's rules */
  }
}
let view = null; // {kind: "topics"|"topic"|"thread", room, name?, root?, items: [], seq}

function newClientId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `t-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

function ensurePanel() {
  if (panel) return panel;
  panel = h("aside", { id: "side-panel", class: "side-panel", hidden: true, "aria-labelledby": "side-panel-title" });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      closePanel();
    }
  });
  $("#layout").append(panel);
  return panel;
}

export function closePanel() {
  view = null;
  if (panel) {
    panel.hidden = true;
    panel.replaceChildren();
  }
  document.body.classList.remove("side-panel-open");
  const r = currentRoute();
  if (r && r.name === "rooms" && (r.query.topic || r.query.thread || r.query.topics)) setQuery({});
}

function frame(title, sub, body, foot) {
  ensurePanel();
  panel.replaceChildren(
    h("header", { class: "side-head" },
      view && view.kind !== "topics" ? h("button", {
        type: "button", class: "icon-btn side-back", "aria-label": gettext("All topics"), title: gettext("All topics"),
        onclick: () => openTopics(view.room),
      }, icon("back", 18)) : null,
      h("div", { class: "side-heading" },
        h("h2", { id: "side-panel-title", tabindex: "-1" }, title),
        sub ? h("p", { class: "side-sub" }, sub) : null),
      h("button", {
        type: "button", class: "icon-btn side-close", id: "side-close", "aria-label": gettext("Close"), title: gettext("Close"),
        onclick: closePanel,
      }, icon("x", 18))),
    h("div", { class: "side-body" }, body),
    foot || null);
  panel.hidden = false;
  document.body.classList.add("side-panel-open");
}

// --- messages in the panel --------------------------------------------------------------------------
function messageItem(m) {
  const body = h("div", { class: "msg-body side-msg-body" });
  if (m.deleted) body.append(h("p", { class: "msg-deleted-text" }, gettext("This message was deleted.")));
  else if (m.kind === "card" && m.card) body.append(h("p", {}, m.card.title || m.body));
  else body.innerHTML = m.html; // sanitized by the server
  const time = new Date(m.created_at);
  return h("li", { class: "side-msg", dataset: { id: m.id, seq: m.seq } },
    avatar(m.sender, { size: 28 }),
    h("div", { class: "side-msg-main" },
      h("div", { class: "msg-meta" },
        h("span", { class: "msg-sender" }, displayName(m.sender)),
        h("time", { datetime: m.created_at, title: fullTime(time) }, clock(time))),
      body,
      m.attachments && m.attachments.length
        ? h("ul", { class: "side-files" }, m.attachments.map((a) => h("li", {}, h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.name))))
        : null));
}

function drawMessages() {
  const list = panel && panel.querySelector(".side-msgs");
  if (!list || !view) return;
  const items = [...view.items].sort((a, b) => a.seq - b.seq);
  list.replaceChildren(...items.map(messageItem));
  const empty = panel.querySelector(".side-empty");
  if (empty) empty.hidden = items.length > 0;
  const sub = panel.querySelector(".side-sub");
  if (sub && view.kind === "topic") sub.textContent = fmt(ngettext("%(n)s message", "%(n)s messages", items.length), { n: items.length });
  const scroller = panel.querySelector(".side-body");
  if (scroller) scroller.scrollTop = scroller.scrollHeight;
}

function composeBox(placeholder, send) {
  const area = h("textarea", { id: "side-input", rows: 2, placeholder, "aria-label": placeholder, maxlength: 20000 });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-sm", id: "side-send" }, icon("send", 16), gettext("Post"));
  const error = h("p", { class: "side-error", role: "alert", hidden: true });
  const form = h("form", { class: "side-compose", novalidate: true }, error, h("div", { class: "side-compose-box" }, area, button));
  let busy = false;
  const submit = async () => {
    const text = area.value;
    if (!text.trim() || busy) return;
    busy = true;
    button.disabled = true;
    error.hidden = true;
    try {
      const m = await send(text);
      area.value = "";
      addMessage(m);
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    } finally {
      busy = false;
      button.disabled = false;
      area.focus();
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  return form;
}

function addMessage(m) {
  if (!view || !m) return;
  const at = view.items.findIndex((x) => x.id === m.id);
  if (at >= 0) view.items[at] = m;
  else view.items.push(m);
  drawMessages();
}

function belongs(m) {
  if (!view || m.room !== view.room) return false;
  if (view.kind === "thread") return m.thread === view.root || m.id === view.root;
  if (view.kind === "topic") return m.topic === view.name;
  return false;
}

// --- one thread -------------------------------------------------------------------------------------
export async function openThread(roomId, rootId) {
  view = { kind: "thread", room: roomId, root: rootId, items: [], seq: 0 };
  const mine = view;
  syncAddress({ thread: rootId });
  frame(gettext("Thread"), "", h("div", {}, h("p", { class: "side-status", role: "status" }, gettext("Loading…"))));
  let answer;
  try {
    answer = await api("GET", `/messages/${rootId}/thread`);
  } catch (error) {
    if (view === mine) frame(gettext("Thread"), "", h("p", { class: "side-status", role: "alert" }, errorText(error)));
    return;
  }
  if (view !== mine) return;
  mine.root = answer.root.id;
  mine.items = [answer.root, ...answer.replies];
  const sub = answer.root.topic ? `# ${answer.root.topic}` : "";
  frame(gettext("Thread"), sub,
    h("div", {},
      h("ol", { class: "side-msgs side-thread", "aria-label": gettext("Thread") }),
      h("p", { class: "side-empty", hidden: true }, gettext("No replies yet."))),
    composeBox(gettext("Reply in the thread…"), (body) => api("POST", `/rooms/${roomId}/messages`, {
      body, thread: mine.root, client_id: newClientId(),
    })));
  drawMessages();
  panel.querySelector("#side-input").focus();
}

// --- one topic --------------------------------------------------------------------------------------
export async function openTopic(roomId, name) {
  view = { kind: "topic", room: roomId, name, items: [], seq: 0, state: "none" };
  const mine = view;
  syncAddress({ topic: name });
  frame(`# ${name}`, "", h("p", { class: "side-status", role: "status" }, gettext("Loading…")));
  let page;
  let topics;
  try {
    [page, topics] = await Promise.all([
      api("GET", `/rooms/${roomId}/messages?topic=${encodeURIComponent(name)}&limit=200`),
      api("GET", `/rooms/${roomId}/topics`),
    ]);
  } catch (error) {
    if (view === mine) frame(`# ${name}`, "", h("p", { class: "side-status", role: "alert" }, errorText(error)));
    return;
  }
  if (view !== mine) return;
  const info = topics.find((t) => t.name === name);
  mine.state = info ? info.state : "none";
  mine.items = page;
  drawTopic(mine, info);
  drawMessages();
  panel.querySelector("#side-input").focus();
}

function stateButtons(roomId, name, current, after) {
  const follow = current === "follow";
  const mute = current === "mute";
  const set = async (next) => {
    try {
      await api("POST", `/rooms/${roomId}/topics/follow`, { name, state: next });
      toast(next === "follow" ? gettext("Following the topic") : next === "mute" ? gettext("Topic muted") : gettext("Topic back to normal"));
      after(next);
    } catch (error) {
      toast(errorText(error), "error");
    }
  };
  return [
    h("button", {
      type: "button", class: `btn btn-sm ${follow ? "btn-primary" : "btn-default"} topic-follow`, "aria-pressed": String(follow),
      onclick: () => set(follow ? "none" : "follow"),
    }, icon("bell", 14), follow ? gettext("Following") : gettext("Follow")),
    h("button", {
      type: "button", class: `btn btn-sm btn-default topic-mute`, "aria-pressed": String(mute),
      onclick: () => set(mute ? "none" : "mute"),
    }, icon("mute", 14), mute ? gettext("Muted") : gettext("Mute")),
  ];
}

function drawTopic(mine, info) {
  const count = Math.max(info ? info.count : 0, mine.items.length);
  const sub = fmt(ngettext("%(n)s message", "%(n)s messages", count), { n: count });
  const tools = h("div", { class: "side-tools" },
    stateButtons(mine.room, mine.name, mine.state, (next) => {
      mine.state = next;
      if (view === mine) drawTopic(mine, info);
      drawMessages();
    }),
    h("button", { type: "button", class: "btn btn-sm btn-default topic-rename", onclick: () => renameTopic(mine.room, mine.name) },
      icon("edit", 14), gettext("Rename")),
    h("button", { type: "button", class: "btn btn-sm btn-default topic-move", onclick: () => moveTopic(mine.room, mine.name) },
      icon("forward", 14), gettext("Move")));
  frame(`# ${mine.name}`, sub,
    h("div", {}, tools,
      h("ol", { class: "side-msgs side-topic", "aria-label": mine.name }),
      h("p", { class: "side-empty", hidden: true }, gettext("No messages in this topic yet."))),
    composeBox(fmt(gettext("Message # %(topic)s"), { topic: mine.name }), (body) => api("POST", `/rooms/${mine.room}/messages`, {
      body, topic: mine.name, client_id: newClientId(),
    })));
}

async function renameTopic(roomId, name) {
  const to = await commentDialog({ title: fmt(gettext("Rename # %(topic)s"), { topic: name }), label: gettext("New name"), required: true });
  if (to === null || to === undefined) return;
  const clean = to.trim().replace(/\s+/g, " ");
  if (!clean) return;
  if (clean.length > TOPIC_MAX) {
    toast(fmt(gettext("A topic has at most %(n)s characters."), { n: TOPIC_MAX }), "error");
    return;
  }
  try {
    await api("POST", `/rooms/${roomId}/topics/rename`, { name, to: clean });
    toast(gettext("Topic renamed"));
    openTopic(roomId, clean);
  } catch (error) {
    toast(errorText(error), "error");
  }
}

// Move the topic into another of my rooms (its messages are sent again there).
function moveTopic(roomId, name) {
  const rooms = [...state.rooms.values()].filter((r) => r.id !== roomId && r.kind !== "bot");
  const select = h("select", { id: "topic-move-room" },
    rooms.map((r) => h("option", { value: r.id }, r.name || String(r.id))));
  const error = h("p", { class: "field-error", role: "alert" });
  const go = h("button", { type: "button", class: "btn btn-primary", id: "topic-move-go" }, gettext("Move"));
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      const answer = await api("POST", `/rooms/${roomId}/topics/move`, { name, room: Number(select.value) });
      closeDialog();
      toast(fmt(ngettext("%(n)s message moved", "%(n)s messages moved", answer.count), { n: answer.count }));
      navigate(`rooms/${answer.to_room}`, { query: { topic: answer.to } });
    } catch (e) {
      error.textContent = errorText(e);
      go.disabled = false;
    }
  });
  openDialog({
    title: fmt(gettext("Move # %(topic)s"), { topic: name }),
    body: h("form", { class: "dialog-form", onsubmit: (event) => event.preventDefault() },
      h("p", { class: "doc-hint" }, gettext("Its messages are sent again in the chosen conversation, marked with where they came from, and deleted here.")),
      h("label", { for: "topic-move-room" }, gettext("Move to")), select, error),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")), go],
  });
}

// --- the room's topics ----------------------------------------------------------------------------
export async function openTopics(roomId) {
  view = { kind: "topics", room: roomId, items: [], seq: 0 };
  const mine = view;
  syncAddress({ topics: 1 });
  frame(gettext("Topics"), "", h("p", { class: "side-status", role: "status" }, gettext("Loading…")));
  let topics;
  try {
    topics = await api("GET", `/rooms/${roomId}/topics`);
  } catch (error) {
    if (view === mine) frame(gettext("Topics"), "", h("p", { class: "side-status", role: "alert" }, errorText(error)));
    return;
  }
  if (view !== mine) return;
  const input = h("input", { id: "new-topic", maxlength: TOPIC_MAX, placeholder: gettext("New topic"), "aria-label": gettext("New topic"), autocomplete: "off" });
  const start = h("form", { class: "side-new-topic", novalidate: true },
    input, h("button", { type: "submit", class: "btn btn-sm btn-default" }, icon("plus", 14), gettext("Start")));
  start.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = input.value.trim().replace(/\s+/g, " ");
    if (name) openTopic(roomId, name.slice(0, TOPIC_MAX));
  });
  const list = topics.length
    ? h("ul", { class: "topic-list", id: "topic-list" }, topics.map((t) => h("li", {
      class: `topic-row topic-${t.state}`, dataset: { topic: t.name },
    },
    h("button", { type: "button", class: "topic-open", onclick: () => openTopic(roomId, t.name) },
      h("span", { class: "topic-name" }, `# ${t.name}`),
      t.state === "follow" ? h("span", { class: "topic-flag" }, gettext("Following")) : null,
      t.state === "mute" ? h("span", { class: "topic-flag topic-flag-muted" }, gettext("Muted")) : null,
      h("span", { class: "topic-meta" }, fmt(ngettext("%(n)s message", "%(n)s messages", t.count), { n: t.count })),
      t.unread ? h("span", { class: "badge topic-unread", "aria-label": fmt(gettext("%(n)s unread"), { n: t.unread }) }, String(t.unread)) : null))))
    : h("p", { class: "side-status" }, gettext("No topics yet. Start one to keep a conversation together."));
  frame(gettext("Topics"), "", h("div", {}, start, list));
}

// --- the address and live frames --------------------------------------------------------------------
function syncAddress(query) {
  const r = currentRoute();
  if (!r || r.name !== "rooms") return;
  const same = Object.keys(query).every((k) => String(r.query[k] || "") === String(query[k]));
  if (!same) setQuery(query);
}

function fromRoute(r) {
  if (!r || r.name !== "rooms") {
    if (view) closePanel();
    return;
  }
  const roomId = r.params.id;
  const q = r.query || {};
  if (q.thread && /^\d+$/.test(q.thread)) {
    const root = Number(q.thread);
    if (!(view && view.kind === "thread" && view.room === roomId && view.root === root)) openThread(roomId, root);
  } else if (q.topic) {
    if (!(view && view.kind === "topic" && view.room === roomId && view.name === q.topic)) openTopic(roomId, q.topic);
  } else if (q.topics) {
    if (!(view && view.kind === "topics" && view.room === roomId)) openTopics(roomId);
  } else if (view && view.room !== roomId) {
    closePanel();
  }
}

// The header's 话题 button, beside the members button.
function addHeaderButton() {
  const tools = $("#pane-head .pane-tools");
  if (!tools || $("#topics-btn")) return;
  tools.prepend(h("button", {
    type: "button", id: "topics-btn", class: "icon-btn", "aria-label": gettext("Topics"), title: gettext("Topics"),
    onclick: () => { if (state.activeRoomId !== null) openTopics(state.activeRoomId); },
  }, icon("hash", 20)));
}

export function startSidePanel() {
  addHeaderButton();
  loadTopicStates();
  onFrame("topic_state", (f) => rememberState(f.room, f.name, f.state));
  onRoute(fromRoute);
  fromRoute(currentRoute());
  onFrame("message", (f) => { if (belongs(f.message)) addMessage(f.message); });
  onFrame("ack", (f) => { if (f.message && belongs(f.message)) addMessage(f.message); });
  onFrame("message_updated", (f) => {
    if (!view || !f.message) return;
    if (view.items.some((m) => m.id === f.message.id)) addMessage(f.message);
  });
  onFrame("topic_renamed", (f) => {
    const had = followedTopic(f.room, f.from);
    if (had) {
      rememberState(f.room, f.from, "none");
      rememberState(f.room, f.to, had);
    }
    if (!view || f.room !== view.room) return;
    if (view.kind === "topic" && view.name === f.from) openTopic(view.room, f.to);
    else if (view.kind === "topics") openTopics(view.room);
    for (const m of view.items) if (m.topic === f.from) m.topic = f.to;
  });
}
