// Meeting notices (会议通知) in the web client: the meeting's page (#meeting/<id>) with the
// roster (参加 with who attends, 请假 with reasons, 未回复), 催复, change and cancel, the roster
// as CSV and the notice as iCalendar; the lists (#meetings[/invited|organised]); the compose
// form. The bot's cards link to the page, and the page follows them live.

import { api } from "../core/api.js";
import { closeDialog, commentDialog, errorText, openDialog, pickPersonDialog, toast } from "../ui/dialogs.js";
import { h, icon } from "../core/dom.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { state } from "../shell/state.js";
import { meetingHref, workCardExtras } from "./work-cards.js";
import { registerCard } from "../shell/cards.js";
import { navigate, registerPage } from "../shell/router.js";
import {
  attachmentList, attachmentsField, busy, errorPage, field, focusTitle, formErrors, loadingPage, localInput, openHash,
  page, pageHead, paragraphs, peoplePicker, person, renderKeeping, roomOfMessage, setPage, showPage, span, tabs, wIcon, when,
  wireSubmit,
} from "../ui/workpage.js";

const REFRESH_AFTER_MS = 250;
const CARD_TYPES = new Set(["meeting", "meeting_roster"]);
const REMIND_CHOICES = [
  [0, () => gettext("No reminder")],
  [15, () => gettext("15 minutes before")],
  [30, () => gettext("30 minutes before")],
  [60, () => gettext("1 hour before")],
  [120, () => gettext("2 hours before")],
  [1440, () => gettext("1 day before")],
];

let current = null; // {kind: "list", box} | {kind: "meeting", id, meeting, timer, seq}

function stateTag(s, label) {
  return h("span", { class: `doc-state wk-state-${s}` }, label || s);
}

const MEETING_STATES = {
  scheduled: () => gettext("Scheduled"),
  started: () => gettext("In progress"),
  ended: () => gettext("Ended"),
  cancelled: () => gettext("Cancelled"),
};

const INVITEE_STATES = {
  pending: () => gettext("Not answered"),
  attending: () => gettext("Attending"),
  declined: () => gettext("On leave"),
  delegated: () => gettext("Sends a deputy"),
};

// --- the lists ------------------------------------------------------------------------------------------
function showMeetingList(box) {
  const again = current && current.kind === "list";
  current = { kind: "list", box, seq: 0 };
  const view = current;
  const status = h("p", { class: "doc-list-status", role: "status" }, gettext("Loading…"));
  const list = h("ul", { class: "doc-list", id: "mtg-list", role: "tabpanel", "aria-label": gettext("Meetings") });
  const choose = (next) => {
    history.replaceState(history.state, "", `#/meetings/${next}`);
    showMeetingList(next);
  };
  page().replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({
      title: gettext("Meetings"),
      tools: [h("button", { type: "button", class: "btn btn-primary btn-sm", onclick: () => composeMeeting() },
        wIcon("compose", 16), gettext("New meeting"))],
    }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-list-wrap" },
        h("div", { class: "doc-list-tools" }, tabs("mtg", [
          ["invited", gettext("Invited")], ["organised", gettext("Organised")], ["all", gettext("All")],
        ], box, choose, gettext("Meetings"))),
        status, list))));
  showPage();
  if (!again) focusTitle();
  fetchList(view, status, list);
}

