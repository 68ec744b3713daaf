// What the web client adds to the meetings and approvals bots' cards: the approval's steps as
// a progress track, the roster's counts as a bar, and a link to the page of each. Kept apart
// from meetings.js and approvals.js so that timeline.js can use it without the dialogs.

import { h } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
import { buildHash } from "../shell/routes.js";

export function meetingHref(id) {
  return buildHash(`meetings/${encodeURIComponent(id)}`);
}

export function approvalHref(id) {
  return buildHash(`approvals/${encodeURIComponent(id)}`);
}

const DECISION_MARK = { approve: "✓", reject: "✕", return: "↩" };

// One dot per step: done, current, waiting, or where it was returned or rejected.
function stepTrack(card) {
  const steps = card.steps || [];
  if (!steps.length) return null;
  const items = steps.map((s, index) => {
    const names = (s.approvers || []).map((a) => (a.user ? a.user.display_name || a.user.username : "")).filter(Boolean);
    const decided = (s.approvers || []).filter((a) => a.decision);
    const mark = s.state === "approved" ? "✓" : s.state === "rejected" ? "✕" : s.state === "returned" ? "↩"
      : String(index + 1);
    const who = names.length > 2 ? fmt(gettext("%(first)s and %(n)s more"), { first: names[0], n: names.length - 1 }) : names.join("、");
    const label = `${s.mode_label || ""}${s.mode_label ? " " : ""}${who}`;
    return h("li", { class: `wk-track-step wk-track-${s.state}`, title: `${label} · ${s.state_label || ""}` },
      h("span", { class: "wk-track-dot", "aria-hidden": "true" }, mark),
      h("span", { class: "wk-track-text" },
        h("span", { class: "wk-track-who" }, who),
        h("span", { class: "wk-track-state" },
          s.approvers && s.approvers.length > 1 && s.state === "active"
            ? fmt(gettext("%(n)s of %(all)s decided"), { n: decided.length, all: s.approvers.length })
            : s.state_label || "")));
  });
  return h("ol", { class: "wk-track", "aria-label": gettext("Approval steps") }, items);
}

function rosterBar(totals) {
  const all = totals.invited || 0;
  if (!all) return null;
  const part = (key, n) => {
    const span = h("span", { class: `wk-bar-${key}` });
    span.style.width = `${(100 * n) / all}%`;
    return span;
  };
  const going = (totals.attending || 0) + (totals.delegated || 0);
  const label = fmt(gettext("%(going)s attending, %(declined)s on leave, %(pending)s not answered, of %(all)s"), {
    going, declined: totals.declined || 0, pending: totals.pending || 0, all,
  });
  return h("div", { class: "wk-bar", role: "img", "aria-label": label, title: label },
    part("going", going), part("declined", totals.declined || 0));
}

// Nodes to put between a meeting or approval card's fields and its buttons.
export function workCardExtras(card) {
  if (!card || card.ref === undefined || card.ref === null) return [];
  const type = card.card_type;
  if (type === "approval") {
    return [
      stepTrack(card),
      h("div", { class: "card-more-row" }, h("a", { class: "card-more", href: approvalHref(card.ref) },
        gettext("View the approval"), h("span", { "aria-hidden": "true" }, " ›"))),
    ];
  }
  if (type === "meeting" || type === "meeting_roster") {
    const bar = type === "meeting_roster" && card.totals ? rosterBar(card.totals) : null;
    return [
      bar ? h("div", { class: "card-progress" }, bar) : null,
      h("div", { class: "card-more-row" }, h("a", { class: "card-more", href: meetingHref(card.ref) },
        type === "meeting_roster" ? gettext("Roster and details") : gettext("View the meeting"),
        h("span", { "aria-hidden": "true" }, " ›"))),
    ];
  }
  return [];
}

export { DECISION_MARK };
