// What a card's button asks before it is pressed, from the hints a bot puts on the action:
// `comment: "required" | "optional"` asks for a comment (a required one cannot be empty) and
// `param: "assignee"` asks for a person, chosen among the people of the card's room (the
// unit's room for a document card) rather than the whole district.
// The meetings and approvals bots add `param: "attendees"` (who of the unit attends: people
// of the card's room, sent comma-separated), `param: "delegate"` (anyone in the organisation),
// `phrases` (common opinions offered as one-click fills) and `hint` (the prompt's label).

import { api } from "../core/api.js";
import { closeDialog, commentDialog, confirmDialog, openDialog, pickPersonDialog } from "./dialogs.js";
import { peoplePicker } from "./pickers.js";
import { h } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
import { displayName, state } from "../shell/state.js";
import { avatar } from "../pages/chat/timeline.js";
import { attachmentsField } from "./attachments.js";

// Dialogs a page registers for one card type's action (the documents' 批办 and 传阅 ask for
// the unit's people in their own form): `fn(m, action)` resolves to the params, or null.
const registered = new Map();

export function registerActionParams(cardType, action, fn) {
  registered.set(`${cardType}:${action}`, fn);
}

export function registeredParams(m, action) {
  const cardType = m && m.card ? m.card.card_type : "";
  return registered.get(`${cardType}:${action.action}`) || null;
}

// Better labels than "Comment" for the documents bot's steps.
const COMMENT_LABELS = {
  complete: [() => gettext("Result of the handling (required)"), () => gettext("Result of the handling (optional)")],
  return: [() => gettext("Reason for returning (required)"), () => gettext("Reason for returning (optional)")],
  register: [() => gettext("Incoming number (required)"), () => gettext("Incoming number (optional; numbered automatically when empty)")],
  decline: [() => gettext("Reason for leave (required)"), () => gettext("Reason for leave (optional)")],
  cancel: [() => gettext("Reason for cancelling (required)"), () => gettext("Reason for cancelling (optional)")],
};

export function hasHints(action) {
  return (Array.isArray(action.params) && action.params.length > 0) || action.comment === "required" || action.comment === "optional" || action.param === "assignee"
    || action.param === "attendees" || action.param === "delegate" || Array.isArray(action.phrases)
    || action.attachments === "optional" || action.attachments === "required";
}

function commentLabel(action, required) {
  if (Array.isArray(action.phrases)) return required ? gettext("Opinion (required)") : gettext("Opinion (optional)");
  if (action.hint && !action.param) {
    return `${action.hint}${required ? gettext(" (required)") : gettext(" (optional)")}`;
  }
  const labels = COMMENT_LABELS[action.action];
  if (labels) return labels[required ? 0 : 1]();
  return required ? gettext("Comment (required)") : gettext("Comment (optional)");
}

async function candidatesFor(m) {
  const room = state.rooms.get(m.room);
  if (!room || room.kind === "direct" || room.kind === "bot") return null;
  try {
    const members = await api("GET", `/rooms/${m.room}/members`);
    const people = members.filter((u) => !u.is_bot);
    return people.length ? people : null;
  } catch {
    return null;
  }
}

let pickerSeq = 0;
let matchSeq = 0;

// Usernames GET /users?q= finds for `text`, null for an empty text (everyone), undefined for
// the answer to an older keystroke.
async function matchingUsernames(text) {
  const q = text.trim();
  const mine = ++matchSeq;
  if (!q) return null;
  try {
    const users = await api("GET", `/users?q=${encodeURIComponent(q)}`);
    return mine === matchSeq ? new Set(users.map((u) => u.username)) : undefined;
  } catch {
    return null;
  }
}

