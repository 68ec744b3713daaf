// The JS catalog (django.views.i18n.JavaScriptCatalog) defines the globals; the message ids
// below are found by `makemessages -d djangojs`.

export function gettext(msgid) {
  return window.gettext ? window.gettext(msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  if (window.ngettext) return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// "%(name)s" placeholders, as in the Python side's catalogs.
export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

export const LANG = document.documentElement.lang || "zh-Hans";
export const LOCALE = LANG.startsWith("zh") ? "zh-CN" : "en";
