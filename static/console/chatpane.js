// The selected conversation: its header and actions, the log (with "load older"), the visitor's
// draft (sneak peek), read receipts and the composer. Built once per selected chat; update()
// re-renders only what changed, so the composer keeps its text and focus.

import { api, sendMessage } from "./api.js";
import { fillColleagues } from "./colleagues.js";
import { h, fill } from "./dom.js";
import { t } from "./i18n.js";
import { renderMessage, visitorLabel } from "./messages.js";

// A typing notice at most this often while the agent keeps typing (it is a POST each time).
const TYPING_EVERY_MS = 3000;

export class ChatPane {
  constructor(store, chat, { failed, toast }) {
    this.store = store;
    this.chat = chat;
    this.failed = failed;
    this.toast = toast;
    this.cache = new Map(); // mid -> element, so a re-render keeps images and scroll
    this.lastTyping = 0;

    this.title = h("h2", { class: "title" });
    this.state = h("span", { class: "chat-state" });
    this.rating = h("span", { class: "rating" });
    this.actions = h(
      "div",
      { class: "actions", role: "toolbar", "aria-label": t("Chat actions") },
      h("button", { type: "button", onclick: () => this.transfer() }, t("Transfer")),
      h("button", { type: "button", onclick: () => this.send({ type: "agent_done" }) }, t("Done")),
      h("button", { type: "button", onclick: () => this.end() }, t("End chat")),
      h("button", { type: "button", onclick: () => this.send({ type: "leave_chat" }) }, t("Leave")),
      h("button", { type: "button", onclick: () => this.ban() }, t("Ban visitor")),
    );
    this.closeButton = h("button", { type: "button", onclick: () => this.close(), hidden: true }, t("Close"));
    this.older = h("button", { type: "button", class: "older", onclick: () => this.loadOlder() }, t("Load older messages"));
    this.log = h("ol", { class: "log", role: "log", "aria-label": t("Conversation"), "aria-live": "polite" });
    this.peek = h("div", { class: "peek", "aria-live": "polite" });
    this.seen = h("div", { class: "seen" });
    this.input = h("textarea", {
      id: "composer",
      rows: "3",
      "aria-label": t("Message"),
      placeholder: t("Type a reply (Enter sends, Shift+Enter for a new line)"),
      onkeydown: (e) => this.keydown(e),
      oninput: () => this.typing(),
    });
    this.input.value = chat.draftReply || "";
    this.noteBox = h("input", { type: "checkbox", id: "note-mode", onchange: () => this.noteMode() });
    this.fileInput = h("input", { type: "file", id: "attach", class: "visually-hidden", onchange: () => this.upload() });
    this.composer = h(
      "form",
      { class: "composer", onsubmit: (e) => (e.preventDefault(), this.submit()) },
      this.input,
      h(
        "div",
        { class: "composer-bar" },
        h("label", { class: "note-toggle" }, this.noteBox, " ", t("Internal note")),
        h("label", { class: "attach", for: "attach" }, t("Attach file")),
        this.fileInput,
        h("button", { type: "submit" }, t("Send")),
      ),
    );
    this.el = h(
      "div",
      { class: "pane" },
      h("header", { class: "pane-head" }, h("div", {}, this.title, this.state, this.rating), this.actions, this.closeButton),
      this.older,
      this.log,
      this.peek,
      this.seen,
      this.composer,
    );
  }

  destroy() {
    this.chat.draftReply = this.input.value;
  }

  focus() {
    this.input.focus();
  }

  update(what) {
    const chat = this.chat;
    const ended = chat.state === "ended";
    this.title.textContent = visitorLabel(this.store, chat.creator, chat.customer);
    this.state.textContent = ended ? t("ended") : chat.state === "requested" ? t("waiting") : "";
    this.rating.textContent = chat.rating
      ? t("Rated {stars} ({score}/5)", { stars: "★".repeat(chat.rating.score) + "☆".repeat(5 - chat.rating.score), score: chat.rating.score })
      : "";
    this.actions.hidden = ended;
    this.closeButton.hidden = !ended;
    this.composer.hidden = ended;
    this.older.hidden = !chat.hasMore;
    this.older.disabled = chat.loadingOlder;
    this.renderPeek();
    if (what !== "peek") this.renderLog(what === "older");
    this.markRead();
  }

  renderPeek() {
    const peek = this.chat.peek;
    if (!peek) return fill(this.peek);
    fill(this.peek, h("span", { class: "peek-label" }, t("Visitor is typing")), peek.text ? ": " : "…", peek.text ? h("q", {}, peek.text) : null);
  }

  renderLog(keepTop) {
    const log = this.log;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const fromBottom = log.scrollHeight - log.scrollTop;
    const items = this.chat.msgs.map((m) => {
      let el = this.cache.get(m.mid);
      if (!el) {
        el = renderMessage(this.store, this.chat, m);
        this.cache.set(m.mid, el);
      }
      return el;
    });
    log.replaceChildren(...items);
    this.renderReceipts();
    if (keepTop) log.scrollTop = log.scrollHeight - fromBottom; // older messages above: stay where we were
    else if (atBottom || !this.rendered) log.scrollTop = log.scrollHeight;
    this.rendered = true;
  }

