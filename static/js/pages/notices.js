// Notices (通知公告) with 收到: the list (#/notices), composing one (#/notices/new), one notice
// (#/notices/<id>) with the one-press 收到 for its recipients and, for its sender and the
// sending unit's managers, the live ledger of who has and has not pressed it by unit with
// 提醒未收到 (催收); the notice cards' links and counts in chat and on 工作台.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { icon } from "../core/icons.js";
import { registerCard } from "../shell/cards.js";
import { registerPage } from "../shell/router.js";
import { onFrame } from "../shell/socket.js";
import { refreshTodo } from "../shell/todo.js";
import { attachmentsField, peoplePicker } from "../ui/workpage.js";
import { audienceOf, latest, peopleOfUnit, splitUnits } from "./noticeledger.js";
import {
  errorText, failed, field, fileList, follow, formError, frame, go, loading, pressing, progress, swap, tag, unitPicker,
  when,
} from "./noticekit.js";

const POLL_MS = 8000; // managers who are not the sender have no card to follow: they poll

const BOXES = [
  ["received", () => gettext("Received notices")],
  ["sent", () => gettext("Sent notices")],
  ["all", () => gettext("All")],
];

function receiptLine(n) {
  if (!n.ack_required) return tag("info", gettext("No acknowledgement needed"));
  if (n.box === "sent" && n.totals) {
    return tag(n.totals.pending ? "pending" : "done", fmt(gettext("%(acked)s acknowledged / %(pending)s not yet"), n.totals));
  }
  if (n.mine && n.mine.acked) return tag("done", gettext("Acknowledged"));
  return tag("pending", gettext("Awaiting your acknowledgement"));
}

// --- the list -------------------------------------------------------------------------------------------
function mountList(el, query) {
  const box = BOXES.some(([key]) => key === query.box) ? query.box : "received";
  const expired = query.expired === "1";
  const status = h("p", { class: "doc-list-status", role: "status" }, gettext("Loading…"));
  const list = h("ul", { class: "doc-list nt-list", "aria-label": gettext("Notices") });
  const tabs = h("div", { class: "tabs doc-tabs", role: "tablist", "aria-label": gettext("Notices") },
    BOXES.map(([key, label]) => h("a", {
      role: "tab", class: "tab", href: `#/notices?box=${key}${expired ? "&expired=1" : ""}`, "aria-selected": String(key === box),
    }, label())));
  const old = h("label", { class: "nt-check" },
    h("input", { type: "checkbox", checked: expired, onchange: (e) => go("notices", { box, expired: e.target.checked ? "1" : "" }, { replace: true }) }),
    gettext("Show expired"));
  el.replaceChildren(frame({
    title: gettext("Notices"),
    tools: [h("a", { class: "btn btn-primary btn-sm", href: "#/notices/new" }, icon("plus", 16), gettext("New notice"))],
    body: [h("div", { class: "doc-list-wrap" }, h("div", { class: "doc-list-tools" }, tabs, old), status, list)],
  }));
  let alive = true;
  const load = async () => {
    let answer;
    try {
      answer = await api("GET", `/notices?box=${box}&expired=${expired ? 1 : 0}&limit=100`);
    } catch (error) {
      if (alive) status.textContent = errorText(error);
      return;
    }
    if (!alive) return;
    status.textContent = answer.total
      ? fmt(ngettext("%(n)s notice", "%(n)s notices", answer.total), { n: answer.total })
      : gettext("No notices here yet.");
    list.replaceChildren(...answer.results.map((n) => h("li", {},
      h("a", { class: "doc-item nt-item", href: `#/notices/${n.id}`, dataset: { notice: n.id } },
        h("span", { class: "doc-item-icon nt-item-icon", "aria-hidden": "true" }, icon("bell", 18)),
        h("span", { class: "doc-item-main" },
          h("span", { class: "doc-item-top" },
            n.pin ? tag("pin", gettext("Pinned")) : null,
            h("span", { class: "doc-item-title" }, n.title)),
          h("span", { class: "doc-item-meta" }, [n.unit && n.unit.name, n.sender && n.sender.display_name, when(n.created_at)]
            .filter(Boolean).join(" · ")),
          h("span", { class: "doc-item-status" }, n.state === "expired" ? tag("expired", gettext("Expired")) : null, receiptLine(n)))))));
  };
  load();
  const stop = onFrame("todo", () => load());
  return () => { alive = false; if (typeof stop === "function") stop(); };
}

