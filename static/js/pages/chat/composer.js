// The composer: Enter sends, Shift+Enter breaks the line (and never while an IME is
// composing Chinese), drafts per room in localStorage, replies, uploads with progress,
// and autocomplete for @people, @units and /commands.

import { ApiError, upload } from "../../core/api.js";
import { $, h, icon } from "../../core/dom.js";
import { colorFor, fileSize, htmlText, initials } from "../../core/format.js";
import { fmt, gettext } from "../../core/i18n.js";
import { boot, displayName, getDraft, setDraft, state } from "../../shell/state.js";

const MENTION_BEFORE_CARET = /(^|[\s(（，。,、：:])@([^\s@]{0,32})$/u;
const COMMAND_BEFORE_CARET = /^\/([\w-]{0,32})$/;
const TYPING_EVERY = 3000;

export class Composer {
  constructor(app) {
    this.app = app;
    this.form = $("#composer");
    this.input = $("#composer-input");
    this.tray = $("#upload-tray");
    this.replyBar = $("#reply-bar");
    this.errorBox = $("#composer-error");
    this.list = $("#autocomplete");
    this.fileInput = $("#file-input");
    this.perRoom = new Map(); // room id -> {replyTo, uploads}
    this.roomId = null;
    this.suggestions = [];
    this.active = -1;
    this.trigger = null;
    this.lastTyping = 0;
    this.draftTimer = null;
    this.suggestSeq = 0;
    this.bind();
  }

  room() {
    let entry = this.perRoom.get(this.roomId);
    if (!entry) {
      entry = { replyTo: null, uploads: [] };
      this.perRoom.set(this.roomId, entry);
    }
    return entry;
  }

  bind() {
    $("#attach-btn").append(icon("clip", 20));
    $("#attach-btn").addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      this.addFiles([...this.fileInput.files]);
      this.fileInput.value = "";
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => this.onInput());
    this.input.addEventListener("keydown", (event) => this.onKeydown(event));
    this.input.addEventListener("click", () => this.updateSuggestions());
    this.input.addEventListener("blur", () => setTimeout(() => this.closeSuggestions(), 150));
    this.input.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData ? event.clipboardData.files : [])];
      if (files.length) {
        event.preventDefault();
        this.addFiles(files);
      }
    });
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    const pane = $("#pane");
    const overlay = $("#drop-overlay");
    let depth = 0;
    const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
    pane.addEventListener("dragenter", (event) => {
      if (!hasFiles(event) || this.roomId === null) return;
      depth += 1;
      overlay.hidden = false;
    });
    pane.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (!depth) overlay.hidden = true;
    });
    pane.addEventListener("dragover", (event) => {
      if (hasFiles(event)) event.preventDefault();
    });
    pane.addEventListener("drop", (event) => {
      depth = 0;
      overlay.hidden = true;
      if (!hasFiles(event) || this.roomId === null) return;
      event.preventDefault();
      this.addFiles([...event.dataTransfer.files]);
    });
  }

  setRoom(roomId) {
    if (this.roomId !== null) this.saveDraft();
    this.roomId = roomId;
    this.input.value = getDraft(roomId);
    this.input.placeholder = fmt(gettext("Message %(room)s"), { room: (state.rooms.get(roomId) || {}).name || "" });
    this.closeSuggestions();
    this.showError("");
    this.renderReply();
    this.renderTray();
    this.autosize();
  }

  focus() {
    this.input.focus();
  }

  saveDraft() {
    clearTimeout(this.draftTimer);
    if (this.roomId !== null) setDraft(this.roomId, this.input.value);
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 200)}px`;
  }

  onInput() {
    this.autosize();
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.saveDraft(), 300);
    if (this.input.value.trim() && Date.now() - this.lastTyping > TYPING_EVERY && !this.input.value.startsWith("/")) {
      this.lastTyping = Date.now();
      this.app.sendTyping(this.roomId);
    }
    this.updateSuggestions();
  }

  onKeydown(event) {
    if (!this.list.hidden && this.suggestions.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        this.setActive((this.active + step + this.suggestions.length) % this.suggestions.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing && this.active >= 0) {
        event.preventDefault();
        this.choose(this.active);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeSuggestions();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      this.submit();
      return;
    }
    if (event.key === "Escape" && this.room().replyTo) {
      event.preventDefault();
      this.setReply(null);
      return;
    }
    if (event.key === "ArrowUp" && !this.input.value) {
      if (this.app.editLastOwn()) event.preventDefault();
    }
  }

  showError(text) {
    this.errorBox.textContent = text;
    this.errorBox.hidden = !text;
  }

  submit() {
    const entry = this.room();
    const body = this.input.value;
    if (entry.uploads.some((u) => u.status === "uploading")) {
      this.showError(gettext("Wait until the uploads have finished."));
      return;
    }
    const attachments = entry.uploads.filter((u) => u.status === "done").map((u) => u.attachment);
    if (!body.trim() && !attachments.length) return;
    if (body.length > boot.max_message_chars) {
      this.showError(fmt(gettext("A message can have at most %(n)s characters."), { n: boot.max_message_chars }));
      return;
    }
    this.showError("");
    this.app.send({ room: this.roomId, body: body.trim() ? body : "", reply_to: entry.replyTo ? entry.replyTo.id : null, attachments });
    this.input.value = "";
    entry.replyTo = null;
    for (const u of entry.uploads) if (u.previewUrl) URL.revokeObjectURL(u.previewUrl);
    entry.uploads = [];
    this.saveDraft();
    this.renderReply();
    this.renderTray();
    this.closeSuggestions();
    this.autosize();
  }

  // --- replies ---------------------------------------------------------------------------
  setReply(message) {
    this.room().replyTo = message;
    this.renderReply();
    this.focus();
  }

  renderReply() {
    const reply = this.room().replyTo;
    this.replyBar.hidden = !reply;
    if (!reply) {
      this.replyBar.replaceChildren();
      return;
    }
    let text = reply.kind === "card" && reply.card ? reply.card.title : htmlText(reply.html) || reply.body;
    text = (text || (reply.attachments || []).map((a) => a.name).join(" ")).replace(/\s+/g, " ");
    this.replyBar.replaceChildren(
      icon("reply", 16),
      h("span", { class: "reply-bar-text" },
        h("strong", {}, fmt(gettext("Replying to %(name)s"), { name: displayName(reply.sender) })),
        " ", text.length > 80 ? `${text.slice(0, 80)}…` : text),
      h("button", {
        type: "button", class: "icon-btn icon-btn-sm", "aria-label": gettext("Cancel reply"),
        title: gettext("Cancel reply (Esc)"), onclick: () => this.setReply(null),
      }, icon("x", 16)),
    );
  }

  // --- uploads ---------------------------------------------------------------------------
  addFiles(files) {
    if (this.roomId === null) return;
    const entry = this.room();
    for (const file of files) {
      const item = {
        key: Math.random().toString(36).slice(2),
        file, progress: 0, status: "uploading", attachment: null, error: "",
        previewUrl: /^image\/(png|jpeg|gif|webp)$/.test(file.type) ? URL.createObjectURL(file) : null,
      };
      entry.uploads.push(item);
      const { promise, abort } = upload(file, (fraction) => {
        item.progress = fraction;
        this.updateProgress(item);
      });
      item.abort = abort;
      promise.then((attachment) => {
        item.status = "done";
        item.attachment = attachment;
      }).catch((error) => {
        item.status = "error";
        item.error = error instanceof ApiError ? error.detail : String(error);
      }).finally(() => {
        if (this.room() === entry) this.renderTray();
      });
    }
    this.renderTray();
    this.focus();
  }

  updateProgress(item) {
    const bar = this.tray.querySelector(`[data-upload="${item.key}"] progress`);
    if (bar) bar.value = Math.round(item.progress * 100);
  }

  renderTray() {
    const entry = this.room();
    this.tray.hidden = !entry.uploads.length;
    this.tray.replaceChildren(...entry.uploads.map((item) => {
      const remove = () => {
        if (item.status === "uploading" && item.abort) item.abort();
        entry.uploads = entry.uploads.filter((u) => u !== item);
        if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
        this.renderTray();
      };
      let status;
      if (item.status === "uploading") {
        status = h("progress", { max: 100, value: Math.round(item.progress * 100), "aria-label": fmt(gettext("Uploading %(name)s"), { name: item.file.name }) });
      } else if (item.status === "error") {
        status = h("span", { class: "upload-error", role: "alert" }, item.error);
      } else {
        status = h("span", { class: "upload-done" }, icon("check", 14), gettext("Ready"));
      }
      const thumb = item.previewUrl
        ? h("img", { class: "upload-thumb", src: item.previewUrl, alt: "" })
        : h("span", { class: "upload-thumb upload-thumb-file" }, icon("file", 20));
      return h("li", { class: `upload-item upload-${item.status}`, dataset: { upload: item.key } },
        thumb,
        h("span", { class: "upload-text" },
          h("span", { class: "upload-name" }, item.file.name),
          h("span", { class: "upload-size" }, fileSize(item.file.size)),
          status),
        h("button", {
          type: "button", class: "icon-btn icon-btn-sm",
          "aria-label": fmt(gettext("Remove %(name)s"), { name: item.file.name }), onclick: remove,
        }, icon("x", 14)));
    }));
  }

  // --- autocomplete ------------------------------------------------------------------------
  async updateSuggestions() {
    const caret = this.input.selectionStart;
    if (caret !== this.input.selectionEnd) return this.closeSuggestions();
    const before = this.input.value.slice(0, caret);
    const seq = ++this.suggestSeq;
    let match = before.match(COMMAND_BEFORE_CARET);
    if (match) {
      const commands = await this.app.commands();
      if (seq !== this.suggestSeq) return;
      const query = match[1].toLowerCase();
      const found = commands.filter((c) => c.name.startsWith(query)).map((c) => ({
        kind: "command", insert: `/${c.name} `, label: `/${c.name}`, sub: c.help, extra: c.usage,
      }));
      this.trigger = { start: 0, end: caret };
      return this.showSuggestions(found, gettext("Bot commands"));
    }
    match = before.match(MENTION_BEFORE_CARET);
    if (match) {
      const query = match[2];
      const start = caret - query.length - 1;
      const [people, units] = await Promise.all([this.app.findUsers(query), this.app.units()]);
      if (seq !== this.suggestSeq) return;
      const q = query.toLowerCase();
      const found = people.filter((u) => u.id !== state.me.id && !u.is_bot).slice(0, 8).map((u) => ({
        kind: "user", insert: `@${u.username} `, label: displayName(u), sub: [u.title, `@${u.username}`].filter(Boolean).join(" · "), user: u,
      }));
      for (const unit of units) {
        if (found.length >= 12) break;
        if (!q || unit.code.toLowerCase().includes(q) || unit.name.includes(query) || (unit.short_name || "").includes(query)) {
          found.push({ kind: "unit", insert: `@${unit.code} `, label: unit.name, sub: `${gettext("Everyone in the unit")} · @${unit.code}`, unit });
        }
      }
      // Whoever is named exactly (a username or a unit's code) comes first, so "@wsj" then
      // Enter means the unit wsj even when people wsj01, wsj02 also match.
      const exact = (s) => (s.kind === "user" ? s.user.username : s.unit.code).toLowerCase() === q;
      found.sort((x, y) => Number(exact(y)) - Number(exact(x)));
      this.trigger = { start, end: caret };
      return this.showSuggestions(found, gettext("Mention"));
    }
    this.closeSuggestions();
  }

  showSuggestions(found, label) {
    this.suggestions = found;
    if (!found.length) return this.closeSuggestions();
    this.list.setAttribute("aria-label", label);
    this.list.replaceChildren(...found.map((s, index) => {
      let lead;
      if (s.kind === "user") {
        lead = h("span", { class: "avatar", "aria-hidden": "true" }, initials(s.label));
        lead.style.setProperty("--avatar-bg", colorFor(s.user.id));
        lead.style.setProperty("--avatar-size", "28px");
      } else if (s.kind === "unit") {
        lead = h("span", { class: "avatar room-kind-unit", "aria-hidden": "true" }, icon("building", 14));
        lead.style.setProperty("--avatar-bg", colorFor(`unit-${s.unit.id}`));
        lead.style.setProperty("--avatar-size", "28px");
      } else {
        return h("li", {
          id: `ac-${index}`, role: "option", class: "ac-item ac-item-command", "aria-selected": "false",
          onclick: () => this.choose(index),
        }, h("span", { class: "ac-text" },
          h("span", { class: "ac-command" }, s.extra || s.label),
          s.sub ? h("span", { class: "ac-sub" }, s.sub) : null));
      }
      return h("li", {
        id: `ac-${index}`, role: "option", class: "ac-item", "aria-selected": "false",
        onclick: () => this.choose(index),
      }, lead,
      h("span", { class: "ac-text" },
        h("span", { class: "ac-label" }, s.label),
        s.sub ? h("span", { class: "ac-sub" }, s.sub) : null));
    }));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.setActive(0);
  }

  setActive(index) {
    this.active = index;
    [...this.list.children].forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    const li = this.list.children[index];
    if (li) {
      this.input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  }

  choose(index) {
    const s = this.suggestions[index];
    if (!s || !this.trigger) return;
    const value = this.input.value;
    this.input.value = value.slice(0, this.trigger.start) + s.insert + value.slice(this.trigger.end);
    const caret = this.trigger.start + s.insert.length;
    this.input.setSelectionRange(caret, caret);
    this.closeSuggestions();
    this.saveDraft();
    this.input.focus();
  }

  closeSuggestions() {
    this.suggestSeq += 1;
    this.suggestions = [];
    this.active = -1;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }
}

