// Alerts: a chime and a desktop notification when a chat enters the queue or a visitor writes in
// one of my chats while I am looking elsewhere. The tab title's count lives in main.js.
//
// - Sound is synthesised with the Web Audio API (no audio file to ship). Browsers only let a page
//   make sound after a user gesture, so the AudioContext is created on the first click or key press;
//   before that the console is silent. **Mute sound** is remembered in localStorage.
// - Notifications need the browser's permission, asked for only when **Desktop notifications** is
//   clicked (browsers ignore or punish a request that comes without a gesture). They are shown only
//   while the tab is hidden; clicking one brings the console forward on that chat.
// - Events arrive in bursts (a resumed connection replays what it missed): alerts are collected for a
//   moment and checked against the store before they fire, so a chat a colleague took meanwhile, or
//   a message already read, alerts nobody. My own events never alert.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { isContent } from "./store.js";
import { visitorLabel } from "./messages.js";

const MUTE_KEY = "horn.console.muted";
const NOTIFY_KEY = "horn.console.notifications";
const BURST_MS = 300; // a burst of events (a replay) gives one chime
const BODY_MAX = 120; // characters of a visitor's message in a notification
// Two rising notes for a new chat, one for a message; short, soft, and unlike the OS's own sounds.
const TUNES = { queue: [660, 880], message: [880] };
const NOTE_S = 0.16;
// Icons, so the header keeps to one line on a laptop: a speaker (struck through when muted) and a bell.
const SVG = "http://www.w3.org/2000/svg";
const SPEAKER = "M3 9v6h4l5 4V5L7 9H3z";
const ICONS = {
  sound: [SPEAKER, "M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12"],
  muted: [SPEAKER, "M16 9l6 6M22 9l-6 6"],
  bell: ["M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zM10 19a2 2 0 0 0 4 0"],
};

/** An inline SVG icon (built as DOM, like everything else here), hidden from screen readers. */
function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

// localStorage may be unavailable (storage disabled by policy): then the settings last as long as the page.
const memory = new Map();
function setting(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return memory.get(key) ?? null;
  }
}
function remember(key, value) {
  memory.set(key, value);
  try {
    localStorage.setItem(key, value);
  } catch {
    // kept in memory only
  }
}

