// The router's pure part: addresses parsed and built, patterns matched, old addresses mapped.
import assert from "node:assert/strict";
import { test } from "node:test";

import { buildHash, compile, legacyPath, matchPattern, parseHash, resolve } from "../../static/js/shell/routes.js";

test("an address is parsed into its path and query", () => {
  assert.deepEqual(parseHash("#/rooms/12"), { path: "rooms/12", query: {}, legacy: false });
  assert.deepEqual(parseHash("#/search?q=%E9%98%B2%E6%B1%9B&page=2"), { path: "search", query: { q: "防汛", page: "2" }, legacy: false });
  assert.deepEqual(parseHash(""), { path: "", query: {}, legacy: false });
  assert.deepEqual(parseHash("#/"), { path: "", query: {}, legacy: false });
  assert.equal(parseHash("#room/3").legacy, true);
  assert.equal(parseHash("#/documents/").path, "documents");
});

test("an address is built with only the filters that are set, spaces as %20", () => {
  assert.equal(buildHash("search", { q: "防汛 值班", type: "", page: null }), "#/search?q=%E9%98%B2%E6%B1%9B%20%E5%80%BC%E7%8F%AD");
  assert.equal(buildHash("todo"), "#/todo");
  assert.deepEqual(parseHash(buildHash("archive", { year: 2025, unit: "wsj" })).query, { year: "2025", unit: "wsj" });
});

test("a parameter named id takes digits only and arrives as a number", () => {
  const p = compile("documents/:id");
  assert.deepEqual(matchPattern(p, "documents/5"), { id: 5 });
  assert.equal(matchPattern(p, "documents/sent"), null);
  assert.equal(matchPattern(p, "documents"), null);
  assert.equal(matchPattern(p, "documents/5/extra"), null);
  assert.deepEqual(matchPattern(compile("meetings/:box?"), "meetings"), {});
  assert.deepEqual(matchPattern(compile("people/:username"), "people/liming"), { username: "liming" });
});

test("the most specific route wins, whatever the order they were registered in", () => {
  const page = (name) => ({ name });
  const routes = ["documents/:box", "documents/:id", "documents", "documents/new"].map((pattern) => ({
    page: page(pattern), compiled: compile(pattern),
  }));
  assert.equal(resolve(routes, "documents/5").route.page.name, "documents/:id");
  assert.equal(resolve(routes, "documents/sent").route.page.name, "documents/:box");
  assert.equal(resolve(routes, "documents/new").route.page.name, "documents/new");
  assert.equal(resolve(routes, "documents").route.page.name, "documents");
  assert.equal(resolve(routes, "tasks"), null);
});

test("addresses from before the shell lead to today's pages", () => {
  assert.equal(legacyPath("room/12"), "rooms/12");
  assert.equal(legacyPath("doc/5"), "documents/5");
  assert.equal(legacyPath("docs"), "documents");
  assert.equal(legacyPath("docs/sent"), "documents/sent");
  assert.equal(legacyPath("meeting/3"), "meetings/3");
  assert.equal(legacyPath("approvals/mine"), "approvals/mine");
  assert.equal(legacyPath("archive"), "archive");
  assert.equal(legacyPath("nonsense"), null);
});