// One person among `people`, with the comment the action takes (拟办意见 for 指派承办).
function assigneeDialog({ title, people, comment, commentText }) {
  return new Promise((resolve) => {
    let answer = null;
    const id = `assignee-${++pickerSeq}`;
    const error = h("p", { class: "field-error", role: "alert" });
    const filter = people.length > 8 ? h("input", {
      type: "search", id: `${id}-filter`, autocomplete: "off", placeholder: gettext("Name or username"),
    }) : null;
    const radios = people.map((u, index) => {
      const input = h("input", { type: "radio", name: id, value: u.username, id: `${id}-${index}` });
      const row = h("label", { class: "assignee-option", for: `${id}-${index}` },
        input,
        avatar(u, { size: 30 }),
        h("span", { class: "person-text" },
          h("span", { class: "person-name" }, displayName(u) + (u.id === state.me.id ? ` (${gettext("me")})` : "")),
          h("span", { class: "person-sub" }, [u.title, `@${u.username}`].filter(Boolean).join(" · "))));
      return { u, input, row };
    });
    const list = h("div", { class: "assignee-list", role: "radiogroup", "aria-labelledby": `${id}-legend` },
      radios.map((r) => r.row));
    if (filter) {
      // The server's one search (汉字, pinyin, initials) decides who of these matches.
      let timer = null;
      filter.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const found = await matchingUsernames(filter.value);
          if (found === undefined) return; // a later keystroke's answer decides
          for (const r of radios) r.row.hidden = Boolean(found) && !found.has(r.u.username);
        }, 150);
      });
    }
    const area = comment ? h("textarea", { id: `${id}-comment`, rows: 2, maxlength: 2000 }) : null;
    const submit = () => {
      const chosen = radios.find((r) => r.input.checked);
      if (!chosen) {
        error.textContent = gettext("Choose a person.");
        (radios[0] ? radios[0].input : list).focus();
        return;
      }
      const text = area ? area.value.trim() : "";
      if (comment === "required" && !text) {
        error.textContent = gettext("Please write a comment.");
        area.focus();
        return;
      }
      answer = { assignee: chosen.u.username, ...(text ? { comment: text } : {}) };
      closeDialog();
    };
    const form = h("form", { class: "dialog-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      h("p", { class: "label", id: `${id}-legend` }, gettext("Person")),
      filter ? h("label", { for: `${id}-filter`, class: "visually-hidden" }, gettext("Search people")) : null,
      filter,
      list,
      area ? h("label", { for: `${id}-comment` }, commentText) : null,
      area,
      error);
    const ok = h("button", { type: "button", class: "btn btn-primary", onclick: submit }, gettext("Confirm"));
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: form, footer: [cancel, ok], wide: true, onClose: () => resolve(answer) });
    const first = filter || (radios[0] && radios[0].input);
    if (first) first.focus();
  });
}

// An opinion (批示) with common phrases (常用语) that fill the field: resolves to the text, or
// null when cancelled. Also used by the approval's page.
export function opinionDialog({ title, label, phrases = [], required = false, danger = false, confirm = "" }) {
  return new Promise((resolve) => {
    let answer = null;
    const id = `opinion-${++pickerSeq}`;
    const area = h("textarea", { id, rows: 3, maxlength: 2000, class: "opinion-text" });
    const error = h("p", { class: "field-error", role: "alert" });
    const chips = phrases.length ? h("div", { class: "phrase-list", role: "group", "aria-label": gettext("Common phrases") },
      phrases.map((p) => h("button", {
        type: "button", class: "phrase", "aria-pressed": "false",
        onclick: (event) => {
          area.value = p;
          for (const b of chips.querySelectorAll(".phrase")) b.setAttribute("aria-pressed", String(b === event.currentTarget));
          error.textContent = "";
          area.focus();
        },
      }, p))) : null;
    area.addEventListener("input", () => {
      if (chips) for (const b of chips.querySelectorAll(".phrase")) b.setAttribute("aria-pressed", String(b.textContent === area.value));
    });
    const submit = () => {
      const value = area.value.trim();
      if (required && !value) {
        error.textContent = gettext("Please write a comment.");
        area.focus();
        return;
      }
      answer = value;
      closeDialog();
    };
    const form = h("form", { class: "dialog-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      chips ? h("p", { class: "label phrase-label" }, gettext("Common phrases")) : null,
      chips,
      h("label", { for: id }, label), area, error);
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submit();
      }
    });
    const ok = h("button", { type: "button", class: `btn ${danger ? "btn-danger" : "btn-primary"}`, onclick: submit }, confirm || title);
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: form, footer: [cancel, ok], onClose: () => resolve(answer) });
    (chips ? chips.querySelector(".phrase") : area).focus();
  });
}

