// Collision detection: which colleagues have a chat on screen, and which of them are typing a reply.
//
// Out: a transient `viewing` message {on: true} for the chat on screen while the tab is visible,
// repeated every third of the heartbeat interval, and {on: false} when the chat leaves the screen
// (another chat selected, tab hidden, page closed). In: colleagues' `viewing` and staff `typing`
// events. Nothing is stored on the server, so a colleague whose tab died without saying
// {on: false} fades out here once a heartbeat interval passes without a repeat.

import { sendMessage } from "./api.js";
import { h, fill, nameList } from "./dom.js";
import { t } from "./i18n.js";

const TYPING_TTL_MS = 20_000; // as the sneak peek: a colleague who closed the tab mid-sentence fades out

export class Collision extends EventTarget {
  constructor(store, conn) {
    super();
    this.store = store;
    this.conn = conn;
    this.viewers = new Map(); // chat id -> Map(sid -> {name, at})
    this.typers = new Map(); // chat id -> Map(sid -> {name, at})
    this.showing = null; // the chat id we last said we view
    this.el = null; // the indicator of the pane on screen
    this.chatId = null;
    this.timer = null;
    this.up = false; // the push connection is live (websocket or long-poll)
    this.sweeper = setInterval(() => this.expire(), 5_000); // fades within 5 s of its deadline: plenty for a hint
    document.addEventListener("visibilitychange", () => this.sync());
    // Say "viewing" only once the push connection can carry colleagues' answers back. After a
    // reconnect, say it again (their own repeats fill in what was missed within a third of an interval).
    conn.addEventListener("state", (e) => {
      const up = e.detail === "live" || e.detail === "long-poll";
      if (up !== this.up) {
        this.up = up;
        this.showing = null;
        this.sync();
      }
    });
    window.addEventListener("pagehide", () => this.say(this.showing, false, true));
  }

  get intervalMs() {
    return (this.conn.interval || 30) * 1000;
  }

  /** A new pane is on screen: give it an indicator, and tell colleagues. */
  attach(pane) {
    this.chatId = pane.chat.id;
    this.el = h("div", { class: "collision", role: "status", "aria-label": t("Colleagues on this chat") });
    pane.el.querySelector(".pane-head").after(this.el);
    this.render();
    this.sync();
  }

  detach() {
    this.chatId = null;
    this.el = null;
    this.sync();
  }

  /** Say `on` for the chat on screen (if the tab is visible) and `off` for the one before. */
  sync() {
    const chat = this.chatId && this.store.chats.get(this.chatId);
    const want = this.up && chat && chat.state !== "ended" && document.visibilityState === "visible" ? chat.id : null;
    if (want === this.showing) return;
    if (this.showing) this.say(this.showing, false);
    this.showing = want;
    clearInterval(this.timer);
    if (want) {
      this.say(want, true);
      this.timer = setInterval(() => this.showing && this.say(this.showing, true), this.intervalMs / 3);
    }
  }

  say(chatId, on, unloading = false) {
    if (!chatId) return;
    sendMessage({ type: "viewing", chat: { id: chatId }, event: { on } }, unloading ? { keepalive: true } : undefined).catch(() => {});
  }

  /** A pushed item: colleagues' viewing and typing, and staff going offline. */
  apply(item) {
    if (item.type === "viewing") {
      const on = !!(item.event && item.event.on);
      const known = item.chat && (this.viewers.get(item.chat.id) || new Map()).has(item.from && item.from.id);
      this.mark(this.viewers, item, on);
      // A colleague who just opened the chat I have on screen learns about me now, not at my next
      // repeat (they answer me in turn once, as I am new to them; a known viewer gets no answer).
      if (on && !known && item.chat.id === this.showing) this.say(this.showing, true);
      return;
    }
    if (item.type === "typing" && item.from && item.from.role === "staff") return this.mark(this.typers, item, item.event && item.event.on);
    if ((item.type === "text" || item.type === "note") && item.from && item.from.role === "staff") {
      return this.mark(this.typers, item, false); // the reply was sent: no longer typing
    }
    if (item.type === "presence" && item.event && item.event.role === "staff" && item.event.online === false) {
      for (const map of [...this.viewers.values(), ...this.typers.values()]) map.delete(item.event.uid);
      this.render();
    }
  }

  mark(table, item, on) {
    if (!item.chat || !item.from || item.from.id === this.store.me.sid) return;
    let map = table.get(item.chat.id);
    if (!map) table.set(item.chat.id, (map = new Map()));
    const had = map.has(item.from.id);
    if (on) map.set(item.from.id, { name: item.from.name || t("A colleague"), at: Date.now() });
    else map.delete(item.from.id);
    // A repeat only moves the deadline: nothing to draw (and the chat list keeps its focus).
    if (had !== !!on) this.render();
  }

  expire() {
    const now = Date.now();
    let changed = false;
    for (const [table, ttl] of [[this.viewers, this.intervalMs], [this.typers, TYPING_TTL_MS]]) {
      for (const map of table.values()) {
        for (const [sid, v] of map) if (now - v.at > ttl) changed = map.delete(sid) || changed;
      }
    }
    if (changed) this.render();
  }

  /** Names of colleagues on a chat: typing or viewing (for the chat list). */
  colleagues(chatId) {
    return [...new Set([...this.names(this.typers, chatId), ...this.names(this.viewers, chatId)])];
  }

  /** Names of colleagues viewing / typing in a chat. */
  names(table, chatId) {
    return [...(table.get(chatId) || new Map()).values()].map((v) => v.name);
  }

  render() {
    this.dispatchEvent(new Event("change")); // the chat list shows who is on each chat too
    if (!this.el) return;
    const typing = this.names(this.typers, this.chatId);
    const viewing = this.names(this.viewers, this.chatId).filter((n) => !typing.includes(n));
    fill(
      this.el,
      viewing.length ? h("span", { class: "viewing" }, viewingText(viewing)) : null,
      typing.length ? h("span", { class: "typing-reply" }, typingText(typing)) : null,
    );
    this.el.hidden = !viewing.length && !typing.length;
  }
}

function viewingText(names) {
  const vars = { names: nameList(names) };
  return names.length > 1 ? t("{names} are viewing this chat", vars) : t("{names} is viewing this chat", vars);
}

function typingText(names) {
  const vars = { names: nameList(names) };
  return names.length > 1 ? t("{names} are typing a reply…", vars) : t("{names} is typing a reply…", vars);
}
