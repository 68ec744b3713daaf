// The chat (#/rooms/12, #/chats): the conversations, their messages and the one socket.
// State changes from the socket and from the user, and when to render.

import { ApiError, api, onUnauthorized } from "../core/api.js";
import { coalescer } from "../core/coalesce.js";
import { pressCard as pressCardAction } from "../ui/cardactions.js";
import { Composer } from "./chat/composer.js";
import {
  closeDialog, confirmDialog, errorText, initDialogs, membersDialog, newChatDialog,
  reactionPopover, readersDialog, shortcutsDialog, toast,
} from "../ui/dialogs.js";
import { $, h, icon } from "../core/dom.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { notify, updateTitle } from "../shell/notify.js";
import { renderRoomList, roomAvatar } from "../shell/sidebar.js";
import { cardMessage } from "../shell/cards.js";
import { currentRoute, isPhone, navigate, onRoute, pageNamed, registerPage, back as routerBack } from "../shell/router.js";
import { renderBanner } from "../shell/banner.js";
import { setupMenu } from "../shell/menu.js";
import { Connection, dispatchFrame, onFrame as onSocketFrame } from "../shell/socket.js";
import { get as storeGet, set as storeSet, subscribe as storeSubscribe } from "../shell/store.js";
import {
  boot, displayName, loadOutbox, rememberUser, saveOutbox, sortedMessages, state, timelineOf, totalUnread, unreadOf,
} from "../shell/state.js";
import { forwardDialog, remindUnread, renderMute, renderPins, setPinned, shouldNotify, toggleMute } from "./chat/reading.js";
import { followedTopic, openThread, openTopic, startSidePanel } from "./chat/sidepanel.js";
import { renderTimeline, typingText } from "./chat/timeline.js";
import { openPreview } from "../ui/preview.js";
import { channelSettings, pinnedNotices, readOnlyNote } from "./roomnotices.js";

const PAGE = 50;
const SEND_TIMEOUT_MS = 15000;
const AWAY_AFTER_HIDDEN_MS = 60 * 1000;
const AWAY_AFTER_IDLE_MS = 5 * 60 * 1000;


let conn;
let composer;
let renderQueued = false;
let renderRooms = new Set();
let stickBottom = false;
// Where the view was put by the client ("bottom" or "divider", the first unread): kept
// there while images above load, until the reader scrolls.
let pin = null;
let pinTop = 0;
let resyncTimer = null;
let expired = false;
let newBelow = 0;
const fetchingMessages = new Set();
const unknownRooms = new Set();

// --- rooms ------------------------------------------------------------------------------------
function addRoom(r) {
  const known = state.rooms.get(r.id);
  if (!known) {
    const room = { ...r, synced_seq: r.last_seq, ahead: new Set(), peer: null, mentioned: false };
    state.rooms.set(r.id, room);
    if (room.kind === "direct" || room.kind === "bot") loadPeer(room);
    return room;
  }
  // A room_updated frame carries only the shared fields: the caller's own stay as they are.
  for (const key of ["name", "kind", "topic", "members_count", "role", "unit", "muted", "pinned", "announce_only"]) {
    if (key in r) known[key] = r[key];
  }
  if (Number.isFinite(r.last_seq)) known.last_seq = Math.max(known.last_seq, r.last_seq);
  if (Number.isFinite(r.last_read_seq)) known.last_read_seq = Math.max(known.last_read_seq, r.last_read_seq);
  if (r.last_message && (!known.last_message || r.last_message.seq >= known.last_message.seq)) {
    known.last_message = r.last_message;
  }
  return known;
}

async function loadRooms(initial) {
  const rooms = await api("GET", "/rooms");
  const seen = new Set();
  for (const r of rooms) {
    seen.add(r.id);
    addRoom(r);
  }
  if (!initial) {
    for (const id of [...state.rooms.keys()]) if (!seen.has(id)) removeRoom(id);
  }
  queueRender();
}

async function loadPeer(room) {
  try {
    const members = await api("GET", `/rooms/${room.id}/members`);
    const peer = members.find((m) => m.id !== state.me.id) || members[0];
    if (peer) {
      rememberUser(peer);
      if (peer.is_bot) state.presence.set(peer.id, "online"); // a bot is always there
      room.peer = peer;
      queueRender(room.id);
    }
  } catch {
    /* the room list works without the peer's presence */
  }
}

async function loadPresence() {
  try {
    const users = await api("GET", "/users?presence=1");
    for (const u of users) {
      rememberUser(u);
      if (u.presence) state.presence.set(u.id, u.presence);
    }
    refreshPresenceDots();
    queueRender();
  } catch {
    /* presence is a nicety */
  }
}

function removeRoom(id) {
  state.rooms.delete(id);
  state.timelines.delete(id);
  if (state.activeRoomId === id) {
    state.activeRoomId = null;
    storeSet("chat.activeRoom", null);
    showEmptyPane();
    if (currentRoute() && currentRoute().name === "rooms") navigate("chats", { replace: true });
  }
  queueRender();
}

function roomJoined(r, { open = false } = {}) {
  const room = addRoom(r);
  queueRender();
  if (open) openRoom(room.id);
}

async function refreshRoom(id) {
  try {
    addRoom(await api("GET", `/rooms/${id}`));
    queueRender(id);
    if (id === state.activeRoomId) renderHeader(state.rooms.get(id));
  } catch {
    /* it will be refreshed with the next reconnect */
  }
}

