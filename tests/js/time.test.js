// Times in the product's words (Simplified Chinese, the default language).
import assert from "node:assert/strict";
import { test } from "node:test";

process.env.TZ = "Asia/Shanghai";
const { dayOf, daysAgo, dueText, listTime, localInput, span, when, whenWithYear } = await import("../../static/js/core/time.js");

const now = new Date(2026, 11, 5, 10, 0); // 2026年12月5日 10:00, a Saturday

test("a time this year has no year; another year's has it", () => {
  assert.equal(when(new Date(2026, 10, 25, 8, 30), now), "11月25日 08:30");
  assert.equal(when(new Date(2025, 0, 2, 14, 5), now), "2025年1月2日 14:05");
  assert.equal(when(null, now), "");
  assert.equal(whenWithYear(new Date(2026, 10, 25, 8, 30)), "2026年11月25日 08:30");
});

test("a span within a day names the day once, with its weekday", () => {
  assert.equal(span(new Date(2026, 11, 7, 9, 0), new Date(2026, 11, 7, 11, 30), now), "12月7日（周一） 09:00–11:30");
  assert.match(span(new Date(2026, 11, 7, 9, 0), new Date(2026, 11, 8, 9, 0), now), /^12月7日（周一） 09:00 – 12月8日 09:00$/);
});

test("the room list says today's time, 昨天, a weekday, then the date", () => {
  assert.equal(listTime(new Date(2026, 11, 5, 8, 1), now), "08:01");
  assert.equal(listTime(new Date(2026, 11, 4, 8, 1), now), "Yesterday");
  assert.equal(listTime(new Date(2026, 11, 1, 8, 1), now), "周二");
  assert.equal(listTime(new Date(2026, 10, 1, 8, 1), now), "11/1");
  assert.equal(daysAgo(new Date(2026, 11, 6), now), -1);
});

test("a deadline says whether it has passed", () => {
  assert.equal(dueText(new Date(2026, 11, 5, 9, 0), now), "Overdue");
  assert.equal(dueText(new Date(2026, 11, 5, 17, 0), now), "Due today 17:00");
  assert.equal(dueText(new Date(2026, 11, 6, 17, 0), now), "Due tomorrow 17:00");
  assert.equal(dueText(new Date(2026, 11, 9, 17, 0), now), "Due 12月9日 17:00");
});

test("dates for inputs and date-only values", () => {
  assert.equal(localInput(new Date(2026, 0, 2, 3, 4)), "2026-01-02T03:04");
  assert.equal(dayOf("2026-12-05"), "2026年12月5日");
  assert.equal(dayOf(""), "");
});
