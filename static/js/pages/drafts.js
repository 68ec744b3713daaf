// Drafts in the outgoing chain (发文办理): #/drafts lists the drafts the caller wrote or is in
// the chain of; #/drafts/<id> shows one (its text, planned recipients, files and the chain's
// record) with what the caller may do now: 核稿 (同意/退回), 签发 (签发/退回) with an opinion and
// common phrases, 修改 and 重新送审 for the drafter of a returned draft, 用印分发 for the unit's
// clerks once it is signed off. The `document_draft` card in chat decides in two taps (the
// button, then 确定 in the opinion dialog) and links here. Once issued, the draft's address
// leads to the document's page.

import { api } from "../core/api.js";
import { h, icon } from "../core/dom.js";
import { fmt, gettext, pgettext } from "../core/i18n.js";
import { when } from "../core/time.js";
import { opinionDialog, registerActionParams } from "../ui/cardparams.js";
import { closeDialog, confirmDialog, errorText, openDialog, toast } from "../ui/dialogs.js";
import { registerCard } from "../shell/cards.js";
import { navigate, registerPage } from "../shell/router.js";
import { set, subscribe } from "../shell/store.js";
import { refreshTodo } from "../shell/todo.js";
import { chainNode, draftHref, unitsLine } from "./documents-chain.js";
import { registerTodoKind } from "./todo.js";

const PHRASES = {
  approve: ["同意。", "核稿无误，请领导签发。", "同意，请按程序办理。"],
  sign_off: ["同意。", "同意印发。", "同意，请抓紧办理。", "请抓紧办理。"],
  return: ["请修改后再报。", "请补充相关依据后重新送审。", "文种使用不当，请修改。"],
};

const ACTION_LABELS = {
  approve: () => gettext("Agree"),
  sign_off: () => gettext("Sign off"),
  return: () => gettext("Return"),
  resubmit: () => pgettext("document", "Resubmit"),
  issue: () => gettext("Seal and issue"),
};

// What the opinion field is called for each decision (核稿意见, 签发意见, 退回理由).
const OPINION_LABELS = {
  approve: () => gettext("Review opinion (optional)"),
  sign_off: () => gettext("Sign-off opinion (optional)"),
  return: () => gettext("Reason for returning (required)"),
};

// A decision's opinion, with its common phrases: resolves to the text, or null when cancelled.
function decisionOpinion(action, { title = "", phrases = null } = {}) {
  return opinionDialog({
    title: title || ACTION_LABELS[action](),
    label: OPINION_LABELS[action](),
    phrases: phrases || PHRASES[action], required: action === "return", danger: action === "return",
  });
}

let pageEl = null;
let view = null; // {id, doc, seq} or {list: true, ...}
let unitNames = null;

async function names() {
  if (!unitNames) {
    try {
      const meta = await api("GET", "/documents/meta");
      unitNames = new Map(meta.units.map((u) => [u.code, u.name]));
    } catch {
      unitNames = new Map();
    }
  }
  return unitNames;
}

function head(title, sub = "") {
  return h("header", { class: "doc-page-head" },
    h("a", { class: "icon-btn doc-back", href: "#/drafts", "aria-label": gettext("Back") }, icon("back", 22)),
    h("div", { class: "doc-page-heading" },
      h("h1", { id: "draft-page-title", tabindex: "-1" }, title),
      sub ? h("p", {}, sub) : null));
}

// --- the list -----------------------------------------------------------------------------------
async function showList() {
  const mine = view = { list: true };
  pageEl.replaceChildren(h("div", { class: "doc-page-inner" }, head(gettext("Drafts under review")),
    h("div", { class: "doc-scroll" }, h("p", { class: "doc-loading" }, gettext("Loading…")))));
  let data;
  try {
    data = await api("GET", "/documents?box=drafts&limit=100");
  } catch (error) {
    if (view === mine) pageEl.querySelector(".doc-scroll").replaceChildren(h("p", { class: "doc-empty", role: "alert" }, errorText(error)));
    return;
  }
  if (view !== mine) return;
  const items = data.results.map((d) => h("li", {},
    h("a", { class: "doc-item", href: draftHref(d.id) },
      h("span", { class: "doc-item-icon" }, icon("doc", 20)),
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-title" }, d.title),
        h("span", { class: "doc-item-meta" }, [d.doc_type, d.unit.name, when(d.drafted_at)].join(" · "))),
      h("span", { class: `doc-state doc-state-${d.state}` }, d.state_label))));
  pageEl.querySelector(".doc-scroll").replaceChildren(h("div", { class: "doc-list-wrap" },
    items.length ? h("ul", { class: "doc-list" }, items)
      : h("p", { class: "doc-empty" }, gettext("No drafts are waiting for you or were written by you."))));
}