async function fetchUnknownRoom(id) {
  if (unknownRooms.has(id)) return;
  unknownRooms.add(id);
  try {
    addRoom(await api("GET", `/rooms/${id}`));
    queueRender();
  } catch {
    /* not ours after all */
  } finally {
    unknownRooms.delete(id);
  }
}

// --- messages from the server -----------------------------------------------------------------
function mentionsMe(m) {
  return (m.mentions || []).includes(state.me.id);
}

function previewOf(m) {
  let body = m.deleted ? "" : m.body;
  if (m.kind === "card" && m.card) body = m.card.title || "";
  return {
    id: m.id, seq: m.seq, sender: displayName(m.sender), body: body.length > 80 ? `${body.slice(0, 80)}…` : body,
    kind: m.kind, deleted: m.deleted, created_at: m.created_at,
  };
}

function remember(m) {
  rememberUser(m.sender);
  const known = state.messagesById.get(m.id);
  if (!known || known !== m) state.messagesById.set(m.id, m);
}

function insertIntoTimeline(m) {
  const timeline = state.timelines.get(m.room);
  if (!timeline || !(timeline.loaded || timeline.loading)) return false;
  if (timeline.bySeq.has(m.seq)) return false; // never twice
  timeline.bySeq.set(m.seq, m);
  return true;
}

function resolvePending(m) {
  if (!m.client_id || m.sender.id !== state.me.id) return;
  const p = state.pending.get(m.client_id);
  if (p && p.room === m.room) {
    clearTimeout(p.timer);
    state.pending.delete(m.client_id);
    saveOutbox();
    if (m.room === state.activeRoomId) stickBottom = true;
  }
}

// A `message` frame, live or from sync: counted once per (room, seq), whatever the path.
function handleMessage(m) {
  const room = state.rooms.get(m.room);
  if (!room) {
    fetchUnknownRoom(m.room);
    return;
  }
  remember(m);
  let isNew = false;
  if (m.seq > room.synced_seq && !room.ahead.has(m.seq)) {
    isNew = true;
    if (m.seq === room.synced_seq + 1) {
      room.synced_seq = m.seq;
      while (room.ahead.delete(room.synced_seq + 1)) room.synced_seq += 1;
    } else {
      room.ahead.add(m.seq);
      scheduleResync();
    }
  }
  const own = m.sender.id === state.me.id;
  // Whoever was typing has sent it: their typing line ends with the message.
  const typers = state.typing.get(m.room);
  if (typers && typers.delete(m.sender.id) && m.room === state.activeRoomId) renderTyping();
  if (isNew) {
    room.last_seq = Math.max(room.last_seq, m.seq);
    if (own) room.last_read_seq = Math.max(room.last_read_seq, m.seq);
    if (!room.last_message || m.seq >= room.last_message.seq) room.last_message = previewOf(m);
    if (!own && mentionsMe(m) && m.seq > room.last_read_seq) room.mentioned = true;
    if (!own) maybeNotify(room, m);
  }
  resolvePending(m);
  const inserted = insertIntoTimeline(m);
  if (inserted && m.room === state.activeRoomId && !own && !isAtBottom()) newBelow += 1;
  queueRender(m.room);
  if (isNew) cardMessage(m);
}

function mergeUpdate(old, m) {
  if (old && old.member_count === m.member_count && old.read_count > m.read_count && old.edited_at === m.edited_at
      && old.deleted === m.deleted && JSON.stringify(old.card) === JSON.stringify(m.card)
      && JSON.stringify(old.reactions) === JSON.stringify(m.reactions)) {
    return old; // an older read count arriving late
  }
  if (old && old.member_count === m.member_count && old.read_count > m.read_count) {
    return { ...m, read_count: old.read_count };
  }
  return m;
}

function handleUpdate(m) {
  const timeline = state.timelines.get(m.room);
  let changed = false;
  if (timeline && timeline.bySeq.has(m.seq)) {
    const merged = mergeUpdate(timeline.bySeq.get(m.seq), m);
    if (merged !== timeline.bySeq.get(m.seq)) {
      timeline.bySeq.set(m.seq, merged);
      changed = true;
    }
    m = merged;
  }
  if (state.messagesById.has(m.id)) {
    state.messagesById.set(m.id, m);
    changed = true;
  }
  const room = state.rooms.get(m.room);
  if (room && room.last_message && room.last_message.id === m.id) {
    room.last_message = previewOf(m);
    changed = true;
  }
  if (changed) queueRender(m.room);
  cardMessage(m);
}

// One frame for a renamed topic (no message_updated per message): what this client holds of
// the room's messages moves to the new name, and the room is drawn again.
function handleTopicRenamed(f) {
  const retopic = (m) => (m && m.room === f.room && m.topic === f.from ? { ...m, topic: f.to } : m);
  const timeline = state.timelines.get(f.room);
  let changed = false;
  if (timeline) {
    for (const [seq, m] of timeline.bySeq) {
      const moved = retopic(m);
      if (moved !== m) {
        timeline.bySeq.set(seq, moved);
        changed = true;
      }
    }
  }
  for (const [id, m] of state.messagesById) {
    const moved = retopic(m);
    if (moved !== m) state.messagesById.set(id, moved);
  }
  if (changed) queueRender(f.room);
}

function scheduleResync() {
  clearTimeout(resyncTimer);
  resyncTimer = setTimeout(() => {
    const gaps = [...state.rooms.values()].some((r) => r.ahead.size);
    if (gaps) conn.sync();
  }, 400);
}

