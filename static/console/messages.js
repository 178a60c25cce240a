// One message (or lifecycle event) of a chat as a DOM element. Every piece of user text becomes a
// text node; file and image URLs are used only when they are http(s).

import { h, clock, bytes, safeUrl } from "./dom.js";
import { t } from "./i18n.js";

/** How a visitor is called in the console: their customer name, else a short form of their uid. */
export function visitorLabel(store, uid, customer) {
  const known = customer || (store.visitors.get(uid) || {}).customer;
  if (known && known.name) return known.name;
  return uid ? t("Visitor {id}", { id: uid.slice(0, 6) }) : t("Visitor");
}

function who(store, chat, from) {
  if (!from) return t("System");
  if (from.role === "user") return visitorLabel(store, from.id, chat.customer);
  if (from.id === store.me.sid) return t("You");
  return from.name || (from.role === "bot" ? t("Bot") : t("Staff"));
}

/** A line for lifecycle events (joins, transfers, the end...), or null for content. */
function lineText(store, chat, m) {
  const ev = m.event || {};
  const name = who(store, chat, m.from);
  switch (m.type) {
    case "request_chat":
      return ev.requeued ? t("{name} wrote again: back in the queue", { name }) : t("{name} requested a chat", { name });
    case "join_chat":
      return t("{name} joined", { name });
    case "leave_chat":
      return t("{name} left", { name });
    case "agent_done":
      return t("{name} marked the chat done", { name });
    case "end_chat":
      return ev.reason ? t("{name} ended the chat: {reason}", { name, reason: ev.reason }) : t("{name} ended the chat", { name });
    case "transfer":
      if (ev.to && ev.to.staff) return t("{name} transferred the chat to {to}", { name, to: ev.to.name || t("a colleague") });
      if (ev.to && ev.to.bot) return t("{name} handed the chat to {to}", { name, to: ev.to.name || t("a bot") });
      return t("{name} sent the chat to the {queue} queue", { name, queue: (ev.to && ev.to.queue) || t("default") });
    case "handover_to_agent":
      return t("{name} handed the chat over to people", { name });
    case "client_left":
      return t("{name} closed the chat window", { name });
    case "customer_identified":
      return t("{name} identified the visitor as customer {customer}", { name, customer: ev.customer_id });
    case "rate":
      return ev.comment
        ? t("{name} rated the chat {score}/5: {comment}", { name, score: ev.score, comment: ev.comment })
        : t("{name} rated the chat {score}/5", { name, score: ev.score });
    default:
      return null;
  }
}

export function renderMessage(store, chat, m) {
  const time = h("time", { class: "time" }, clock(m.t && m.t.t0));
  const line = lineText(store, chat, m);
  if (line !== null) {
    return h("li", { class: `line type-${m.type}`, "data-mid": m.mid }, h("span", {}, line), " ", time);
  }
  if (m.type === "info") {
    return h("li", { class: "line type-info", "data-mid": m.mid }, h("span", {}, m.text), " ", time);
  }
  const role = m.from ? m.from.role : "system";
  const mine = m.from && m.from.id === store.me.sid;
  const cls = ["msg", `from-${role}`, mine ? "mine" : "", `type-${m.type}`].filter(Boolean).join(" ");
  const head = h(
    "div",
    { class: "head" },
    h("span", { class: "sender" }, who(store, chat, m.from)),
    m.type === "note" ? h("span", { class: "tag note-tag" }, t("Internal note")) : null,
    time,
  );
  const li = h("li", { class: cls, "data-mid": m.mid, "aria-label": m.type === "note" ? t("Internal note") : null }, head, body(m));
  if (mine && m.type !== "note") li.append(h("span", { class: "receipt" }));
  return li;
}

function body(m) {
  if (m.type === "text" || m.type === "note") {
    const parts = [h("div", { class: "text" }, m.text || "")];
    if (m.quick_replies && m.quick_replies.length) {
      parts.push(
        h(
          "div",
          { class: "quick-replies", "aria-label": t("Quick replies offered") },
          m.quick_replies.map((q) => h("span", { class: "chip", "data-payload": q.payload }, q.text)),
        ),
      );
    }
    if (m.quick_reply_payload) parts.push(h("div", { class: "meta" }, t("(a quick reply)")));
    return parts;
  }
  if (m.type === "image") {
    const img = m.image || {};
    const src = safeUrl(img.src);
    if (!src) return h("div", { class: "text" }, t("[image]"));
    return h(
      "a",
      { href: src, target: "_blank", rel: "noopener noreferrer", class: "image" },
      h("img", { src, alt: t("Image sent in the chat"), width: img.width || null, height: img.height || null, loading: "lazy" }),
    );
  }
  if (m.type === "file") {
    const file = m.file || {};
    const src = safeUrl(file.src);
    const label = file.size ? `${file.name || t("file")} (${bytes(file.size)})` : file.name || t("file");
    if (!src) return h("div", { class: "text" }, label);
    return h(
      "div",
      { class: "file" },
      h("span", { class: "tag" }, t("file")),
      " ",
      h("a", { href: src, download: file.name || "", rel: "noopener noreferrer" }, label),
    );
  }
  return h("div", { class: "text" }, m.text || `[${m.type}]`);
}
