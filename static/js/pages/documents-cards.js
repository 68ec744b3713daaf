// What the web client adds to the documents bot's cards (公文, 发文跟踪): a progress bar
// on the sender's tracking card and a link to the document's page. Kept apart from
// documents.js, which registers them (shell/cards.js).

import { h } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";
import { buildHash as href } from "../shell/routes.js";

export const DOCUMENT_CARD_TYPES = new Set(["document", "document_tracking"]);

export function documentHref(id) {
  return href(`documents/${encodeURIComponent(id)}`);
}

function progress(totals) {
  const all = totals.recipients || 0;
  if (!all) return null;
  const pct = (n) => `${Math.round((100 * Math.min(n, all)) / all)}%`;
  const signed = h("span", { class: "doc-bar-signed" });
  const handled = h("span", { class: "doc-bar-handled" });
  signed.style.width = pct(totals.signed || 0);
  handled.style.width = pct(totals.handled || 0);
  const label = fmt(gettext("%(signed)s of %(all)s signed for, %(handled)s handled"), {
    signed: totals.signed || 0, all, handled: totals.handled || 0,
  });
  return h("div", { class: "doc-bar", role: "img", "aria-label": label, title: label }, signed, handled);
}

// Nodes to put between a document card's fields and its buttons.
export function documentCardExtras(card) {
  if (!DOCUMENT_CARD_TYPES.has(card.card_type) || card.ref === undefined || card.ref === null) return [];
  const link = h("a", {
    class: "card-more", href: documentHref(card.ref), dataset: { doc: card.ref },
  }, card.card_type === "document_tracking" ? gettext("Tracking details") : gettext("View details"),
  h("span", { "aria-hidden": "true" }, " ›"));
  const bar = card.card_type === "document_tracking" && card.totals ? progress(card.totals) : null;
  return [bar ? h("div", { class: "card-progress" }, bar) : null, h("div", { class: "card-more-row" }, link)];
}
