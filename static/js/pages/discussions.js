// 征求意见 (#/discussions, #/discussions/<id>): a question put to several units by a deadline.
// The list shows what I opened or manage and what was put to my units; a discussion's page
// shows the question, each unit's reply (all of them for the owner and the owning unit's
// managers, my units' for the others), the reply form for an asked unit's clerks and
// leaders, and for the owner 催办 and the close with a written conclusion, which is signed.
// The bot's cards in the unit rooms and the owner's card link here; the page follows them.

import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmt, gettext, ngettext } from "../core/i18n.js";
import { localInput } from "../core/time.js";
import { registerCard } from "../shell/cards.js";
import { navigate, registerPage } from "../shell/router.js";
import { state } from "../shell/state.js";
import { refreshTodo } from "../shell/todo.js";
import { closeDialog, errorText, openDialog, toast } from "../ui/dialogs.js";
import {
  busy, errorPage, field, focusTitle, formErrors, loadingPage, page, pageHead, person, renderKeeping,
  setPage, tabs, wIcon, when, wireSubmit,
} from "../ui/workpage.js";
import { registerTodoKind } from "./todo.js";

const BOXES = [
  ["all", () => gettext("All")],
  ["asked", () => gettext("Asked of my unit")],
  ["mine", () => gettext("Opened by me")],
];
const MANAGER_ROLES = new Set(["clerk", "leader", "admin"]);

let current = null; // {kind: "list", box, seq} | {kind: "one", id, d, seq, timer}

export function discussionHref(id) {
  return `#/discussions/${id}`;
}

function stateTag(d) {
  const label = d.state === "closed" ? gettext("Closed")
    : d.overdue ? gettext("Overdue") : gettext("Collecting opinions");
  const cls = d.state === "closed" ? "closed" : d.overdue ? "overdue" : "open";
  return h("span", { class: `doc-state dsc-state dsc-state-${cls}` }, label);
}

function mayOpen() {
  return (state.me.units || []).some((u) => MANAGER_ROLES.has(u.role));
}

// --- the list ---------------------------------------------------------------------------------------
function showList(box) {
  current = { kind: "list", box, seq: 0 };
  const view = current;
  const status = h("p", { class: "doc-list-status", role: "status" }, gettext("Loading…"));
  const list = h("ul", { class: "doc-list", id: "dsc-list", role: "tabpanel", "aria-label": gettext("Discussions") });
  const choose = (next) => {
    history.replaceState(history.state, "", next === "all" ? "#/discussions" : `#/discussions?box=${next}`);
    showList(next);
  };
  page().replaceChildren(h("div", { class: "doc-page-inner" },
    pageHead({
      title: gettext("Discussions"),
      sub: gettext("Ask units for their opinions and close with a conclusion."),
      tools: mayOpen() ? [h("button", {
        type: "button", class: "btn btn-primary btn-sm", id: "dsc-new", onclick: () => composeDialog(),
      }, wIcon("compose", 16), gettext("New discussion"))] : [],
    }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-list-wrap" },
        h("div", { class: "doc-list-tools" }, tabs("dsc", BOXES.map(([k, l]) => [k, l()]), box, choose, gettext("Discussions"))),
        status, list))));
  focusTitle();
  fetchList(view, status, list);
}

async function fetchList(view, status, list) {
  const seq = ++view.seq;
  let answer;
  try {
    answer = await api("GET", `/discussions?box=${view.box}&limit=100`);
  } catch (error) {
    if (current === view && seq === view.seq) status.textContent = errorText(error);
    return;
  }
  if (current !== view || seq !== view.seq) return;
  status.textContent = answer.total
    ? fmt(ngettext("%(n)s discussion", "%(n)s discussions", answer.total), { n: answer.total })
    : gettext("No discussions yet.");
  list.replaceChildren(...answer.items.map((d) => h("li", {},
    h("a", { class: "doc-item dsc-item", href: discussionHref(d.id), dataset: { id: d.id } },
      h("span", { class: "doc-item-icon", "aria-hidden": "true" }, wIcon("chat", 18)),
      h("span", { class: "doc-item-main" },
        h("span", { class: "doc-item-top" },
          d.waiting_for_me ? h("span", { class: "doc-tag wk-tag-todo" }, gettext("To reply")) : null,
          h("span", { class: "doc-item-title" }, d.title)),
        h("span", { class: "doc-item-meta" }, [
          d.unit && d.unit.name, person(d.owner),
          fmt(gettext("Deadline %(time)s"), { time: when(d.deadline) }),
        ].filter(Boolean).join(" · ")),
        h("span", { class: "doc-item-status" }, stateTag(d),
          d.state === "open" && d.mine && d.pending
            ? h("span", { class: "dsc-pending" }, fmt(ngettext("%(n)s unit has not replied", "%(n)s units have not replied", d.pending), { n: d.pending }))
            : null))))));
}

