// What the console knows, built from state/init and then only from pushed events (no polling).
// Views read it and re-render on "change"; nothing here touches the DOM.
//
// Queue entries come from init's `state.queue`; pushed queue events (to every staff member) add
// and remove them at once. Some of those events do not say the chat's queue name or its place
// (a requeued chat goes first in line), so after one the queue is refetched from state/init, and
// the queue events newer than that snapshot are applied on top of it (Zulip's register-then-apply).

import { api } from "./api.js";

const QUEUE_LOG = 500; // queue events kept to re-apply over a refetched snapshot
const RATINGS = 20; // as many as state/init gives
const PEEK_TTL_MS = 20_000; // how long a draft stays without news from the visitor
const VISITORS_REFRESH_MS = 500; // a burst of visitors_changed notices costs one fetch
const VISITORS_PER_FETCH = 100; // the most uids GET /api/users/online takes at once
const VISITORS_FULL = 300; // more changed visitors than this: the whole list is one cheaper fetch
const QUEUE_REFRESH_MS = 300; // a burst of queue events costs one refetch
const CHAT_EVENTS = new Set([
  "text", "file", "image", "note", "info", "rate", "customer_identified", "client_left",
  "end_chat", "leave_chat", "agent_done", "transfer", "join_chat", "handover_to_agent", "request_chat",
]);

export class Store extends EventTarget {
  constructor() {
    super();
    this.me = { sid: "", name: "", cid: 0, status: "online", max_chats: 0 };
    this.chats = new Map(); // my chats: id -> chat
    this.queue = new Map(); // waiting chats: id -> {id, creator, queue, waiting_since, offline}
    this.queueLog = [];
    this.visitors = new Map(); // online visitors (/api/users/online): uid -> row
    this.visitorsPending = new Set(); // uids named by notices since the last fetch
    this.visitorsTouched = null; // uids the last "visitors" change concerned (null: maybe all)
    this.ratings = []; // latest ratings of chats I was in: [{chat: {id}, creator, score, comment, at}]
    this.selected = null;
    this.refreshTimer = null;
    this.visitorsTimer = null;
    this.visitorsBusy = false;
  }

  changed(what) {
    this.dispatchEvent(new CustomEvent("change", { detail: what }));
  }

  // --- init ---

  applyInit(state) {
    const keep = this.chats;
    this.chats = new Map();
    for (const row of state.chats) {
      const chat = this._chatFrom(row);
      const old = keep.get(chat.id);
      if (old) chat.draftReply = old.draftReply;
      this.chats.set(chat.id, chat);
    }
    this._setQueue(state.queue || [], Number(state.version));
    this.ratings = (state.ratings || []).slice(0, RATINGS);
    if (this.selected && !this.chats.has(this.selected)) this.selected = null;
    if (!this.selected && this.chats.size) this.selected = this.chats.keys().next().value;
    this.changed("all");
  }

  _chatFrom(row) {
    const chat = {
      id: row.id,
      creator: row.creator,
      state: row.state,
      queue: row.gid || "",
      owner: row.staff_id || "",
      customer: row.customer || null,
      rating: row.rating || null,
      msgs: [],
      mids: new Set(),
      hasMore: !!row.has_more,
      read: { ...(row.read || {}) },
      peek: null, // the visitor's draft while typing (sneak peek)
      myRead: 0,
      draftReply: "",
      loadingOlder: false,
    };
    this._merge(chat, row.msgs || []);
    chat.myRead = Number(chat.read[this.me.sid] || 0);
    return chat;
  }

  _merge(chat, msgs) {
    let added = false;
    for (const m of msgs) {
      if (!m.mid || chat.mids.has(m.mid)) continue;
      chat.mids.add(m.mid);
      chat.msgs.push(m);
      added = true;
    }
    if (added) chat.msgs.sort((a, b) => Number(a.version || 0) - Number(b.version || 0));
    return added;
  }

  // --- pushed events ---

  apply(item) {
    switch (item.type) {
      case "typing":
        return this._typing(item);
      case "read":
        return this._read(item);
      case "presence": // a visitor who went offline leaves the list (at once: nothing to fetch)
        if (item.event && item.event.role === "user") this._visitorPresence(item.event);
        return this.changed("presence");
      case "visitors_changed": {
        const ev = item.event || {};
        return this._scheduleVisitors(ev.uids || (ev.uid ? [ev.uid] : []));
      }
      case "queue_number":
      case "client_unload":
      case "platform_closed":
        return;
    }
    if (!item.chat || !CHAT_EVENTS.has(item.type)) return;
    if (item.type === "rate") this._rated(item);
    this._queueEvent(item);
    this._chatEvent(item);
  }

  _queueEvent(item) {
    const before = this.queue.size;
    if (!this._applyQueue(item)) return;
    if (item.version) {
      this.queueLog.push(item);
      if (this.queueLog.length > QUEUE_LOG) this.queueLog.shift();
    }
    if (item.type !== "join_chat" && item.type !== "end_chat") this._scheduleQueueRefresh();
    this.changed(this.queue.size > before ? "queue-grew" : "queue");
  }

