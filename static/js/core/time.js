// Times in the product's words, written once: 14:05, 昨天, 11月25日 08:30, 12月1日（周一）
// 09:00–11:30. Pure (no DOM): `now` may be given, for the unit tests.

import { LOCALE, ZH, gettext } from "./i18n.js";

const clockFmt = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", hour12: false });
const fullFmt = new Intl.DateTimeFormat(LOCALE, { dateStyle: "full", timeStyle: "short", hour12: false });
const dayFmt = new Intl.DateTimeFormat(LOCALE, { month: "long", day: "numeric", weekday: "long" });
const yearDayFmt = new Intl.DateTimeFormat(LOCALE, { year: "numeric", month: "long", day: "numeric", weekday: "long" });
const shortDayFmt = new Intl.DateTimeFormat(LOCALE, { month: "numeric", day: "numeric" });
const weekdayFmt = new Intl.DateTimeFormat(LOCALE, { weekday: "short" });
const monthDayFmt = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric" });
const yearMonthDayFmt = new Intl.DateTimeFormat(LOCALE, { year: "numeric", month: "short", day: "numeric" });
const dateFmt = new Intl.DateTimeFormat(LOCALE, { year: "numeric", month: "long", day: "numeric" });

const asDate = (value) => (value instanceof Date ? value : new Date(value));

export function parseTime(iso) {
  return iso ? new Date(iso) : null;
}

export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

// Calendar days from `date` to `now` (0 today, 1 yesterday, -1 tomorrow).
export function daysAgo(date, now = new Date()) {
  const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((start(now) - start(date)) / 86400000);
}

export function clock(date) {
  return clockFmt.format(asDate(date));
}

export function fullTime(date) {
  return fullFmt.format(asDate(date));
}

// A day separator: 今天 / 昨天 / 11月20日星期五 (with the year when it is not this year).
export function dayLabel(date, now = new Date()) {
  const ago = daysAgo(date, now);
  if (ago === 0) return gettext("Today");
  if (ago === 1) return gettext("Yesterday");
  return date.getFullYear() === now.getFullYear() ? dayFmt.format(date) : yearDayFmt.format(date);
}

// The time of a room's last message in the room list.
export function listTime(date, now = new Date()) {
  const ago = daysAgo(date, now);
  if (ago === 0) return clock(date);
  if (ago === 1) return gettext("Yesterday");
  if (ago > 1 && ago < 7) return weekdayFmt.format(date);
  return shortDayFmt.format(date);
}

// 11月25日 (with the year when it is not this year's).
export function dayText(d, now = new Date()) {
  const year = d.getFullYear() === now.getFullYear() ? "" : `${d.getFullYear()}${ZH ? "年" : " "}`;
  return `${year}${ZH ? `${d.getMonth() + 1}月${d.getDate()}日` : monthDayFmt.format(d)}`;
}

// 11月25日 08:30 (with the year when it is not this year); Nov 25 08:30 in English.
export function when(iso, now = new Date()) {
  if (!iso) return "";
  const d = asDate(iso);
  return `${dayText(d, now)} ${clockFmt.format(d)}`;
}

// 2025年11月25日 08:30, the year always (archive entries).
export function whenWithYear(iso) {
  if (!iso) return "";
  const d = asDate(iso);
  const day = ZH ? `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日` : yearMonthDayFmt.format(d);
  return `${day} ${clockFmt.format(d)}`;
}

// 12月1日（周一）09:00–11:30, or two full times when the span crosses a day.
export function span(startIso, endIso, now = new Date()) {
  if (!startIso) return "";
  const a = asDate(startIso);
  const b = endIso ? asDate(endIso) : null;
  const day = `${dayText(a, now)}${ZH ? `（${weekdayFmt.format(a)}）` : ` (${weekdayFmt.format(a)})`}`;
  if (!b) return `${day} ${clockFmt.format(a)}`;
  if (sameDay(a, b)) return `${day} ${clockFmt.format(a)}–${clockFmt.format(b)}`;
  return `${day} ${clockFmt.format(a)} – ${when(endIso, now)}`;
}

// The value of a datetime-local input for an ISO time (local time, minutes).
export function localInput(iso) {
  if (!iso) return "";
  const d = asDate(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// "2025-11-25" (a date without a time) as 2025年11月25日.
export function dayOf(isoDate) {
  const [y, m, d] = String(isoDate || "").split("-").map(Number);
  return y ? dateFmt.format(new Date(y, m - 1, d)) : "";
}

// How a deadline stands: 已超期 / 今天到期 / n天后到期, for the to-do list.
export function dueText(iso, now = new Date()) {
  if (!iso) return "";
  const d = asDate(iso);
  if (d.getTime() < now.getTime()) return gettext("Overdue");
  const days = -daysAgo(d, now);
  if (days === 0) return `${gettext("Due today")} ${clockFmt.format(d)}`;
  if (days === 1) return `${gettext("Due tomorrow")} ${clockFmt.format(d)}`;
  return `${gettext("Due")} ${when(d, now)}`;
}