async function fetchList(view, status, list) {
  const seq = ++view.seq;
  let answer;
  try {
    answer = await api("GET", `/meetings?box=${view.box}&limit=100`);
  } catch (error) {
    if (current === view && seq === view.seq) status.textContent = errorText(error);
    return;
  }
  if (current !== view || seq !== view.seq) return;
  status.textContent = answer.total
    ? fmt(ngettext("%(n)s meeting", "%(n)s meetings", answer.total), { n: answer.total })
    : gettext("No meetings yet.");
  list.replaceChildren(...answer.results.map((m) => h("li", {},
    h("a", { class: "doc-item", href: meetingHref(m.id) },
      h("span", { class: "doc-item-icon wk-item-icon-meeting", "aria-hidden": "true" }, wIcon("calendar", 18)),
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" },
          h("span", { class: `doc-tag wk-box-${m.box}` }, m.box === "organised" ? gettext("Organised") : gettext("Invited")),
          h("span", { class: "doc-item-title" }, m.title)),
        h("span", { class: "doc-item-meta" }, [span(m.start, m.end), m.location, m.unit && m.unit.name].filter(Boolean).join(" · ")),
        h("span", { class: "doc-item-status" },
          stateTag(m.state, MEETING_STATES[m.state] ? MEETING_STATES[m.state]() : m.state),
          (m.mine || []).map((x) => stateTag(x.state, INVITEE_STATES[x.state] ? INVITEE_STATES[x.state]() : x.state))))))));
}

// --- one meeting --------------------------------------------------------------------------------------------
function showMeeting(id) {
  if (current && current.kind === "meeting" && current.id === id) {
    showPage();
    return;
  }
  current = { kind: "meeting", id, meeting: null, timer: null, seq: 0, previous: new Map() };
  loadingPage(gettext("Meeting"));
  showPage();
  focusTitle();
  fetchMeeting(current);
}

async function fetchMeeting(view) {
  const seq = ++view.seq;
  let meeting;
  try {
    meeting = await api("GET", `/meetings/${view.id}`);
  } catch (error) {
    if (current !== view || seq !== view.seq) return;
    if (view.meeting) toast(errorText(error), "error");
    else errorPage(gettext("Meeting"), error);
    return;
  }
  if (current !== view || seq !== view.seq) return;
  if (view.meeting) view.previous = new Map(view.meeting.invitees.map((i) => [i.id, i.state]));
  view.meeting = meeting;
  renderMeeting(view);
}

// Every new or updated meeting card (registered below); the meeting's cards change on every answer.
function meetingMessage(m) {
  if (!m || !m.card || !CARD_TYPES.has(m.card.card_type) || !current) return;
  const view = current;
  if (view.kind === "list") {
    clearTimeout(view.timer);
    view.timer = setTimeout(() => {
      if (current !== view) return;
      const status = page().querySelector(".doc-list-status");
      const list = page().querySelector("#mtg-list");
      if (status && list) fetchList(view, status, list);
    }, 600);
    return;
  }
  if (view.kind !== "meeting" || m.card.ref !== view.id) return;
  clearTimeout(view.timer);
  view.timer = setTimeout(() => fetchMeeting(view), REFRESH_AFTER_MS);
}

function leaveMeetings() {
  current = null;
}

async function remind(view, button) {
  await busy(button, async () => {
    try {
      const answer = await api("POST", `/meetings/${view.id}/remind`);
      toast(answer.reminded
        ? fmt(ngettext("Reminded %(n)s invitee.", "Reminded %(n)s invitees.", answer.reminded), { n: answer.reminded })
        : gettext("No reminder sent: they were reminded a few minutes ago."));
    } catch (error) {
      toast(errorText(error), "error");
    }
  });
  fetchMeeting(view);
}

async function cancelMeeting(view) {
  const reason = await commentDialog({ title: gettext("Cancel the meeting"), label: gettext("Reason for cancelling (required)"), required: true });
  if (reason === null) return;
  try {
    view.meeting = await api("POST", `/meetings/${view.id}/cancel`, { reason });
    toast(gettext("The meeting is cancelled; every invitee has been told."));
  } catch (error) {
    toast(errorText(error), "error");
  }
  if (current === view) fetchMeeting(view);
}