  /** One queue event applied to this.queue; false if it did not concern the queue. */
  _applyQueue(item) {
    const id = item.chat.id;
    const ev = item.event || {};
    switch (item.type) {
      case "request_chat": // a new request, or a chat back in line (event.requeued: first in line)
        if (!this.queue.has(id)) {
          this.queue.set(id, { id, creator: item.from.id, queue: "", waiting_since: item.t.t0, offline: !!ev.offline });
        }
        return true;
      case "join_chat":
      case "end_chat":
        return this.queue.delete(id);
      case "transfer":
      case "handover_to_agent": {
        if (ev.to && !("queue" in ev.to)) return false; // to a person or a bot: not queued
        const creator = this.chats.get(id)?.creator || this.queue.get(id)?.creator || "";
        const queue = ev.to ? ev.to.queue : "";
        this.queue.set(id, { id, creator, queue, waiting_since: item.t.t0, offline: false });
        return true;
      }
      default:
        return false;
    }
  }

  _scheduleQueueRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refreshQueue(), QUEUE_REFRESH_MS);
  }

  async refreshQueue() {
    try {
      const data = await api("GET", "/api/state/init");
      this._setQueue(data.state.queue || [], Number(data.state.version));
      this.changed("queue");
    } catch {
      // the next queue event or reconnect tries again
    }
  }

  _setQueue(rows, version) {
    this.queue = new Map(rows.map((r) => [r.id, { ...r }]));
    // Events newer than the snapshot were applied to the old map; apply them again to the new one.
    this.queueLog = this.queueLog.filter((e) => Number(e.version) > version);
    for (const e of this.queueLog) this._applyQueue(e);
  }

  _chatEvent(item) {
    const id = item.chat.id;
    const ev = item.event || {};
    const me = this.me.sid;
    const fromMe = item.from && item.from.id === me;
    let chat = this.chats.get(id);
    // How a chat becomes mine: I joined (or was assigned), it was transferred or handed back to me.
    const mine =
      (item.type === "join_chat" && fromMe) ||
      ((item.type === "transfer" || item.type === "handover_to_agent") && ev.to && ev.to.staff === me);
    // Events that reach every staff member (queue changes), and ratings, which reach everyone who was
    // ever in the chat: neither makes a chat mine.
    const staffOnly = ["request_chat", "join_chat", "end_chat", "transfer", "handover_to_agent", "rate"].includes(item.type);
    if (!chat) {
      // Content of a chat I do not know reaches me only as a member (e.g. after a missed join).
      if (!mine && staffOnly) return;
      chat = this._chatFrom({ id, creator: "", state: "active", msgs: [] });
      chat.hasMore = true;
      this.chats.set(id, chat);
      if (!this.selected || mine) this.selected = id;
      this.loadLatest(chat);
    }
    this._merge(chat, [item]);
    if (item.type === "join_chat") {
      chat.state = "active";
      if (!chat.owner && item.from.role === "staff") chat.owner = item.from.id; // the first to join owns it
    }
    if (item.type === "transfer" && ev.to && ev.to.staff) chat.owner = ev.to.staff;
    if (item.type === "end_chat") chat.state = "ended";
    if (item.type === "rate") chat.rating = { score: ev.score, comment: ev.comment || "", at: item.t.t0 };
    if (item.type === "customer_identified") chat.customer = ev.customer || { id: ev.customer_id, verified: false };
    if (item.type === "text" || item.type === "file" || item.type === "image") {
      if (item.from.role === "user") chat.peek = null; // the draft became a message
    }
    const gone =
      item.type === "agent_done" ||
      (item.type === "leave_chat" && fromMe) ||
      (item.type === "transfer" && fromMe) ||
      (item.type === "transfer" && ev.to && "queue" in ev.to);
    if (gone) {
      this.chats.delete(id);
      if (this.selected === id) this.selected = this.chats.size ? this.chats.keys().next().value : null;
      return this.changed("chats");
    }
    this.changed(id === this.selected ? "selected" : "chats");
  }

  _rated(item) {
    const ev = item.event || {};
    this.ratings = [
      { chat: { id: item.chat.id }, creator: item.from.id, score: ev.score, comment: ev.comment || "", at: item.t.t0 },
      ...this.ratings.filter((r) => r.chat.id !== item.chat.id),
    ].slice(0, RATINGS);
    this.changed("ratings");
  }

  _typing(item) {
    const chat = this.chats.get(item.chat.id);
    if (!chat || item.from.role !== "user") return;
    const ev = item.event || {};
    chat.peek = ev.on ? { text: ev.text || "", at: Date.now() } : null;
    // A visitor who closes the tab mid-sentence never sends typing off: the draft fades on its own.
    clearTimeout(chat.peekTimer);
    if (chat.peek) {
      chat.peekTimer = setTimeout(() => {
        chat.peek = null;
        this.changed(chat.id === this.selected ? "peek" : "chats");
      }, PEEK_TTL_MS);
    }
    this.changed(item.chat.id === this.selected ? "peek" : "chats");
  }

  _read(item) {
    const chat = this.chats.get(item.chat.id);
    if (!chat) return;
    chat.read[item.from.id] = item.event.version;
    this.changed(item.chat.id === this.selected ? "selected" : "chats");
  }

  /** The answer to my join_chat: the chat with its latest messages (the push of the join may come first). */
  adoptJoined(reply) {
    let chat = this.chats.get(reply.id);
    if (!chat) {
      chat = this._chatFrom({ id: reply.id, creator: "", state: "active", msgs: [] });
      this.chats.set(reply.id, chat);
    }
    this._merge(chat, reply.msgs || []);
    chat.hasMore = !!reply.has_more;
    if (!chat.owner) chat.owner = this.me.sid;
    const first = chat.msgs.find((m) => m.from && m.from.role === "user");
    if (!chat.creator && first) chat.creator = first.from.id;
    this.selected = reply.id;
    this.changed("select");
  }

  // --- fetching ---

  async loadLatest(chat) {
    try {
      const data = await api("GET", "/api/chat/history", { query: { chat: chat.id } });
      this._merge(chat, data.msgs);
      chat.hasMore = data.has_more;
      const first = chat.msgs.find((m) => m.type === "request_chat");
      if (first && !chat.creator) chat.creator = first.from.id;
      if (!chat.creator) chat.creator = (chat.msgs.find((m) => m.from && m.from.role === "user") || {}).from?.id || "";
      if (data.chat.rating) chat.rating = data.chat.rating;
      this.changed("chats");
    } catch {
      // shown as it is; "load older" retries
    }
  }

  async loadOlder(chat) {
    if (chat.loadingOlder || !chat.hasMore) return;
    chat.loadingOlder = true;
    try {
      const oldest = chat.msgs.find((m) => m.version);
      const data = await api("GET", "/api/chat/history", {
        query: { chat: chat.id, before: oldest ? oldest.version : undefined, limit: 50 },
      });
      this._merge(chat, data.msgs);
      chat.hasMore = data.has_more;
    } finally {
      chat.loadingOlder = false;
      this.changed("older");
    }
  }

  _visitorPresence(ev) {
    if (ev.online) return this._scheduleVisitors([ev.uid]); // back without a page view: fetch its row
    this.visitorsPending.delete(ev.uid);
    if (this.visitors.delete(ev.uid)) this._visitorsChanged(new Set([ev.uid]));
  }

  /** Rows of these visitors are stale: fetch them (with the others named meanwhile) in a moment. */
  _scheduleVisitors(uids) {
    for (const uid of uids) this.visitorsPending.add(uid);
    if (this.visitorsTimer || !this.visitorsPending.size) return;
    this.visitorsTimer = setTimeout(() => {
      this.visitorsTimer = null;
      this._fetchPending();
    }, VISITORS_REFRESH_MS);
  }

  async _fetchPending() {
    // One fetch at a time, so an older answer never overwrites a newer one.
    if (this.visitorsBusy) return this._scheduleVisitors([]);
    const uids = [...this.visitorsPending];
    this.visitorsPending.clear();
    if (uids.length > VISITORS_FULL) return this.refreshVisitors();
    const rows = [];
    this.visitorsBusy = true;
    try {
      for (let i = 0; i < uids.length; i += VISITORS_PER_FETCH) {
        const some = uids.slice(i, i + VISITORS_PER_FETCH);
        rows.push(...(await api("GET", "/api/users/online", { query: { uids: some.join(",") } })).data);
      }
    } catch {
      for (const uid of uids) this.visitorsPending.add(uid); // asked again with the next notice's
      return;
    } finally {
      this.visitorsBusy = false;
    }
    // A uid asked for and not answered is offline now.
    for (const uid of uids) this.visitors.delete(uid);
    for (const row of rows) this.visitors.set(row.uid, row);
    this._visitorsChanged(new Set(uids));
  }

  /** The whole list (at start and after a reconnect, when notices may have been missed). */
  async refreshVisitors() {
    this.visitorsBusy = true;
    try {
      const data = await api("GET", "/api/users/online");
      this.visitors = new Map(data.data.map((row) => [row.uid, row]));
      this._visitorsChanged(null);
    } catch {
      // kept as it was until the next notice
    } finally {
      this.visitorsBusy = false;
    }
  }

  _visitorsChanged(touched) {
    this.visitorsTouched = touched;
    this.changed("visitors");
  }

  // --- derived ---

  unread(chat) {
    return chat.msgs.filter((m) => Number(m.version) > chat.myRead && m.from && m.from.role === "user" && isContent(m)).length;
  }

  load() {
    // Capacity counts the active chats I own (routing's rule, seed 003), not those I merely joined.
    let owned = 0;
    for (const chat of this.chats.values()) if (chat.state === "active" && chat.owner === this.me.sid) owned++;
    return owned;
  }
}

export function isContent(m) {
  return m.type === "text" || m.type === "file" || m.type === "image";
}
