// The client's data: rooms with their seq bookkeeping, loaded timelines, pending sends,
// people and presence. Rendering reads it; app.js changes it.

export const boot = JSON.parse(document.getElementById("boot").textContent);

export const state = {
  me: boot.me,
  rooms: new Map(), // id -> Room (+ synced_seq, ahead, peer)
  activeRoomId: null,
  timelines: new Map(), // room id -> Timeline
  messagesById: new Map(), // id -> Message, for reply quotes
  pending: new Map(), // client_id -> Pending
  users: new Map(), // id -> user summary
  presence: new Map(), // user id -> "online" | "away" | "offline"
  typing: new Map(), // room id -> Map(user id -> {name, until})
  units: null,
  commands: null,
};

export function unreadOf(room) {
  return Math.max(0, room.last_seq - room.last_read_seq);
}

export function totalUnread() {
  let total = 0;
  for (const room of state.rooms.values()) total += unreadOf(room);
  return total;
}

export function timelineOf(roomId) {
  let timeline = state.timelines.get(roomId);
  if (!timeline) {
    timeline = {
      bySeq: new Map(),
      hasOlder: true,
      loading: false,
      loaded: false,
      unreadFrom: null, // seq of the first unread message when the room was opened
    };
    state.timelines.set(roomId, timeline);
  }
  return timeline;
}

export function sortedMessages(timeline) {
  return [...timeline.bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function rememberUser(user) {
  if (!user || !user.id) return;
  const known = state.users.get(user.id);
  state.users.set(user.id, known ? { ...known, ...user } : { ...user });
}

export function displayName(user) {
  if (!user) return "";
  return user.display_name || user.username || "";
}

const OUTBOX_KEY = `huitong.outbox.${boot.me.id}`;
const DRAFT_KEY = `huitong.drafts.${boot.me.id}`;

// Unsent messages survive a reload (and a trip to the login page); they are sent again
// with the same client_id, which the server stores once.
export function saveOutbox() {
  const items = [...state.pending.values()].map((p) => ({
    client_id: p.client_id, room: p.room, body: p.body, reply_to: p.reply_to,
    attachments: p.attachments, created_at: p.created_at,
  }));
  try {
    localStorage.setItem(OUTBOX_KEY, JSON.stringify(items));
  } catch {
    /* storage full or disabled: the outbox lives in memory only */
  }
}

export function loadOutbox() {
  try {
    return JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]");
  } catch {
    return [];
  }
}

function readDrafts() {
  try {
    return JSON.parse(localStorage.getItem(DRAFT_KEY) || "{}");
  } catch {
    return {};
  }
}

export function getDraft(roomId) {
  return readDrafts()[roomId] || "";
}

export function setDraft(roomId, text) {
  const drafts = readDrafts();
  if (text) drafts[roomId] = text;
  else delete drafts[roomId];
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(drafts));
  } catch {
    /* ignore */
  }
}