function syncState() {
  const rooms = {};
  for (const room of state.rooms.values()) rooms[room.id] = room.synced_seq;
  return rooms;
}

function onFrame(frame) {
  switch (frame.type) {
    case "message":
      handleMessage(frame.message);
      break;
    case "message_updated":
      handleUpdate(frame.message);
      break;
    case "topic_renamed":
      handleTopicRenamed(frame);
      break;
    case "ack": {
      const p = state.pending.get(frame.client_id);
      if (frame.message) {
        remember(frame.message);
        insertIntoTimeline(frame.message);
        resolvePending(frame.message);
        queueRender(frame.message.room);
      } else if (p) {
        state.pending.delete(frame.client_id);
      }
      break;
    }
    case "error": {
      const p = frame.ref ? state.pending.get(frame.ref) : null;
      if (p) failPending(p, frame.detail);
      else if (frame.code !== "not_found") toast(frame.detail, "error");
      break;
    }
    case "receipt":
      if (frame.user === state.me.id) {
        const room = state.rooms.get(frame.room);
        if (room && frame.seq > room.last_read_seq) {
          room.last_read_seq = frame.seq;
          if (room.last_read_seq >= room.last_seq) room.mentioned = false;
          queueRender(room.id);
        }
      }
      break;
    case "typing":
      if (frame.user !== state.me.id) {
        if (!state.typing.has(frame.room)) state.typing.set(frame.room, new Map());
        const user = state.users.get(frame.user);
        state.typing.get(frame.room).set(frame.user, {
          name: frame.display_name || displayName(user) || "",
          until: Date.now() + 6000,
        });
        renderTyping();
        setTimeout(renderTyping, 6100);
      }
      break;
    case "presence":
      state.presence.set(frame.user, frame.status);
      refreshPresenceDots();
      queueRender();
      break;
    case "room_joined":
      roomJoined(frame.room);
      break;
    case "room_left":
      removeRoom(frame.room);
      break;
    case "synced":
      onSynced(frame.first);
      break;
    case "room_updated":
      if (frame.room && state.rooms.has(frame.room.id)) {
        addRoom(frame.room);
        queueRender(frame.room.id);
        if (frame.room.id === state.activeRoomId) renderHeader(state.rooms.get(frame.room.id));
      }
      break;
    default:
      break;
  }
  dispatchFrame(frame);
}

function onSynced(first) {
  if (!first) loadRooms(false).catch(() => {});
  for (const p of state.pending.values()) {
    if (p.status === "queued" || (p.status === "sending" && p.sentGen !== conn.generation)) trySend(p);
  }
  const active = state.rooms.get(state.activeRoomId);
  if (active) {
    const timeline = timelineOf(active.id);
    if (!first && timeline.loaded) catchUpTimeline(active.id);
  }
  queueRender();
}

// After a reconnect, a loaded timeline may have missed messages older than what the
// socket re-sent (it re-sends from the room's synced seq, which is never behind the
// timeline); nothing to do but make sure reads are marked.
function catchUpTimeline() {
  maybeMarkRead();
}

