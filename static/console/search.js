// History: find past and current chats of the org (GET /api/chats/search), read a transcript,
// export it as text or JSON (GET /api/chats/{id}/transcript). A view of its own beside the live
// console: opening it hides the chat columns, the connection keeps running underneath.
// User text only ever becomes text nodes; a hit's highlights are <mark> elements built from the
// API's plain-text segments, never HTML.

import { api, ApiError } from "./api.js";
import { h, fill, clock } from "./dom.js";

const STATES = [
  ["", "Any state"],
  ["requested", "Waiting"],
  ["active", "Active"],
  ["agent_done", "Done"],
  ["ended", "Ended"],
];
const PAGE = 20; // a screenful of results; "More results" fetches the next page

const $ = (id) => document.getElementById(id);

function day(unixSeconds) {
  if (!unixSeconds) return "";
  const d = new Date(unixSeconds * 1000);
  return `${d.toLocaleDateString()} ${clock(unixSeconds)}`;
}

/** As the console names visitors (messages.js): "Visitor" and the start of the id, or the customer id. */
function visitorName(visitor) {
  const short = `Visitor ${visitor.id.slice(0, 6)}`;
  return visitor.customer_id ? `${visitor.customer_id} (${short})` : short;
}

function senderName(from) {
  return from.name || (from.role === "user" ? `Visitor ${from.id.slice(0, 6)}` : from.id);
}

/** A hit's segments as text nodes and <mark> elements. */
export function highlighted(segments) {
  return segments.map((s) => (s.match ? h("mark", {}, s.text) : document.createTextNode(s.text)));
}

function field(label, control) {
  return h("label", { class: "hist-field" }, h("span", {}, label), control);
}

