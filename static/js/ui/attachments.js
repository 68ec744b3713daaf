// Attachments: the 附件 field of compose forms (uploads as files are chosen) and the list
// of a record's files.

import { upload } from "../core/api.js";
import { h, icon } from "../core/dom.js";
import { fileSize } from "../core/format.js";
import { fmt, gettext } from "../core/i18n.js";
import { errorText } from "./dialogs.js";

// 附件: uploads as they are chosen (POST /attachments); `ids()` once all are done. `id` is
// the add button's, `inputId` the file input's (default `<id>-input`); `hint` is shown
// beside the button.
export function attachmentsField(id, { maxFile, inputId = "", hint = "" }) {
  const files = [];
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, id: inputId || `${id}-input` });
  const fileList = h("ul", { class: "doc-files", "aria-label": gettext("Attachments") });
  const addBtn = h("button", { type: "button", class: "btn btn-default btn-sm", id, onclick: () => fileInput.click() },
    icon("clip", 16), gettext("Add attachments"));
  const renderFiles = () => {
    fileList.hidden = !files.length;
    fileList.replaceChildren(...files.map((item) => {
      let status;
      if (item.status === "uploading") {
        status = h("progress", { max: 100, value: Math.round(item.progress * 100), "aria-label": fmt(gettext("Uploading %(name)s"), { name: item.file.name }) });
      } else if (item.status === "error") {
        status = h("span", { class: "upload-error", role: "alert" }, item.error);
      } else {
        status = h("span", { class: "upload-done" }, icon("check", 14), gettext("Uploaded"));
      }
      return h("li", { class: `doc-file doc-file-${item.status}`, dataset: { upload: item.key } },
        h("span", { class: "upload-thumb upload-thumb-file" }, icon("file", 18)),
        h("span", { class: "upload-text" },
          h("span", { class: "upload-name" }, item.file.name),
          h("span", { class: "upload-size" }, fileSize(item.file.size)),
          status),
        h("button", {
          type: "button", class: "icon-btn icon-btn-sm", "aria-label": fmt(gettext("Remove %(name)s"), { name: item.file.name }),
          onclick: () => {
            if (item.status === "uploading" && item.abort) item.abort();
            files.splice(files.indexOf(item), 1);
            renderFiles();
            addBtn.focus();
          },
        }, icon("x", 14)));
    }));
  };
  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) {
      const item = { key: Math.random().toString(36).slice(2), file, progress: 0, status: "uploading", attachment: null, error: "" };
      files.push(item);
      if (maxFile && file.size > maxFile) {
        item.status = "error";
        item.error = fmt(gettext("A file can be at most %(size)s."), { size: fileSize(maxFile) });
        continue;
      }
      const { promise, abort } = upload(file, (fraction) => {
        item.progress = fraction;
        const bar = fileList.querySelector(`[data-upload="${item.key}"] progress`);
        if (bar) bar.value = Math.round(fraction * 100);
      });
      item.abort = abort;
      promise.then((attachment) => {
        item.status = "done";
        item.attachment = attachment;
      }).catch((error) => {
        item.status = "error";
        item.error = errorText(error);
      }).finally(renderFiles);
    }
    fileInput.value = "";
    renderFiles();
  });
  renderFiles();
  return {
    node: h("div", { class: "doc-field doc-field-wide" },
      h("p", { class: "label" }, gettext("Attachments")),
      h("div", { class: "doc-attach-line" }, addBtn, hint ? h("span", { class: "doc-hint" }, hint) : null), fileInput, fileList),
    // An error text while the files are not ready, else null.
    problem: () => {
      if (files.some((f) => f.status === "uploading")) return gettext("Wait until the attachments have been uploaded.");
      if (files.some((f) => f.status === "error")) return gettext("Remove the attachments that could not be uploaded.");
      return null;
    },
    ids: () => files.map((f) => f.attachment.id),
    totalSize: () => files.reduce((sum, f) => sum + f.file.size, 0),
    focus: () => addBtn.focus(),
  };
}

export function attachmentList(files) {
  if (!files || !files.length) return null;
  return h("ul", { class: "wk-files" }, files.map((a) => h("li", {},
    icon("file", 16),
    h("a", { href: `${a.url}?download=1`, download: a.name }, a.name),
    h("span", { class: "muted" }, ` ${fileSize(a.size)}`))));
}

