// Approvals (审批) in the web client: the request's page (#approval/<id>) with its steps, every
// decision with its opinion (批示), 代批 and signature, the verification, and the buttons the
// viewer may press; the lists (#approvals[/todo|mine|done]); the compose form with its step
// editor (会签 / 或签); the delegations (代批设置). The bot's card links to the page, and the
// page follows the card live.

import { api } from "../core/api.js";
import { opinionDialog } from "../ui/cardparams.js";
import { closeDialog, confirmDialog, errorText, openDialog, toast } from "../ui/dialogs.js";
import { h, icon } from "../core/dom.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { state } from "../shell/state.js";
import { avatar } from "./chat/timeline.js";
import { approvalHref, workCardExtras } from "./work-cards.js";
import { registerCard } from "../shell/cards.js";
import { navigate, registerPage } from "../shell/router.js";
import { refreshTodo } from "../shell/todo.js";
import {
  attachmentList, attachmentsField, busy, errorPage, field, focusTitle, formErrors, loadingPage, openHash, page,
  pageHead, paragraphs, peoplePicker, person, renderKeeping, roomOfMessage, setPage, showPage, tabs, wIcon, when,
  wireSubmit,
} from "../ui/workpage.js";

const REFRESH_AFTER_MS = 250;
const DECISIONS = {
  approve: { label: () => gettext("Approve"), style: "btn-primary" },
  return: { label: () => gettext("Return"), style: "btn-default" },
  reject: { label: () => gettext("Reject"), style: "btn-danger" },
};

let current = null; // {kind: "list", box} | {kind: "approval", id, approval, verify, timer, seq}

// The sidebar's badge counts what waits for me (shell/todo.js); a change here asks again.
function refreshTodoBadge(delay = 0) {
  refreshTodo(delay);
}

// --- the lists ----------------------------------------------------------------------------------------
const BOXES = [
  ["todo", () => gettext("Waiting for me")],
  ["mine", () => gettext("Sent by me")],
  ["done", () => gettext("Decided by me")],
];

function stateTag(s, label) {
  return h("span", { class: `doc-state wk-state-${s}` }, label || s);
}

function showApprovalList(box) {
  const again = current && current.kind === "list";
  current = { kind: "list", box, seq: 0 };
  const view = current;
  const status = h("p", { class: "doc-list-status", role: "status" }, gettext("Loading…"));
  const list = h("ul", { class: "doc-list", id: "apv-list", role: "tabpanel", "aria-label": gettext("Approvals") });
  const choose = (next) => {
    history.replaceState(history.state, "", `#/approvals/${next}`);
    showApprovalList(next);
  };
  page().replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({
      title: gettext("Approvals"),
      tools: [
        h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => delegationsDialog() },
          wIcon("swap", 16), h("span", { class: "wk-hide-phone" }, gettext("Deputies"))),
        h("button", { type: "button", class: "btn btn-primary btn-sm", onclick: () => composeApproval() },
          wIcon("compose", 16), gettext("New request")),
      ],
    }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-list-wrap" },
        h("div", { class: "doc-list-tools" }, tabs("apv", BOXES.map(([k, l]) => [k, l()]), box, choose, gettext("Approvals"))),
        status, list))));
  showPage();
  if (!again) focusTitle();
  fetchList(view, status, list);
}

async function fetchList(view, status, list) {
  const seq = ++view.seq;
  let answer;
  try {
    answer = await api("GET", `/approvals?box=${view.box}&limit=100`);
  } catch (error) {
    if (current === view && seq === view.seq) status.textContent = errorText(error);
    return;
  }
  if (current !== view || seq !== view.seq) return;
  status.textContent = answer.total
    ? fmt(ngettext("%(n)s request", "%(n)s requests", answer.total), { n: answer.total })
    : view.box === "todo" ? gettext("Nothing waits for your decision.") : gettext("No requests yet.");
  list.replaceChildren(...answer.results.map((a) => h("li", {},
    h("a", { class: "doc-item", href: approvalHref(a.id) },
      h("span", { class: "doc-item-icon wk-item-icon-approval", "aria-hidden": "true" }, wIcon("stamp", 18)),
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" },
          a.awaiting_me ? h("span", { class: "doc-tag wk-tag-todo" }, gettext("To decide")) : null,
          h("span", { class: "doc-item-title" }, a.title)),
        h("span", { class: "doc-item-meta" }, [person(a.requester), when(a.created_at)].filter(Boolean).join(" · ")),
        h("span", { class: "doc-item-status" }, stateTag(a.state, a.state_label)))))));
  if (view.box === "todo") refreshTodoBadge();
}

