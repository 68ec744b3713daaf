// Previews of attachments in the page: images in a lightbox, PDFs in the browser's own viewer
// in an <iframe>, DOCX and XLSX as the server converted them (sanitized HTML), plain text as
// text, anything else with the server's reason and a download button.
// GET /attachments/{id}/preview says which.

import { api } from "../core/api.js";
import { h, icon } from "../core/dom.js";
import { fileSize } from "../core/format.js";
import { gettext } from "../core/i18n.js";
import { closeDialog, errorText, openDialog } from "./dialogs.js";

const PREVIEWABLE = /\.(pdf|docx|xlsx|txt|md|csv|log|json|xml|png|jpe?g|gif|webp)$/i;

// Whether a click on the file should preview it rather than download it.
export function canPreview(attachment) {
  return PREVIEWABLE.test(attachment.name || "") || /^(image\/|application\/pdf|text\/)/.test(attachment.mime || "");
}

function downloadButton(a) {
  return h("a", { class: "btn btn-default", href: `${a.url}?download=1`, download: a.name }, icon("download", 16), gettext("Download"));
}

export async function openPreview(a) {
  const footer = [downloadButton(a), h("button", { type: "button", class: "btn btn-primary", onclick: closeDialog }, gettext("Close"))];
  const body = h("div", { class: "preview preview-loading" }, h("p", { class: "muted" }, gettext("Loading…")));
  const el = openDialog({ title: a.name, body, footer, wide: true, className: "dialog-preview" });
  let answer;
  try {
    answer = await api("GET", `/attachments/${a.id}/preview`);
  } catch (error) {
    body.replaceChildren(h("p", { class: "preview-none", role: "alert" }, errorText(error)));
    return;
  }
  if (!el.open) return;
  body.className = `preview preview-${answer.kind}`;
  if (answer.kind === "image") {
    el.classList.add("dialog-lightbox");
    body.replaceChildren(h("img", { class: "preview-image", src: answer.url || a.url, alt: a.name }));
  } else if (answer.kind === "pdf") {
    el.classList.add("dialog-pdf");
    body.replaceChildren(h("iframe", { class: "preview-frame", src: answer.url || a.url, title: a.name }));
  } else if (answer.kind === "html") {
    const doc = h("div", { class: "preview-doc msg-body" });
    doc.innerHTML = answer.html; // sanitized by the server with the messages' allow-list
    body.replaceChildren(...[doc, answer.truncated ? h("p", { class: "muted" }, gettext("Only the beginning is shown.")) : null].filter(Boolean));
  } else if (answer.kind === "text") {
    body.replaceChildren(...[h("pre", { class: "preview-text" }, answer.text || ""),
      answer.truncated ? h("p", { class: "muted" }, gettext("Only the beginning is shown.")) : null].filter(Boolean));
  } else {
    body.replaceChildren(h("div", { class: "preview-none" },
      icon("file", 40), h("p", {}, answer.reason || gettext("This file cannot be previewed.")),
      h("p", { class: "muted" }, `${a.name} · ${fileSize(a.size)}`)));
  }
}
