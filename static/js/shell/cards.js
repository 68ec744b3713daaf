// Chat cards by type: a page registers how its cards look in the timeline, and what the
// chat does when one of its cards changes. Nothing else in the client names a card type.
//
//   registerCard("meeting", {
//     label: () => gettext("Meeting notice"),  // the card's kind, in its header
//     extras(card, message) -> Node | null,   // drawn under the card's fields
//     onMessage(message),                      // every new or updated message with this card
//   })
// `extras` may also be given alone: registerCard("meeting", (card, message) => Node).

const renderers = new Map();

export function registerCard(type, spec) {
  const entry = typeof spec === "function" ? { extras: spec } : { ...spec };
  const known = renderers.get(type) || {};
  renderers.set(type, { ...known, ...entry });
}

export function cardLabel(card) {
  const entry = card && renderers.get(card.card_type);
  return entry && entry.label ? entry.label() : String((card && card.card_type) || "");
}

export function cardExtras(card, message) {
  const entry = card && renderers.get(card.card_type);
  return entry && entry.extras ? entry.extras(card, message) : null;
}

export function cardMessage(message) {
  const entry = message && message.card && renderers.get(message.card.card_type);
  if (entry && entry.onMessage) entry.onMessage(message);
}

export function knownCardTypes() {
  return [...renderers.keys()];
}
