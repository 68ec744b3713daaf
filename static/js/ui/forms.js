// Form parts every compose form uses: a labelled field with its hint and error line, the
// errors shown per field and cleared as soon as the field changes, a busy button, and the
// sending of a form (ui/README in docs/architecture.md, "The client").

import { h, icon } from "../core/dom.js";
import { errorText } from "./dialogs.js";

export async function busy(button, work) {
  button.disabled = true;
  button.classList.add("btn-busy");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.classList.remove("btn-busy");
  }
}

export function field(id, label, control, { hint = "", required = false, wide = false } = {}) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  if (required) control.setAttribute("aria-required", "true");
  return h("div", { class: `doc-field${wide ? " doc-field-wide" : ""}` },
    h("label", { for: id }, label, required ? h("span", { class: "doc-req", "aria-hidden": "true" }, " *") : null),
    control,
    hint ? h("p", { class: "doc-hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errorId }));
}

// The form's error line (in the footer) and the fields' own errors.
export function formErrors(form, idPrefix) {
  const box = h("div", { class: "doc-form-error", role: "alert", id: `${idPrefix}-form-error`, tabindex: "-1", hidden: true });
  const show = (text) => {
    box.replaceChildren(...(text ? [icon("alert", 16), h("span", {}, text)] : []));
    box.hidden = !text;
  };
  return {
    box,
    show,
    clear: () => {
      show("");
      for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
      for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    },
    field: (input, text) => {
      const node = form.querySelector(`#${input.id}-error`);
      if (node) node.textContent = text;
      input.setAttribute("aria-invalid", "true");
    },
  };
}

// A compose form's sending. `collect()` checks the fields and returns the request body, or
// null once it has shown what is wrong; the button is busy while `request(body)` runs; a
// server error is shown in the form, which stays as typed; Ctrl/⌘+Enter sends too.
export function wireSubmit({ form, send, errors, collect, request, done }) {
  let sending = false;
  const submit = async () => {
    if (sending) return;
    errors.clear();
    const body = collect();
    if (!body) return;
    sending = true;
    let created;
    try {
      created = await busy(send, () => request(body));
    } catch (error) {
      sending = false;
      errors.show(errorText(error));
      errors.box.focus();
      return;
    }
    done(created);
  };
  send.addEventListener("click", submit);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
}