// --- one discussion ---------------------------------------------------------------------------------
function showOne(id) {
  if (current && current.kind === "one" && current.id === id && current.d) {
    return;
  }
  current = { kind: "one", id, d: null, seq: 0, timer: null };
  loadingPage(gettext("Discussion"));
  focusTitle();
  fetchOne(current);
}

async function fetchOne(view) {
  const seq = ++view.seq;
  let d;
  try {
    d = await api("GET", `/discussions/${view.id}`);
  } catch (error) {
    if (current !== view || seq !== view.seq) return;
    if (view.d) toast(errorText(error), "error");
    else errorPage(gettext("Discussion"), error);
    return;
  }
  if (current !== view || seq !== view.seq) return;
  view.d = d;
  render(view);
}

function html(text) {
  // The server's sanitized rendering of Markdown (bleach); nothing else is parsed as HTML.
  const node = h("div", { class: "msg-text dsc-text" });
  node.innerHTML = text || "";
  return node;
}

function unitRow(u) {
  return h("li", { class: `dsc-unit ${u.replied ? "dsc-unit-replied" : "dsc-unit-pending"}`, dataset: { unit: u.unit.code } },
    h("div", { class: "dsc-unit-head" },
      h("span", { class: "dsc-unit-name" }, u.unit.name),
      h("span", { class: `doc-state dsc-state-${u.replied ? "replied" : "pending"}` },
        u.replied ? gettext("Replied") : gettext("Not replied")),
      u.replied ? h("span", { class: "dsc-unit-by" }, [person(u.by), when(u.at)].filter(Boolean).join(" · ")) : null),
    u.replied ? html(u.reply_html) : null);
}

function render(view) {
  const d = view.d;
  const acts = new Set(d.viewer.actions);
  const facts = h("dl", { class: "doc-facts dsc-facts" },
    h("dt", {}, gettext("Opened by")), h("dd", {}, [d.unit && d.unit.name, person(d.owner)].filter(Boolean).join(" · ")),
    h("dt", {}, gettext("Opened")), h("dd", {}, when(d.created_at)),
    h("dt", {}, gettext("Reply by")), h("dd", { class: d.overdue ? "dsc-overdue" : "" }, when(d.deadline)),
    h("dt", {}, gettext("Replies")), h("dd", { id: "dsc-totals" },
      d.viewer.owner || d.viewer.manager
        ? fmt(gettext("%(replied)s of %(asked)s units replied"), d.totals)
        : fmt(gettext("%(n)s units asked"), { n: d.totals.asked })));
  const sections = [
    h("section", { class: "doc-section dsc-question", "aria-labelledby": "dsc-q-title" },
      h("h2", { id: "dsc-q-title" }, gettext("Question")), html(d.question_html)),
  ];
  if (d.state === "closed") {
    const sig = d.signature || {};
    sections.push(h("section", { class: "doc-section dsc-conclusion", id: "dsc-conclusion", "aria-labelledby": "dsc-c-title" },
      h("h2", { id: "dsc-c-title" }, gettext("Conclusion")),
      html(d.conclusion_html),
      h("p", { class: `dsc-signature ${sig.valid ? "dsc-signature-ok" : "dsc-signature-bad"}` },
        wIcon(sig.valid ? "shield" : "alert", 16),
        sig.valid
          ? fmt(gettext("Signed by %(name)s, %(time)s; unchanged since."), { name: sig.signer_name || person(d.owner), time: when(sig.signed_at) })
          : (sig.reason || gettext("The signature could not be checked.")))));
  }
  sections.push(h("section", { class: "doc-section", "aria-labelledby": "dsc-u-title" },
    h("h2", { id: "dsc-u-title" }, d.viewer.owner || d.viewer.manager ? gettext("Units asked") : gettext("My unit's reply")),
    h("ul", { class: "dsc-units", id: "dsc-units" }, d.units.map(unitRow))));
  if (acts.has("reply")) sections.push(replyForm(view));
  if (d.log.length > d.units.filter((u) => u.replied).length) {
    sections.push(h("details", { class: "doc-section dsc-log", dataset: { key: "log" } },
      h("summary", {}, gettext("Every reply given")),
      h("ol", {}, d.log.map((r) => h("li", {},
        h("span", { class: "dsc-log-who" }, `${r.unit} · ${person(r.by)} · ${when(r.at)}`),
        h("p", {}, r.body))))));
  }
  const tools = [];
  if (acts.has("remind")) {
    tools.push(h("button", { type: "button", class: "btn btn-default btn-sm", id: "dsc-remind", onclick: (e) => remind(view, e.currentTarget) },
      wIcon("bell", 16), gettext("Remind")));
  }
  if (acts.has("close")) {
    tools.push(h("button", { type: "button", class: "btn btn-primary btn-sm", id: "dsc-close", onclick: () => closeDialogFor(view) },
      wIcon("check", 16), gettext("Close with a conclusion")));
  }
  if (d.thread) {
    tools.push(h("button", { type: "button", class: "btn btn-default btn-sm", id: "dsc-thread", onclick: () => openThread(d.thread) },
      wIcon("reply", 16), h("span", { class: "wk-hide-phone" }, gettext("Thread"))));
  }
  renderKeeping(h("div", { class: "doc-page-inner" },
    pageHead({ title: d.title, sub: "", tools }),
    h("div", { class: "doc-scroll" },
      h("div", { class: "doc-body dsc-body" },
        h("div", { class: "dsc-status" }, stateTag(d)), facts, sections))));
}

