// The ledgers of notices (who pressed 收到) and bulletin issues (who read it), pure (no DOM),
// so that node's unit tests run them.

const codeOf = (entry) => (entry && entry.unit ? entry.unit.code : null);

// A notice's units: those still waiting for someone (in the server's unit order) and those
// where everyone has pressed 收到.
export function splitUnits(units) {
  const behind = [];
  const done = [];
  for (const u of units || []) (u.pending ? behind : done).push(u);
  return { behind, done };
}

// The people of one unit's row in a notice's lists (`pending` or `acked`).
export function peopleOfUnit(people, unit) {
  const code = codeOf(unit);
  return (people || []).filter((p) => codeOf(p) === code);
}

// The latest `n` presses, newest first (the server lists them in the order pressed).
export function latest(acked, n) {
  return [...(acked || [])].reverse().slice(0, n);
}

// An issue's reads: units that have and have not opened it, how many people, and the latest
// readers with their units, newest first.
export function readSummary(units, n = 10) {
  const read = [];
  const unread = [];
  let readers = 0;
  const recent = [];
  for (const u of units || []) {
    (u.read ? read : unread).push(u);
    readers += (u.readers || []).length;
    for (const r of u.readers || []) recent.push({ ...r, unit: u.unit });
  }
  recent.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return { read, unread, readers, recent: recent.slice(0, n) };
}

// The audience of a notice as the form chose it: every unit or the units ticked, then the
// people, each once.
export function audienceOf({ everyone, units = [], people = [] }) {
  return [...new Set([...(everyone ? ["all"] : units), ...people])];
}