// --- composing -----------------------------------------------------------------------------------------
function mountCompose(el, query) {
  const title = h("input", { type: "text", maxlength: 200, autocomplete: "off" });
  const body = h("textarea", { rows: 8 });
  const unitsPick = unitPicker("nt-units", { all: true });
  // Nobody is chosen at first: an empty audience is refused before anything is sent.
  const people = peoplePicker({ id: "nt-people", label: gettext("People") });
  const ack = h("input", { type: "checkbox", id: "nt-ack", checked: true });
  const pin = h("input", { type: "checkbox", id: "nt-pin" });
  const expires = h("input", { type: "date" });
  const files = attachmentsField("nt-files", { maxFile: 0 });
  const sendingUnit = h("select", {});
  const errors = formError();
  const send = h("button", { type: "submit", class: "btn btn-primary" }, gettext("Publish"));
  // From a room (#/notices/new?room=12): posted there too, its members in the audience.
  let room = null;
  const roomLine = h("div", { class: "doc-field doc-field-wide nt-room-line", hidden: true });
  if (/^\d+$/.test(query.room || "")) {
    api("GET", `/rooms/${query.room}`).then((found) => {
      room = found;
      // The room's members receive it: units become optional.
      const req = form.querySelector(".nt-units-req");
      if (req) req.hidden = true;
      roomLine.replaceChildren(h("p", { class: "label" }, gettext("Posted in")),
        h("p", { class: "nt-room" }, icon("hash", 16), h("b", {}, found.name),
          h("span", { class: "muted" }, fmt(ngettext(" (its %(n)s member receives it)", " (its %(n)s members receive it)",
            found.members_count), { n: found.members_count }))));
      roomLine.hidden = false;
    }).catch((error) => errors.show(errorText(error)));
  }
  const form = h("form", { class: "doc-form nt-form", novalidate: true },
    roomLine,
    field("nt-title", gettext("Title"), title, { required: true }),
    field("nt-body", gettext("Text"), body, { hint: gettext("Markdown is allowed: **bold**, lists, links.") }),
    h("div", { class: "doc-field doc-field-wide" },
      h("p", { class: "label" }, gettext("To units"), h("span", { class: "doc-req nt-units-req", "aria-hidden": "true" }, " *")),
      unitsPick.node,
      h("p", { class: "field-error", id: "nt-units-error" })),
    h("div", { class: "doc-field doc-field-wide" },
      h("label", { for: "nt-people" }, gettext("People")), people.node,
      h("p", { class: "doc-hint" }, gettext("Besides the units, or instead of them."))),
    h("div", { class: "doc-field doc-field-wide nt-options" },
      h("label", { class: "nt-check" }, ack, gettext("Ask for acknowledgement")),
      h("label", { class: "nt-check" }, pin, gettext("Pin to the top of its rooms"))),
    field("nt-expires", gettext("Valid until"), expires, { hint: gettext("After this day the notice leaves the lists.") }),
    h("div", { class: "nt-sending-unit", hidden: true }, field("nt-unit", gettext("Sending unit"), sendingUnit)),
    files.node,
    errors.box,
    h("div", { class: "nt-form-foot" }, h("a", { class: "btn btn-default", href: "#/notices?box=sent" }, gettext("Cancel")), send));
  api("GET", "/me").then((user) => {
    const mine = (user.units || []);
    if (mine.length > 1) {
      sendingUnit.replaceChildren(...mine.map((u) => h("option", { value: u.code }, u.name)));
      form.querySelector(".nt-sending-unit").hidden = false;
    }
  }).catch(() => {});
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.show("");
    const chosen = unitsPick.value();
    const audience = audienceOf({ everyone: chosen.includes("all"), units: chosen, people: people.value() });
    if (!title.value.trim()) {
      errors.show(gettext("Give the notice a title."));
      title.focus();
      return;
    }
    if (!audience.length && !room) {
      errors.show(gettext("Choose who receives it: units, every unit or people."));
      return;
    }
    const problem = files.problem();
    if (problem) {
      errors.show(problem);
      return;
    }
    const payload = {
      title: title.value, body: body.value, audience, ack_required: ack.checked, pin: pin.checked,
      attachments: files.ids(),
    };
    if (room) payload.room = room.id;
    if (expires.value) payload.expires_at = expires.value;
    if (!form.querySelector(".nt-sending-unit").hidden) payload.unit = sendingUnit.value;
    try {
      const made = await pressing(send, () => api("POST", "/notices", payload));
      go(`notices/${made.id}`, {}, { replace: true });
    } catch (error) {
      errors.show(errorText(error));
    }
  });
  el.replaceChildren(frame({ title: gettext("New notice"), back: "notices?box=sent", body: [form] }));
  title.focus();
  return null;
}

