// The meetings and approvals screens, as app.js sees them: the sidebar's entries, the routes
// (#meetings, #meeting/<id>, #approvals, #approval/<id>), and the messages that keep the
// pages live.

import { h } from "./dom.js";
import { gettext } from "./i18n.js";
import { approvalMessage, leaveApprovals, refreshTodoBadge, showApproval, showApprovalList } from "./approvals.js";
import { leaveMeetings, meetingMessage, showMeeting, showMeetingList } from "./meetings.js";
import { hidePage, initPage, openHash, pageOpen, wIcon } from "./workpage.js";

const ROUTES = [
  [/^#approval\/(\d+)$/, (m) => showApproval(Number(m[1]))],
  [/^#approvals(?:\/(todo|mine|done))?$/, (m) => showApprovalList(m[1] || "todo")],
  [/^#meeting\/(\d+)$/, (m) => showMeeting(Number(m[1]))],
  [/^#meetings(?:\/(invited|organised|all))?$/, (m) => showMeetingList(m[1] || "invited")],
];

export function workPageOpen() {
  return pageOpen();
}

export function hideWork() {
  if (hidePage()) {
    leaveApprovals();
    leaveMeetings();
  }
}

// From app.js's router: true when the hash is one of these pages (now shown).
export function routeWork(hash) {
  for (const [pattern, show] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      if (!/^#approval/.test(hash)) leaveApprovals();
      if (!/^#meeting/.test(hash)) leaveMeetings();
      show(match);
      return true;
    }
  }
  hideWork();
  return false;
}

// From app.js: every new or updated message.
export function workMessage(m) {
  if (!m || !m.card) return;
  approvalMessage(m);
  meetingMessage(m);
}

export function initWork() {
  initPage();
  // The documents pages open without the router at times (their links): make way for them.
  const docPage = document.getElementById("doc-page");
  if (docPage) {
    new MutationObserver(() => {
      if (!docPage.hidden) hideWork();
    }).observe(docPage, { attributes: true, attributeFilter: ["hidden"] });
  }
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const link = event.target instanceof Element
      ? event.target.closest('a[href^="#approval"], a[href^="#meeting"]') : null;
    if (!link) return;
    event.preventDefault();
    openHash(link.getAttribute("href"));
  });
  const apps = document.getElementById("sidebar-apps");
  if (apps) {
    apps.append(
      h("a", { class: "app-link wk-app-link", href: "#meetings", id: "meetings-link" },
        wIcon("calendar", 18), h("span", {}, gettext("Meetings"))),
      h("a", { class: "app-link wk-app-link", href: "#approvals", id: "approvals-link" },
        wIcon("stamp", 18), h("span", {}, gettext("Approvals")),
        h("span", { class: "wk-badge", id: "approvals-badge", hidden: true, "aria-hidden": "true" })));
  }
  refreshTodoBadge();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshTodoBadge(200);
  });
}
