// The store pages subscribe to.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { get, reset, set, subscribe, update } from "../../static/js/shell/store.js";

beforeEach(reset);

test("a subscriber hears the current value at once and every change once", () => {
  set("todo.total", 3);
  const heard = [];
  const stop = subscribe("todo.total", (value) => heard.push(value));
  set("todo.total", 4);
  set("todo.total", 4);
  update("todo.total", (n) => n + 1);
  stop();
  set("todo.total", 9);
  assert.deepEqual(heard, [3, 4, 5]);
  assert.equal(get("todo.total"), 9);
});

test("equal plain data is not a change; a key without a value is not called at once", () => {
  const heard = [];
  subscribe("todo", (value) => heard.push(value.total));
  set("todo", { total: 1, counts: { approval: 1 } });
  set("todo", { total: 1, counts: { approval: 1 } });
  set("todo", { total: 0, counts: { approval: 0 } });
  assert.deepEqual(heard, [1, 0]);
});

test("a failing subscriber does not stop the others", (t) => {
  t.mock.method(console, "error", () => {});
  const heard = [];
  subscribe("x", () => { throw new Error("boom"); });
  subscribe("x", (v) => heard.push(v));
  set("x", 1);
  assert.deepEqual(heard, [1]);
});