// --- one notice ----------------------------------------------------------------------------------------
function heroOf(n) {
  const meta = [n.unit && n.unit.name, n.sender && n.sender.display_name, when(n.created_at)].filter(Boolean);
  return h("section", { class: "nt-hero" },
    h("div", { class: "nt-hero-tags" },
      tag("notice", gettext("Notice")),
      n.pin ? tag("pin", gettext("Pinned")) : null,
      n.state === "expired" ? tag("expired", gettext("Expired")) : null),
    h("h2", { class: "nt-hero-title" }, n.title),
    h("p", { class: "nt-hero-meta" }, meta.join(" · "),
      n.expires_at ? ` · ${fmt(gettext("valid until %(t)s"), { t: when(n.expires_at) })}` : ""));
}

function bodyOf(n) {
  const node = h("div", { class: "nt-body msg-body" });
  node.innerHTML = n.html || ""; // sanitized by the server (bleach allow-list) when sent
  return node;
}

function myReceipt(n, refresh) {
  if (!n.mine || !n.ack_required) return null;
  if (n.mine.acked) {
    return h("section", { class: "nt-mine nt-mine-done" }, icon("check", 20),
      h("span", {}, fmt(gettext("You acknowledged it at %(t)s."), { t: when(n.mine.at) })));
  }
  if (!n.viewer.actions.includes("ack")) return null;
  const button = h("button", { type: "button", class: "btn btn-primary nt-ack", dataset: { action: "ack" } }, gettext("Acknowledge"));
  const error = h("p", { class: "field-error", role: "alert" });
  button.addEventListener("click", async () => {
    error.textContent = "";
    try {
      await pressing(button, () => api("POST", `/notices/${n.id}/ack`, {}));
      refreshTodo();
      refresh();
    } catch (e) {
      error.textContent = errorText(e);
    }
  });
  return h("section", { class: "nt-mine" },
    h("p", {}, gettext("Press Acknowledge to tell the sender you have received it.")), button, error);
}

function unitRow(u, people) {
  const name = u.unit ? u.unit.name : gettext("No unit");
  const all = u.acked + u.pending;
  const label = fmt(gettext("%(acked)s of %(all)s acknowledged"), { acked: u.acked, all });
  const pending = peopleOfUnit(people.pending, u);
  const acked = peopleOfUnit(people.acked, u);
  return h("details", { class: `nt-unit-row${u.pending ? " nt-unit-row-pending" : ""}`, dataset: { key: `u-${u.unit ? u.unit.code : "-"}`, unit: u.unit ? u.unit.code : "" } },
    h("summary", {},
      h("span", { class: "nt-unit-name" }, name),
      progress(u.acked, all, label),
      h("span", { class: "nt-unit-nums" }, h("b", {}, String(u.acked)), ` / ${all}`)),
    h("div", { class: "nt-unit-people" },
      pending.length ? h("p", {}, h("span", { class: "nt-who-label" }, gettext("Not yet:")),
        pending.map((p) => h("span", { class: "nt-person nt-person-pending" }, p.user.display_name,
          p.reminders ? h("small", {}, fmt(gettext(" (reminded %(n)s×)"), { n: p.reminders })) : null))) : null,
      acked.length ? h("p", {}, h("span", { class: "nt-who-label" }, gettext("Acknowledged:")),
        acked.map((p) => h("span", { class: "nt-person nt-person-acked", title: when(p.at) }, p.user.display_name))) : null));
}

