// Pressing a card's button, wherever the card is shown (the chat, 工作台): what the action
// asks first (an opinion, a person, a date: ui/cardparams.js), then POST
// /messages/{id}/actions. Resolves with the updated message, or null when the person
// cancelled or it failed (the failure is shown).

import { api } from "../core/api.js";
import { gettext } from "../core/i18n.js";
import { hasHints, hintedParams, registeredParams } from "./cardparams.js";
import { commentDialog, errorText, pickPersonDialog, toast } from "./dialogs.js";

const COMMENT_ACTIONS = {
  approve: false, reject: false, complete: false, return: true, decline: true,
};
const PERSON_ACTIONS = { assign: "assignee", delegate: "delegate" };

export async function actionParams(m, action) {
  let params = {};
  const own = registeredParams(m, action);
  if (own) {
    params = await own(m, action);
    if (params === null) return null;
  } else if (hasHints(action)) {
    params = await hintedParams(m, action);
    if (params === null) return null;
  } else if (action.action in COMMENT_ACTIONS) {
    const required = COMMENT_ACTIONS[action.action];
    const comment = await commentDialog({
      title: action.label || action.action,
      label: required ? gettext("Comment (required)") : gettext("Comment (optional)"),
      required,
    });
    if (comment === null) return null;
    if (comment) params.comment = comment;
  } else if (action.action in PERSON_ACTIONS) {
    const person = await pickPersonDialog(action.label || action.action);
    if (!person) return null;
    params[PERSON_ACTIONS[action.action]] = person.username;
  }
  return params;
}

// `m` needs `id` and `card`; `button` is disabled (with its siblings in `.card-actions`)
// while the request runs.
export async function pressCard(m, action, button) {
  const params = await actionParams(m, action);
  if (params === null) return null;
  const group = button && button.closest(".card-actions");
  const buttons = group ? [...group.querySelectorAll("button")] : button ? [button] : [];
  buttons.forEach((b) => { b.disabled = true; });
  if (button) button.classList.add("btn-busy");
  try {
    return await api("POST", `/messages/${m.id}/actions`, { action: action.action, ...params });
  } catch (error) {
    toast(errorText(error), "error");
    buttons.forEach((b) => { b.disabled = false; });
    if (button) button.classList.remove("btn-busy");
    return null;
  }
}
