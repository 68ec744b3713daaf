// The addresses of the client, pure (no DOM), so that node's unit tests run them.
// An address is `#/<path>?<query>`: `#/todo`, `#/rooms/12`, `#/documents/5`,
// `#/search?q=防汛`. A route's pattern names its parameters: `documents/:id` (a name ending
// in `id` matches digits only and arrives as a number), `documents/:box` (any one segment),
// `meetings/:tab?` (optional at the end).

// `#/rooms/12?x=1` → {path: "rooms/12", query: {x: "1"}}. A hash without the slash
// (`#room/12`, the addresses before the shell) comes back with `legacy: true`.
export function parseHash(hash) {
  let text = String(hash || "").replace(/^#/, "");
  const legacy = Boolean(text) && !text.startsWith("/");
  text = text.replace(/^\/+/, "");
  const at = text.indexOf("?");
  const path = (at < 0 ? text : text.slice(0, at)).replace(/\/+$/, "");
  const query = {};
  if (at >= 0) {
    for (const [key, value] of new URLSearchParams(text.slice(at + 1))) query[key] = value;
  }
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    /* a malformed escape stays as it was */
  }
  return { path: decoded, query, legacy };
}

// The address of a path and its query; empty values are left out.
export function buildHash(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString().replace(/\+/g, "%20");
  return `#/${String(path || "").replace(/^\/+/, "")}${text ? `?${text}` : ""}`;
}

export function compile(pattern) {
  const parts = String(pattern).replace(/^\/+|\/+$/g, "").split("/").filter(Boolean);
  const segments = parts.map((part) => {
    if (!part.startsWith(":")) return { literal: part };
    const optional = part.endsWith("?");
    const name = part.slice(1, optional ? -1 : undefined);
    return { name, optional, numeric: /id$/i.test(name) };
  });
  // How specific the pattern is: a literal segment outweighs a digits-only parameter, which
  // outweighs a parameter that takes any segment.
  const weight = segments.reduce((sum, s) => sum + (s.literal !== undefined ? 4 : s.numeric ? 2 : 1), 0);
  return { pattern, segments, literals: segments.filter((s) => s.literal).length, weight };
}

// Parameters of `path` under a compiled pattern, or null when it does not match.
export function matchPattern(compiled, path) {
  const parts = String(path).split("/").filter(Boolean);
  const { segments } = compiled;
  if (parts.length > segments.length) return null;
  const params = {};
  for (let i = 0; i < segments.length; i += 1) {
    const seg = segments[i];
    const part = parts[i];
    if (part === undefined) {
      if (seg.optional) continue;
      return null;
    }
    if (seg.literal !== undefined) {
      if (seg.literal !== part) return null;
    } else if (seg.numeric) {
      if (!/^\d+$/.test(part)) return null;
      params[seg.name] = Number(part);
    } else {
      params[seg.name] = part;
    }
  }
  return params;
}

// The best route for a path: the most specific of those matching (literal segments first,
// then digits-only parameters), the first registered on a tie.
export function resolve(routes, path) {
  let best = null;
  for (const route of routes) {
    const params = matchPattern(route.compiled, path);
    if (params && (!best || route.compiled.weight > best.route.compiled.weight)) best = { route, params };
  }
  return best;
}

// Addresses from before the shell (`#room/12`, `#doc/5`, `#docs/sent`, `#meeting/3`,
// `#approvals/mine`, `#search?q=`, `#archive?year=`), still found in older messages and
// bookmarks, as today's paths.
const LEGACY = [
  [/^room\/(\d+)$/, (m) => `rooms/${m[1]}`],
  [/^doc\/(\d+)$/, (m) => `documents/${m[1]}`],
  [/^docs(?:\/(\w+))?$/, (m) => (m[1] ? `documents/${m[1]}` : "documents")],
  [/^meeting\/(\d+)$/, (m) => `meetings/${m[1]}`],
  [/^meetings(?:\/(\w+))?$/, (m) => (m[1] ? `meetings/${m[1]}` : "meetings")],
  [/^approval\/(\d+)$/, (m) => `approvals/${m[1]}`],
  [/^approvals(?:\/(\w+))?$/, (m) => (m[1] ? `approvals/${m[1]}` : "approvals")],
  [/^(search|archive)$/, (m) => m[1]],
];

export function legacyPath(path) {
  for (const [pattern, to] of LEGACY) {
    const m = path.match(pattern);
    if (m) return to(m);
  }
  return null;
}
