// One store of shared values that pages read and subscribe to: `todo` (the counts of the
// to-do list), `rooms.unread`, `me`... Keys are plain strings; a value is replaced, never
// mutated in place, so a subscriber sees each change once. Pure (no DOM).

const values = new Map();
const listeners = new Map(); // key -> Set(fn)

export function get(key) {
  return values.get(key);
}

// Set a value; subscribers of the key are called when it differs (by identity, or by
// content for plain data).
export function set(key, value) {
  const before = values.get(key);
  if (before === value) return;
  if (before !== undefined && typeof value !== "function" && sameData(before, value)) return;
  values.set(key, value);
  for (const fn of [...(listeners.get(key) || [])]) {
    try {
      fn(value, before);
    } catch (error) {
      console.error(error); // eslint-disable-line no-console
    }
  }
}

// Change a value from its current one: `update("todo", (t) => ({...t, total: 3}))`.
export function update(key, change) {
  set(key, change(values.get(key)));
}

// Call `fn(value)` now (when the key has a value) and on every change; returns the
// function that unsubscribes.
export function subscribe(key, fn, { now = true } = {}) {
  if (!listeners.has(key)) listeners.set(key, new Set());
  listeners.get(key).add(fn);
  if (now && values.has(key)) fn(values.get(key), undefined);
  return () => listeners.get(key).delete(fn);
}

export function reset() {
  values.clear();
  listeners.clear();
}

function sameData(a, b) {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
