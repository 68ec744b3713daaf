// The outgoing chain (发文办理: 拟稿 → 核稿 → 签发 → 用印分发) as the web client shows it, shared
// by the draft's page (pages/drafts.js), the document's page and the compose form: the chain's
// record (each step, who decided, for whom, with which opinion, whether the signature holds),
// the link to the GB/T 9704 PDF, and the form's 核稿/签发 fields for 「送审」.

import { h, icon } from "../core/dom.js";
import { fmt, gettext, pgettext } from "../core/i18n.js";
import { when } from "../core/time.js";
import { peoplePicker } from "../ui/pickers.js";
import { displayName } from "../shell/state.js";

const DECISION_MARK = { approve: "✓", sign_off: "✓", return: "↩" };

function person(user) {
  return user ? displayName(user) : "";
}

export function draftHref(id) {
  return `#/drafts/${encodeURIComponent(id)}`;
}

export function pdfUrl(doc) {
  return doc.pdf || `/api/v1/documents/${encodeURIComponent(doc.id)}/pdf`;
}

// The issued document's PDF (版式文件), opened in the browser's own viewer.
export function pdfLink(doc, { compact = false } = {}) {
  if (doc.state && doc.state !== "issued") return null;
  return h("a", {
    class: `btn btn-default btn-sm doc-pdf-link${compact ? " doc-pdf-compact" : ""}`,
    href: pdfUrl(doc), target: "_blank", rel: "noopener", dataset: { focus: "pdf" },
    title: gettext("The document laid out per GB/T 9704, with its seal"),
  }, icon("file", 16), h("span", {}, gettext("PDF")));
}

// 主送 / 抄送 on the sheet: a few units in full; of many (全部乡镇…) the first six and how
// many, opened to the full list. The words are the document's own (Chinese) text.
const UNITS_NAMED = 6;

export function unitsLine(names, { className, prefix = "", end = "" }) {
  if (names.length <= UNITS_NAMED + 2) return h("p", { class: className }, `${prefix}${names.join("、")}${end}`);
  return h("details", { class: `${className} doc-units-more` },
    h("summary", {}, `${prefix}${names.slice(0, UNITS_NAMED).join("、")}等${names.length}个单位${end}`),
    h("p", {}, `${names.join("、")}`));
}

// One entry of the chain: "核稿 周主任：同意“核稿无误”" with the time and the signature's mark.
function entryNode(e) {
  const who = e.proxy && e.decided_by
    ? fmt(gettext("%(deputy)s for %(leader)s"), { deputy: person(e.decided_by), leader: person(e.user) })
    : person(e.user);
  const decided = Boolean(e.decision);
  const waiting = e.state === "active" ? gettext("Awaiting decision") : pgettext("chain", "Not yet");
  return h("li", { class: `chain-entry chain-${e.decision || e.state}`, dataset: { role: e.role, user: e.user ? e.user.username : "" } },
    h("span", { class: "chain-dot", "aria-hidden": "true" }, decided ? DECISION_MARK[e.decision] || "•" : String(e.step + 1)),
    h("div", { class: "chain-text" },
      h("p", { class: "chain-line" },
        h("span", { class: "chain-role" }, e.role_label || e.role),
        h("strong", { class: "chain-who" }, who),
        h("span", { class: `doc-state chain-decision chain-decision-${e.decision || "none"}` },
          decided ? e.decision_label : waiting),
        e.signature_valid === true ? h("span", { class: "chain-signed", title: gettext("Signed with the decider's personal key; the signature holds") },
          icon("check", 14), gettext("Signed")) : null,
        e.signature_valid === false ? h("span", { class: "chain-bad", role: "status" }, gettext("Signature does not hold")) : null),
      e.comment ? h("p", { class: "chain-comment" }, `“${e.comment}”`) : null,
      e.at ? h("time", { class: "chain-time", datetime: e.at }, when(e.at)) : null));
}

// The chain's record: rounds (a returned draft runs again as a new round), steps in order.
export function chainNode(doc) {
  const entries = doc.chain || [];
  if (!entries.length) return null;
  const rounds = new Map();
  for (const e of entries) {
    if (!rounds.has(e.round)) rounds.set(e.round, []);
    rounds.get(e.round).push(e);
  }
  const several = rounds.size > 1;
  return h("section", { class: "doc-section doc-chain", "aria-labelledby": "doc-chain-title" },
    h("div", { class: "doc-section-head" },
      h("h2", { id: "doc-chain-title" }, gettext("Review and sign-off"))),
    [...rounds.entries()].map(([round, list]) => h("div", { class: "chain-round" },
      several ? h("h3", { class: "chain-round-title" }, fmt(gettext("Round %(n)s"), { n: round })) : null,
      h("ol", { class: "chain-list" }, list.map(entryNode)))));
}

