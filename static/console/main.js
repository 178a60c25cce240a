// The console page: wires the connection (events in) and the store (what we know) to the views.
// Views only render the store and call the HTTP API; every change comes back as a pushed event.

import { api, ApiError, sendMessage } from "./api.js";
import { Connection } from "./connection.js";
import { h, fill, since } from "./dom.js";
import { num, t } from "./i18n.js";
import { Store } from "./store.js";
import { ChatPane } from "./chatpane.js";
import { visitorLabel } from "./messages.js";
import { Canned, CannedDialog, Picker } from "./canned.js";
import { Collision } from "./collision.js";
import { Details } from "./details.js";
import { installKeys } from "./keys.js";
import { Team } from "./team.js";
import { Alerts } from "./alerts.js";
import { showChats } from "./search.js";
import { VisitorList } from "./visitors.js";

const CONNECTION_TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  "long-poll": t("Long-poll"),
  reconnecting: t("Reconnecting…"),
  offline: t("Offline"),
};
const TICK_MS = 15_000; // wait times in the queue are minutes; this keeps them honest enough

const store = new Store();
const conn = new Connection();
const $ = (id) => document.getElementById(id);
let pane = null;
// Later slices' parts, each in its own module: they get the pane when one is built.
const canned = new Canned();
const collision = new Collision(store, conn);
const details = new Details(store, { failed: (err) => failed(err) });
const pickers = new WeakMap(); // ChatPane -> its canned picker

store.me.sid = document.body.dataset.sid;
store.me.name = document.body.dataset.name;
store.me.cid = Number(document.body.dataset.cid);

// --- errors ---

