// The console's one event loop (modelled on Zulip's server_events): everything the server pushes
// reaches the views through here, exactly once and in order, whatever happens to the network.
//
//   state/init  ->  /ws?version=<cursor>   (live)
//                    | fails twice before opening: /pull long-poll (long-poll), websocket retried later
//                    | drops: reconnect with backoff + jitter (reconnecting), resuming from the cursor
//                    | 4409 / 409 reinit: state/init again (the cursor cannot be replayed)
//
// The cursor is the `version` of the last stored event applied; anything at or below it is a
// duplicate (a replay overlapping a live frame, a long-poll racing a new socket) and is dropped,
// and so is a mid seen before. Transient events (typing, read, presence, visitors_changed) carry
// no version and are passed on as they come. Views listen for:
//   "init"  (detail: state from state/init; also after a reinit: rebuild everything)
//   "event" (detail: one pushed message or notice)
//   "state" (detail: "connecting" | "live" | "long-poll" | "reconnecting" | "offline")
//   "unauthenticated" (the session is gone: log in again)

import { api, ApiError } from "./api.js";

// A socket that fails this many times in a row without opening (a proxy that drops upgrades, a
// firewall) is given up for long-polling, which works wherever plain HTTP does.
const FAILS_BEFORE_LONG_POLL = 2;
// While long-polling, the websocket is tried again this often: the blockage may have been brief.
const WS_RETRY_MS = 30_000;
// Backoff doubles from BASE up to MAX; jitter spreads a whole office reconnecting after a server
// restart over the interval instead of one thundering instant.
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
// A pong later than this after our ping means the socket is dead without having been closed
// (laptop lid, NAT timeout); Chrome can take minutes to notice by itself.
const PONG_TIMEOUT_MS = 10_000;
// A timer that fires this much later than asked means the machine slept: the socket is suspect.
const SLEEP_SLACK_MS = 20_000;
// A socket that closes sooner than this after opening, having delivered nothing, failed all the
// same (a proxy that accepts the upgrade and drops it): it counts towards FAILS_BEFORE_LONG_POLL.
const STABLE_MS = 10_000;
// Mids remembered to drop duplicates that carry no usable version (bounded: the cursor does the rest).
const SEEN_MIDS = 2000;

export class Connection extends EventTarget {
  /** `presence: false` for a page that only watches (the admin's live page): its sockets, polls and
   * pings do not count its staff member as online, so it never brings them chats. */
  constructor({ presence = true } = {}) {
    super();
    this.watchOnly = presence ? {} : { presence: "0" }; // added to the query of /ws, /pull and /api/ping
    this.state = "connecting";
    this.version = 0; // the cursor: `version` of the last stored event applied
    this.addr = null;
    this.interval = 30; // heartbeat seconds; the server's /api/ping answer overrides it
    this.failures = 0;
    this.mode = "ws"; // or "poll"
    this.ws = null;
    this.wsGeneration = 0; // frames and closes of superseded sockets are ignored
    this.ownHost = false; // connect to the page's own host instead of `addr` (see _pushHost)
    this.pollAbort = null;
    this.retryTimer = null;
    this.wsRetryTimer = null;
    this.pongTimer = null;
    this.proveTimer = null;
    this.seen = new Set();
    this.seenOrder = [];
    this.initializing = null;
    this.inits = 0; // how many state/init snapshots were applied (1 + the reinits)
    this.stopped = false;
  }

  // --- public ---

  async start() {
    window.addEventListener("offline", () => this._wentOffline());
    window.addEventListener("online", () => this._cameOnline());
    this._heartbeat();
    await this.reinit();
  }

  /** Stop for good (logging out, leaving the page): nothing reconnects or reports afterwards. */
  stop() {
    this.stopped = true;
    this._closeTransports();
    clearTimeout(this.wsRetryTimer);
    clearTimeout(this.proveTimer);
  }

  /** Fetch state/init and (re)connect from its version; views rebuild from the "init" event. */
  reinit() {
    if (!this.initializing) {
      this.initializing = this._init().finally(() => {
        this.initializing = null;
      });
    }
    return this.initializing;
  }

  // --- init ---

