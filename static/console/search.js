// History: find past and current chats of the org (GET /api/chats/search), read a transcript,
// export it as text or JSON (GET /api/chats/{id}/transcript). A view of its own beside the live
// console: opening it hides the chat columns, the connection keeps running underneath.
// User text only ever becomes text nodes; a hit's highlights are <mark> elements built from the
// API's plain-text segments, never HTML.

import { api, ApiError } from "./api.js";
import { h, fill, dateTime } from "./dom.js";
import { t } from "./i18n.js";

const STATES = [
  ["", t("Any state")],
  ["requested", t("Waiting")],
  ["active", t("Active")],
  ["agent_done", t("Done")],
  ["ended", t("Ended")],
];
// A lifecycle event in a transcript, after its sender's name.
const EVENT_TEXT = {
  request_chat: t("requested a chat"),
  join_chat: t("joined"),
  leave_chat: t("left"),
  agent_done: t("marked the chat done"),
  end_chat: t("ended the chat"),
  transfer: t("transferred the chat"),
  handover_to_agent: t("handed the chat over to people"),
  client_left: t("closed the chat window"),
  customer_identified: t("was identified as a customer"),
  rate: t("rated the chat"),
};
const PAGE = 20; // a screenful of results; "More results" fetches the next page

const $ = (id) => document.getElementById(id);

// A chat's state as the results and transcript name it.
const STATE_TEXT = Object.fromEntries(STATES.slice(1).map(([v, text]) => [v, text.toLowerCase()]));

/** As the console names visitors (messages.js): "Visitor" and the start of the id, or the customer id. */
function visitorName(visitor) {
  const short = t("Visitor {id}", { id: visitor.id.slice(0, 6) });
  return visitor.customer_id ? `${visitor.customer_id} (${short})` : short;
}

function senderName(from) {
  return from.name || (from.role === "user" ? t("Visitor {id}", { id: from.id.slice(0, 6) }) : from.id);
}

/** A hit's segments as text nodes and <mark> elements. */
export function highlighted(segments) {
  return segments.map((s) => (s.match ? h("mark", {}, s.text) : document.createTextNode(s.text)));
}

/** "3 chats", "20+ chats", "No chats found." */
function found(n, more) {
  if (!n) return t("No chats found.");
  if (more) return t("{n}+ chats", { n });
  return n === 1 ? t("1 chat") : t("{n} chats", { n });
}

function field(label, control) {
  return h("label", { class: "hist-field" }, h("span", {}, label), control);
}

class HistoryView {
  constructor() {
    this.q = h("input", { type: "search", name: "q", maxlength: "200", placeholder: t("Words in messages or notes"), "aria-label": t("Search messages") });
    this.state = h("select", { name: "state", "aria-label": t("State") }, STATES.map(([v, t]) => h("option", { value: v }, t)));
    this.queue = h("input", { name: "queue", maxlength: "64", placeholder: t("any"), "aria-label": t("Queue") });
    this.staff = h("input", { name: "staff", maxlength: "19", placeholder: t("staff id"), "aria-label": t("Staff"), list: "hist-staff" });
    this.visitor = h("input", { name: "visitor", maxlength: "23", placeholder: t("visitor id"), "aria-label": t("Visitor") });
    this.customer = h("input", { name: "customer", maxlength: "128", placeholder: t("customer id"), "aria-label": t("Customer") });
    this.from = h("input", { type: "date", name: "created_from", "aria-label": t("From date") });
    this.to = h("input", { type: "date", name: "created_to", "aria-label": t("To date") });
    this.staffList = h("datalist", { id: "hist-staff" });
    this.form = h(
      "form",
      { role: "search", class: "hist-form", "aria-label": t("Search chats"), onsubmit: (e) => (e.preventDefault(), this.search()) },
      h("div", { class: "hist-query" }, this.q, h("button", { type: "submit" }, t("Search"))),
      h(
        "div",
        { class: "hist-filters" },
        field(t("State"), this.state),
        field(t("Queue"), this.queue),
        field(t("Staff"), this.staff),
        field(t("Visitor"), this.visitor),
        field(t("Customer"), this.customer),
        field(t("From"), this.from),
        field(t("To"), this.to),
      ),
      this.staffList,
    );
    this.status = h("p", { class: "meta", role: "status", "aria-live": "polite" });
    this.results = h("ul", { class: "list hist-results", "aria-label": t("Search results") });
    this.more = h("button", { type: "button", hidden: true, onclick: () => this.search(true) }, t("More results"));
    this.transcript = h(
      "section",
      { class: "hist-transcript", "aria-label": t("Transcript") },
      h("p", { class: "empty" }, t("Open a chat to read its transcript.")),
    );
    this.el = h(
      "section",
      { id: "history", class: "history", "aria-labelledby": "history-title", hidden: true },
      h(
        "div",
        { class: "hist-list" },
        h("div", { class: "hist-head" }, h("h2", { id: "history-title" }, t("History")), h("button", { type: "button", onclick: () => this.close() }, t("Back to chats"))),
        this.form,
        this.status,
        this.results,
        this.more,
      ),
      this.transcript,
    );
    this.next = "";
    this.seq = 0; // a newer search wins over a slower older one
  }

  open() {
    document.querySelector("main.layout").hidden = true;
    this.el.hidden = false;
    if (location.hash !== "#history") history.replaceState(null, "", "#history");
    this.q.focus();
    this.loadStaff();
    if (!this.results.childElementCount) this.search();
  }