// --- one draft ----------------------------------------------------------------------------------
async function showDraft(id) {
  if (!view || view.id !== id) {
    view = { id, doc: null, seq: 0 };
    pageEl.replaceChildren(h("div", { class: "doc-page-inner" }, head(gettext("Draft")),
      h("div", { class: "doc-scroll" }, h("p", { class: "doc-loading" }, gettext("Loading…")))));
  }
  await load(view);
}

async function load(v) {
  const seq = ++v.seq;
  let doc;
  try {
    doc = await api("GET", `/documents/${v.id}`);
  } catch (error) {
    if (view !== v || seq !== v.seq) return;
    pageEl.querySelector(".doc-scroll").replaceChildren(h("p", { class: "doc-empty", role: "alert" }, errorText(error)));
    return;
  }
  if (view !== v || seq !== v.seq) return;
  if (doc.state === "issued") {
    navigate(`documents/${doc.id}`, { replace: true });
    return;
  }
  v.doc = doc;
  render(v, await names());
}

function paragraphs(text) {
  return (text || "").split(/\n+/).filter((p) => p.trim()).map((p) => h("p", {}, p));
}

function render(v, unitName) {
  const doc = v.doc;
  const focused = pageEl.contains(document.activeElement) ? document.activeElement.dataset.focus : "";
  const named = (codes) => codes.map((c) => unitName.get(c) || c);
  const actions = doc.viewer.actions || [];
  const buttons = actions.map((a) => h("button", {
    type: "button", class: `btn ${a === "return" ? "btn-danger" : "btn-primary"}`,
    dataset: { action: a, focus: `act-${a}` }, onclick: (event) => act(v, a, event.currentTarget),
  }, ACTION_LABELS[a] ? ACTION_LABELS[a]() : a));
  if (doc.viewer.may_edit && doc.state === "returned") {
    buttons.unshift(h("button", { type: "button", class: "btn btn-default", dataset: { focus: "edit" }, onclick: () => editDraft(v) },
      icon("edit", 16), gettext("Edit")));
  }
  const returned = doc.state === "returned"
    ? (doc.chain || []).filter((e) => e.decision === "return").pop() : null;
  const inner = h("div", { class: "doc-page-inner draft-page" },
    head(gettext("Draft"), doc.unit.name),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-content" },
        h("section", { class: "doc-hero" },
          h("div", { class: "doc-hero-tags" },
            h("span", { class: "doc-tag" }, doc.doc_type),
            doc.urgency !== "normal" ? h("span", { class: "doc-tag doc-urgent" }, doc.urgency_label) : null,
            h("span", { class: `doc-state doc-state-${doc.state}`, id: "draft-state" }, doc.state_label)),
          h("h2", { class: "doc-hero-title" }, doc.title),
          h("p", { class: "doc-hero-meta" }, [
            fmt(gettext("Drafted by %(name)s"), { name: doc.sender.display_name || doc.sender.username }),
            when(doc.drafted_at), doc.number || null,
            doc.signer ? fmt(gettext("Signed off by %(name)s"), { name: doc.signer }) : null].filter(Boolean).join(" · "))),
        returned ? h("p", { class: "doc-form-error draft-returned", role: "status" }, icon("alert", 16),
          fmt(gettext("Returned by %(name)s: %(reason)s"), {
            name: (returned.decided_by || returned.user).display_name, reason: returned.comment || "",
          })) : null,
        buttons.length ? h("div", { class: "draft-actions", role: "group", "aria-label": gettext("What you can do") }, buttons) : null,
        h("div", { class: "doc-columns" },
          h("section", { class: "doc-section doc-sheet-wrap" },
            h("article", { class: "doc-sheet" },
              h("h3", { class: "doc-sheet-title" }, doc.title),
              doc.main.length ? unitsLine(named(doc.main), { className: "doc-sheet-to", end: "：" }) : null,
              h("div", { class: "doc-sheet-body" }, paragraphs(doc.body)),
              doc.cc.length ? unitsLine(named(doc.cc), { className: "doc-sheet-cc", prefix: "抄送：", end: "。" }) : null),
            doc.attachments.length ? h("ul", { class: "doc-attachments" }, doc.attachments.map((a) => h("li", {},
              h("a", { href: a.url, target: "_blank", rel: "noopener" }, icon("file", 16), a.name)))) : null),
          h("div", { class: "doc-side" }, chainNode(doc))))));
  pageEl.replaceChildren(inner);
  const target = focused && pageEl.querySelector(`[data-focus="${focused}"]`);
  if (target) target.focus({ preventScroll: true });
}