async function openThread(messageId) {
  try {
    const m = await api("GET", `/messages/${messageId}`);
    navigate(`rooms/${m.room}`, { query: { thread: messageId } });
  } catch (error) {
    toast(errorText(error), "error");
  }
}

function replyForm(view) {
  const d = view.d;
  const mine = d.units.find((u) => d.viewer.reply_units.includes(u.unit.code));
  const text = h("textarea", { id: "dsc-reply-body", rows: 5, maxlength: 20000 });
  if (mine && mine.replied) text.value = mine.reply || "";
  const send = h("button", { type: "submit", class: "btn btn-primary", id: "dsc-reply-send" },
    mine && mine.replied ? gettext("Update the reply") : gettext("Send the reply"));
  const form = h("form", { class: "doc-section doc-form dsc-reply", novalidate: true, "aria-labelledby": "dsc-r-title" },
    h("h2", { id: "dsc-r-title" }, fmt(gettext("Reply for %(unit)s"), { unit: mine ? mine.unit.name : "" })),
    field("dsc-reply-body", gettext("Opinion"), text, { required: true, wide: true,
      hint: mine && mine.replied ? gettext("A new reply replaces the earlier one; both are kept.") : "" }));
  const errors = formErrors(form, "dsc-reply");
  form.append(errors.box, h("div", { class: "doc-form-actions" }, send));
  wireSubmit({
    form, send, errors,
    collect: () => {
      if (!text.value.trim()) {
        errors.field(text, gettext("Write the opinion."));
        text.focus();
        return null;
      }
      return { body: text.value, unit: mine ? mine.unit.code : undefined };
    },
    request: (body) => api("POST", `/discussions/${d.id}/replies`, body),
    done: (answer) => {
      toast(gettext("Reply sent"));
      refreshTodo();
      if (current === view) {
        view.d = answer;
        render(view);
      }
    },
  });
  return form;
}

async function remind(view, button) {
  await busy(button, async () => {
    try {
      const answer = await api("POST", `/discussions/${view.id}/remind`);
      toast(fmt(ngettext("%(n)s unit reminded", "%(n)s units reminded", answer.reminded), { n: answer.reminded }));
    } catch (error) {
      toast(errorText(error), "error");
    }
  });
  if (current === view) fetchOne(view);
}

function closeDialogFor(view) {
  const text = h("textarea", { id: "dsc-conclusion-body", rows: 6, maxlength: 20000 });
  const form = h("form", { class: "dialog-form doc-form", novalidate: true },
    h("p", { class: "doc-hint" }, fmt(gettext("%(replied)s of %(asked)s units replied. The conclusion is signed with your key and filed with the thread."), view.d.totals)),
    field("dsc-conclusion-body", gettext("Conclusion"), text, { required: true, wide: true }));
  const errors = formErrors(form, "dsc-conclusion");
  const send = h("button", { type: "button", class: "btn btn-primary", id: "dsc-conclusion-send" }, gettext("Close and sign"));
  wireSubmit({
    form, send, errors,
    collect: () => {
      if (!text.value.trim()) {
        errors.field(text, gettext("Write the conclusion."));
        text.focus();
        return null;
      }
      return { conclusion: text.value };
    },
    request: (body) => api("POST", `/discussions/${view.id}/close`, body),
    done: (answer) => {
      closeDialog();
      toast(gettext("Discussion closed"));
      if (current === view) {
        view.d = answer;
        render(view);
      }
    },
  });
  openDialog({
    title: gettext("Close with a conclusion"),
    body: h("div", {}, form, errors.box),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")), send],
  });
  text.focus();
}