function changeDialog(view) {
  const m = view.meeting;
  const title = h("input", { id: "mtg-ch-title", value: m.title, maxlength: 1000, autocomplete: "off" });
  const start = h("input", { id: "mtg-ch-start", type: "datetime-local", value: localInput(m.start) });
  const end = h("input", { id: "mtg-ch-end", type: "datetime-local", value: localInput(m.end) });
  const location = h("input", { id: "mtg-ch-location", value: m.location || "", maxlength: 200, autocomplete: "off" });
  const rsvp = h("input", { id: "mtg-ch-rsvp", type: "datetime-local", value: localInput(m.rsvp_by) });
  const agenda = h("textarea", { id: "mtg-ch-agenda", rows: 4 });
  agenda.value = m.agenda || "";
  const note = h("input", { id: "mtg-ch-note", maxlength: 500, autocomplete: "off" });
  const form = h("form", { class: "dialog-form doc-form", novalidate: true },
    field("mtg-ch-title", gettext("Title"), title, { required: true, wide: true }),
    field("mtg-ch-start", gettext("Starts"), start, { required: true }),
    field("mtg-ch-end", gettext("Ends"), end, { required: true }),
    field("mtg-ch-location", gettext("Place"), location),
    field("mtg-ch-rsvp", gettext("Answer by"), rsvp),
    field("mtg-ch-agenda", gettext("Agenda"), agenda, { wide: true }),
    field("mtg-ch-note", gettext("What changed"), note, { wide: true, hint: gettext("Every invitee is told, with this note.") }));
  const errors = formErrors(form, "mtg-ch");
  const save = h("button", { type: "button", class: "btn btn-primary" }, gettext("Save and notify"));
  const submit = () => busy(save, async () => {
    errors.clear();
    const body = { note: note.value.trim() };
    if (title.value.trim() !== m.title) body.title = title.value.trim();
    if (start.value !== localInput(m.start)) body.start = start.value;
    if (end.value !== localInput(m.end)) body.end = end.value;
    if (location.value.trim() !== (m.location || "")) body.location = location.value.trim();
    if (rsvp.value && rsvp.value !== localInput(m.rsvp_by)) body.rsvp_by = rsvp.value;
    if (agenda.value !== (m.agenda || "")) body.agenda = agenda.value;
    if (Object.keys(body).length === 1) {
      errors.show(gettext("Nothing has changed."));
      return;
    }
    try {
      view.meeting = await api("PATCH", `/meetings/${view.id}`, body);
    } catch (error) {
      errors.show(errorText(error));
      errors.box.focus();
      return;
    }
    closeDialog();
    toast(gettext("Changed; every invitee has been told."));
    if (current === view) renderMeeting(view);
  });
  save.addEventListener("click", submit);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  const el = openDialog({ title: gettext("Change the meeting"), body: form, footer: [errors.box, cancel, save], wide: true });
  el.classList.add("dialog-doc");
  title.focus();
}

// Answer from the page, as on the card (for an invitee the viewer answers for).
async function rsvp(view, invitee, action, button) {
  const body = { action };
  if (invitee.kind === "unit" && invitee.unit) body.unit = invitee.unit.code || invitee.unit;
  if (action === "decline") {
    const reason = await commentDialog({ title: gettext("On leave"), label: gettext("Reason for leave (required)"), required: true });
    if (reason === null) return;
    body.comment = reason;
  } else if (action === "delegate") {
    const chosen = await pickPersonDialog(gettext("Choose the person who attends in your place"));
    if (!chosen) return;
    body.delegate = chosen.username;
  }
  await busy(button, async () => {
    try {
      await api("POST", `/meetings/${view.id}/rsvp`, body);
      toast(gettext("Answer sent."));
    } catch (error) {
      toast(errorText(error), "error");
    }
  });
  fetchMeeting(view);
}

function rosterGroup(key, title, entries, view, render) {
  return h("div", { class: `wk-roster-group wk-roster-${key}`, dataset: { group: key } },
    h("h3", {}, title, h("span", { class: "wk-count" }, String(entries.length))),
    entries.length ? h("ul", {}, entries.map((i) => {
      const before = view.previous.get(i.id);
      const changed = before !== undefined && before !== i.state;
      return h("li", { class: `wk-roster-entry${changed ? " doc-row-changed" : ""}`, dataset: { invitee: i.id, state: i.state } },
        h("span", { class: "wk-roster-icon", "aria-hidden": "true" }, i.kind === "unit" ? icon("building", 16) : wIcon("user", 16)),
        h("div", { class: "wk-roster-main" },
          h("div", { class: "wk-roster-top" },
            h("span", { class: "wk-roster-name" }, i.name),
            i.state === "delegated" ? stateTag("delegated", i.state_label) : null),
          render(i)));
    })) : h("p", { class: "muted wk-roster-none" }, gettext("None")));
}