async function act(v, action, button) {
  const doc = v.doc;
  let body = {};
  if (action === "approve" || action === "sign_off" || action === "return") {
    const text = await decisionOpinion(action);
    if (text === null) return;
    body = { action, comment: text };
  } else if (action === "resubmit") {
    const text = await opinionDialog({ title: ACTION_LABELS.resubmit(), label: gettext("What was changed (optional)") });
    if (text === null) return;
    body = { comment: text };
  } else if (action === "issue") {
    const count = doc.main.length + doc.cc.length;
    const ok = await confirmDialog({
      title: gettext("Seal and issue"),
      text: fmt(gettext("Number it, seal it and deliver it to %(n)s units now?"), { n: count }),
      confirm: gettext("Seal and issue"),
    });
    if (!ok) return;
  }
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    const path = action === "resubmit" ? "resubmit" : action === "issue" ? "issue" : "decide";
    const answer = await api("POST", `/documents/${doc.id}/${path}`, action === "issue" ? undefined : body);
    refreshTodo(300);
    if (answer.state === "issued") {
      toast(fmt(gettext("Issued as %(number)s"), { number: answer.number }));
      navigate(`documents/${answer.id}`);
      return;
    }
    v.doc = answer;
    render(v, await names());
    toast(answer.state_label);
  } catch (error) {
    toast(errorText(error), "error");
    button.disabled = false;
    button.classList.remove("btn-busy");
  }
}

// A returned draft's title and body, changed before it is sent again.
function editDraft(v) {
  const doc = v.doc;
  const title = h("input", { id: "draft-edit-title", value: doc.title, maxlength: 200 });
  const body = h("textarea", { id: "draft-edit-body", rows: 10 });
  body.value = doc.body;
  const error = h("p", { class: "field-error", role: "alert" });
  const save = h("button", { type: "button", class: "btn btn-primary", onclick: async () => {
    save.disabled = true;
    try {
      v.doc = await api("PATCH", `/documents/${doc.id}`, { title: title.value, body: body.value });
      closeDialog();
      render(v, await names());
    } catch (e) {
      error.textContent = errorText(e);
      save.disabled = false;
    }
  } }, gettext("Save"));
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  openDialog({
    title: gettext("Edit the draft"), wide: true, footer: [cancel, save],
    body: h("form", { class: "dialog-form", onsubmit: (e) => e.preventDefault() },
      h("label", { for: title.id }, gettext("Title")), title,
      h("label", { for: body.id }, gettext("Body")), body, error),
  });
  title.focus();
}

// --- registration ---------------------------------------------------------------------------------
registerPage({
  name: "drafts",
  id: "draft-page",
  className: "doc-page",
  path: ["drafts", "drafts/:id"],
  title: () => gettext("Drafts"),
  sidebar: { label: () => gettext("Drafts"), icon: "edit", order: 22, badge: "drafts.count", id: "drafts-link" },
  mount(el, params) {
    pageEl = el;
    el.setAttribute("aria-labelledby", "draft-page-title");
    show(params);
    // Emptied on leaving: the document's page shows the same chain (with the same ids).
    return () => {
      view = null;
      el.replaceChildren();
    };
  },
  update: show,
});

function show(params) {
  if (params.id !== undefined) showDraft(params.id);
  else showList();
}

registerCard("document_draft", {
  label: () => gettext("Draft for review"),
  extras(card) {
    if (card.ref === undefined || card.ref === null) return null;
    const href = card.state === "issued" ? `#/documents/${encodeURIComponent(card.ref)}` : draftHref(card.ref);
    return h("div", { class: "card-more-row" }, h("a", { class: "card-more", href },
      card.state === "issued" ? gettext("View the document") : gettext("View the draft and its chain"),
      h("span", { "aria-hidden": "true" }, " ›")));
  },
  onMessage(message) {
    if (view && view.doc && message.card && message.card.ref === view.id) load(view);
  },
});

// The card's decisions (in chat and on 工作台) ask as the draft's page does: two taps, the
// button and then the dialog's.
for (const action of ["approve", "sign_off", "return"]) {
  registerActionParams("document_draft", action, async (m, a) => {
    const text = await decisionOpinion(action, { title: a.label, phrases: Array.isArray(a.phrases) ? a.phrases : null });
    if (text === null) return null;
    return text ? { comment: text } : {};
  });
}

for (const kind of ["document_review", "document_signoff", "document_issue"]) {
  registerTodoKind(kind, { icon: "doc", href: (item) => draftHref(item.ref) });
}

// The sidebar's count: what waits on the caller in the chain.
const KINDS = ["document_review", "document_signoff", "document_issue"];
let counts = {};
for (const kind of KINDS) {
  subscribe(`todo.count.${kind}`, (n) => {
    counts = { ...counts, [kind]: n || 0 };
    set("drafts.count", KINDS.reduce((sum, k) => sum + (counts[k] || 0), 0));
  });
}