  renderReceipts() {
    // The visitor's read receipt: my messages up to that version are "Seen".
    const upto = Number(this.chat.read[this.chat.creator] || 0);
    for (const m of this.chat.msgs) {
      const el = this.cache.get(m.mid);
      const receipt = el && el.querySelector(".receipt");
      if (receipt) receipt.textContent = Number(m.version) <= upto ? t("Seen") : t("Sent");
    }
  }

  markRead() {
    if (document.visibilityState !== "visible") return;
    const last = [...this.chat.msgs].reverse().find((m) => m.version && m.mid);
    if (!last || Number(last.version) <= this.chat.myRead || this.chat.state === "ended") return;
    this.chat.myRead = Number(last.version);
    sendMessage({ type: "read", chat: { id: this.chat.id }, event: { mid: last.mid } }).catch(() => {});
    this.store.changed("chats");
  }

  // --- composing ---

  keydown(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  noteMode() {
    this.composer.classList.toggle("note-mode", this.noteBox.checked);
    this.input.placeholder = this.noteBox.checked ? t("Internal note: only staff see it") : t("Type a reply (Enter sends, Shift+Enter for a new line)");
    this.input.focus();
  }

  typing() {
    if (this.noteBox.checked) return; // a note is not a reply the visitor should wait for
    if (!this.input.value) {
      // Cleared without sending: the visitor should stop waiting for a reply.
      if (this.lastTyping) sendMessage({ type: "typing", chat: { id: this.chat.id }, event: { on: false } }).catch(() => {});
      this.lastTyping = 0;
      return;
    }
    const now = Date.now();
    if (now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    sendMessage({ type: "typing", chat: { id: this.chat.id }, event: { on: true } }).catch(() => {});
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text) return;
    const type = this.noteBox.checked ? "note" : "text";
    this.input.value = "";
    this.lastTyping = 0;
    const ok = await this.send({ type, text });
    if (!ok) this.input.value = text; // nothing was lost: try again
  }

  async send(body) {
    try {
      await sendMessage({ ...body, chat: { id: this.chat.id } });
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  async upload() {
    const file = this.fileInput.files[0];
    this.fileInput.value = "";
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    try {
      const data = await api("POST", "/api/files", { query: { chat: this.chat.id }, form });
      const up = data.file;
      await sendMessage(
        up.width ? { type: "image", chat: { id: this.chat.id }, image: { src: up.src } } : { type: "file", chat: { id: this.chat.id }, file: { src: up.src } },
      );
    } catch (err) {
      this.failed(err);
    }
  }

  async loadOlder() {
    try {
      await this.store.loadOlder(this.chat);
    } catch (err) {
      this.failed(err);
    }
  }

  // --- dialogs ---

  async transfer() {
    const dialog = document.getElementById("transfer-dialog");
    const list = document.getElementById("transfer-staff");
    fill(list, h("p", {}, t("Loading…")));
    document.getElementById("transfer-to-queue").onclick = async () => {
      const name = document.getElementById("transfer-queue").value.trim();
      dialog.close();
      await this.send({ type: "transfer", event: { to: { queue: name } } });
    };
    dialog.showModal();
    this.transferBots(dialog);
    try {
      await fillColleagues(list, this.store.me.sid, async (s) => {
        dialog.close();
        await this.send({ type: "transfer", event: { to: { staff: s.uid } } });
      });
    } catch (err) {
      dialog.close();
      this.failed(err);
    }
  }

  async transferBots(dialog) {
    const list = document.getElementById("transfer-bots");
    fill(list);
    try {
      const data = await api("GET", "/api/bots");
      fill(
        list,
        data.data.length
          ? data.data.map((b) =>
              h(
                "button",
                {
                  type: "button",
                  class: "colleague",
                  onclick: async () => {
                    dialog.close();
                    await this.send({ type: "transfer", event: { to: { bot: b.id } } });
                  },
                },
                b.name,
              ),
            )
          : h("p", { class: "meta" }, t("This organisation has no bot.")),
      );
    } catch {
      fill(list, h("p", { class: "meta" }, t("Bots unavailable.")));
    }
  }

  end() {
    const dialog = document.getElementById("end-dialog");
    const reason = document.getElementById("end-reason");
    reason.value = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "end") return;
      const text = reason.value.trim();
      await this.send({ type: "end_chat", event: text ? { reason: text } : {} });
    };
    dialog.returnValue = "";
    dialog.showModal();
  }

  ban() {
    const dialog = document.getElementById("ban-dialog");
    const reason = document.getElementById("ban-reason");
    const minutes = document.getElementById("ban-minutes");
    reason.value = "";
    minutes.value = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ban") return;
      const body = { uid: this.chat.creator };
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (minutes.value) body.minutes = Number(minutes.value);
      try {
        await api("POST", "/api/visitors/ban", { json: body });
        this.toast(t("The visitor is banned."));
      } catch (err) {
        this.failed(err);
      }
    };
    dialog.returnValue = "";
    dialog.showModal();
  }

  close() {
    this.store.chats.delete(this.chat.id);
    this.store.selected = this.store.chats.size ? this.store.chats.keys().next().value : null;
    this.store.changed("select");
  }
}
