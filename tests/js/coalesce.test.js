// Read positions coalesced per room (static/js/core/coalesce.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { coalescer } from "../../static/js/core/coalesce.js";

function clock() {
  let t = 0;
  const timers = [];
  return {
    now: () => t,
    schedule: (fn, ms) => { const timer = { at: t + ms, fn }; timers.push(timer); return timer; },
    cancel: (timer) => { const i = timers.indexOf(timer); if (i >= 0) timers.splice(i, 1); },
    advance(ms) {
      t += ms;
      for (const timer of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.fn();
      }
    },
  };
}

test("the first value goes out at once, a burst after it as one trailing call with the highest", () => {
  const c = clock();
  const sent = [];
  const reads = coalescer((room, seq) => sent.push([room, seq]), { every: 1000, ...c });
  reads.push(7, 10);
  assert.deepEqual(sent, [[7, 10]]);
  for (const seq of [11, 12, 14, 13]) {
    c.advance(100);
    reads.push(7, seq);
  }
  assert.deepEqual(sent, [[7, 10]]);
  c.advance(600);
  assert.deepEqual(sent, [[7, 10], [7, 14]]);
  c.advance(5000);
  assert.deepEqual(sent, [[7, 10], [7, 14]]); // nothing new, nothing sent
  reads.push(7, 15); // after a quiet spell: at once again
  assert.deepEqual(sent.at(-1), [7, 15]);
});

test("rooms are independent and flushAll sends what is waiting", () => {
  const c = clock();
  const sent = [];
  const reads = coalescer((room, seq) => sent.push([room, seq]), { every: 1000, ...c });
  reads.push(1, 5);
  reads.push(2, 9);
  reads.push(1, 6);
  assert.deepEqual(sent, [[1, 5], [2, 9]]);
  reads.flushAll();
  assert.deepEqual(sent, [[1, 5], [2, 9], [1, 6]]);
  c.advance(2000);
  assert.equal(sent.length, 3);
});