// A comment with files (办结 with its result and the result's files): resolves to
// {comment?, attachments?} or null. The files upload as they are chosen.
function commentFilesDialog({ title, label, required, files }) {
  return new Promise((resolve) => {
    let answer = null;
    const id = `files-${++pickerSeq}`;
    const area = h("textarea", { id: `${id}-comment`, rows: 3, maxlength: 2000 });
    const error = h("p", { class: "field-error", role: "alert" });
    const attach = attachmentsField(`${id}-attach`, {});
    const submit = () => {
      const text = area.value.trim();
      error.textContent = "";
      if (required && !text) {
        error.textContent = gettext("Please write a comment.");
        area.focus();
        return;
      }
      const problem = attach.problem();
      if (problem) {
        error.textContent = problem;
        attach.focus();
        return;
      }
      const ids = attach.ids();
      if (files === "required" && !ids.length) {
        error.textContent = gettext("Add at least one file.");
        attach.focus();
        return;
      }
      answer = { ...(text ? { comment: text } : {}), ...(ids.length ? { attachments: ids } : {}) };
      closeDialog();
    };
    const form = h("form", { class: "dialog-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      h("label", { for: area.id }, label), area, attach.node, error);
    const ok = h("button", { type: "button", class: "btn btn-primary", onclick: submit }, gettext("Confirm"));
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: form, footer: [cancel, ok], onClose: () => resolve(answer) });
    area.focus();
  });
}

// 参加 for a unit: who of the unit's people attends (none chosen: the one who answers).
function attendeesDialog({ title, people }) {
  return new Promise((resolve) => {
    let answer = null;
    const id = `attendees-${++pickerSeq}`;
    const boxes = people.map((u, index) => {
      const input = h("input", { type: "checkbox", value: u.username, id: `${id}-${index}` });
      const row = h("label", { class: "assignee-option", for: `${id}-${index}` },
        input,
        avatar(u, { size: 30 }),
        h("span", { class: "person-text" },
          h("span", { class: "person-name" }, displayName(u) + (u.id === state.me.id ? ` (${gettext("me")})` : "")),
          h("span", { class: "person-sub" }, [u.title, `@${u.username}`].filter(Boolean).join(" · "))));
      return { u, input, row };
    });
    const submit = () => {
      const names = boxes.filter((b) => b.input.checked).map((b) => b.u.username);
      answer = names.length ? { attendees: names.join(",") } : {};
      closeDialog();
    };
    const form = h("form", { class: "dialog-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      h("p", { class: "label", id: `${id}-legend` }, gettext("Who attends")),
      h("div", { class: "assignee-list", role: "group", "aria-labelledby": `${id}-legend`, "aria-describedby": `${id}-hint` },
        boxes.map((b) => b.row)),
      h("p", { class: "doc-hint", id: `${id}-hint` }, gettext("Choose who of the unit attends. With nobody chosen, you attend yourself.")));
    const ok = h("button", { type: "button", class: "btn btn-primary", onclick: submit }, gettext("Confirm"));
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: form, footer: [cancel, ok], wide: true, onClose: () => resolve(answer) });
    if (boxes[0]) boxes[0].input.focus();
  });
}

// A free-text prompt (a hint from the bot) when there is no list to choose from.
async function textParam(title, label, key) {
  const text = await commentDialog({ title, label, required: false });
  if (text === null) return null;
  return text ? { [key]: text } : {};
}