function answeredBy(i) {
  return i.responded_at ? h("span", { class: "doc-by" }, [person(i.responded_by), when(i.responded_at)].filter(Boolean).join(" · ")) : null;
}

function rosterNode(view) {
  const m = view.meeting;
  const inv = m.invitees || [];
  const attending = inv.filter((i) => i.state === "attending" || i.state === "delegated");
  const excused = inv.filter((i) => i.state === "declined");
  const pending = inv.filter((i) => i.state === "pending");
  const organiser = Boolean(m.roster && m.roster.totals);
  const tools = [];
  if (organiser) {
    tools.push(h("a", { class: "btn btn-default btn-sm", href: `/api/v1/meetings/${m.id}/roster.csv`, download: "" },
      icon("download", 16), gettext("Roster (CSV)")));
  }
  return h("section", { class: "doc-section", "aria-labelledby": "mtg-roster-title" },
    h("div", { class: "doc-section-head" },
      h("h2", { id: "mtg-roster-title" }, organiser ? gettext("Roster") : gettext("Our answer")),
      tools.length ? h("div", { class: "wk-section-tools" }, tools) : null),
    h("div", { class: "wk-roster" },
      rosterGroup("attending", gettext("Attending"), attending, view, (i) => [
        i.state === "delegated" && i.delegate ? h("p", { class: "wk-roster-line" }, fmt(gettext("Deputy: %(name)s"), { name: person(i.delegate) })) : null,
        i.attendees && i.attendees.length
          ? h("p", { class: "wk-roster-line" }, h("span", { class: "muted" }, gettext("Attendees: ")), i.attendees.map((u) => person(u)).join("、"))
          : i.attendee_names && i.attendee_names.length ? h("p", { class: "wk-roster-line" }, i.attendee_names.join("、")) : null,
        answeredBy(i)]),
      rosterGroup("declined", gettext("On leave"), excused, view, (i) => [
        i.reason ? h("p", { class: "wk-roster-line wk-reason" }, h("span", { class: "muted" }, gettext("Reason: ")), i.reason) : null,
        answeredBy(i)]),
      rosterGroup("pending", gettext("Not answered"), pending, view, (i) => [
        i.rsvp_reminders ? h("p", { class: "wk-roster-line muted" }, fmt(ngettext("Reminded %(n)s time", "Reminded %(n)s times", i.rsvp_reminders), { n: i.rsvp_reminders })) : null,
        (m.viewer.answers_for || []).includes(i.id) && m.state === "scheduled" ? h("div", { class: "wk-rsvp" },
          h("button", { type: "button", class: "btn btn-primary btn-sm", onclick: (e) => rsvp(view, i, "attend", e.currentTarget) }, gettext("Attend")),
          h("button", { type: "button", class: "btn btn-danger btn-sm", onclick: (e) => rsvp(view, i, "decline", e.currentTarget) }, gettext("On leave")),
          i.kind === "person" ? h("button", { type: "button", class: "btn btn-default btn-sm", onclick: (e) => rsvp(view, i, "delegate", e.currentTarget) }, gettext("Send a deputy")) : null) : null])));
}

function stat(key, label, value, extra = {}) {
  return h("div", { class: `doc-stat wk-stat-${key}${extra.pending ? " doc-stat-pending" : ""}`, dataset: { stat: key } },
    h("dt", {}, label),
    h("dd", {}, h("span", { class: "doc-stat-n" }, String(value)),
      extra.of !== undefined ? h("span", { class: "doc-stat-of" }, ` / ${extra.of}`) : null));
}

