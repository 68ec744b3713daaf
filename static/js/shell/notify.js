// The tab title's unread count and browser notifications for mentions and direct messages.

import { fmt, gettext } from "../core/i18n.js";

const BASE_TITLE = gettext("Huitong");
const RECENT_MS = 2 * 60 * 1000;

// (12) 【待办 3】防汛值班组 - 汇通: unread messages, what waits for me, where I am.
export function updateTitle(total, roomName, todo = 0) {
  const base = roomName ? `${roomName} - ${BASE_TITLE}` : BASE_TITLE;
  const unread = total ? `(${total > 999 ? "999+" : total}) ` : "";
  const waiting = todo ? `【${fmt(gettext("To do %(n)s"), { n: todo > 99 ? "99+" : todo })}】` : "";
  document.title = `${unread}${waiting}${base}`;
}

export function notificationsSupported() {
  return "Notification" in window;
}

export function notificationState() {
  return notificationsSupported() ? Notification.permission : "unsupported";
}

export async function askPermission() {
  if (!notificationsSupported()) return "unsupported";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

// Only for messages that are new (not old ones caught up after a long absence).
export function notify({ room, message, mention, onClick }) {
  if (notificationState() !== "granted") return;
  if (Date.now() - new Date(message.created_at).getTime() > RECENT_MS) return;
  const sender = message.sender.display_name || message.sender.username;
  const title = room.kind === "direct"
    ? sender
    : fmt(mention ? gettext("%(sender)s mentioned you in %(room)s") : gettext("%(sender)s in %(room)s"), { sender, room: room.name });
  let body = message.body || "";
  if (message.kind === "card" && message.card) body = `[${gettext("Card")}] ${message.card.title || ""}`;
  if (!body && message.attachments && message.attachments.length) body = `[${gettext("Attachment")}] ${message.attachments[0].name}`;
  try {
    const n = new Notification(title, { body: body.slice(0, 200), tag: `huitong-room-${room.id}`, lang: document.documentElement.lang });
    n.addEventListener("click", () => {
      window.focus();
      onClick();
      n.close();
    });
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}