// An action's `params` (person, people in order, a time) with its comment, in one form; the
// people come from the server's search (pinyin included). Resolves to the params, or null.
function paramsDialog({ title, params, comment, commentText, phrases = [] }) {
  return new Promise((resolve) => {
    let answer = null;
    const id = `params-${++pickerSeq}`;
    const fields = params.map((p, index) => {
      const fid = `${id}-${index}`;
      const error = h("p", { class: "field-error", id: `${fid}-error`, role: "alert" });
      let control;
      let read;
      if (p.kind === "person" || p.kind === "people") {
        control = peoplePicker({ id: fid, label: p.label, multiple: p.kind === "people", onChange: () => { error.textContent = ""; } });
        read = () => (p.kind === "people" ? control.value() : control.value()[0] || "");
      } else if (p.kind === "datetime") {
        control = { node: h("input", { type: "datetime-local", id: fid }) };
        read = () => control.node.value;
      } else {
        control = { node: h("input", { type: "text", id: fid }) };
        read = () => control.node.value.trim();
      }
      const label = `${p.label || p.name}${p.optional ? gettext(" (optional)") : ""}`;
      return { p, read, error, control, users: control.users, node: h("div", { class: "field params-field", dataset: { param: p.name } },
        h("label", { for: fid }, label), control.node, error) };
    });
    const area = comment ? h("textarea", { id: `${id}-comment`, rows: 2, maxlength: 2000 }) : null;
    const areaError = h("p", { class: "field-error", role: "alert" });
    const chips = area && phrases.length ? h("div", { class: "phrase-list", role: "group", "aria-label": gettext("Common phrases") },
      phrases.map((text) => h("button", { type: "button", class: "phrase", onclick: () => { area.value = text; area.focus(); } }, text))) : null;
    const submit = async () => {
      const values = {};
      let bad = null;
      for (const f of fields) {
        const v = f.read();
        const empty = Array.isArray(v) ? !v.length : !v;
        if (empty && !f.p.optional) {
          f.error.textContent = f.p.kind === "people" || f.p.kind === "person" ? gettext("Choose at least one person.") : gettext("Fill this in.");
          bad = bad || f;
        } else if (!empty) values[f.p.name] = v;
      }
      const text = area ? area.value.trim() : "";
      if (comment === "required" && !text) {
        areaError.textContent = gettext("Please write a comment.");
        bad = bad || { control: { node: area } };
      }
      if (bad) {
        const target = bad.control && (bad.control.input || bad.control.node);
        if (target && target.focus) target.focus();
        return;
      }
      if (text) values.comment = text;
      answer = values;
      closeDialog();
    };
    const form = h("form", { class: "dialog-form params-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      fields.map((f) => f.node),
      area ? h("div", { class: "field" }, chips ? h("p", { class: "label phrase-label" }, gettext("Common phrases")) : null, chips,
        h("label", { for: `${id}-comment` }, commentText), area, areaError) : null);
    const ok = h("button", { type: "button", class: "btn btn-primary", onclick: submit }, title);
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title, body: form, footer: [cancel, ok], wide: true, onClose: () => resolve(answer ? { values: answer, fields } : null) });
    const first = fields[0] && (fields[0].control.input || fields[0].control.node);
    if (first && first.focus) first.focus();
  });
}

// Resolves to the action's params, or null when the person cancelled.
export async function hintedParams(m, action) {
  const title = action.label || action.action;
  if (Array.isArray(action.params) && action.params.length) {
    const required = action.comment === "required";
    const got = await paramsDialog({
      title, params: action.params, comment: action.comment || null,
      commentText: commentLabel(action, required), phrases: Array.isArray(action.phrases) ? action.phrases : [],
    });
    if (!got) return null;
    // 传阅 goes to people one after another: say to whom, in which order, before it goes.
    if (action.action === "circulate") {
      const field = got.fields.find((f) => f.p.name === "readers");
      const names = field && field.users ? field.users().map((u) => displayName(u)) : got.values.readers || [];
      const ok = await confirmDialog({
        title,
        text: fmt(gettext("Circulate it to %(names)s, one after another in this order?"), { names: names.join(" → ") }),
        confirm: title,
      });
      if (!ok) return null;
    }
    return got.values;
  }
  if (action.param === "attendees") {
    const people = await candidatesFor(m);
    if (!people) return textParam(title, action.hint || gettext("Attendees (usernames, separated by commas)"), "attendees");
    return attendeesDialog({ title, people });
  }
  if (action.param === "delegate") {
    const chosen = await pickPersonDialog(fmt(gettext("%(action)s: choose the person who attends in your place"), { action: title }));
    return chosen ? { delegate: chosen.username } : null;
  }
  if (Array.isArray(action.phrases)) {
    const required = action.comment === "required";
    const text = await opinionDialog({
      title, label: commentLabel(action, required), phrases: action.phrases, required, danger: action.style === "danger",
    });
    if (text === null) return null;
    return text ? { comment: text } : {};
  }
  if (action.param === "assignee") {
    const people = await candidatesFor(m);
    if (!people) {
      const person = await pickPersonDialog(title);
      if (!person) return null;
      if (action.comment !== "required") return { assignee: person.username };
      const text = await commentDialog({ title, label: commentLabel(action, true), required: true });
      return text === null ? null : { assignee: person.username, comment: text };
    }
    const label = action.action === "assign"
      ? (action.comment === "required" ? gettext("Instructions (required)") : gettext("Instructions (optional)"))
      : commentLabel(action, action.comment === "required");
    return assigneeDialog({ title, people, comment: action.comment || (action.action === "assign" ? "optional" : null), commentText: label });
  }
  const required = action.comment === "required";
  if (action.attachments === "optional" || action.attachments === "required") {
    return commentFilesDialog({ title, label: commentLabel(action, required), required, files: action.attachments });
  }
  const text = await commentDialog({ title, label: commentLabel(action, required), required });
  if (text === null) return null;
  return text ? { comment: text } : {};
}