function statsNode(t) {
  return h("dl", { class: "doc-stats wk-stats" },
    stat("attending", gettext("Attending"), t.attending + t.delegated, { of: t.invited }),
    stat("people", gettext("Attendees in all"), t.people),
    stat("declined", gettext("On leave"), t.declined),
    stat("pending", gettext("Not answered"), t.pending, { pending: t.pending > 0 }));
}

function infoList(m) {
  const rows = [
    [gettext("Time"), span(m.start, m.end)],
    [gettext("Place"), m.location],
    [gettext("Organiser"), [m.unit && m.unit.name, person(m.organiser)].filter(Boolean).join(" · ")],
    [gettext("Answer by"), when(m.rsvp_by)],
    [gettext("Reminder"), m.remind_before_minutes ? fmt(gettext("%(n)s minutes before"), { n: m.remind_before_minutes }) : gettext("None")],
    [gettext("Version"), m.version > 1 ? fmt(gettext("Changed %(n)s times"), { n: m.version - 1 }) : ""],
  ];
  return h("dl", { class: "doc-info" }, rows.filter(([, v]) => v).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

function renderMeeting(view) {
  const m = view.meeting;
  const open = m.state === "scheduled";
  const t = m.roster && m.roster.totals;
  const tools = [];
  if (m.viewer.may_change && open && t && t.pending) {
    tools.push(h("button", {
      type: "button", class: "btn btn-default btn-sm", dataset: { focus: "remind" }, title: gettext("Remind every invitee that has not answered"),
      onclick: (event) => remind(view, event.currentTarget),
    }, icon("bell", 16), h("span", { class: "wk-hide-phone" }, gettext("Remind"))));
  }
  if (m.roster_message || (m.invitees || []).some((i) => i.message)) {
    const messageId = m.roster_message || m.invitees.find((i) => i.message).message;
    tools.push(h("button", {
      type: "button", class: "btn btn-default btn-sm doc-room-btn", dataset: { focus: "card" }, "aria-label": gettext("Open the card"),
      onclick: async () => {
        try {
          navigate(`rooms/${await roomOfMessage(messageId)}`);
        } catch (error) {
          toast(errorText(error), "error");
        }
      },
    }, wIcon("chat", 16), h("span", {}, gettext("Open the card"))));
  }
  const stateName = m.state;
  const manage = m.viewer.may_change && open ? h("div", { class: "wk-manage" },
    h("button", { type: "button", class: "btn btn-default btn-sm", dataset: { focus: "change" }, onclick: () => changeDialog(view) },
      icon("edit", 16), gettext("Change")),
    h("button", { type: "button", class: "btn btn-danger btn-sm", dataset: { focus: "cancel" }, onclick: () => cancelMeeting(view) },
      gettext("Cancel the meeting"))) : null;
  const hero = h("section", { class: "doc-hero wk-hero wk-hero-meeting" },
    h("div", { class: "doc-hero-tags" },
      h("span", { class: "doc-tag" }, gettext("Meeting notice")),
      stateTag(stateName, MEETING_STATES[stateName] ? MEETING_STATES[stateName]() : stateName),
      m.version > 1 ? h("span", { class: "doc-tag" }, gettext("Changed")) : null),
    h("h2", { class: "doc-hero-title" }, m.title),
    h("ul", { class: "wk-facts" },
      h("li", {}, wIcon("clock", 16), h("span", {}, span(m.start, m.end))),
      m.location ? h("li", {}, wIcon("pin", 16), h("span", {}, m.location)) : null,
      h("li", {}, icon("building", 16), h("span", {}, [m.unit && m.unit.name, person(m.organiser)].filter(Boolean).join(" · ")))),
    m.state === "cancelled" ? h("p", { class: "wk-cancelled", role: "note" }, icon("alert", 16),
      fmt(gettext("Cancelled %(time)s: %(reason)s"), { time: when(m.cancelled_at), reason: m.cancel_reason || "" })) : null,
    t ? statsNode(t) : null,
    manage);
  const about = h("section", { class: "doc-section doc-side", "aria-labelledby": "mtg-info-title" },
    h("div", { class: "doc-section-head" },
      h("h2", { id: "mtg-info-title" }, gettext("About the meeting")),
      h("a", { class: "btn btn-default btn-sm", href: `/api/v1/meetings/${m.id}/calendar.ics`, download: "" },
        wIcon("calendar", 16), gettext("Add to calendar"))),
    infoList(m),
    m.agenda ? h("div", { class: "wk-agenda" }, h("h3", {}, gettext("Agenda")), paragraphs(m.agenda)) : null,
    m.attachments && m.attachments.length ? h("div", { class: "wk-agenda" }, h("h3", {}, gettext("Materials")), attachmentList(m.attachments)) : null);
  renderKeeping(h("div", { class: "doc-page-inner" },
    pageHead({ title: t ? gettext("Meeting roster") : gettext("Meeting"), sub: m.title, tools }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-content wk-content" },
        hero,
        h("div", { class: "doc-columns" }, rosterNode(view), about)))));
}

// --- the compose form -------------------------------------------------------------------------------------------
let draft = null;
let metaCache = null;

function inviteePicker(meta, organising) {
  const chosen = new Set();
  const chips = h("div", { class: "rcpt-chips", "aria-live": "polite" });
  const toggle = h("button", {
    type: "button", class: "btn btn-default btn-sm rcpt-toggle", "aria-expanded": "false", "aria-controls": "mtg-units-panel", id: "mtg-units-toggle",
  }, icon("plus", 14), gettext("Choose units"));
  const filter = h("input", { type: "search", id: "mtg-units-filter", autocomplete: "off", placeholder: gettext("Filter units") });
  const groupsBox = h("div", { class: "rcpt-options rcpt-groups", role: "group", "aria-label": gettext("Groups of units") });
  const unitsBox = h("div", { class: "rcpt-options rcpt-units", role: "group", "aria-label": gettext("Units") });
  const setOpen = (open, focusToggle = false) => {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) filter.focus();
    else if (focusToggle) toggle.focus();
  };
  const panel = h("div", { class: "rcpt-panel", id: "mtg-units-panel", hidden: true },
    h("label", { for: "mtg-units-filter", class: "visually-hidden" }, gettext("Filter units")),
    filter, groupsBox, unitsBox,
    h("div", { class: "rcpt-panel-foot" }, h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => setOpen(false, true) }, gettext("Done"))));
  toggle.addEventListener("click", () => setOpen(panel.hidden));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false, true);
    }
  });
  const people = peoplePicker({ id: "mtg-people", label: gettext("People"), exclude: () => [state.me.username] });
  const covered = () => {
    const codes = new Set();
    for (const g of meta.groups) if (chosen.has(g.code)) g.units.forEach((c) => codes.add(c));
    return codes;
  };
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const inGroups = covered();
    const own = organising();
    groupsBox.replaceChildren(...meta.groups.map((g) => {
      const input = h("input", { type: "checkbox", value: g.code, checked: chosen.has(g.code) });
      input.addEventListener("change", () => { if (input.checked) chosen.add(g.code); else chosen.delete(g.code); render(); });
      const n = g.units.filter((c) => c !== own).length;
      const row = h("label", { class: "rcpt-option rcpt-option-group" }, input, h("span", {}, g.name),
        h("span", { class: "rcpt-count" }, fmt(ngettext("%(n)s unit", "%(n)s units", n), { n })));
      row.hidden = Boolean(q) && !`${g.name} ${(g.aliases || []).join(" ")} ${g.code}`.toLowerCase().includes(q);
      return row;
    }));
    unitsBox.replaceChildren(...meta.units.filter((u) => u.code !== own).map((u) => {
      const byGroup = inGroups.has(u.code);
      const input = h("input", { type: "checkbox", value: u.code, checked: byGroup || chosen.has(u.code), disabled: byGroup });
      input.addEventListener("change", () => { if (input.checked) chosen.add(u.code); else chosen.delete(u.code); render(); });
      const row = h("label", { class: `rcpt-option${byGroup ? " rcpt-option-covered" : ""}` }, input, h("span", {}, u.name),
        byGroup ? h("span", { class: "rcpt-count" }, gettext("in a chosen group")) : null);
      row.hidden = Boolean(q) && !`${u.name} ${u.short_name || ""} ${u.code}`.toLowerCase().includes(q);
      return row;
    }));
    const items = [];
    for (const g of meta.groups) if (chosen.has(g.code)) items.push([g.code, g.name]);
    for (const u of meta.units) if (chosen.has(u.code) && !inGroups.has(u.code)) items.push([u.code, u.short_name || u.name]);
    chips.replaceChildren(...(items.length ? items.map(([code, name]) => h("span", { class: "chip", dataset: { code } }, name,
      h("button", {
        type: "button", class: "chip-x", "aria-label": fmt(gettext("Remove %(name)s"), { name }),
        onclick: () => { chosen.delete(code); render(); toggle.focus(); },
      }, icon("x", 12)))) : [h("span", { class: "rcpt-none muted" }, gettext("No unit chosen"))]));
  };
  filter.addEventListener("input", render);
  render();
  const error = h("p", { class: "field-error", id: "mtg-invitees-error" });
  const node = h("fieldset", { class: "doc-field doc-field-wide rcpt", id: "mtg-invitees", "aria-describedby": "mtg-invitees-hint mtg-invitees-error" },
    h("legend", {}, gettext("Invitees"), h("span", { class: "doc-req", "aria-hidden": "true" }, " *")),
    h("div", { class: "rcpt-line" }, chips, toggle), panel,
    h("div", { class: "wk-invite-people" },
      h("label", { for: "mtg-people" }, gettext("People")), people.node),
    h("p", { class: "doc-hint", id: "mtg-invitees-hint" }, gettext("A unit decides itself who attends; people answer for themselves.")),
    error);
  return {
    node,
    error,
    value: () => {
      const inGroups = covered();
      const codes = [...chosen].filter((c) => meta.groups.some((g) => g.code === c) || !inGroups.has(c));
      return [...codes, ...people.value()];
    },
    refresh: () => { chosen.delete(organising()); render(); },
    focus: () => toggle.focus(),
  };
}

