// What a received document's card asks before 批办 and 传阅 (收文办理), from the action's
// `params` hints (docs/protocol.md): the leader's 批示 with common phrases, the lead handler
// (主办), co-handlers (协办) and a deadline; the readers of a 传阅 in the order they read,
// confirmed before it is sent. People are chosen among the unit's (the card's room), and
// anyone by name when the card is not in a unit room.

import { api } from "../core/api.js";
import { h, icon } from "../core/dom.js";
import { fmt, gettext, pgettext } from "../core/i18n.js";
import { registerActionParams } from "../ui/cardparams.js";
import { closeDialog, openDialog } from "../ui/dialogs.js";
import { peoplePicker } from "../ui/pickers.js";
import { displayName, state } from "../shell/state.js";

let seq = 0;

async function unitPeople(m) {
  const room = m.room && state.rooms.get(m.room);
  if (!room || room.kind === "direct" || room.kind === "bot") return null;
  try {
    const members = await api("GET", `/rooms/${m.room}/members`);
    const people = members.filter((u) => !u.is_bot);
    return people.length ? people : null;
  } catch {
    return null;
  }
}

function label(u) {
  return displayName(u) + (u.title ? ` · ${u.title}` : "");
}

function phraseChips(phrases, area) {
  if (!phrases || !phrases.length) return null;
  return h("div", { class: "phrase-list", role: "group", "aria-label": gettext("Common phrases") },
    phrases.map((p) => h("button", {
      type: "button", class: "phrase",
      onclick: () => { area.value = p; area.focus(); },
    }, p)));
}

// A person among `people` (a select) or anyone (a picker) when the unit is unknown.
function personField(id, people, { optional = true } = {}) {
  if (people) {
    const select = h("select", { id },
      optional ? h("option", { value: "" }, gettext("(nobody)")) : null,
      people.map((u) => h("option", { value: u.username }, label(u))));
    return { node: select, input: select, value: () => select.value };
  }
  const picker = peoplePicker({ id, label: id, multiple: false });
  return { node: picker.node, input: picker.input, value: () => picker.value()[0] || "" };
}

function peopleField(id, people, labelText) {
  if (people) {
    const boxes = people.map((u, i) => {
      const input = h("input", { type: "checkbox", value: u.username, id: `${id}-${i}` });
      return { u, input, row: h("label", { class: "check handling-person", for: `${id}-${i}` }, input, label(u)) };
    });
    return {
      node: h("div", { class: "handling-people", role: "group", "aria-label": labelText }, boxes.map((b) => b.row)),
      boxes,
      value: () => boxes.filter((b) => b.input.checked).map((b) => b.u.username),
    };
  }
  const picker = peoplePicker({ id, label: labelText, multiple: true });
  return { node: picker.node, input: picker.input, value: () => picker.value(), users: () => picker.users() };
}

// 批办: resolves to {comment, assignee?, co_assignees?, deadline?} or null.
async function instructParams(m, action) {
  const people = await unitPeople(m);
  return new Promise((resolve) => {
    let answer = null;
    const id = `instruct-${++seq}`;
    const area = h("textarea", { id: `${id}-text`, rows: 3, maxlength: 2000, class: "opinion-text" });
    const lead = personField(`${id}-lead`, people);
    const co = peopleField(`${id}-co`, people, gettext("Co-handlers (协办)"));
    const deadline = h("input", { type: "date", id: `${id}-deadline` });
    const error = h("p", { class: "field-error", role: "alert" });
    const submit = () => {
      const text = area.value.trim();
      if (!text) {
        error.textContent = gettext("Write the instruction.");
        area.focus();
        return;
      }
      const assignee = lead.value();
      const coAssignees = co.value().filter((name) => name !== assignee);
      answer = { comment: text };
      if (assignee) answer.assignee = assignee;
      if (coAssignees.length) answer.co_assignees = coAssignees;
      if (deadline.value) answer.deadline = deadline.value;
      closeDialog();
    };
    const form = h("form", { class: "dialog-form handling-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      phraseChips(action.phrases, area) ? h("p", { class: "label phrase-label" }, gettext("Common phrases")) : null,
      phraseChips(action.phrases, area),
      h("label", { for: area.id }, gettext("Instruction (批示, required)")), area,
      h("label", { for: lead.input.id }, gettext("Lead handler (主办)")), lead.node,
      h("p", { class: "label" }, gettext("Co-handlers (协办)")), co.node,
      h("label", { for: deadline.id }, gettext("Deadline for handling")), deadline,
      error);
    const ok = h("button", { type: "button", class: "btn btn-primary", id: `${id}-ok`, onclick: submit }, action.label || gettext("Instruct"));
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title: action.label || gettext("Instruct"), body: form, footer: [cancel, ok], wide: true, onClose: () => resolve(answer) });
    area.focus();
  });
}