// --- one request ----------------------------------------------------------------------------------------
function showApproval(id) {
  if (current && current.kind === "approval" && current.id === id) {
    showPage();
    return;
  }
  current = { kind: "approval", id, approval: null, verify: null, timer: null, seq: 0 };
  loadingPage(gettext("Approval"));
  showPage();
  focusTitle();
  fetchApproval(current);
}

async function fetchApproval(view) {
  const seq = ++view.seq;
  let approval;
  try {
    approval = await api("GET", `/approvals/${view.id}`);
  } catch (error) {
    if (current !== view || seq !== view.seq) return;
    if (view.approval) toast(errorText(error), "error");
    else errorPage(gettext("Approval"), error);
    return;
  }
  if (current !== view || seq !== view.seq) return;
  const before = view.approval;
  view.approval = approval;
  if (before && before.updated_at !== approval.updated_at) view.verify = null;
  renderApproval(view);
}

// Every new or updated approval card (registered below). An approval's cards all change together.
function approvalMessage(m) {
  if (!m || !m.card || m.card.card_type !== "approval") return;
  refreshTodoBadge(400);
  if (!current) return;
  if (current.kind === "list") {
    clearTimeout(current.timer);
    const view = current;
    view.timer = setTimeout(() => {
      if (current !== view) return;
      const status = page().querySelector(".doc-list-status");
      const list = page().querySelector("#apv-list");
      if (status && list) fetchList(view, status, list);
    }, 600);
    return;
  }
  if (current.kind !== "approval" || m.card.ref !== current.id) return;
  const view = current;
  clearTimeout(view.timer);
  view.timer = setTimeout(() => fetchApproval(view), REFRESH_AFTER_MS);
}

function leaveApprovals() {
  current = null;
}

async function decide(view, action, button) {
  const a = view.approval;
  const label = DECISIONS[action].label();
  const text = await opinionDialog({
    title: fmt(gettext("%(action)s: %(title)s"), { action: label, title: a.title }),
    label: gettext("Opinion (optional)"),
    phrases: (a.phrases && a.phrases[action]) || [],
    danger: action === "reject",
    confirm: label,
  });
  if (text === null) return;
  await busy(button, async () => {
    try {
      view.approval = await api("POST", `/approvals/${view.id}/decide`, { action, comment: text });
      view.verify = null;
      toast(fmt(gettext("Decided: %(decision)s"), { decision: label }));
      refreshTodoBadge();
    } catch (error) {
      toast(errorText(error), "error");
    }
  });
  if (current === view) renderApproval(view);
}

function resubmitDialog(view) {
  const a = view.approval;
  const title = h("input", { id: "apv-re-title", value: a.title, maxlength: 1000, autocomplete: "off" });
  const body = h("textarea", { id: "apv-re-body", rows: 6 });
  body.value = a.body || "";
  const note = h("textarea", { id: "apv-re-note", rows: 2, maxlength: 2000 });
  const form = h("form", { class: "dialog-form doc-form", novalidate: true },
    field("apv-re-title", gettext("Title"), title, { required: true, wide: true }),
    field("apv-re-body", gettext("Content"), body, { wide: true }),
    field("apv-re-note", gettext("What changed"), note, { wide: true, hint: gettext("Optional; the approvers see it with the request.") }));
  const errors = formErrors(form, "apv-re");
  const send = h("button", { type: "button", class: "btn btn-primary" }, gettext("Resubmit"));
  const submit = () => busy(send, async () => {
    errors.clear();
    if (!title.value.trim()) {
      errors.field(title, gettext("Fill in the title."));
      title.focus();
      return;
    }
    try {
      view.approval = await api("POST", `/approvals/${view.id}/resubmit`, { title: title.value.trim(), body: body.value, comment: note.value.trim() });
    } catch (error) {
      errors.show(errorText(error));
      errors.box.focus();
      return;
    }
    closeDialog();
    toast(gettext("Resubmitted."));
    if (current === view) renderApproval(view);
  });
  send.addEventListener("click", submit);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  const el = openDialog({ title: gettext("Revise and resubmit"), body: form, footer: [errors.box, cancel, send], wide: true });
  el.classList.add("dialog-doc");
  note.focus();
}