function buildCompose(meta) {
  const myUnits = state.me.units || [];
  const unitSelect = myUnits.length > 1
    ? h("select", { id: "mtg-unit" }, myUnits.map((u) => h("option", { value: u.code }, u.name)))
    : null;
  const organising = () => (unitSelect ? unitSelect.value : myUnits[0] ? myUnits[0].code : "");
  const title = h("input", { id: "mtg-title", autocomplete: "off", maxlength: 1000 });
  const start = h("input", { id: "mtg-start", type: "datetime-local" });
  const end = h("input", { id: "mtg-end", type: "datetime-local" });
  start.addEventListener("change", () => {
    if (start.value && (!end.value || end.value <= start.value)) {
      const d = new Date(start.value);
      d.setHours(d.getHours() + 2);
      end.value = localInput(d.toISOString());
    }
  });
  const location = h("input", { id: "mtg-location", autocomplete: "off", maxlength: 200 });
  const agenda = h("textarea", { id: "mtg-agenda", rows: 4 });
  const invitees = inviteePicker(meta, organising);
  const rsvp = h("input", { id: "mtg-rsvp", type: "datetime-local" });
  const remind = h("select", { id: "mtg-remind" }, REMIND_CHOICES.map(([n, label]) => h("option", { value: String(n), selected: n === 60 }, label())));
  const files = attachmentsField("mtg-attach", { maxFile: meta.max_file_bytes });
  if (unitSelect) unitSelect.addEventListener("change", () => invitees.refresh());
  const form = h("form", { class: "dialog-form doc-form", novalidate: true, "aria-label": gettext("New meeting notice") },
    unitSelect ? field("mtg-unit", gettext("Organising unit"), unitSelect, { wide: true })
      : myUnits[0] ? h("p", { class: "doc-field doc-field-wide doc-issuer" }, h("span", { class: "muted" }, gettext("Organising unit")), " ", h("strong", {}, myUnits[0].name)) : null,
    field("mtg-title", gettext("Title"), title, { required: true, wide: true }),
    field("mtg-start", gettext("Starts"), start, { required: true }),
    field("mtg-end", gettext("Ends"), end, { required: true }),
    field("mtg-location", gettext("Place"), location, { wide: true }),
    invitees.node,
    field("mtg-rsvp", gettext("Answer by"), rsvp, { hint: gettext("Empty: one working day before the start.") }),
    field("mtg-remind", gettext("Remind attendees"), remind),
    field("mtg-agenda", gettext("Agenda"), agenda, { wide: true }),
    files.node);
  const errors = formErrors(form, "mtg");
  const send = h("button", { type: "button", class: "btn btn-primary", id: "mtg-send" }, icon("send", 16), gettext("Send the notice"));
  const cancel = h("button", { type: "button", class: "btn btn-default", onclick: () => closeDialog() }, gettext("Cancel"));
  wireSubmit({
    form, send, errors,
    collect: () => {
      const focus = [];
      if (!title.value.trim()) { errors.field(title, gettext("Fill in the title.")); focus.push(title); }
      if (!start.value) { errors.field(start, gettext("Choose when it starts.")); focus.push(start); }
      if (!end.value) { errors.field(end, gettext("Choose when it ends.")); focus.push(end); }
      if (!invitees.value().length) { invitees.error.textContent = gettext("Invite at least one unit or person."); focus.push(invitees); }
      if (focus.length) {
        errors.show(gettext("Some fields need your attention."));
        focus[0].focus();
        return null;
      }
      const problem = files.problem();
      if (problem) {
        errors.show(problem);
        files.focus();
        return null;
      }
      const payload = {
        title: title.value.trim(), start: start.value, end: end.value, location: location.value.trim(),
        agenda: agenda.value, invitees: invitees.value(), rsvp_by: rsvp.value || null,
        remind_before_minutes: Number(remind.value), attachments: files.ids(),
      };
      if (organising()) payload.unit = organising();
      return payload;
    },
    request: (payload) => api("POST", "/meetings", payload),
    done: (created) => {
      draft = null;
      closeDialog();
      toast(fmt(gettext("Notice sent: %(title)s"), { title: created.title }));
      openHash(meetingHref(created.id));
    },
  });
  return { form, footer: [errors.box, cancel, send], focusFirst: () => (unitSelect || title).focus() };
}