class HistoryView {
  constructor() {
    this.q = h("input", { type: "search", name: "q", maxlength: "200", placeholder: "Words in messages or notes", "aria-label": "Search messages" });
    this.state = h("select", { name: "state", "aria-label": "State" }, STATES.map(([v, t]) => h("option", { value: v }, t)));
    this.queue = h("input", { name: "queue", maxlength: "64", placeholder: "any", "aria-label": "Queue" });
    this.staff = h("input", { name: "staff", maxlength: "19", placeholder: "staff id", "aria-label": "Staff", list: "hist-staff" });
    this.visitor = h("input", { name: "visitor", maxlength: "23", placeholder: "visitor id", "aria-label": "Visitor" });
    this.customer = h("input", { name: "customer", maxlength: "128", placeholder: "customer id", "aria-label": "Customer" });
    this.from = h("input", { type: "date", name: "created_from", "aria-label": "From date" });
    this.to = h("input", { type: "date", name: "created_to", "aria-label": "To date" });
    this.staffList = h("datalist", { id: "hist-staff" });
    this.form = h(
      "form",
      { role: "search", class: "hist-form", "aria-label": "Search chats", onsubmit: (e) => (e.preventDefault(), this.search()) },
      h("div", { class: "hist-query" }, this.q, h("button", { type: "submit" }, "Search")),
      h(
        "div",
        { class: "hist-filters" },
        field("State", this.state),
        field("Queue", this.queue),
        field("Staff", this.staff),
        field("Visitor", this.visitor),
        field("Customer", this.customer),
        field("From", this.from),
        field("To", this.to),
      ),
      this.staffList,
    );
    this.status = h("p", { class: "meta", role: "status", "aria-live": "polite" });
    this.results = h("ul", { class: "list hist-results", "aria-label": "Search results" });
    this.more = h("button", { type: "button", hidden: true, onclick: () => this.search(true) }, "More results");
    this.transcript = h("section", { class: "hist-transcript", "aria-label": "Transcript", tabindex: "-1" }, h("p", { class: "empty" }, "Open a chat to read its transcript."));
    this.el = h(
      "section",
      { id: "history", class: "history", "aria-labelledby": "history-title", hidden: true },
      h(
        "div",
        { class: "hist-list" },
        h("div", { class: "hist-head" }, h("h2", { id: "history-title" }, "History"), h("button", { type: "button", onclick: () => this.close() }, "Back to chats")),
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

  open({ focus = true } = {}) {
    document.querySelector("main.layout").hidden = true;
    this.el.hidden = false;
    if (location.hash !== "#history") history.replaceState(null, "", "#history");
    if (focus) this.q.focus();
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
    this.status.textContent = "Searching…";
    try {
      const page = await api("GET", "/api/chats/search", { query });
      if (seq !== this.seq) return;
      if (!more) this.results.replaceChildren();
      for (const chat of page.chats) this.results.append(this.row(chat));
      this.next = page.next;
      this.more.hidden = !page.next;
      const n = this.results.childElementCount;
      this.status.textContent = n ? `${n}${page.next ? "+" : ""} chat${n === 1 ? "" : "s"}` : "No chats found.";
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
        h("span", { class: "tag" }, chat.state.replace("_", " ")),
        chat.rating ? h("span", { class: "stars", "aria-label": `${chat.rating.score} out of 5` }, "★".repeat(chat.rating.score)) : null,
        h("button", { type: "button", "aria-label": `Open transcript of ${who}`, onclick: () => this.openTranscript(chat.id) }, "Transcript"),
      ),
      h("div", { class: "meta" }, [day(chat.created_at), chat.queue || "default", chat.staff.map((s) => s.name || s.id).join(", ")].filter(Boolean).join(" · ")),
      chat.hits.map((hit) =>
        h(
          "blockquote",
          { class: `hit${hit.internal ? " internal" : ""}` },
          h("span", { class: "hit-who" }, `${senderName(hit.from)}${hit.internal ? " (note)" : ""}: `),
          highlighted(hit.segments),
        ),
      ),
      chat.more_hits ? h("div", { class: "meta" }, "More matches in this chat…") : null,
    );
  }

  async openTranscript(chatId) {
    fill(this.transcript, h("p", { class: "meta" }, "Loading…"));
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
        h("h3", { id: "transcript-title", class: "hist-title" }, `Transcript · ${visitorName(chat.visitor)}`),
        h("a", { class: "export", href: `${base}?format=text`, download: "" }, "Export text"),
        h("a", { class: "export", href: `${base}?format=json`, download: "" }, "Export JSON"),
      ),
      h("div", { class: "meta" }, `${chat.state.replace("_", " ")} · ${chat.queue || "default"} · started ${day(chat.created_at)}${chat.ended_at ? ` · ended ${day(chat.ended_at)}` : ""}`),
      h(
        "ol",
        { class: "hist-log", "aria-label": "Transcript messages" },
        msgs.map((m) => this.line(m)),
      ),
      cut ? h("p", { class: "meta" }, "Cut: the export holds the first messages only.") : null,
    );
  }

  line(m) {
    const who = senderName(m.from);
    let text;
    if (m.type === "text" || m.type === "note" || m.type === "info") text = m.text;
    else if (m.type === "file") text = `sent a file: ${(m.file && m.file.name) || ""}`;
    else if (m.type === "image") text = "sent an image";
    else text = m.type.replaceAll("_", " ");
    const event = !["text", "note", "info", "file", "image"].includes(m.type);
    return h(
      "li",
      { class: `hist-line type-${m.type}${m.internal ? " internal" : ""}${event ? " event" : ""}` },
      h("span", { class: "time" }, day(m.t.t0)),
      h("span", { class: "hit-who" }, `${who}${m.internal ? " · internal note" : ""}`),
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

/** Open the History view on one chat's transcript (from the visitor details' past chats). */
export async function openTranscript(chatId) {
  view.open({ focus: false });
  await view.openTranscript(chatId);
  view.transcript.focus(); // the keyboard follows: Tab goes on to the export links
}

/** Back to the live console (a notification was clicked while History was open). */
export function showChats() {
  if (!view.el.hidden) view.close();
}
