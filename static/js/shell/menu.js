// The account menu under the avatar: who I am, desktop notifications, the language, the
// keyboard shortcuts, signing out.

import { $, h, icon } from "../core/dom.js";
import { colorFor, initials } from "../core/format.js";
import { gettext } from "../core/i18n.js";
import { shortcutsDialog, toast } from "../ui/dialogs.js";
import { askPermission, notificationState } from "./notify.js";
import { boot, displayName, state } from "./state.js";

export function setupMenu({ beforeSignOut }) {
  const button = $("#me-btn");
  const menu = $("#me-menu");
  const me = state.me;
  const av = h("span", { class: "avatar", "aria-hidden": "true" }, initials(displayName(me)));
  av.style.setProperty("--avatar-bg", colorFor(me.id));
  av.style.setProperty("--avatar-size", "32px");
  button.append(av);
  const item = (iconName, label, handler, attrs = {}) => h("button", {
    type: "button", role: "menuitem", class: "menu-item", tabindex: "-1",
    onclick: () => { close(); handler(); }, ...attrs,
  }, icon(iconName, 18), h("span", {}, label));
  const units = (me.units || []).map((u) => u.name).join("、");
  const notifyItem = () => {
    const stateNow = notificationState();
    if (stateNow === "granted" || stateNow === "unsupported") return null;
    return item("bell", stateNow === "denied" ? gettext("Notifications are blocked in the browser") : gettext("Turn on desktop notifications"), async () => {
      const result = await askPermission();
      toast(result === "granted" ? gettext("Desktop notifications are on.") : gettext("Desktop notifications stay off."));
    }, { disabled: stateNow === "denied" });
  };
  const languageItems = () => boot.languages.filter((l) => l.code !== boot.language).map((l) => item("globe", l.name, () => {
    const form = $("#lang-form");
    form.elements.language.value = l.code;
    form.elements.next.value = `/${location.hash}`;
    form.submit();
  }, { lang: l.code === "zh-hans" ? "zh-Hans" : l.code }));
  const build = () => menu.replaceChildren(
    h("div", { class: "menu-head" },
      h("strong", {}, displayName(me)),
      h("span", {}, [me.title, units].filter(Boolean).join(" · "))),
    notifyItem(),
    ...languageItems(),
    item("keyboard", gettext("Keyboard shortcuts"), shortcutsDialog),
    h("hr"),
    item("logout", gettext("Sign out"), () => {
      beforeSignOut();
      $("#logout-form").submit();
    }),
  );
  const open = () => {
    build();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const first = menu.querySelector(".menu-item:not([disabled])");
    if (first) first.focus();
  };
  const close = () => {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
  };
  button.addEventListener("click", () => (menu.hidden ? open() : close()));
  menu.addEventListener("keydown", (event) => {
    const items = [...menu.querySelectorAll(".menu-item:not([disabled])")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") { event.preventDefault(); items[(index + 1) % items.length].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); items[(index - 1 + items.length) % items.length].focus(); }
    if (event.key === "Escape") { close(); button.focus(); }
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !button.contains(event.target)) close();
  });
}
