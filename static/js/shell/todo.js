// The to-do counts every page may show (the sidebar's badges, the tab's title): GET /todo
// once, then the live `todo` frames. Store keys: `todo` ({total, counts}), `todo.total`, and
// `todo.count.<kind>` per kind (`todo.count.approval`...). The 工作台 page reads the items
// itself; it calls refreshTodo() after acting.

import { api } from "../core/api.js";
import { onFrame } from "./socket.js";
import { set } from "./store.js";

let timer = null;
let seq = 0;

export function applyCounts({ total = 0, counts = {} } = {}) {
  set("todo", { total, counts: { ...counts } });
  set("todo.total", total);
  for (const [kind, n] of Object.entries(counts)) set(`todo.count.${kind}`, n);
}

// Fetch the list again (after `delay` ms, coalescing calls); resolves with the whole answer,
// or null when it failed.
let waiting = [];

export function refreshTodo(delay = 0) {
  clearTimeout(timer);
  return new Promise((resolve) => {
    waiting.push(resolve);
    timer = setTimeout(async () => {
      const mine = ++seq;
      const callers = waiting;
      waiting = [];
      let answer = null;
      try {
        answer = await api("GET", "/todo");
        if (mine === seq) {
          applyCounts(answer);
          set("todo.items", answer.items || []);
        }
      } catch {
        /* the counts wait for the next frame */
      }
      for (const done of callers) done(answer);
    }, delay);
  });
}

export function startTodo() {
  onFrame("todo", (frame) => {
    applyCounts(frame);
    set("todo.stale", Date.now());
  });
  onFrame("synced", () => refreshTodo(300));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshTodo(200);
  });
  return refreshTodo();
}

// Items by kind, in the order their oldest item waits (the list comes oldest
// first); pure, for the unit tests.
export function groupItems(items) {
  const groups = new Map();
  for (const item of items || []) {
    if (!groups.has(item.kind)) groups.set(item.kind, { kind: item.kind, label: item.label || item.kind, items: [], overdue: 0 });
    const g = groups.get(item.kind);
    g.items.push(item);
    if (item.overdue) g.overdue += 1;
  }
  return [...groups.values()];
}