// 传阅: whom, in order, then a confirmation naming them. Resolves to {readers, comment?} or null.
async function circulateParams(m, action) {
  const people = await unitPeople(m);
  return new Promise((resolve) => {
    let answer = null;
    const id = `circulate-${++seq}`;
    const order = [];
    const orderList = h("ol", { class: "handling-order", "aria-live": "polite", "aria-label": gettext("Reading order") });
    const renderOrder = () => {
      orderList.replaceChildren(...order.map((u, i) => h("li", { class: "chip handling-order-item" },
        h("span", {}, `${i + 1}. ${displayName(u)}`),
        i > 0 ? h("button", {
          type: "button", class: "chip-x", "aria-label": fmt(gettext("Move %(name)s up"), { name: displayName(u) }),
          onclick: () => { order.splice(i - 1, 0, order.splice(i, 1)[0]); renderOrder(); },
        }, "↑") : null)));
      orderList.hidden = !order.length;
    };
    let chooser;
    if (people) {
      const boxes = people.map((u, i) => {
        const input = h("input", { type: "checkbox", value: u.username, id: `${id}-${i}` });
        input.addEventListener("change", () => {
          const at = order.findIndex((x) => x.username === u.username);
          if (input.checked && at < 0) order.push(u);
          if (!input.checked && at >= 0) order.splice(at, 1);
          renderOrder();
        });
        return h("label", { class: "check handling-person", for: `${id}-${i}` }, input, label(u));
      });
      chooser = h("div", { class: "handling-people", role: "group", "aria-label": gettext("Readers") }, boxes);
    } else {
      const picker = peoplePicker({ id: `${id}-who`, label: gettext("Readers"), multiple: true, onChange: () => {
        order.splice(0, order.length, ...picker.users());
        renderOrder();
      } });
      chooser = picker.node;
    }
    const note = h("textarea", { id: `${id}-note`, rows: 2, maxlength: 2000 });
    const error = h("p", { class: "field-error", role: "alert" });
    const confirmBox = h("div", { class: "handling-confirm", role: "alert", hidden: true });
    const ok = h("button", { type: "button", class: "btn btn-primary", id: `${id}-ok` }, pgettext("wizard", "Next"));
    let confirming = false;
    const submit = () => {
      if (!order.length) {
        error.textContent = gettext("Choose who reads it.");
        return;
      }
      error.textContent = "";
      if (!confirming) {
        confirming = true;
        confirmBox.replaceChildren(icon("alert", 16), h("span", {}, fmt(gettext("Circulate to %(names)s, one after another?"), {
          names: order.map((u) => displayName(u)).join(" → "),
        })));
        confirmBox.hidden = false;
        ok.textContent = gettext("Confirm circulation");
        ok.focus();
        return;
      }
      answer = { readers: order.map((u) => u.username) };
      if (note.value.trim()) answer.comment = note.value.trim();
      closeDialog();
    };
    ok.addEventListener("click", submit);
    const form = h("form", { class: "dialog-form handling-form", onsubmit: (event) => { event.preventDefault(); submit(); } },
      h("p", { class: "label" }, gettext("Readers, in the order they read")),
      h("p", { class: "doc-hint" }, gettext("Each reader gets it when the one before has read it.")),
      chooser, orderList,
      h("label", { for: note.id }, gettext("Note for the readers (optional)")), note,
      error, confirmBox);
    form.addEventListener("change", () => {
      if (confirming) {
        confirming = false;
        confirmBox.hidden = true;
        ok.textContent = pgettext("wizard", "Next");
      }
    });
    renderOrder();
    const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
    openDialog({ title: action.label || gettext("Circulate"), body: form, footer: [cancel, ok], wide: true, onClose: () => resolve(answer) });
    const first = form.querySelector("input");
    if (first) first.focus();
  });
}

registerActionParams("document", "instruct", instructParams);
registerActionParams("document", "circulate", circulateParams);
