// Per-key coalescing of a rising value: the first value after a quiet spell goes out at once,
// later ones within `every` ms are folded into one trailing call with the highest value.
// The chat sends read positions through it: in a storm of replies (everyone answering 收到)
// a reader's client would otherwise send one `read` per message it displays.

export function coalescer(send, { every = 1000, now = () => Date.now(),
                                  schedule = setTimeout, cancel = clearTimeout } = {}) {
  const keys = new Map(); // key -> { value, timer, last }

  function flush(key) {
    const entry = keys.get(key);
    if (!entry) return;
    if (entry.timer !== null) cancel(entry.timer);
    entry.timer = null;
    if (entry.value === null) return;
    const value = entry.value;
    entry.value = null;
    entry.last = now();
    send(key, value);
  }

  function push(key, value) {
    let entry = keys.get(key);
    if (!entry) {
      entry = { value: null, timer: null, last: -Infinity };
      keys.set(key, entry);
    }
    entry.value = entry.value === null ? value : Math.max(entry.value, value);
    if (entry.timer !== null) return;
    const wait = entry.last + every - now();
    if (wait <= 0) flush(key);
    else entry.timer = schedule(() => flush(key), wait);
  }

  function flushAll() {
    for (const key of keys.keys()) flush(key);
  }

  return { push, flush, flushAll };
}