// 「送审」 in the compose form: 核稿 steps in order (several people in one step = 会签) and the
// leader who signs off (签发). `unit()` gives the drafting unit's entry of meta.drafting_units.
export function chainFields({ unit }) {
  const steps = [];
  const stepsList = h("ol", { class: "chain-steps", "aria-label": gettext("Review steps") });
  const error = h("p", { class: "field-error", id: "doc-chain-error", role: "alert" });
  const addStep = () => {
    const index = steps.length;
    const picker = peoplePicker({ id: `doc-reviewer-${index}`, label: gettext("Reviewers"), multiple: true });
    const remove = h("button", {
      type: "button", class: "icon-btn icon-btn-sm", "aria-label": gettext("Remove this step"),
      onclick: () => {
        steps.splice(steps.indexOf(entry), 1);
        render();
        addBtn.focus();
      },
    }, icon("x", 14));
    const entry = { picker, remove };
    steps.push(entry);
    render();
    return entry;
  };
  const render = () => {
    stepsList.replaceChildren(...steps.map((s, i) => h("li", { class: "chain-step-field" },
      h("label", { for: s.picker.input.id }, fmt(gettext("Step %(n)s"), { n: i + 1 })),
      s.picker.node,
      steps.length > 1 ? s.remove : null)));
  };
  const addBtn = h("button", { type: "button", class: "btn btn-default btn-sm", id: "doc-add-step", onclick: () => {
    const entry = addStep();
    entry.picker.input.focus();
  } }, icon("plus", 14), gettext("Add a review step"));
  addStep();
  const signerBox = h("div", { class: "chain-signers", role: "radiogroup", "aria-labelledby": "doc-signer-label" });
  const otherSigner = peoplePicker({ id: "doc-signer-other", label: gettext("Signer"), multiple: false });
  const renderSigners = () => {
    const leaders = (unit() && unit().leaders) || [];
    signerBox.replaceChildren(...[
      ...leaders.map((u, i) => h("label", { class: "chain-signer" },
        h("input", { type: "radio", name: "doc-signer", value: u.username, checked: i === 0 && leaders.length === 1 }),
        h("span", {}, person(u), u.title ? h("span", { class: "chain-signer-title" }, ` ${u.title}`) : null))),
      leaders.length ? null : otherSigner.node].filter(Boolean));
  };
  renderSigners();
  const node = h("fieldset", { class: "doc-field doc-field-wide doc-chain-fields", id: "doc-chain-fields" },
    h("legend", {}, gettext("Review and sign-off")),
    h("p", { class: "label" }, gettext("Reviewers (核稿), in order")),
    h("p", { class: "doc-hint" }, gettext("Several people in one step review together (会签); the next step starts when all have agreed.")),
    stepsList, addBtn,
    h("p", { class: "label", id: "doc-signer-label" }, gettext("Signer (签发)"), h("span", { class: "doc-req", "aria-hidden": "true" }, " *")),
    signerBox,
    error);
  return {
    node,
    error,
    refresh: renderSigners,
    value() {
      const checked = signerBox.querySelector("input[name=doc-signer]:checked");
      const signer = checked ? checked.value : (otherSigner.value()[0] || "");
      return { reviewers: steps.map((s) => s.picker.value()).filter((names) => names.length), signer };
    },
    focus() {
      (signerBox.querySelector("input") || steps[0].picker.input).focus();
    },
  };
}

// 收文办理记录: per recipient unit the caller sees, every step with its comment (拟办意见, 批示,
// 阅示, 办结 result), oldest first.
export function handlingLogNode(doc) {
  const units = (doc.recipients || []).filter((r) => r.log && r.log.length);
  if (!units.length) return null;
  const several = units.length > 1;
  return h("section", { class: "doc-section doc-handling-log", "aria-labelledby": "doc-handling-title" },
    h("div", { class: "doc-section-head" }, h("h2", { id: "doc-handling-title" }, gettext("Handling record"))),
    units.map((r) => h("div", { class: "handling-unit" },
      several ? h("h3", { class: "chain-round-title" }, r.unit.name) : null,
      h("ol", { class: "chain-list" }, r.log.map((e) => h("li", { class: `chain-entry handling-${e.action}` },
        h("span", { class: "chain-dot", "aria-hidden": "true" }, "•"),
        h("div", { class: "chain-text" },
          h("p", { class: "chain-line" },
            h("span", { class: "chain-role" }, e.label || e.action),
            h("strong", { class: "chain-who" }, person(e.by))),
          e.comment ? h("p", { class: "chain-comment" }, `“${e.comment}”`) : null,
          h("time", { class: "chain-time", datetime: e.at }, when(e.at)))))))));
}