async function verify(view, button) {
  await busy(button, async () => {
    try {
      view.verify = await api("GET", `/approvals/${view.id}/verify`);
    } catch (error) {
      view.verify = { valid: false, reason: errorText(error), decisions: [], failed: true };
    }
  });
  if (current !== view) return;
  renderApproval(view);
  const result = page().querySelector(".doc-verify-result");
  if (result) result.focus();
}

function verifyNode(view) {
  const v = view.verify;
  if (!v) return null;
  const bad = (v.decisions || []).filter((d) => !d.valid);
  return h("div", { class: `doc-verify-result ${v.valid ? "doc-verify-ok" : "doc-verify-bad"}`, role: "status", tabindex: "-1" },
    wIcon(v.valid ? "shield" : "shieldX", 22),
    h("div", {},
      h("strong", {}, v.valid ? gettext("All signatures are valid") : gettext("Signature check failed")),
      h("p", {}, v.valid
        ? fmt(ngettext("%(n)s decision checked against its signer's key.", "%(n)s decisions checked against their signers' keys.", (v.decisions || []).length), { n: (v.decisions || []).length })
        : v.reason || ""),
      bad.map((d) => h("p", { class: "wk-verify-bad" }, [d.signer_name, d.reason].filter(Boolean).join("：")))));
}

function decisionNode(p, step) {
  const decided = Boolean(p.decision);
  let status;
  if (decided) status = h("span", { class: `doc-state wk-decision-${p.decision}` }, p.decision_label);
  else if (step.state === "active") status = h("span", { class: "doc-state wk-decision-pending" }, gettext("Waiting"));
  else if (step.state === "waiting") status = h("span", { class: "doc-state wk-decision-idle" }, gettext("Not started"));
  else status = h("span", { class: "doc-state wk-decision-idle" }, gettext("No decision needed"));
  return h("li", { class: `wk-approver${decided ? " wk-approver-decided" : ""}`, dataset: { user: p.user.username } },
    avatar(p.user, { size: 34 }),
    h("div", { class: "wk-approver-main" },
      h("div", { class: "wk-approver-top" },
        h("span", { class: "wk-approver-name" }, person(p.user)),
        status,
        p.proxy && p.decided_by ? h("span", { class: "doc-tag wk-tag-proxy", title: gettext("Decided by a deputy") },
          fmt(gettext("%(deputy)s for %(leader)s"), { deputy: person(p.decided_by), leader: person(p.user) })) : null,
        p.signed ? h("span", { class: "wk-signed", title: gettext("Signed with the decider's personal key") },
          wIcon("shield", 14), gettext("Signed")) : null),
      p.comment ? h("blockquote", { class: "wk-opinion" }, p.comment) : null,
      p.decided_at ? h("time", { class: "wk-approver-time", datetime: p.decided_at }, when(p.decided_at)) : null));
}

