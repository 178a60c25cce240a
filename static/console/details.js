// Visitor details beside the chat: who the visitor of the selected chat is (customer, verified or
// not), new or returning, their visits and the pages they viewed with times, and their past chats
// (a verified customer's from every device), each opening its transcript in the History view.
// From GET /api/visitors/{uid}; fetched when a chat is selected and again when the visitors list
// changes (a page view arrives by push), never polled.

import { api, ApiError } from "./api.js";
import { h, fill, clock, since, shortDate } from "./dom.js";
import { t } from "./i18n.js";
import { visitorLabel } from "./messages.js";
import { openTranscript } from "./search.js";

const REFRESH_MS = 1_000; // a burst of page views costs one fetch

export class Details {
  constructor(store, { failed }) {
    this.store = store;
    this.failed = failed;
    this.uid = null;
    this.data = null;
    this.timer = null;
    this.body = h("div", { class: "details-body" });
    this.el = h(
      "section",
      { id: "details", class: "details", "aria-labelledby": "details-title", tabindex: "-1", hidden: true },
      h("h2", { id: "details-title" }, t("Visitor details")),
      this.body,
    );
    // Beside the chat on a laptop; on a tablet the visitors column is folded away (console.css),
    // so the details move to the bottom of the side column instead.
    const narrow = matchMedia("(max-width: 1100px)");
    const place = () =>
      narrow.matches ? document.querySelector("nav.side").append(this.el) : document.querySelector("aside.visitors").prepend(this.el);
    narrow.addEventListener("change", place);
    place();
  }

  /** The selected chat changed (or not): show its visitor. */
  show(chat) {
    const uid = chat ? chat.creator : null;
    if (uid === this.uid) return;
    this.uid = uid;
    this.data = null;
    this.el.hidden = !uid;
    if (!uid) return;
    fill(this.body, h("p", { class: "meta" }, t("Loading…")));
    this.fetch();
  }

  /** The visitors list changed (`touched`: the uids concerned, null for any): this one may have moved on. */
  visitorsChanged(touched) {
    if (!this.uid || this.timer || (touched && !touched.has(this.uid))) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fetch();
    }, REFRESH_MS);
  }

  async fetch() {
    const uid = this.uid;
    try {
      const data = await api("GET", `/api/visitors/${encodeURIComponent(uid)}`);
      if (uid !== this.uid) return; // another chat was selected meanwhile
      this.data = data.visitor;
      this.render();
    } catch (err) {
      if (uid !== this.uid) return;
      if (err instanceof ApiError && err.unauthenticated) return this.failed(err);
      fill(this.body, h("p", { class: "meta" }, t("Details unavailable: {error}", { error: err.message })));
    }
  }

  render() {
    const v = this.data;
    const online = this.store.visitors.has(v.uid);
    const c = v.customer;
    fill(
      this.body,
      h(
        "div",
        { class: "name" },
        visitorLabel(this.store, v.uid, c),
        h("span", { class: v.returning ? "tag returning" : "tag new" }, v.returning ? t("returning") : t("new")),
        h("span", { class: online ? "tag verified" : "tag" }, online ? t("online") : t("offline")),
      ),
      c
        ? h(
            "div",
            { class: "customer" },
            t("Customer"),
            " ",
            h("code", {}, c.id),
            h("span", { class: c.verified ? "tag verified" : "tag" }, c.verified ? t("verified") : t("unverified")),
            c.email ? h("div", { class: "meta" }, c.email) : null,
          )
        : h("div", { class: "meta" }, t("Not identified as a customer")),
      h(
        "div",
        { class: "meta" },
        [
          t("First seen {time} ago", { time: since(v.first_seen) }),
          v.visits === 1 ? t("{n} visit", { n: v.visits }) : t("{n} visits", { n: v.visits }),
          v.page_views === 1 ? t("{n} page view", { n: v.page_views }) : t("{n} page views", { n: v.page_views }),
        ].join(" · "),
      ),
      h("h3", {}, t("Pages")),
      h(
        "ol",
        { class: "pages", "aria-label": t("Pages viewed, newest first") },
        v.pages.map((p) =>
          h(
            "li",
            {},
            h("span", { class: "time" }, clock(p.at)),
            " ",
            // href only after the http(s) check in h(); the title is text
            h("a", { href: p.url, target: "_blank", rel: "noopener noreferrer", title: p.url }, p.title || p.url),
          ),
        ),
      ),
      h("h3", {}, t("Past chats")),
      v.chats.length
        ? h(
            "ol",
            { class: "past-chats", "aria-label": t("Past chats, newest first") },
            v.chats.map((ch) => {
              const date = shortDate(ch.created_at);
              return h(
                "li",
                { "data-chat": ch.id },
                h("span", { class: "time" }, date),
                " ",
                h("span", { class: `state state-${ch.state}` }, stateText(ch, this.store.selected)),
                ch.staff ? h("span", { class: "meta" }, " ", t("with {name}", { name: ch.staff.name })) : null,
                ch.rating ? h("span", { class: "stars", "aria-label": t("{score} out of 5", { score: ch.rating }) }, ` ${"★".repeat(ch.rating)}`) : null,
                h(
                  "button",
                  {
                    type: "button",
                    class: "transcript-open",
                    "aria-label": t("Transcript of the chat of {date} ({state})", { date, state: stateText(ch, this.store.selected) }),
                    onclick: () => openTranscript(ch.id),
                  },
                  t("Transcript"),
                ),
                h("div", { class: "meta chat-id" }, ch.id),
              );
            }),
          )
        : h("p", { class: "meta" }, t("No chats before.")),
    );
  }
}

function stateText(chat, selected) {
  if (chat.id === selected) return t("this chat");
  return { requested: t("waiting"), active: t("open"), agent_done: t("done"), ended: t("ended") }[chat.state] || chat.state;
}