// `said` keeps what the last 催收 answered across the refreshes that follow it.
function ledger(n, refresh, said = {}) {
  if (!n.viewer.manager) return null;
  const t = n.totals;
  if (!n.ack_required) {
    return h("section", { class: "doc-section nt-ledger" },
      h("h3", {}, gettext("Delivery")),
      h("p", {}, fmt(gettext("Delivered to %(n)s people; %(read)s have read it."), { n: t.recipients, read: t.read })));
  }
  const remindError = h("p", { class: `field-error${said.ok ? " nt-ok" : ""}`, role: "alert" }, said.text || "");
  const remind = n.viewer.actions.includes("remind")
    ? h("button", { type: "button", class: "btn btn-default nt-remind" }, icon("bell", 16),
      fmt(gettext("Remind the %(n)s who have not"), { n: t.pending }))
    : null;
  if (remind) {
    remind.addEventListener("click", async () => {
      remindError.textContent = "";
      try {
        const answer = await pressing(remind, () => api("POST", `/notices/${n.id}/remind`, {}));
        Object.assign(said, { ok: true, text: fmt(gettext("Reminded %(n)s people."), { n: answer.reminded }) });
        remindError.textContent = said.text;
        remindError.classList.add("nt-ok");
        refresh();
      } catch (e) {
        Object.assign(said, { ok: false, text: errorText(e) });
        remindError.classList.remove("nt-ok");
        remindError.textContent = said.text;
      }
    });
  }
  const { behind, done } = splitUnits(n.units);
  const lists = { pending: n.pending || [], acked: n.acked || [] };
  const recent = latest(lists.acked, 12);
  return h("section", { class: "doc-section nt-ledger", "aria-live": "off" },
    h("div", { class: "nt-stats" },
      h("div", { class: "nt-stat nt-stat-acked" }, h("span", { class: "nt-stat-n", dataset: { count: "acked" } }, String(t.acked)), h("span", {}, gettext("acknowledged"))),
      h("div", { class: "nt-stat nt-stat-pending" }, h("span", { class: "nt-stat-n", dataset: { count: "pending" } }, String(t.pending)), h("span", {}, gettext("not yet"))),
      h("div", { class: "nt-stat" }, h("span", { class: "nt-stat-n", dataset: { count: "read" } }, String(t.read)), h("span", {}, gettext("have read it"))),
      h("div", { class: "nt-stat" }, h("span", { class: "nt-stat-n" }, String(t.recipients)), h("span", {}, gettext("recipients")))),
    progress(t.acked, t.recipients, fmt(gettext("%(acked)s of %(all)s acknowledged"), { acked: t.acked, all: t.recipients })),
    h("div", { class: "nt-remind-line" }, remind,
      n.reminders ? h("span", { class: "muted" }, fmt(gettext("Reminded %(n)s times, last at %(t)s"), { n: n.reminders, t: when(n.last_reminded_at) })) : null,
      !t.pending && t.recipients ? tag("done", gettext("Everyone has acknowledged it")) : null),
    remindError,
    recent.length ? h("div", { class: "nt-latest" },
      h("h3", {}, gettext("Latest acknowledgements")),
      h("ol", { class: "nt-latest-list" }, recent.map((p) => h("li", {},
        h("span", { class: "nt-person nt-person-acked" }, p.user.display_name),
        h("span", { class: "muted" }, `${p.unit ? p.unit.name : ""} · ${when(p.at)}`))))) : null,
    h("h3", {}, gettext("By unit")),
    behind.length ? h("div", { class: "nt-units-behind" },
      h("p", { class: "nt-group-label" }, fmt(gettext("Not all acknowledged (%(n)s units)"), { n: behind.length })),
      behind.map((u) => unitRow(u, lists))) : null,
    done.length ? h("details", { class: "nt-units-done", dataset: { key: "done" } },
      h("summary", {}, fmt(gettext("Everyone acknowledged (%(n)s units)"), { n: done.length })),
      done.map((u) => unitRow(u, lists))) : null);
}