function stepsNode(steps, { current: currentIndex = -1 } = {}) {
  return h("ol", { class: "wk-steps" }, steps.map((s) => {
    const many = s.approvers.length > 1;
    return h("li", { class: `wk-step wk-step-${s.state}${s.index === currentIndex ? " wk-step-current" : ""}` },
      h("div", { class: "wk-step-marker", "aria-hidden": "true" },
        s.state === "approved" ? icon("check", 14) : s.state === "rejected" || s.state === "returned" ? icon("x", 14) : String(s.index + 1)),
      h("div", { class: "wk-step-body" },
        h("div", { class: "wk-step-head" },
          h("h3", {}, fmt(gettext("Step %(n)s"), { n: s.index + 1 })),
          many ? h("span", { class: `doc-tag wk-mode wk-mode-${s.mode}`, title: s.mode === "any" ? gettext("The first decision settles the step") : gettext("Every approver must approve") }, s.mode_label) : null,
          h("span", { class: `doc-state wk-stepstate-${s.state}` }, s.state_label)),
        h("ul", { class: "wk-approvers" }, s.approvers.map((p) => decisionNode(p, s)))));
  }));
}

function infoList(a) {
  const rows = [
    [gettext("Requester"), person(a.requester)],
    [gettext("Submitted"), when(a.created_at)],
    [gettext("Round"), a.round > 1 ? fmt(gettext("Round %(n)s"), { n: a.round }) : ""],
    [gettext("Settled"), a.settled_at ? when(a.settled_at) : ""],
  ];
  return h("dl", { class: "doc-info" }, rows.filter(([, v]) => v).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

function renderApproval(view) {
  const a = view.approval;
  const actions = a.viewer.actions || [];
  const tools = [];
  if (a.message) {
    tools.push(h("button", {
      type: "button", class: "btn btn-default btn-sm doc-room-btn", dataset: { focus: "card" }, "aria-label": gettext("Open the card"),
      onclick: async () => {
        try {
          const room = await roomOfMessage(a.message);
          navigate(`rooms/${room}`);
        } catch (error) {
          toast(errorText(error), "error");
        }
      },
    }, wIcon("chat", 16), h("span", {}, gettext("Open the card"))));
  }
  const decideButtons = ["approve", "return", "reject"].filter((x) => actions.includes(x)).map((x) => h("button", {
    type: "button", class: `btn ${DECISIONS[x].style}`, dataset: { focus: `decide-${x}` },
    onclick: (event) => decide(view, x, event.currentTarget),
  }, DECISIONS[x].label()));
  if (actions.includes("resubmit")) {
    decideButtons.push(h("button", {
      type: "button", class: "btn btn-primary", dataset: { focus: "resubmit" }, onclick: () => resubmitDialog(view),
    }, gettext("Revise and resubmit")));
  }
  const currentStep = a.state === "pending" ? a.current_step : -1;
  const hero = h("section", { class: "doc-hero wk-hero wk-hero-approval" },
    h("div", { class: "doc-hero-tags" },
      h("span", { class: "doc-tag" }, gettext("Approval")),
      stateTag(a.state, a.state_label),
      a.round > 1 ? h("span", { class: "doc-tag" }, fmt(gettext("Round %(n)s"), { n: a.round })) : null),
    h("h2", { class: "doc-hero-title" }, a.title),
    h("p", { class: "doc-hero-meta" }, [person(a.requester), fmt(gettext("submitted %(time)s"), { time: when(a.created_at) })].join(" · ")),
    a.body ? h("div", { class: "wk-body" }, paragraphs(a.body)) : null,
    attachmentList(a.attachments),
    decideButtons.length ? h("div", { class: "wk-decide", role: "group", "aria-label": gettext("Your decision") },
      h("p", { class: "wk-decide-label" }, actions.includes("resubmit") ? gettext("Returned to you for revision.") : gettext("Your decision is needed.")),
      h("div", { class: "wk-decide-buttons" }, decideButtons)) : null);
  const earlier = (a.rounds || []).filter((r) => r.round < a.round);
  const stepsSection = h("section", { class: "doc-section", "aria-labelledby": "apv-steps-title" },
    h("div", { class: "doc-section-head" },
      h("h2", { id: "apv-steps-title" }, gettext("Steps and opinions")),
      h("button", {
        type: "button", class: "btn btn-default btn-sm", dataset: { focus: "verify" }, onclick: (event) => verify(view, event.currentTarget),
      }, wIcon("shield", 16), gettext("Verify the signatures"))),
    verifyNode(view),
    stepsNode(a.steps, { current: currentStep }),
    earlier.map((r) => h("details", { class: "wk-round", dataset: { key: `round-${r.round}` } },
      h("summary", {}, fmt(gettext("Round %(n)s"), { n: r.round }), r.note ? h("span", { class: "muted" }, ` · ${r.note}`) : null),
      stepsNode(r.steps))));
  renderKeeping(h("div", { class: "doc-page-inner" },
    pageHead({ title: gettext("Approval"), sub: a.title, tools }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-content wk-content" },
        hero,
        h("div", { class: "doc-columns" },
          stepsSection,
          h("section", { class: "doc-section doc-side", "aria-labelledby": "apv-info-title" },
            h("div", { class: "doc-section-head" }, h("h2", { id: "apv-info-title" }, gettext("About the request"))),
            infoList(a)))))));
}

// --- the compose form -------------------------------------------------------------------------------------
let draft = null;

function stepEditor() {
  const steps = [];
  const box = h("ol", { class: "wk-step-editor" });
  const error = h("p", { class: "field-error", id: "apv-steps-error" });
  let seq = 0;
  const render = () => {
    box.replaceChildren(...steps.map((s, index) => {
      s.title.textContent = fmt(gettext("Step %(n)s"), { n: index + 1 });
      s.remove.hidden = steps.length < 2;
      s.remove.setAttribute("aria-label", fmt(gettext("Remove step %(n)s"), { n: index + 1 }));
      const many = s.picker.value().length > 1;
      s.modes.hidden = !many;
      return s.node;
    }));
  };
  const add = () => {
    const key = ++seq;
    const title = h("span", { class: "wk-step-editor-title", id: `apv-step-${key}-title` });
    const remove = h("button", {
      type: "button", class: "icon-btn icon-btn-sm",
      onclick: () => { steps.splice(steps.indexOf(s), 1); render(); addBtn.focus(); },
    }, icon("x", 14));
    const picker = peoplePicker({
      id: `apv-step-${key}`, label: gettext("Approvers"),
      exclude: () => [state.me.username], onChange: () => render(),
    });
    picker.input.setAttribute("aria-labelledby", `apv-step-${key}-title`);
    const modeName = `apv-step-${key}-mode`;
    const modes = h("div", { class: "doc-segmented wk-modes", role: "radiogroup", "aria-label": gettext("How the step is settled") },
      h("label", { class: "doc-seg", title: gettext("Every approver must approve") },
        h("input", { type: "radio", name: modeName, value: "all", checked: true }), h("span", {}, gettext("Countersign (all)"))),
      h("label", { class: "doc-seg", title: gettext("The first decision settles the step") },
        h("input", { type: "radio", name: modeName, value: "any" }), h("span", {}, gettext("Any one"))));
    const node = h("li", { class: "wk-step-editor-row" },
      h("div", { class: "wk-step-editor-head" }, title, modes, remove),
      picker.node);
    const s = { node, title, remove, picker, modes, mode: () => node.querySelector(`input[name="${modeName}"]:checked`).value };
    steps.push(s);
    render();
    return s;
  };
  const addBtn = h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => add().picker.focus() },
    icon("plus", 14), gettext("Add a step"));
  add();
  return {
    node: h("fieldset", { class: "doc-field doc-field-wide wk-steps-field", id: "apv-steps", "aria-describedby": "apv-steps-hint apv-steps-error" },
      h("legend", {}, gettext("Approval steps"), h("span", { class: "doc-req", "aria-hidden": "true" }, " *")),
      h("p", { class: "doc-hint", id: "apv-steps-hint" }, gettext("Steps run in order. A step with several approvers is a countersign unless you mark it as any one.")),
      box, addBtn, error),
    error,
    value: () => steps.map((s) => ({ approvers: s.picker.value(), mode: s.mode() })).filter((s) => s.approvers.length),
    empty: () => steps.findIndex((s) => !s.picker.value().length),
    focusStep: (index) => steps[index].picker.focus(),
  };
}

