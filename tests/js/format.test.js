// Sizes and text shown outside messages.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fileSize, initials, plainMarkdown } from "../../static/js/core/format.js";

const MB = 1024 * 1024;

test("a file just over a limit never reads as the limit itself", () => {
  assert.equal(fileSize(50 * MB), "50 MB");
  assert.equal(fileSize(50 * MB + 1), "50.1 MB");
  assert.equal(fileSize(2 * MB + 300 * 1024), "2.3 MB");
  assert.equal(fileSize(1536), "1.5 KB");
  assert.equal(fileSize(512), "512 B");
  assert.equal(fileSize(150 * MB + 1), "151 MB");
});

test("Markdown marks are not shown as text", () => {
  assert.equal(plainMarkdown("## 一、总体要求\n请**各单位**于`12月10日`前报送。"), "一、总体要求\n请各单位于12月10日前报送。");
  assert.equal(plainMarkdown("> 引用\n- 第一项\n详见[附件](https://example.org/a)。*注意*安全"), "引用\n· 第一项\n详见附件。注意安全");
  assert.equal(plainMarkdown("1. 第一条\n2. 第二条"), "1. 第一条\n2. 第二条");
  assert.equal(plainMarkdown(""), "");
});

test("an avatar shows the last two characters of a Chinese name", () => {
  assert.equal(initials("欧阳明月"), "欧阳");
  assert.equal(initials("李明"), "李明");
  assert.equal(initials("王小明"), "小明");
  assert.equal(initials("admin"), "A");
});