let toastTimer = null;
export function toast(message) {
  const el = $("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 6000);
}

function failed(err) {
  if (err instanceof ApiError && err.unauthenticated) return loggedOut();
  toast(err instanceof ApiError ? `${err.message} (${err.code})` : String(err));
}

function loggedOut() {
  location.assign(`/login/?next=${encodeURIComponent("/")}`);
}

// --- header ---

function renderConnection(state) {
  const el = $("connection");
  el.dataset.state = state;
  el.textContent = CONNECTION_TEXT[state] || state;
}

function renderCapacity() {
  $("capacity").textContent = t("{n} / {max} chats", { n: store.load(), max: store.me.max_chats });
}

$("status").addEventListener("change", async (e) => {
  const wanted = e.target.value;
  try {
    await api("POST", "/api/staff/status", { json: { status: wanted } });
    store.me.status = wanted;
  } catch (err) {
    e.target.value = store.me.status;
    failed(err);
  }
});

// --- queue ---

/** The Accept button of a waiting chat, or null. */
function acceptButton(chatId) {
  return document.querySelector(`#queue-list li[data-chat="${CSS.escape(chatId)}"] button`);
}

function renderQueue() {
  const rows = [...store.queue.values()].sort((a, b) => a.waiting_since - b.waiting_since);
  // The rows are rebuilt (every tick, every queue event): a focused Accept button keeps the focus.
  const focused = document.activeElement && document.activeElement.closest("#queue-list li[data-chat]");
  $("queue-count").textContent = rows.length ? `(${num(rows.length)})` : "";
  $("next").disabled = rows.length === 0;
  fill(
    $("queue-list"),
    rows.length
      ? rows.map((q) => {
          const label = visitorLabel(store, q.creator);
          return h(
            "li",
            { class: `queued${q.offline ? " offline" : ""}`, "data-chat": q.id },
            h("span", { class: "name" }, label),
            h("span", { class: "meta" }, t("{queue} · waiting {time}", { queue: q.queue || t("default"), time: since(q.waiting_since) })),
            q.offline ? h("span", { class: "tag", title: t("Requested while nobody was available") }, t("offline")) : null,
            h("button", { type: "button", "aria-label": t("Accept chat from {name}", { name: label }), onclick: () => accept(q.id) }, t("Accept")),
          );
        })
      : h("li", { class: "none" }, t("Nobody is waiting.")),
  );
  if (focused && acceptButton(focused.dataset.chat)) acceptButton(focused.dataset.chat).focus();
}

async function accept(chatId) {
  try {
    const reply = await sendMessage(chatId ? { type: "join_chat", chat: { id: chatId } } : { type: "join_chat", event: {} });
    store.adoptJoined(reply.chat);
  } catch (err) {
    failed(err);
  }
}

$("next").addEventListener("click", () => accept(null));

// --- my chats ---

function renderChatList() {
  const chats = [...store.chats.values()];
  fill(
    $("chat-list"),
    chats.length
      ? chats.map((chat) => {
          const unread = store.unread(chat);
          const current = chat.id === store.selected;
          return h(
            "li",
            { class: current ? "current" : "" },
            h(
              "button",
              { type: "button", "aria-current": current ? "true" : null, onclick: () => select(chat.id) },
              h("span", { class: "name" }, visitorLabel(store, chat.creator, chat.customer)),
              chat.state === "ended" ? h("span", { class: "tag" }, t("ended")) : null,
              chat.peek ? h("span", { class: "tag" }, t("typing")) : null,
              ...collision.colleagues(chat.id).map((name) => h("span", { class: "tag colleague-tag", title: t("{name} has this chat open", { name }) }, name)),
              unread ? h("span", { class: "unread", "aria-label": t("{n} unread", { n: unread }) }, num(unread)) : null,
            ),
          );
        })
      : h("li", { class: "none" }, t("No open chats.")),
  );
}

function select(chatId) {
  store.selected = chatId;
  store.changed("select");
}

// A notification was clicked: the console comes forward on that chat.
const alerts = new Alerts(store, {
  openChat: (chatId) => {
    showChats();
    if (store.chats.has(chatId)) select(chatId);
  },
  showQueued: (chatId) => {
    // A waiting chat is not mine yet: its Accept button gets the focus rather than taking it unasked.
    showChats();
    const button = acceptButton(chatId);
    if (button) button.focus();
  },
});

function renderPane(what) {
  const chat = store.selected ? store.chats.get(store.selected) : null;
  details.show(chat);
  if (!chat) {
    if (pane) pane.destroy();
    pane = null;
    collision.detach();
    fill($("conversation"), h("p", { class: "empty" }, t("No chat selected. Accept one from the queue.")));
    return;
  }
  if (!pane || pane.chat !== chat) {
    if (pane) pane.destroy();
    // After a reinit the same chat is a new object: the half-written reply goes with it.
    if (pane && pane.chat.id === chat.id) chat.draftReply = pane.input.value;
    pane = new ChatPane(store, chat, { failed, toast });
    pickers.set(pane, new Picker(canned, pane.input, pane.composer));
    fill($("conversation"), pane.el);
    collision.attach(pane);
    team.attach(pane);
    pane.update("all");
    if (what === "select") pane.focus();
  } else {
    pane.update(what);
    if (what === "select") pane.focus(); // e.g. my join's answer after its push built the pane
  }
  collision.sync(); // an ended chat is no longer "viewed"
}

// --- visitors ---

const visitorList = new VisitorList(store, document.querySelector("aside.visitors"));

// --- ratings ---

function renderRatings() {
  fill(
    $("rating-list"),
    store.ratings.length
      ? store.ratings.map((r) =>
          h(
            "li",
            { class: "rating-row" },
            h("span", { class: "stars", "aria-label": t("{score} out of 5", { score: r.score }) }, "★".repeat(r.score) + "☆".repeat(5 - r.score)),
            " ",
            h("span", { class: "name" }, visitorLabel(store, r.creator)),
            r.comment ? h("div", { class: "meta" }, r.comment) : null,
          ),
        )
      : h("li", { class: "none" }, t("No ratings yet.")),
  );
}

// --- tab title: unread count (waiting chats + unread visitor messages) ---

function renderTitle() {
  let count = store.queue.size;
  for (const chat of store.chats.values()) count += store.unread(chat);
  document.title = count ? `(${num(count)}) ${t("Horn console")}` : t("Horn console");
}

// --- wiring ---

store.addEventListener("change", (e) => {
  const what = e.detail;
  if (what === "visitors") {
    details.visitorsChanged(store.visitorsTouched);
    visitorList.update();
    renderQueue(); // labels may have names now
    return;
  }
  if (what === "presence") return;
  if (what === "ratings") return renderRatings();
  if (what === "peek") {
    renderChatList();
    if (pane) pane.update("peek");
    return;
  }
  renderQueue();
  renderChatList();
  renderPane(what);
  renderCapacity();
  renderTitle();
  if (what === "all") renderRatings();
});

conn.addEventListener("state", (e) => renderConnection(e.detail));
conn.addEventListener("unauthenticated", loggedOut);
let inits = 0;
conn.addEventListener("init", (e) => {
  store.applyInit(e.detail);
  // The first list was asked for at start, with state/init; after a re-init, missed notices are not replayed.
  if (inits++) store.refreshVisitors();
});
collision.addEventListener("change", () => renderChatList());
conn.addEventListener("event", (e) => {
  const wasQueued = !!e.detail.chat && store.queue.has(e.detail.chat.id);
  store.apply(e.detail);
  alerts.apply(e.detail, wasQueued);
  collision.apply(e.detail);
  team.apply(e.detail);
});
// Logging out or leaving: a socket closed by the navigation must not reconnect (and, the session
// being gone, bounce the page to the login form before the logout's own redirect lands).
document.querySelector("form.logout").addEventListener("submit", () => conn.stop());
window.addEventListener("pagehide", () => conn.stop());
document.addEventListener("visibilitychange", () => pane && pane.update("visible"));
setInterval(() => {
  renderQueue();
  visitorList.tick();
}, TICK_MS);

// --- canned responses, keyboard ---

const cannedDialog = new CannedDialog(canned, { failed });
const team = new Team(store, { failed, toast, accept });
document
  .querySelector("form.logout")
  .before(
    h("button", { type: "button", id: "canned-open", onclick: () => cannedDialog.open() }, t("Canned responses")),
    h("button", { type: "button", id: "bans-open", onclick: () => team.openBans() }, t("Bans")),
  );
$("history-open").before(alerts.el);
installKeys({ store, select, next: () => accept(null), pane: () => pane, details, visitors: visitorList, picker: (p) => pickers.get(p) });
// The settings page links to /#canned rather than keeping a second editor of canned responses.
if (location.hash === "#canned") cannedDialog.open();

async function loadInfo() {
  try {
    const info = await api("GET", "/api/staff/info");
    Object.assign(store.me, { status: info.staff.status, max_chats: info.staff.max_chats, name: info.staff.name });
    $("status").value = info.staff.status;
    renderCapacity();
  } catch (err) {
    if (err instanceof ApiError && err.unauthenticated) loggedOut();
  }
}

async function start() {
  renderCapacity();
  renderQueue();
  renderChatList();
  visitorList.update();
  renderRatings();
  // Nothing at start waits for anything else (console start is measured: bench/console_start.py).
  store.refreshVisitors();
  canned.load(); // ready before the first "/"
  await Promise.all([loadInfo(), conn.start()]);
}

// For tests and curious operators: the connection's state and cursor.
window.hornConsole = { store, conn };
start();