  async _init() {
    this._closeTransports();
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const data = await api("GET", "/api/state/init");
        this.inits++;
        this.version = Number(data.state.version);
        this.addr = data.addr || null;
        this.seen.clear();
        this.seenOrder = [];
        this._emit("init", data.state);
        this._connect();
        return;
      } catch (err) {
        if (err instanceof ApiError && err.unauthenticated) return this._emit("unauthenticated");
        this._setState(navigator.onLine ? "reconnecting" : "offline");
        await sleep(backoff(attempt));
      }
    }
  }

  // --- transports ---

  _connect() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    if (!navigator.onLine) return this._setState("offline");
    if (this.mode === "poll") {
      this._poll();
      this._scheduleWsRetry();
    } else {
      this._openSocket();
    }
  }

  _pushHost() {
    // `addr` is the least-loaded push node. The console authenticates with its session cookie,
    // which the browser only sends to the page's own host: if `addr` is another host and the
    // socket cannot open there, use the page's host (any node serves any cursor).
    if (this.ownHost || !this.addr) return location.host;
    return this.addr;
  }

  _openSocket() {
    const generation = ++this.wsGeneration;
    if (this.ws) this.ws.close(); // a superseded socket (its close is ignored: old generation)
    const host = this._pushHost();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      const query = new URLSearchParams({ version: this.version, ...this.watchOnly });
      ws = new WebSocket(`${scheme}//${host}/ws?${query}`);
    } catch {
      return this._failed(false, host);
    }
    this.ws = ws;
    let opened = false;
    let openedAt = 0;
    let frames = 0;
    ws.onopen = () => {
      if (generation !== this.wsGeneration) return ws.close();
      opened = true;
      openedAt = Date.now();
      if (this.mode === "poll") {
        // A retry while long-polling takes over only once it has proved itself; meanwhile both
        // deliver, and the cursor drops whatever arrives twice.
        clearTimeout(this.proveTimer);
        this.proveTimer = setTimeout(() => this._socketProven(generation), STABLE_MS);
        return;
      }
      this._setState("live");
    };
    ws.onmessage = (e) => {
      if (generation !== this.wsGeneration) return;
      if (frames++ === 0) {
        this.failures = 0; // it works: the next drop starts the backoff afresh
        if (this.mode === "poll") this._socketProven(generation);
      }
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      this._frame(frame);
    };
    ws.onclose = (e) => {
      if (generation !== this.wsGeneration) return;
      this.ws = null;
      clearTimeout(this.pongTimer);
      if (e.code === 4409) return this.reinit(); // the cursor cannot be replayed
      if (e.code === 4401) return this._emit("unauthenticated");
      const held = opened && (frames > 0 || Date.now() - openedAt >= STABLE_MS);
      this._failed(held, host);
    };
  }

  _socketProven(generation) {
    if (generation !== this.wsGeneration || !this.ws || this.mode !== "poll") return;
    this.mode = "ws";
    this._stopPolling();
    clearTimeout(this.wsRetryTimer);
    this._setState("live");
  }

  /** A socket closed: `opened` says whether it worked for a while (else it counts as a failure). */
  _failed(opened, host) {
    if (this.stopped || this.mode === "poll") return; // a websocket retry while long-polling: keep polling
    this.failures = opened ? 1 : this.failures + 1;
    if (!opened && host !== location.host) this.ownHost = true;
    if (!navigator.onLine) return this._setState("offline");
    if (!opened && this.failures >= FAILS_BEFORE_LONG_POLL) {
      this.mode = "poll";
      return this._connect();
    }
    this._setState("reconnecting");
    this.retryTimer = setTimeout(() => this._connect(), backoff(this.failures));
  }

  _scheduleWsRetry() {
    clearTimeout(this.wsRetryTimer);
    this.wsRetryTimer = setTimeout(() => {
      if (this.mode === "poll" && navigator.onLine) this._openSocket();
      if (this.mode === "poll") this._scheduleWsRetry();
    }, WS_RETRY_MS);
  }

  async _poll() {
    if (this.pollAbort) return;
    const ctrl = new AbortController();
    this.pollAbort = ctrl;
    let attempt = 0;
    try {
      while (this.mode === "poll" && !ctrl.signal.aborted) {
        // A held request is a working connection: say so now, not when the first answer comes
        // (with nothing to deliver, that is HORN_PULL_TIMEOUT later).
        if (attempt === 0) this._setState("long-poll");
        try {
          const data = await api("GET", "/pull", { query: { version: this.version, ...this.watchOnly }, signal: ctrl.signal });
          attempt = 0;
          this._setState("long-poll");
          for (const item of data.data) this._deliver(item);
          if (Number(data.version) > this.version) this.version = Number(data.version);
        } catch (err) {
          if (ctrl.signal.aborted) return;
          if (err instanceof ApiError && err.body.reinit) return this.reinit();
          if (err instanceof ApiError && err.unauthenticated) return this._emit("unauthenticated");
          this._setState(navigator.onLine ? "reconnecting" : "offline");
          await sleep(backoff(++attempt));
        }
      }
    } finally {
      if (this.pollAbort === ctrl) this.pollAbort = null;
    }
  }

  _stopPolling() {
    if (this.pollAbort) this.pollAbort.abort();
    this.pollAbort = null;
  }

  _closeTransports() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.pongTimer);
    this.wsGeneration++;
    if (this.ws) this.ws.close();
    this.ws = null;
    this._stopPolling();
  }

  // --- frames ---

  _frame(frame) {
    if (typeof frame.code === "number") {
      // A control frame: a pong, a reply, or an error before a close (4010 reinit arrives with 4409).
      if (frame.msg === "pong") clearTimeout(this.pongTimer);
      if (frame.reinit) this.reinit();
      return;
    }
    this._deliver(frame);
  }

  _deliver(item) {
    if (item.version !== undefined && item.version !== null && item.version !== "") {
      const v = Number(item.version);
      if (v <= this.version) return; // replayed and live at once, or socket and long-poll racing
      this.version = v;
    }
    if (item.mid) {
      if (this.seen.has(item.mid)) return;
      this.seen.add(item.mid);
      this.seenOrder.push(item.mid);
      if (this.seenOrder.length > SEEN_MIDS) this.seen.delete(this.seenOrder.shift());
    }
    this._emit("event", item);
  }

  // --- liveness ---

  _heartbeat() {
    let expected = Date.now() + this.interval * 1000;
    const tick = async () => {
      if (this.stopped) return;
      const late = Date.now() - expected;
      if (late > SLEEP_SLACK_MS && this.ws) this._suspect(); // the machine slept: the socket may be dead
      try {
        const data = await api("GET", "/api/ping", { query: this.watchOnly });
        if (data.interval > 0) this.interval = data.interval;
      } catch (err) {
        if (err instanceof ApiError && err.unauthenticated) return this._emit("unauthenticated");
      }
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify({ type: "ping" }));
        clearTimeout(this.pongTimer);
        this.pongTimer = setTimeout(() => this._suspect(), PONG_TIMEOUT_MS);
      }
      expected = Date.now() + this.interval * 1000;
      setTimeout(tick, this.interval * 1000);
    };
    api("GET", "/api/ping", { query: this.watchOnly })
      .then((data) => {
        if (data.interval > 0) this.interval = data.interval;
      })
      .catch(() => {})
      .finally(() => {
        expected = Date.now() + this.interval * 1000;
        setTimeout(tick, this.interval * 1000);
      });
  }

  /** The socket looks dead: drop it and reconnect from the cursor (nothing is lost: the server replays). */
  _suspect() {
    if (!this.ws) return;
    this.wsGeneration++;
    this.ws.close();
    this.ws = null;
    this._failed(true, location.host);
  }

  _wentOffline() {
    this._closeTransports();
    clearTimeout(this.wsRetryTimer);
    this._setState("offline");
  }

  _cameOnline() {
    // Straight back, without waiting out a backoff; the socket is tried first again.
    this.failures = 0;
    this.mode = "ws";
    this._closeTransports();
    if (this.initializing) return; // _init connects when it is done
    this._setState("reconnecting");
    this._connect();
  }

  // --- helpers ---

  _setState(state) {
    if (state === this.state) return;
    this.state = state;
    this._emit("state", state);
  }

  _emit(type, detail) {
    if (this.stopped) return;
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function backoff(attempt) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
  return ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter": never zero, never in lockstep
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
