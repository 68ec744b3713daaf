// The notices' and bulletins' ledgers: how units, presses and reads are grouped for the pages.
import assert from "node:assert/strict";
import { test } from "node:test";

const { audienceOf, latest, peopleOfUnit, readSummary, splitUnits } = await import("../../static/js/pages/noticeledger.js");

const unit = (code) => ({ code, name: code });

test("units still waiting come apart from those where everyone pressed 收到, in order", () => {
  const units = [{ unit: unit("qwb"), acked: 3, pending: 1 }, { unit: unit("zfb"), acked: 2, pending: 0 },
    { unit: unit("wsj"), acked: 0, pending: 4 }, { unit: null, acked: 1, pending: 0 }];
  const { behind, done } = splitUnits(units);
  assert.deepEqual(behind.map((u) => u.unit.code), ["qwb", "wsj"]);
  assert.deepEqual(done.map((u) => (u.unit ? u.unit.code : null)), ["zfb", null]);
  assert.deepEqual(splitUnits(undefined), { behind: [], done: [] });
});

test("a unit's row lists its own people, and people of no unit under the row of no unit", () => {
  const people = [{ user: { username: "a" }, unit: unit("qwb") }, { user: { username: "b" }, unit: null },
    { user: { username: "c" }, unit: unit("wsj") }];
  assert.deepEqual(peopleOfUnit(people, { unit: unit("qwb") }).map((p) => p.user.username), ["a"]);
  assert.deepEqual(peopleOfUnit(people, { unit: null }).map((p) => p.user.username), ["b"]);
});

test("the latest presses come newest first and at most n", () => {
  const acked = [1, 2, 3, 4, 5].map((i) => ({ at: `2026-12-05T10:0${i}:00Z`, i }));
  assert.deepEqual(latest(acked, 3).map((a) => a.i), [5, 4, 3]);
  assert.deepEqual(latest(acked, 10).length, 5);
  assert.deepEqual(acked.map((a) => a.i), [1, 2, 3, 4, 5], "the list given is left as it was");
});

test("an issue's reads: units read and not, readers counted, the latest readers first", () => {
  const units = [
    { unit: unit("qwb"), read: true, readers: [{ user: { username: "a" }, at: "2026-12-05T10:00:00Z" }] },
    { unit: unit("wsj"), read: false, readers: [] },
    { unit: unit("town1"), read: true, readers: [{ user: { username: "b" }, at: "2026-12-05T10:05:00Z" },
      { user: { username: "c" }, at: "2026-12-05T10:01:00Z" }] },
  ];
  const s = readSummary(units, 2);
  assert.deepEqual(s.read.map((u) => u.unit.code), ["qwb", "town1"]);
  assert.deepEqual(s.unread.map((u) => u.unit.code), ["wsj"]);
  assert.equal(s.readers, 3);
  assert.deepEqual(s.recent.map((r) => [r.user.username, r.unit.code]), [["b", "town1"], ["c", "town1"]]);
});

test("the audience is every unit or the units chosen, then the people, each once", () => {
  assert.deepEqual(audienceOf({ everyone: true, units: ["qwb"], people: ["staff1"] }), ["all", "staff1"]);
  assert.deepEqual(audienceOf({ everyone: false, units: ["qwb", "wsj"], people: ["staff1", "staff1"] }), ["qwb", "wsj", "staff1"]);
  assert.deepEqual(audienceOf({ everyone: false }), []);
});