function buildCompose() {
  const title = h("input", { id: "apv-title", autocomplete: "off", maxlength: 1000 });
  const body = h("textarea", { id: "apv-body", rows: 6 });
  const steps = stepEditor();
  const rooms = [...state.rooms.values()].filter((r) => r.kind === "group" || r.kind === "channel" || r.kind === "unit");
  const room = h("select", { id: "apv-room" },
    h("option", { value: "" }, gettext("No room: only the requester and the approvers")),
    rooms.map((r) => h("option", { value: String(r.id) }, r.name)));
  if (state.activeRoomId !== null && rooms.some((r) => r.id === state.activeRoomId)) room.value = String(state.activeRoomId);
  const files = attachmentsField("apv-attach", {});
  const form = h("form", { class: "dialog-form doc-form", novalidate: true, "aria-label": gettext("New approval request") },
    field("apv-title", gettext("Title"), title, { required: true, wide: true }),
    field("apv-body", gettext("Content"), body, { wide: true }),
    steps.node,
    field("apv-room", gettext("Show the card in"), room, { wide: true, hint: gettext("The room's members can follow the request.") }),
    files.node);
  const errors = formErrors(form, "apv");
  const send = h("button", { type: "button", class: "btn btn-primary", id: "apv-send" }, icon("send", 16), gettext("Submit"));
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  wireSubmit({
    form, send, errors,
    collect: () => {
      let first = null;
      if (!title.value.trim()) {
        errors.field(title, gettext("Fill in the title."));
        first = first || (() => title.focus());
      }
      const empty = steps.empty();
      if (empty >= 0 && steps.value().length === 0) {
        steps.error.textContent = gettext("Name at least one approver.");
        first = first || (() => steps.focusStep(empty));
      }
      if (first) {
        errors.show(gettext("Some fields need your attention."));
        first();
        return null;
      }
      const problem = files.problem();
      if (problem) {
        errors.show(problem);
        files.focus();
        return null;
      }
      const payload = {
        title: title.value.trim(), body: body.value, steps: steps.value(),
        room: room.value ? Number(room.value) : null, attachments: files.ids(),
      };
      return payload;
    },
    request: (payload) => api("POST", "/approvals", payload),
    done: (created) => {
      draft = null;
      closeDialog();
      toast(fmt(gettext("Submitted: %(title)s"), { title: created.title }));
      openHash(approvalHref(created.id));
    },
  });
  return { form, footer: [errors.box, cancel, send], focusFirst: () => title.focus() };
}