export async function composeMeeting() {
  try {
    if (!metaCache) metaCache = await api("GET", "/documents/meta");
  } catch (error) {
    toast(errorText(error), "error");
    return;
  }
  if (!(state.me.units || []).length) {
    toast(gettext("Only members of a unit can send meeting notices."), "error");
    return;
  }
  if (!draft) draft = buildCompose(metaCache);
  const el = openDialog({ title: gettext("New meeting notice"), body: draft.form, footer: draft.footer, wide: true });
  el.classList.add("dialog-doc");
  draft.focusFirst();
}

registerPage({
  name: "meetings",
  id: "meetings-page",
  className: "work-page",
  path: ["meetings", "meetings/:box", "meetings/:id"],
  title: () => gettext("Meetings"),
  sidebar: { label: () => gettext("Meetings"), icon: "calendar", order: 25, badge: "todo.count.meeting_rsvp", className: "wk-app-link" },
  mount(el, params) {
    setPage(el);
    el.setAttribute("aria-labelledby", "work-page-title");
    showMeetings(params);
    return leaveMeetings;
  },
  update: showMeetings,
});

function showMeetings(params) {
  if (params.id !== undefined) showMeeting(params.id);
  else showMeetingList(["invited", "organised", "all"].includes(params.box) ? params.box : "invited");
}

for (const type of ["meeting", "meeting_roster"]) {
  registerCard(type, {
    label: type === "meeting" ? () => gettext("Meeting notice") : () => gettext("Meeting roster"),
    extras: workCardExtras,
    onMessage: meetingMessage,
  });
}