// --- opening one --------------------------------------------------------------------------------------
async function composeDialog() {
  let units = state.units;
  try {
    if (!units) units = state.units = await api("GET", "/units");
  } catch (error) {
    toast(errorText(error), "error");
    return;
  }
  const title = h("input", { id: "dsc-title", maxlength: 200, autocomplete: "off" });
  const question = h("textarea", { id: "dsc-question", rows: 5 });
  const deadline = h("input", { id: "dsc-deadline", type: "datetime-local" });
  const soon = new Date(Date.now() + 3 * 24 * 3600 * 1000);
  soon.setHours(17, 0, 0, 0);
  deadline.value = localInput(soon.toISOString());
  const boxes = units.filter((u) => u.kind !== "district").map((u) => h("label", { class: "dsc-unit-choice" },
    h("input", { type: "checkbox", value: u.code, name: "dsc-units" }), ` ${u.short_name || u.name}`));
  const unitsBox = h("fieldset", { class: "dsc-unit-choices", id: "dsc-units-pick", "aria-describedby": "dsc-units-pick-error" },
    h("legend", {}, gettext("Units asked"), h("span", { class: "doc-req", "aria-hidden": "true" }, " *")),
    boxes, h("p", { class: "field-error", id: "dsc-units-pick-error" }));
  const form = h("form", { class: "dialog-form doc-form", novalidate: true },
    field("dsc-title", gettext("Discussion title"), title, { required: true, wide: true }),
    field("dsc-question", gettext("Question"), question, { required: true, wide: true }),
    unitsBox,
    field("dsc-deadline", gettext("Reply by"), deadline, { required: true }));
  const errors = formErrors(form, "dsc-new");
  const send = h("button", { type: "button", class: "btn btn-primary", id: "dsc-send" }, gettext("Send"));
  wireSubmit({
    form, send, errors,
    collect: () => {
      let ok = true;
      if (!title.value.trim()) { errors.field(title, gettext("Fill in the title.")); ok = false; }
      if (!question.value.trim()) { errors.field(question, gettext("Write the question.")); ok = false; }
      const codes = [...form.querySelectorAll("input[name=dsc-units]:checked")].map((b) => b.value);
      if (!codes.length) {
        form.querySelector("#dsc-units-pick-error").textContent = gettext("Choose at least one unit.");
        ok = false;
      }
      if (!deadline.value) { errors.field(deadline, gettext("Choose the deadline.")); ok = false; }
      if (!ok) return null;
      return {
        title: title.value, question: question.value, units: codes,
        deadline: new Date(deadline.value).toISOString(),
      };
    },
    request: (body) => api("POST", "/discussions", body),
    done: (created) => {
      closeDialog();
      toast(gettext("Discussion sent"));
      navigate(`discussions/${created.id}`);
    },
  });
  openDialog({
    title: gettext("New discussion"),
    wide: true,
    body: h("div", {}, form, errors.box),
    footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")), send],
  });
  title.focus();
}

// --- cards and the to-do kind -----------------------------------------------------------------------
function cardMessage(m) {
  if (!current || !m.card) return;
  if (current.kind === "one" && m.card.ref === current.id) {
    const view = current;
    clearTimeout(view.timer);
    view.timer = setTimeout(() => fetchOne(view), 300);
  }
}

function cardLink(card) {
  return h("a", { class: "card-link dsc-card-link", href: discussionHref(card.ref) }, gettext("Open the discussion"));
}

registerCard("discussion", { label: () => gettext("Discussion"), extras: cardLink, onMessage: cardMessage });
registerCard("discussion_tracking", { label: () => gettext("Discussion"), extras: cardLink, onMessage: cardMessage });
registerTodoKind("discussion_reply", { icon: "chat", href: (item) => discussionHref(item.ref) });

registerPage({
  name: "discussions",
  id: "discussions-page",
  className: "work-page",
  path: ["discussions", "discussions/:id"],
  title: () => gettext("Discussions"),
  sidebar: { label: () => gettext("Discussions"), icon: "chat", order: 35, badge: "todo.count.discussion_reply", className: "wk-app-link" },
  mount(el, params, query) {
    setPage(el);
    el.setAttribute("aria-labelledby", "work-page-title");
    show(params, query);
    return () => { current = null; };
  },
  update: show,
});

function show(params, query) {
  if (params.id !== undefined) showOne(params.id);
  else showList(BOXES.some(([k]) => k === (query && query.box)) ? query.box : "all");
}