export function composeApproval() {
  if (!draft) draft = buildCompose();
  const el = openDialog({ title: gettext("New approval request"), body: draft.form, footer: draft.footer, wide: true });
  el.classList.add("dialog-doc");
  draft.focusFirst();
}

// --- deputies (代批) ----------------------------------------------------------------------------------------
export async function delegationsDialog() {
  const list = h("ul", { class: "wk-delegations", "aria-label": gettext("Deputies") });
  const deputy = peoplePicker({ id: "dlg-deputy", label: gettext("Deputy"), multiple: false, exclude: () => [state.me.username] });
  const start = h("input", { id: "dlg-start", type: "datetime-local" });
  const end = h("input", { id: "dlg-end", type: "datetime-local" });
  const note = h("input", { id: "dlg-note", maxlength: 200, autocomplete: "off", placeholder: gettext("e.g. on a training course") });
  const form = h("form", { class: "dialog-form doc-form", novalidate: true },
    h("div", { class: "doc-field doc-field-wide" },
      h("label", { for: "dlg-deputy" }, gettext("Deputy"), h("span", { class: "doc-req", "aria-hidden": "true" }, " *")),
      deputy.node, h("p", { class: "field-error", id: "dlg-deputy-error" })),
    field("dlg-start", gettext("From"), start, { hint: gettext("Empty: from now.") }),
    field("dlg-end", gettext("Until"), end, { required: true }),
    field("dlg-note", gettext("Note"), note, { wide: true }));
  const errors = formErrors(form, "dlg");
  const load = async () => {
    let rows;
    try {
      rows = await api("GET", "/approvals/delegations");
    } catch (error) {
      list.replaceChildren(h("li", { class: "muted" }, errorText(error)));
      return;
    }
    list.replaceChildren(...(rows.length ? rows.map((d) => {
      const mine = d.principal && d.principal.id === state.me.id;
      return h("li", { class: `wk-delegation${d.active ? " wk-delegation-active" : ""}` },
        h("div", {},
          h("strong", {}, mine ? fmt(gettext("%(deputy)s decides for me"), { deputy: person(d.deputy) })
            : fmt(gettext("I decide for %(leader)s"), { leader: person(d.principal) })),
          h("p", { class: "muted" }, [`${when(d.start)} – ${when(d.end)}`, d.note,
            d.revoked_at ? gettext("Revoked") : d.active ? gettext("In effect") : null].filter(Boolean).join(" · "))),
        mine && !d.revoked_at ? h("button", {
          type: "button", class: "btn btn-default btn-sm",
          onclick: async () => {
            const ok = await confirmDialog({ title: gettext("Revoke the deputy"), text: fmt(gettext("%(deputy)s will no longer decide for you."), { deputy: person(d.deputy) }), confirm: gettext("Revoke"), danger: true });
            if (!ok) { delegationsDialog(); return; }
            try {
              await api("DELETE", `/approvals/delegations/${d.id}`);
              toast(gettext("Revoked."));
            } catch (error) {
              toast(errorText(error), "error");
            }
            delegationsDialog();
          },
        }, gettext("Revoke")) : null);
    }) : [h("li", { class: "muted" }, gettext("No deputies yet."))]));
  };
  const save = h("button", { type: "button", class: "btn btn-primary" }, gettext("Name the deputy"));
  save.addEventListener("click", () => busy(save, async () => {
    errors.clear();
    if (!deputy.value().length) {
      errors.field(deputy.input, gettext("Choose a person."));
      deputy.focus();
      return;
    }
    if (!end.value) {
      errors.field(end, gettext("Choose until when."));
      end.focus();
      return;
    }
    try {
      await api("POST", "/approvals/delegations", { deputy: deputy.value()[0], start: start.value || null, end: end.value, note: note.value.trim() });
    } catch (error) {
      errors.show(errorText(error));
      return;
    }
    toast(gettext("Deputy named."));
    deputy.set([]);
    end.value = "";
    note.value = "";
    load();
  }));
  const close = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Close"));
  const el = openDialog({
    title: gettext("Deputies"),
    body: h("div", { class: "wk-delegation-body" },
      h("p", { class: "doc-hint" }, gettext("While you are away, a deputy can decide your approvals; their decisions show as 代批 with both names.")),
      list,
      h("h3", { class: "wk-subhead" }, gettext("Name a deputy")),
      form),
    footer: [errors.box, close, save],
    wide: true,
  });
  el.classList.add("dialog-doc");
  load();
}


registerPage({
  name: "approvals",
  id: "approvals-page",
  className: "work-page",
  path: ["approvals", "approvals/:box", "approvals/:id"],
  title: () => gettext("Approvals"),
  sidebar: { label: () => gettext("Approvals"), icon: "stamp", order: 30, badge: "todo.count.approval", className: "wk-app-link" },
  mount(el, params) {
    setPage(el);
    el.setAttribute("aria-labelledby", "work-page-title");
    showApprovals(params);
    return leaveApprovals;
  },
  update: showApprovals,
});

function showApprovals(params) {
  if (params.id !== undefined) showApproval(params.id);
  else showApprovalList(["todo", "mine", "done"].includes(params.box) ? params.box : "todo");
}

registerCard("approval", {
  label: () => gettext("Approval"),
  extras: workCardExtras,
  onMessage: approvalMessage,
});