function truncate(text, max = BODY_MAX) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export class Alerts {
  /** openChat(id): show one of my chats; showQueued(id): bring a waiting chat's Accept button forward. */
  constructor(store, { openChat, showQueued }) {
    this.store = store;
    this.openChat = openChat;
    this.showQueued = showQueued;
    this.audio = null;
    this.queued = new Set(); // chat ids that entered the queue in this burst
    this.messages = new Map(); // chat id -> the latest visitor message of this burst
    this.timer = null;

    this.muteButton = h("button", { type: "button", id: "mute", "aria-label": t("Mute sound"), onclick: () => this.toggleMute() });
    this.notifyButton = h(
      "button",
      { type: "button", id: "notify", "aria-label": t("Desktop notifications"), onclick: () => this.toggleNotifications() },
      icon("bell"),
    );
    this.el = h("span", { class: "alerts", role: "group", "aria-label": t("Alerts") }, this.muteButton, this.notifyButton);
    this.render();

    const unlock = () => this.unlockAudio();
    document.addEventListener("pointerdown", unlock, { capture: true, once: true });
    document.addEventListener("keydown", unlock, { capture: true, once: true });
    window.addEventListener("storage", () => this.render()); // toggled in another tab of the console
  }

  // --- settings ---

  get muted() {
    return setting(MUTE_KEY) === "1";
  }

  get notifying() {
    return "Notification" in window && Notification.permission === "granted" && setting(NOTIFY_KEY) === "on";
  }

  toggleMute() {
    remember(MUTE_KEY, this.muted ? "0" : "1");
    this.render();
    if (!this.muted) this.play("message"); // hear what it sounds like
  }

  async toggleNotifications() {
    if (this.notifying) {
      remember(NOTIFY_KEY, "off");
      return this.render();
    }
    if (Notification.permission !== "granted") await Notification.requestPermission();
    if (Notification.permission === "granted") remember(NOTIFY_KEY, "on");
    this.render();
  }

  render() {
    this.muteButton.setAttribute("aria-pressed", String(this.muted));
    this.muteButton.replaceChildren(icon(this.muted ? "muted" : "sound"));
    this.muteButton.title = this.muted ? t("Sound is off: click to hear alerts again") : t("Sound is on: click to mute");
    const supported = "Notification" in window;
    this.notifyButton.hidden = !supported;
    if (!supported) return;
    const denied = Notification.permission === "denied";
    this.notifyButton.setAttribute("aria-pressed", String(this.notifying));
    this.notifyButton.disabled = denied;
    this.notifyButton.title = denied
      ? t("Notifications are blocked for this site: allow them in the browser's site settings")
      : this.notifying
        ? t("On while the tab is hidden: click to turn off")
        : t("Click to be notified of new chats and messages while the tab is hidden");
  }

  // --- sound ---

  unlockAudio() {
    if (this.audio || !window.AudioContext) return;
    this.audio = new AudioContext();
  }

  play(kind) {
    if (!this.audio || this.muted) return;
    if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    const start = this.audio.currentTime + 0.02;
    TUNES[kind].forEach((freq, i) => {
      const at = start + i * NOTE_S;
      const osc = this.audio.createOscillator();
      const gain = this.audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      // A quick rise and a soft exponential fall: no click at either end.
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S);
      osc.connect(gain).connect(this.audio.destination);
      osc.start(at);
      osc.stop(at + NOTE_S + 0.01);
    });
  }

  // --- events ---

  /** One pushed item, already applied to the store; `wasQueued`: its chat was in the queue before. */
  apply(item, wasQueued) {
    if (!item.chat || !item.from || item.from.id === this.store.me.sid) return;
    const id = item.chat.id;
    if (!wasQueued && this.store.queue.has(id)) this.queued.add(id);
    else if (isContent(item) && item.from.role === "user" && this.store.chats.has(id)) this.messages.set(id, item);
    else return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), BURST_MS);
  }

  flush() {
    const hidden = document.visibilityState === "hidden";
    const queued = [...this.queued].filter((id) => this.store.queue.has(id));
    const messages = [...this.messages.values()].filter((m) => {
      const chat = this.store.chats.get(m.chat.id);
      return chat && Number(m.version) > chat.myRead && (hidden || chat.id !== this.store.selected);
    });
    this.queued.clear();
    this.messages.clear();
    if (!queued.length && !messages.length) return;
    this.play(queued.length ? "queue" : "message");
    if (!hidden || !this.notifying) return;
    for (const id of queued) {
      const q = this.store.queue.get(id);
      const body = t("{visitor} is waiting in the {queue} queue", { visitor: visitorLabel(this.store, q.creator), queue: q.queue || "default" });
      this.notify(t("New chat"), body, id, () => this.showQueued(id));
    }
    for (const m of messages) {
      const chat = this.store.chats.get(m.chat.id);
      const text = m.type === "text" ? m.text : m.type === "image" ? t("sent an image") : t("sent a file");
      const title = t("{visitor} wrote", { visitor: visitorLabel(this.store, chat.creator || m.from.id, chat.customer) });
      this.notify(title, truncate(text), chat.id, () => this.openChat(chat.id));
    }
  }

  notify(title, body, chatId, onclick) {
    // One notification per chat (the tag): a newer message replaces the older one.
    let n;
    try {
      n = new Notification(title, { body, tag: `horn-chat-${chatId}` });
    } catch {
      return; // e.g. Chrome on Android, where only a service worker may show one: the chime did its job
    }
    n.addEventListener("click", () => {
      window.focus();
      n.close();
      onclick();
    });
  }
}
