// Formatting that is not about time (core/time.js): sizes, initials, previews, colours.

import { fmt, gettext } from "./i18n.js";

export { clock, dayKey, dayLabel, fullTime, listTime, parseTime } from "./time.js";

export function fileSize(bytes) {
  if (bytes < 1024) return fmt(gettext("%(n)s B"), { n: bytes });
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Rounded up, one decimal under 100: a file just over a limit never reads as the limit
  // itself (50.1 MB, not 50 MB, beside "at most 50 MB").
  const shown = value < 100 ? Math.ceil(value * 10 - 1e-9) / 10 : Math.ceil(value - 1e-9);
  return `${Number.isInteger(shown) ? shown : shown.toFixed(1)} ${units[unit]}`;
}

// Avatar text as DingTalk does it: the last two characters of a Chinese name, the first
// letter otherwise.
export function initials(name, { group = false } = {}) {
  const text = (name || "?").trim();
  if (/[\u4e00-\u9fff]/.test(text)) {
    const chars = [...text];
    // A person's name (two or three characters) by its last two; longer names and groups
    // by their first two.
    return group || chars.length > 3 ? chars.slice(0, 2).join("") : chars.slice(-2).join("");
  }
  return (text[0] || "?").toUpperCase();
}

// Plain text of the server's sanitized HTML, for quotes and previews. DOMParser builds an
// inert document: nothing in it loads or runs.
let parser = null;
export function htmlText(html) {
  if (!html) return "";
  if (!parser) parser = new DOMParser();
  return (parser.parseFromString(html, "text/html").body.textContent || "").replace(/\s+/g, " ").trim();
}

// Markdown marks stripped from a server-side preview (which carries the source text).
export function plainPreview(text) {
  return (text || "").replace(/(\*\*|__|~~|`)/g, "").replace(/^\s*(#{1,6}|>)\s*/gm, "").replace(/\s+/g, " ").trim();
}

// Markdown source as a reader sees it, line by line (headings, quotes, emphasis, code marks and
// link targets removed; list markers kept): for text shown outside a message, such as a
// document's body on its sheet.
export function plainMarkdown(text) {
  return String(text || "").split("\n").map((line) => line
    .replace(/^\s{0,3}(#{1,6}|>)\s*/, "")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__|~~|`)/g, "")
    .replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)\*(?!\w)/g, "$1$2")
    .replace(/^\s{0,3}[-*+]\s+/, "· ")).join("\n");
}

// White text on each of these has a contrast of at least 4.5:1.
const PALETTE = ["#2f64e0", "#087a5a", "#b8520b", "#7d48d9", "#c2356a", "#117489", "#4f5fe0", "#a86200"];

export function colorFor(key) {
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

export function isImage(attachment) {
  return /^image\/(png|jpeg|gif|webp)$/.test(attachment.mime || "");
}
