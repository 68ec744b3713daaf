// The banner over the page while the socket is not live: offline, reconnecting in n s (with
// a button to try now), catching up. `body[data-conn]` says the state (the tests wait on "live").

import { $ } from "../core/dom.js";
import { fmt, gettext } from "../core/i18n.js";

let bannerTimer = null;

export function renderBanner(connState, conn) {
  const banner = $("#conn-banner");
  const text = $(".conn-text", banner);
  const retryBtn = $(".conn-retry", banner);
  clearInterval(bannerTimer);
  banner.dataset.state = connState;
  document.body.dataset.conn = connState;
  if (connState === "live" || (connState === "connecting" && !conn.everLive) || (connState === "syncing" && !conn.everLive)) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  retryBtn.hidden = connState !== "waiting";
  if (connState === "offline") {
    text.textContent = gettext("You are offline. Messages will be sent when the network is back.");
  } else if (connState === "waiting") {
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000));
      text.textContent = fmt(gettext("Connection lost. Reconnecting in %(n)s s…"), { n: seconds });
    };
    tick();
    bannerTimer = setInterval(tick, 500);
  } else {
    text.textContent = gettext("Reconnecting…");
  }
}