  close() {
    this.el.hidden = true;
    document.querySelector("main.layout").hidden = false;
    history.replaceState(null, "", location.pathname + location.search);
  }

  params() {
    const p = { limit: PAGE };
    for (const [key, input] of Object.entries({
      q: this.q, state: this.state, queue: this.queue, staff: this.staff, visitor: this.visitor,
      customer: this.customer, created_from: this.from, created_to: this.to,
    })) {
      const value = input.value.trim();
      if (value) p[key] = value;
    }
    return p;
  }

  async search(more = false) {
    const seq = ++this.seq;
    const query = this.params();
    if (more && this.next) query.before = this.next;
    this.status.textContent = t("Searching…");
    try {
      const page = await api("GET", "/api/chats/search", { query });
      if (seq !== this.seq) return;
      if (!more) this.results.replaceChildren();
      for (const chat of page.chats) this.results.append(this.row(chat));
      this.next = page.next;
      this.more.hidden = !page.next;
      const n = this.results.childElementCount;
      this.status.textContent = found(n, !!page.next);
    } catch (err) {
      if (seq !== this.seq) return;
      this.status.textContent = err instanceof ApiError ? `${err.message}${err.field ? ` (${err.field})` : ""}` : String(err);
      if (err instanceof ApiError && err.unauthenticated) location.assign("/login/?next=/");
    }
  }

  row(chat) {
    const who = visitorName(chat.visitor);
    return h(
      "li",
      { class: "hist-row" },
      h(
        "div",
        { class: "hist-row-head" },
        h("span", { class: "name" }, who),
        h("span", { class: "tag" }, STATE_TEXT[chat.state] || chat.state),
        chat.rating ? h("span", { class: "stars", "aria-label": t("{score} out of 5", { score: chat.rating.score }) }, "★".repeat(chat.rating.score)) : null,
        h("button", { type: "button", "aria-label": t("Open transcript of {name}", { name: who }), onclick: () => this.openTranscript(chat.id) }, t("Transcript")),
      ),
      h("div", { class: "meta" }, [dateTime(chat.created_at), chat.queue || t("default"), chat.staff.map((s) => s.name || s.id).join(", ")].filter(Boolean).join(" · ")),
      chat.hits.map((hit) =>
        h(
          "blockquote",
          { class: `hit${hit.internal ? " internal" : ""}` },
          h("span", { class: "hit-who" }, hit.internal ? t("{name} (note): ", { name: senderName(hit.from) }) : t("{name}: ", { name: senderName(hit.from) })),
          highlighted(hit.segments),
        ),
      ),
      chat.more_hits ? h("div", { class: "meta" }, t("More matches in this chat…")) : null,
    );
  }

  async openTranscript(chatId) {
    fill(this.transcript, h("p", { class: "meta" }, t("Loading…")));
    try {
      const data = await api("GET", `/api/chats/${encodeURIComponent(chatId)}/transcript`, { query: { format: "json" } });
      this.renderTranscript(data);
    } catch (err) {
      fill(this.transcript, h("p", { class: "meta" }, err instanceof ApiError ? err.message : String(err)));
    }
  }

  renderTranscript({ chat, msgs, cut }) {
    const base = `/api/chats/${encodeURIComponent(chat.id)}/transcript`;
    fill(
      this.transcript,
      h(
        "div",
        { class: "hist-head" },
        h("h3", { id: "transcript-title", class: "hist-title" }, t("Transcript · {name}", { name: visitorName(chat.visitor) })),
        h("a", { class: "export", href: `${base}?format=text`, download: "" }, t("Export text")),
        h("a", { class: "export", href: `${base}?format=json`, download: "" }, t("Export JSON")),
      ),
      h(
        "div",
        { class: "meta" },
        [
          STATE_TEXT[chat.state] || chat.state,
          chat.queue || t("default"),
          t("started {date}", { date: dateTime(chat.created_at) }),
          chat.ended_at ? t("ended {date}", { date: dateTime(chat.ended_at) }) : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      h(
        "ol",
        { class: "hist-log", "aria-label": t("Transcript messages") },
        msgs.map((m) => this.line(m)),
      ),
      cut ? h("p", { class: "meta" }, t("Cut: the export holds the first messages only.")) : null,
    );
  }

  line(m) {
    const who = senderName(m.from);
    let text;
    if (m.type === "text" || m.type === "note" || m.type === "info") text = m.text;
    else if (m.type === "file") text = t("sent a file: {name}", { name: (m.file && m.file.name) || "" });
    else if (m.type === "image") text = t("sent an image");
    else text = EVENT_TEXT[m.type] || m.type.replaceAll("_", " ");
    const event = !["text", "note", "info", "file", "image"].includes(m.type);
    return h(
      "li",
      { class: `hist-line type-${m.type}${m.internal ? " internal" : ""}${event ? " event" : ""}` },
      h("span", { class: "time" }, dateTime(m.t.t0)),
      h("span", { class: "hit-who" }, m.internal ? t("{name} · internal note", { name: who }) : who),
      h("span", { class: "text" }, text),
    );
  }

  async loadStaff() {
    try {
      const online = await api("GET", "/api/staff/online");
      fill(this.staffList, online.data.map((s) => h("option", { value: s.uid }, s.name)));
    } catch {
      /* suggestions only */
    }
  }
}

const view = new HistoryView();
document.body.append(view.el);
const button = $("history-open");
if (button) button.addEventListener("click", () => (view.el.hidden ? view.open() : view.close()));
if (location.hash === "#history") view.open();