// --- sending ------------------------------------------------------------------------------------
function newClientId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `w-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

function send({ room, body, reply_to: replyTo, attachments }) {
  const p = {
    client_id: newClientId(), room, body, reply_to: replyTo, attachments,
    status: "sending", error: "", created_at: new Date().toISOString(), sentGen: -1, timer: null,
  };
  state.pending.set(p.client_id, p);
  saveOutbox();
  trySend(p);
  stickBottom = true;
  queueRender(room);
}

function trySend(p) {
  p.status = "sending";
  p.error = "";
  const frame = { type: "send", room: p.room, client_id: p.client_id, body: p.body, attachments: p.attachments.map((a) => a.id) };
  if (p.reply_to) frame.reply_to = p.reply_to;
  if (!conn.send(frame)) {
    p.status = "queued"; // sent when the socket is live again
  } else {
    p.sentGen = conn.generation;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (state.pending.get(p.client_id) === p && p.status === "sending") {
        failPending(p, gettext("no answer from the server"));
      }
    }, SEND_TIMEOUT_MS);
  }
  queueRender(p.room);
}

function failPending(p, detail) {
  clearTimeout(p.timer);
  p.status = "failed";
  p.error = detail || "";
  queueRender(p.room);
}

function retry(p) {
  p.sentGen = -1;
  trySend(p);
}

function discard(p) {
  clearTimeout(p.timer);
  state.pending.delete(p.client_id);
  saveOutbox();
  queueRender(p.room);
}

function restoreOutbox() {
  for (const item of loadOutbox()) {
    state.pending.set(item.client_id, {
      ...item, attachments: item.attachments || [], status: "sending", error: "", sentGen: -1, timer: null,
    });
  }
}

function sendTyping(roomId) {
  conn.send({ type: "typing", room: roomId });
}

// --- reading -------------------------------------------------------------------------------------
function isAtBottom() {
  const box = $("#messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 60;
}

// A read position goes to the server at once, then at most once a second per room: in a
// storm of replies the newest position is all the server needs (core/coalesce.js).
const readPositions = coalescer((roomId, seq) => {
  if (!conn.send({ type: "read", room: roomId, seq })) {
    api("POST", `/rooms/${roomId}/read`, { seq }).catch(() => {});
  }
});

function maybeMarkRead() {
  const room = state.rooms.get(state.activeRoomId);
  if (!room || document.visibilityState !== "visible" || !document.hasFocus()
      || !(currentRoute() && currentRoute().name === "rooms")) return;
  const timeline = timelineOf(room.id);
  if (!timeline.loaded || !isAtBottom()) return;
  const messages = sortedMessages(timeline);
  const newest = messages.length ? messages[messages.length - 1].seq : 0;
  const upto = Math.min(room.last_seq, Math.max(newest, room.last_read_seq));
  if (upto <= room.last_read_seq) {
    room.mentioned = false;
    return;
  }
  room.last_read_seq = upto;
  room.mentioned = false;
  readPositions.push(room.id, upto);
  queueRender(room.id);
}

// --- history -------------------------------------------------------------------------------------
async function loadNewest(roomId) {
  const timeline = timelineOf(roomId);
  timeline.loading = true;
  queueRender(roomId);
  try {
    const page = await api("GET", `/rooms/${roomId}/messages?limit=${PAGE}`);
    for (const m of page) {
      remember(m);
      if (!timeline.bySeq.has(m.seq)) timeline.bySeq.set(m.seq, m);
    }
    timeline.hasOlder = page.length === PAGE && page[0].seq > 1;
    timeline.loaded = true;
  } catch (error) {
    toast(errorText(error), "error");
  } finally {
    timeline.loading = false;
  }
  if (roomId === state.activeRoomId) stickBottom = "unread";
  queueRender(roomId);
}

async function loadOlder() {
  const roomId = state.activeRoomId;
  const timeline = state.timelines.get(roomId);
  if (!timeline || !timeline.loaded || timeline.loading || !timeline.hasOlder) return;
  const oldest = sortedMessages(timeline)[0];
  if (!oldest) return;
  timeline.loading = true;
  queueRender(roomId);
  try {
    const page = await api("GET", `/rooms/${roomId}/messages?before_seq=${oldest.seq}&limit=${PAGE}`);
    for (const m of page) {
      remember(m);
      if (!timeline.bySeq.has(m.seq)) timeline.bySeq.set(m.seq, m);
    }
    timeline.hasOlder = page.length === PAGE && page[0].seq > 1;
  } catch (error) {
    toast(errorText(error), "error");
  } finally {
    timeline.loading = false;
  }
  queueRender(roomId);
  // Still at the top (a short page)? Keep going.
  requestAnimationFrame(() => {
    if (state.activeRoomId === roomId && $("#messages").scrollTop < 150) loadOlder();
  });
}

async function needMessage(id) {
  if (fetchingMessages.has(id)) return;
  fetchingMessages.add(id);
  try {
    const m = await api("GET", `/messages/${id}`);
    remember(m);
    queueRender(m.room);
  } catch {
    state.messagesById.set(id, {
      id, deleted: true, sender: { id: 0, display_name: "" }, body: "", attachments: [], kind: "text",
    });
    queueRender(state.activeRoomId);
  }
}

// --- rendering ------------------------------------------------------------------------------------
function queueRender(roomId) {
  if (roomId !== undefined && roomId !== null) renderRooms.add(roomId);
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

function render() {
  renderQueued = false;
  const rooms = renderRooms;
  renderRooms = new Set();
  renderRoomList(openRoom);
  const active = state.rooms.get(state.activeRoomId);
  const where = currentRoute();
  const page = where && where.name !== "rooms" ? pageNamed(where.name) : null;
  const place = page && page.title ? page.title() : active && where && where.name === "rooms" && !isPhone() ? active.name : "";
  updateTitle(totalUnread(), place, storeGet("todo.total") || 0);
  if (active) {
    renderHeader(active);
    if (rooms.has(active.id) || stickBottom) renderActive(active);
  }
}

// Keep the message the reader is looking at where it is, unless they are at the bottom.
function renderActive(room) {
  const box = $("#messages");
  const wasBottom = isAtBottom();
  let anchor = null;
  let anchorTop = 0;
  if (!wasBottom) {
    for (const li of $("#message-list").children) {
      if (li.offsetTop + li.offsetHeight > box.scrollTop) {
        anchor = li;
        anchorTop = li.offsetTop - box.scrollTop;
        break;
      }
    }
  }
  const editing = editor && document.activeElement === editor.area
    ? [editor.area.selectionStart, editor.area.selectionEnd] : null;
  renderTimeline(room, ctx);
  if (editing && editor && editor.area.isConnected && document.activeElement !== editor.area) {
    editor.area.focus();
    editor.area.setSelectionRange(...editing);
  }
  const mode = stickBottom;
  stickBottom = false;
  if (mode === "unread") {
    pin = "divider";
    applyPin();
  } else if (mode || wasBottom) {
    pin = "bottom";
    applyPin();
  } else if (anchor && anchor.isConnected) {
    box.scrollTop = anchor.offsetTop - anchorTop;
  }
  revealFound(room);
  if (isAtBottom()) newBelow = 0;
  renderJump();
  renderTyping();
  maybeMarkRead();
}

function applyPin() {
  const box = $("#messages");
  if (pin === "divider") {
    const divider = $(".unread-sep", box);
    if (divider && divider.offsetTop - 12 < box.scrollHeight - box.clientHeight) {
      box.scrollTop = Math.max(0, divider.offsetTop - 12);
      pinTop = box.scrollTop;
      return;
    }
    pin = "bottom";
  }
  if (pin === "bottom") box.scrollTop = box.scrollHeight;
}

function renderJump() {
  const button = $("#jump-btn");
  const show = state.activeRoomId !== null && !isAtBottom();
  button.hidden = !show;
  if (!show) return;
  button.replaceChildren(icon("down", 16), newBelow
    ? fmt(ngettext("%(n)s new message", "%(n)s new messages", newBelow), { n: newBelow })
    : gettext("Jump to latest"));
}

function renderTyping() {
  $("#typing").textContent = state.activeRoomId === null ? "" : typingText(state.activeRoomId);
}

function renderHeader(room) {
  $("#room-name").textContent = room.name;
  const sub = [];
  if ((room.kind === "direct" || room.kind === "bot") && room.peer) {
    const status = room.peer.is_bot ? "online" : state.presence.get(room.peer.id) || "offline";
    sub.push({ online: gettext("Online"), away: gettext("Away"), offline: gettext("Offline") }[status]);
    if (room.peer.title) sub.push(room.peer.title);
  } else {
    sub.push(fmt(ngettext("%(n)s member", "%(n)s members", room.members_count), { n: room.members_count }));
    if (room.topic) sub.push(room.topic);
  }
  $("#room-sub").textContent = sub.join(" · ");
  renderMute(room);
  renderComposerMode(room);
  const pinKey = `${room.id}|${(room.pinned || []).join(",")}`;
  if ($("#pin-bar").dataset.key !== pinKey) {
    $("#pin-bar").dataset.key = pinKey;
    renderPins(room, { openMessage, unpin: (m) => ctx.pin(m, false) });
  }
  const holder = $("#room-avatar");
  const signature = `${room.id}|${room.peer ? room.peer.id : ""}`;
  if (holder.dataset.sig !== signature) {
    holder.dataset.sig = signature;
    holder.replaceChildren(roomAvatar(room, 36));
  }
}

// In an announce-only channel only its admins post: anyone else reads a note where the
// composer would be (the server refuses their messages anyway).
function mayPost(room) {
  return !(room.announce_only && room.kind === "channel" && room.role !== "admin");
}

function renderComposerMode(room) {
  const readOnly = !mayPost(room);
  const note = $("#composer-readonly");
  if (readOnly && !note.childElementCount) note.append(readOnlyNote());
  note.hidden = !readOnly;
  $("#composer").hidden = readOnly;
}

// The notices pinned to the top of the open room (roomnotices.js), one strip at a time.
let noticeStrip = null;

function showNoticePins(room) {
  if (noticeStrip) noticeStrip.stop();
  noticeStrip = null;
  const holder = $("#notice-pins");
  holder.replaceChildren();
  holder.hidden = !room;
  if (!room) return;
  noticeStrip = pinnedNotices(room, { onFrame: onSocketFrame });
  holder.append(noticeStrip.node);
}

function refreshPresenceDots() {
  for (const dot of document.querySelectorAll("[data-presence-user]")) {
    const status = state.presence.get(Number(dot.dataset.presenceUser)) || "offline";
    dot.className = `presence presence-${status}`;
  }
  const active = state.rooms.get(state.activeRoomId);
  if (active) renderHeader(active);
}

function showEmptyPane() {
  $("#pane-empty").hidden = false;
  for (const id of ["#pane-head", "#messages", "#composer", "#composer-readonly", "#jump-btn", "#pin-bar"]) $(id).hidden = true;
  $("#pin-bar").dataset.key = "";
  showNoticePins(null);
  $("#layout").classList.remove("show-pane");
}

// --- navigation ------------------------------------------------------------------------------------
// Rooms have addresses (#/rooms/12): a click goes there through the router, which calls
// showRoom; on a phone the room is a page of its own and Back returns to the list.
function openRoom(id) {
  if (!state.rooms.has(id)) return;
  navigate(`rooms/${id}`);
}

function showRoom(id) {
  const room = state.rooms.get(id);
  if (!room) {
    showEmptyPane();
    return;
  }
  const changed = state.activeRoomId !== id;
  state.activeRoomId = id;
  storeSet("chat.activeRoom", id);
  $("#pane-empty").hidden = true;
  for (const sel of ["#pane-head", "#messages", "#composer"]) $(sel).hidden = false;
  $("#layout").classList.add("show-pane");
  if (changed) {
    newBelow = 0;
    const timeline = timelineOf(id);
    timeline.unreadFrom = unreadOf(room) > 0 ? room.last_read_seq + 1 : null;
    composer.setRoom(id);
    showNoticePins(room);
    $("#message-list").replaceChildren();
    if (!timeline.loaded && !timeline.loading) loadNewest(id);
    else stickBottom = "unread";
    renderTyping();
  }
  renderHeader(room);
  queueRender(id);
  if (!isPhone() && mayPost(room)) composer.focus();
  maybeMarkRead();
}


// #/chats: the list of conversations on a phone; on a wider screen the latest room.
function showConversations() {
  if (!isPhone()) {
    const first = $("#room-list .room-item");
    if (first) {
      navigate(`rooms/${first.dataset.room}`, { replace: true });
      return;
    }
  }
  if (state.activeRoomId !== null) composer.saveDraft();
  state.activeRoomId = null;
  storeSet("chat.activeRoom", null);
  showEmptyPane();
  queueRender();
}

function closeRoom() {
  if (state.activeRoomId !== null) composer.saveDraft();
  routerBack();
}

function roomOrder() {
  return [...document.querySelectorAll("#room-list .room-item")].map((el) => Number(el.dataset.room));
}

function nextUnreadRoom() {
  const order = roomOrder();
  const start = order.indexOf(state.activeRoomId);
  for (let i = 1; i <= order.length; i += 1) {
    const id = order[(start + i) % order.length];
    if (id !== state.activeRoomId && unreadOf(state.rooms.get(id)) > 0) {
      openRoom(id);
      return;
    }
  }
  toast(gettext("No unread messages."));
}

function stepRoom(delta) {
  const order = roomOrder();
  if (!order.length) return;
  const index = order.indexOf(state.activeRoomId);
  openRoom(order[(index + delta + order.length) % order.length]);
}

// --- message actions ------------------------------------------------------------------------------
function applyMessage(m) {
  handleUpdate(m);
}

async function react(m, emoji, on) {
  try {
    applyMessage(await api(on ? "POST" : "DELETE", `/messages/${m.id}/reactions`, { emoji }));
  } catch (error) {
    toast(errorText(error), "error");
  }
}

async function remove(m) {
  const ok = await confirmDialog({
    title: gettext("Delete the message"),
    text: gettext("Delete this message for everyone in the conversation?"),
    confirm: gettext("Delete"),
    danger: true,
  });
  if (!ok) return;
  try {
    applyMessage(await api("DELETE", `/messages/${m.id}`));
  } catch (error) {
    toast(errorText(error), "error");
  }
}

// One message is edited at a time, in place. The editor outlives rebuilds of the message's
// node (a read count or a reaction arriving meanwhile), keeping the text and the caret.
let editor = null;

function edit(m) {
  if (editor) finishEdit();
  const area = h("textarea", { class: "edit-area", rows: 2, "aria-label": gettext("Edit message") });
  area.value = m.body;
  const save = async () => {
    const body = area.value;
    const current = state.messagesById.get(m.id) || m;
    if (body === current.body) return finishEdit();
    saveBtn.disabled = true;
    try {
      const updated = await api("PATCH", `/messages/${m.id}`, { body });
      finishEdit();
      applyMessage(updated);
    } catch (error) {
      saveBtn.disabled = false;
      toast(errorText(error), "error");
    }
  };
  const saveBtn = h("button", { type: "button", class: "btn btn-primary btn-sm", onclick: save }, gettext("Save"));
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      finishEdit();
    }
  });
  const node = h("div", { class: "editor" }, area, h("div", { class: "edit-actions" },
    h("span", { class: "muted" }, gettext("Enter to save · Esc to cancel")),
    h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => finishEdit() }, gettext("Cancel")),
    saveBtn));
  editor = { id: m.id, room: m.room, node, area };
  touchMessage(m);
  queueRender(m.room);
  requestAnimationFrame(() => {
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  });
}

function finishEdit() {
  if (!editor) return;
  const { id, room } = editor;
  editor = null;
  const m = state.messagesById.get(id);
  if (m) touchMessage(m);
  queueRender(room);
  composer.focus();
}

// A fresh copy of the message makes the timeline rebuild its node.
function touchMessage(m) {
  const timeline = state.timelines.get(m.room);
  const current = timeline && timeline.bySeq.get(m.seq);
  if (current) {
    const copy = { ...current };
    timeline.bySeq.set(m.seq, copy);
    state.messagesById.set(copy.id, copy);
  }
}

function editLastOwn() {
  const timeline = state.timelines.get(state.activeRoomId);
  if (!timeline) return false;
  const mine = sortedMessages(timeline).filter((m) => m.sender.id === state.me.id && m.kind === "text" && !m.deleted && m.body.trim());
  const last = mine[mine.length - 1];
  if (!last) return false;
  edit(last);
  return true;
}

async function pressCard(m, action, button) {
  const updated = await pressCardAction(m, action, button);
  if (updated) applyMessage(updated);
}

function jumpTo(message) {
  const node = document.getElementById(`msg-${message.id}`);
  if (!node) {
    toast(gettext("The quoted message is further back in the history."));
    return;
  }
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.add("msg-flash");
  setTimeout(() => node.classList.remove("msg-flash"), 1600);
}

// A search result: its room opened at it (history loaded back to it if need be), highlighted.
let found = null;

async function openMessage(roomId, messageId) {
  if (!state.rooms.has(roomId)) {
    toast(gettext("You are no longer in this conversation."), "error");
    return;
  }
  let m = state.messagesById.get(messageId);
  if (!m || m.seq === undefined) {
    try {
      m = await api("GET", `/messages/${messageId}`);
      remember(m);
    } catch (error) {
      toast(errorText(error), "error");
      return;
    }
  }
  openRoom(roomId);
  const timeline = timelineOf(roomId);
  for (let i = 0; i < 150 && (timeline.loading || !timeline.loaded); i += 1) {
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
  await loadBackTo(roomId, m.seq);
  found = { room: roomId, id: messageId };
  queueRender(roomId);
}

async function loadBackTo(roomId, seq) {
  const timeline = timelineOf(roomId);
  const oldest = sortedMessages(timeline)[0];
  if (!timeline.loaded || !oldest || oldest.seq <= seq) return;
  const from = Math.max(0, seq - 20);
  timeline.loading = true;
  queueRender(roomId);
  try {
    let after = from;
    for (let i = 0; i < 20 && after + 1 < oldest.seq; i += 1) {
      const page = await api("GET", `/rooms/${roomId}/messages?after_seq=${after}&before_seq=${oldest.seq}&limit=500`);
      for (const item of page) {
        remember(item);
        if (!timeline.bySeq.has(item.seq)) timeline.bySeq.set(item.seq, item);
      }
      if (page.length < 500) break;
      after = page[page.length - 1].seq;
    }
    timeline.hasOlder = from > 0;
  } catch (error) {
    toast(errorText(error), "error");
  } finally {
    timeline.loading = false;
  }
}

function revealFound(room) {
  if (!found || found.room !== room.id) return;
  const node = document.getElementById(`msg-${found.id}`);
  if (!node) return;
  found = null;
  pin = null;
  node.scrollIntoView({ block: "center" });
  for (const old of document.querySelectorAll(".msg-found")) old.classList.remove("msg-found");
  node.classList.add("msg-found");
  if (!node.hasAttribute("tabindex")) node.setAttribute("tabindex", "-1");
  node.focus({ preventScroll: true });
  setTimeout(() => node.classList.remove("msg-found"), 8000);
}

const ctx = {
  reply: (m) => composer.setReply(m),
  react,
  pickReaction: (m, anchor) => reactionPopover(anchor, (emoji) => {
    const existing = (m.reactions || []).find((r) => r.emoji === emoji);
    react(m, emoji, !(existing && existing.users.includes(state.me.id)));
  }),
  edit,
  remove,
  showReaders: (m) => readersDialog(m, { remind: m.sender.id === state.me.id ? (button) => remindUnread(m, button) : null }),
  preview: (a) => openPreview(a),
  forward: (m) => forwardDialog(m, { onForwarded: (copy) => { handleMessage(copy); } }),
  pin: async (m, on) => {
    if (await setPinned(m, on)) refreshRoom(m.room);
  },
  pressCard,
  retry,
  discard,
  jumpTo,
  needMessage,
  editorFor: (m) => (editor && editor.id === m.id ? editor.node : null),
  openThread: (m) => openThread(m.room, m.thread || m.id),
  openTopic: (m) => openTopic(m.room, m.topic),
  mediaLoaded: () => {
    if (pin) applyPin();
  },
};

// --- notifications ---------------------------------------------------------------------------------
function maybeNotify(room, m) {
  // A followed topic (关注) is heard like a mention; a muted one (免打扰) only when mentioned.
  const topic = followedTopic(room.id, m.topic);
  let why = shouldNotify(room, m, state.me);
  if (topic === "mute" && why !== "mention") why = null;
  else if (topic === "follow" && !why && !m.deleted && m.sender.id !== state.me.id) why = "topic";
  if (!why) return;
  if (room.id === state.activeRoomId && document.visibilityState === "visible" && document.hasFocus()
      && currentRoute() && currentRoute().name === "rooms") return;
  notify({ room, message: m, mention: why === "mention", onClick: () => openRoom(room.id) });
}

// --- presence ------------------------------------------------------------------------------------------
function setupAway() {
  let away = false;
  let hiddenTimer = null;
  let idleTimer = null;
  const setAway = (value) => {
    if (value === away) return;
    away = value;
    conn.send({ type: "presence", status: value ? "away" : "online" });
  };
  const active = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => setAway(true), AWAY_AFTER_IDLE_MS);
    if (document.visibilityState === "visible") setAway(false);
  };
  document.addEventListener("visibilitychange", () => {
    clearTimeout(hiddenTimer);
    if (document.visibilityState === "hidden") {
      readPositions.flushAll(); // the tab may not come back
      hiddenTimer = setTimeout(() => setAway(true), AWAY_AFTER_HIDDEN_MS);
    } else {
      active();
      maybeMarkRead();
    }
  });
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    document.addEventListener(type, active, { passive: true });
  }
  window.addEventListener("focus", () => maybeMarkRead());
  active();
}

// --- connection state --------------------------------------------------------------------------------
function onState(connState) {
  if (connState !== "live") {
    for (const p of state.pending.values()) {
      if (p.status === "sending") {
        clearTimeout(p.timer);
        p.status = "queued";
        queueRender(p.room);
      }
    }
  }
  renderBanner(connState, conn);
}

// --- the session ------------------------------------------------------------------------------------------
function sessionExpired() {
  if (expired) return;
  expired = true;
  if (composer) composer.saveDraft();
  saveOutbox();
  const next = `/${location.hash}`;
  location.assign(`${boot.login_url}?next=${encodeURIComponent(next)}`);
}

// --- keyboard ---------------------------------------------------------------------------------------------------
function typingInField(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function setupKeys() {
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      const search = $("#room-search");
      if (isPhone()) closeRoom();
      search.focus();
      search.select();
      return;
    }
    if (event.altKey && event.shiftKey && event.key === "ArrowDown") {
      event.preventDefault();
      nextUnreadRoom();
      return;
    }
    if (event.altKey && !event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      stepRoom(event.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (event.key === "?" && !typingInField(event.target) && !$("#dialog").open) {
      event.preventDefault();
      shortcutsDialog();
    }
  });
  const search = $("#room-search");
  search.addEventListener("input", () => queueRender());
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      renderRoomList(openRoom); // the filter as typed so far, not as last painted
      const first = $("#room-list .room-item");
      if (first) {
        openRoom(Number(first.dataset.room));
        search.value = "";
        queueRender();
      }
    } else if (event.key === "Escape") {
      search.value = "";
      queueRender();
      if (state.activeRoomId !== null) composer.focus();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      const first = $("#room-list .room-item");
      if (first) first.focus();
    }
  });
  $("#room-list").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const items = [...document.querySelectorAll("#room-list .room-item")];
    const index = items.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    const next = items[index + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) next.focus();
  });
}

// --- commands, people, units for the composer ---------------------------------------------------------------------
const appApi = {
  send,
  sendTyping,
  editLastOwn,
  async commands() {
    if (!state.commands) {
      try {
        state.commands = await api("GET", "/commands");
      } catch {
        return [];
      }
    }
    return state.commands;
  },
  async findUsers(query) {
    try {
      const users = await api("GET", `/users?q=${encodeURIComponent(query)}`);
      users.forEach(rememberUser);
      return users;
    } catch {
      return [];
    }
  },
  async units() {
    if (!state.units) {
      try {
        state.units = await api("GET", "/units");
      } catch {
        return [];
      }
    }
    return state.units.filter((u) => u.kind !== "district");
  },
};

// --- start ---------------------------------------------------------------------------------------------------------------
// Started by the shell (app.js) once every page has registered; it starts the router when
// the rooms are known, so that an address naming a room finds it.
export async function startChat({ startRouter }) {
  initDialogs();
  onUnauthorized(sessionExpired);
  rememberUser(state.me);
  $("#new-chat-btn").append(icon("plus", 20));
  $("#back-btn").append(icon("back", 22));
  $("#members-btn").append(icon("users", 20));
  $("#send-btn").prepend(icon("send", 16));
  $("#new-chat-btn").addEventListener("click", () => newChatDialog(roomApi));
  $("#channels-btn").addEventListener("click", () => newChatDialog(roomApi, "channels"));
  $("#shortcuts-btn").addEventListener("click", shortcutsDialog);
  $("#back-btn").addEventListener("click", () => closeRoom());
  $("#mute-btn").addEventListener("click", () => {
    const room = state.rooms.get(state.activeRoomId);
    if (room) toggleMute(room, (updated) => { addRoom(updated); queueRender(updated.id); renderHeader(state.rooms.get(updated.id)); });
  });
  $("#members-btn").addEventListener("click", () => {
    const room = state.rooms.get(state.activeRoomId);
    if (!room) return;
    const settings = channelSettings(room, {
      onChange: (updated) => {
        addRoom(updated);
        queueRender(updated.id);
        if (updated.id === state.activeRoomId) renderHeader(state.rooms.get(updated.id));
      },
    });
    membersDialog(roomApi, room, { extra: settings });
  });
  $("#jump-btn").addEventListener("click", () => {
    const box = $("#messages");
    box.scrollTop = box.scrollHeight;
    newBelow = 0;
    renderJump();
    maybeMarkRead();
    composer.focus();
  });
  $("#messages").addEventListener("scroll", () => {
    const box = $("#messages");
    if (isAtBottom()) pin = "bottom";
    else if (!(pin === "divider" && Math.abs(box.scrollTop - pinTop) < 3)) pin = null;
    renderJump();
    if (isAtBottom()) {
      newBelow = 0;
      maybeMarkRead();
    }
  }, { passive: true });
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadOlder();
  }, { root: $("#messages"), rootMargin: "300px 0px 0px 0px" }).observe($("#history-sentinel"));
  $(".conn-retry").addEventListener("click", () => conn.reconnectNow());
  // On touch screens there is no hover: a tap on a message shows its actions.
  $("#message-list").addEventListener("click", (event) => {
    if (!window.matchMedia("(hover: none)").matches || event.target.closest("a, button, textarea")) return;
    const li = event.target.closest(".msg");
    for (const open of document.querySelectorAll(".msg.tools-open")) if (open !== li) open.classList.remove("tools-open");
    if (li) li.classList.toggle("tools-open");
  });
  window.addEventListener("beforeunload", () => composer && composer.saveDraft());

  composer = new Composer(appApi);
  conn = new Connection({
    path: boot.ws_path,
    syncState,
    onFrame,
    onState,
    onUnauthorized: sessionExpired,
  });
  setupMenu({ beforeSignOut: () => composer.saveDraft() });
  setupKeys();
  restoreOutbox();
  try {
    await loadRooms(true);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      $("#room-list").replaceChildren(h("p", { class: "room-list-empty" }, errorText(error)));
    }
    return;
  }
  render();
  renderRoomList(openRoom);
  if (state.activeRoomId === null) showEmptyPane();
  startRouter();
  startSidePanel();
  storeSubscribe("todo.total", () => queueRender(), { now: false });
  onRoute(() => queueRender());
  conn.start();
  setupAway();
  loadPresence();
  setInterval(renderTyping, 2000);
}

const roomApi = {
  roomJoined,
  roomLeft: (id) => { closeDialog(); removeRoom(id); },
  openRoom,
  refreshRoom,
  rememberUser,
};

registerPage({
  name: "rooms",
  path: "rooms/:id",
  pane: true,
  mount(_el, { id }) {
    showRoom(id);
    return () => {
      if (state.activeRoomId !== null) composer.saveDraft();
    };
  },
  update({ id }) {
    showRoom(id);
  },
});

registerPage({
  name: "chats",
  path: "chats",
  pane: true,
  mount() {
    showConversations();
  },
});

// For other pages: open a message in its room (search results, to-do items).
export { openMessage, openRoom, roomJoined };

