// The JS catalog (django.views.i18n.JavaScriptCatalog) defines the globals; the message ids
// below are found by `makemessages -d djangojs`. Without a browser (node's unit tests) the
// message ids come back as they are.

const catalog = typeof window !== "undefined" ? window : {};

export function gettext(msgid) {
  return catalog.gettext ? catalog.gettext(msgid) : msgid;
}

// The same English word can need two Chinese ones ("Closed": 已结束 for a discussion,
// 已销号 for a 督办 task); a context tells them apart.
export function pgettext(context, msgid) {
  return catalog.pgettext ? catalog.pgettext(context, msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  if (catalog.ngettext) return catalog.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// "%(name)s" placeholders, as in the Python side's catalogs.
export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

export const LANG = (typeof document !== "undefined" && document.documentElement.lang)
  || (typeof process !== "undefined" && process.env.HUITONG_LANG) || "zh-Hans";
export const LOCALE = LANG.startsWith("zh") ? "zh-CN" : "en";
export const ZH = LOCALE === "zh-CN";
