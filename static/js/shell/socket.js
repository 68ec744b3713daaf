// The one WebSocket (shell/socket.js): connects, syncs from the last seq seen per room, reconnects with
// backoff, and tells the app what state it is in.
//
// States: "connecting" (first time), "syncing" (open, catching up), "live", "waiting"
// (dropped, retrying at `retryAt`), "offline" (the browser says there is no network).

const PING_EVERY = 25000;
const PONG_WITHIN = 10000;
const MAX_DELAY = 30000;
const UNAUTHORIZED = 4401;

// Frames by type for every page: `onFrame("todo", (frame) => ...)` returns the function that
// stops listening; "*" hears every frame. The chat (pages/chat.js) owns the Connection and
// hands each frame here after handling it itself.
const handlers = new Map();
let current = null;

export function onFrame(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  return () => handlers.get(type).delete(fn);
}

export function dispatchFrame(frame) {
  for (const key of [frame.type, "*"]) {
    for (const fn of [...(handlers.get(key) || [])]) {
      try {
        fn(frame);
      } catch (error) {
        console.error(error); // eslint-disable-line no-console
      }
    }
  }
}

// Send a frame on the one socket (false when it is not live).
export function sendFrame(frame) {
  return current ? current.send(frame) : false;
}

export function connection() {
  return current;
}

export class Connection {
  constructor({ path, syncState, onFrame, onState, onUnauthorized }) {
    this.path = path;
    this.syncState = syncState;
    this.onFrame = onFrame;
    this.onState = onState;
    this.onUnauthorized = onUnauthorized;
    this.ws = null;
    this.generation = 0;
    this.attempt = 0;
    this.state = "connecting";
    this.retryAt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.everLive = false;
    current = this;
    window.addEventListener("offline", () => this.drop("offline"));
    window.addEventListener("online", () => this.reconnectNow());
  }

  get live() {
    return this.state === "live";
  }

  setState(state) {
    this.state = state;
    this.onState(state, this);
  }

  start() {
    this.connect();
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (!navigator.onLine) {
      this.setState("offline");
      return;
    }
    const generation = ++this.generation;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}${this.path}`);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    if (this.state !== "waiting" && this.state !== "offline") this.setState("connecting");
    ws.addEventListener("open", () => {
      if (generation !== this.generation) return;
      this.setState("syncing");
      this.sync();
      this.startHeartbeat();
    });
    ws.addEventListener("message", (event) => {
      if (generation !== this.generation) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "pong") {
        clearTimeout(this.pongTimer);
        return;
      }
      if (frame.type === "synced") {
        this.attempt = 0;
        const first = !this.everLive;
        this.everLive = true;
        this.setState("live");
        this.onFrame({ type: "synced", first });
        return;
      }
      this.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (generation !== this.generation) return;
      this.stopHeartbeat();
      this.ws = null;
      if (event.code === UNAUTHORIZED) {
        this.generation += 1;
        this.onUnauthorized();
        return;
      }
      this.scheduleRetry();
    });
  }

  // Ask for everything after what we have seen (also used to close a seq gap).
  sync() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ type: "sync", rooms: this.syncState() }));
  }

  send(frame) {
    if (this.state !== "live" || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Give up on the current socket now (network gone, heartbeat lost): its frames are
  // ignored from here on, and a new one is made.
  drop(reason) {
    const old = this.ws;
    this.generation += 1;
    this.ws = null;
    this.stopHeartbeat();
    if (old) {
      try {
        old.close();
      } catch {
        /* already closing */
      }
    }
    if (!navigator.onLine) {
      clearTimeout(this.retryTimer);
      this.setState("offline");
    } else if (reason === "offline") {
      // The network is back already (this "offline" event was handled late): connect now
      // rather than count on an "online" event that may already have gone by.
      this.attempt = 0;
      this.connect();
    } else {
      this.scheduleRetry();
    }
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    if (!navigator.onLine) {
      this.setState("offline");
      return;
    }
    const base = Math.min(MAX_DELAY, 1000 * 2 ** this.attempt);
    const delay = Math.round(base * (0.6 + Math.random() * 0.4));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.setState("waiting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt = 0;
    this.connect();
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      this.ws.send('{"type":"ping"}');
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.drop("timeout"), PONG_WITHIN);
    }, PING_EVERY);
  }

  stopHeartbeat() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
