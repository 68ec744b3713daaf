// 工作台's grouping of the to-do list.
import assert from "node:assert/strict";
import { test } from "node:test";

import { groupItems } from "../../static/js/shell/todo.js";

test("items are grouped by kind in the order the oldest of each waits, overdue ones counted", () => {
  const items = [
    { kind: "document_sign", label: "签收", ref: 1, overdue: true },
    { kind: "approval", label: "审批", ref: 7, overdue: false },
    { kind: "document_sign", label: "签收", ref: 2, overdue: false },
    { kind: "meeting_rsvp", label: "会议回复", ref: 3, overdue: true },
  ];
  const groups = groupItems(items);
  assert.deepEqual(groups.map((g) => [g.kind, g.label, g.items.map((i) => i.ref), g.overdue]), [
    ["document_sign", "签收", [1, 2], 1],
    ["approval", "审批", [7], 0],
    ["meeting_rsvp", "会议回复", [3], 1],
  ]);
  assert.deepEqual(groupItems([]), []);
  assert.deepEqual(groupItems(undefined), []);
});

test("a kind the client has never heard of is shown by the server's label", () => {
  const [g] = groupItems([{ kind: "task_report", label: "督办报告", ref: 9 }]);
  assert.equal(g.label, "督办报告");
});