function mountNotice(el, id) {
  let notice = null;
  let alive = true;
  let seq = 0;
  const said = {};
  const render = () => {
    const refresh = () => load();
    swap(el, frame({
      title: notice.title,
      back: notice.viewer.manager ? "notices?box=sent" : "notices",
      body: [h("article", { class: "nt-notice", dataset: { notice: notice.id } },
        heroOf(notice), myReceipt(notice, refresh), bodyOf(notice), fileList(notice.attachments), ledger(notice, refresh, said))],
    }));
  };
  const load = async () => {
    const mine = ++seq;
    try {
      const fresh = await api("GET", `/notices/${id}`);
      if (!alive || mine !== seq) return;
      notice = fresh;
      render();
    } catch (error) {
      if (alive && mine === seq && !notice) el.replaceChildren(failed(gettext("Notice"), "notices", error));
    }
  };
  el.replaceChildren(loading(gettext("Notice"), "notices"));
  load();
  // The sender follows their tracking card; a recipient their own card; other managers poll.
  let polling = null;
  const stop = follow(onFrame, {
    ids: () => (notice ? [notice.tracking_message, notice.mine && notice.mine.message].filter(Boolean) : []),
    refresh: load,
  });
  const watch = setInterval(() => {
    if (!notice) return;
    const needsPoll = notice.viewer.manager && !notice.tracking_message && notice.state === "open";
    if (needsPoll && !polling) polling = setInterval(load, POLL_MS);
    if (!needsPoll && polling) { clearInterval(polling); polling = null; }
  }, 1000);
  return () => { alive = false; stop(); clearInterval(watch); if (polling) clearInterval(polling); };
}

// --- cards -------------------------------------------------------------------------------------------
export function noticeCardExtras(card) {
  if (!card || card.ref == null) return [];
  const t = card.totals;
  const bar = t && t.recipients && card.card_type === "notice_tracking"
    ? h("div", { class: "card-progress" },
      progress(t.acked, t.recipients, fmt(gettext("%(acked)s of %(all)s acknowledged"), { acked: t.acked, all: t.recipients })))
    : null;
  return [bar, h("div", { class: "card-more-row" }, h("a", { class: "card-more", href: `#/notices/${card.ref}` },
    card.card_type === "notice_tracking" ? gettext("Who has acknowledged") : gettext("Open the notice"),
    h("span", { "aria-hidden": "true" }, " ›")))];
}

registerCard("notice", { label: () => gettext("Notice"), extras: noticeCardExtras });
registerCard("notice_tracking", { label: () => gettext("Acknowledgements"), extras: noticeCardExtras });

registerPage({
  name: "notices",
  path: "notices",
  className: "nt-page-section",
  title: () => gettext("Notices"),
  sidebar: { label: () => gettext("Notices"), icon: "bell", order: 24, badge: "todo.count.notice_ack", id: "notices-link" },
  mount: (el, params, query) => mountList(el, query || {}),
});

registerPage({
  name: "notice-new",
  path: "notices/new",
  className: "nt-page-section",
  title: () => gettext("New notice"),
  sidebarPage: "notices",
  mount: (el, params, query) => mountCompose(el, query || {}),
});

registerPage({
  name: "notice",
  path: "notices/:id",
  className: "nt-page-section",
  title: () => gettext("Notice"),
  sidebarPage: "notices",
  mount: (el, params) => mountNotice(el, params.id),
});
