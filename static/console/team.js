// Working with colleagues and keeping the site safe: invite a colleague into a chat (they get a
// transient `invite` and accept with an ordinary join_chat), and the list of bans with "Lift".

import { api, ApiError, sendMessage } from "./api.js";
import { fillColleagues } from "./colleagues.js";
import { h, fill, since, dateTime } from "./dom.js";
import { t } from "./i18n.js";
import { visitorLabel } from "./messages.js";

const INVITE_TTL_MS = 10 * 60_000; // an invitation nobody answered is stale after ten minutes

export class Team {
  constructor(store, { failed, toast, accept }) {
    this.store = store;
    this.failed = failed;
    this.toast = toast;
    this.accept = accept; // join a chat by id (main.js), which also selects it
    this.invites = new Map(); // chat id -> {from, at}

    this.inviteList = h("ul", { class: "list", "aria-label": t("Invitations") });
    this.inviteSection = h("section", { id: "invitations", "aria-labelledby": "invites-title", hidden: true }, h("h2", { id: "invites-title" }, t("Invitations")), this.inviteList);
    document.querySelector("nav.side").prepend(this.inviteSection);

    this.inviteDialog = h(
      "dialog",
      { id: "invite-dialog", "aria-labelledby": "invite-title" },
      h("h2", { id: "invite-title" }, t("Invite a colleague")),
      h("p", { class: "meta" }, t("They are asked to join this chat; you stay in it.")),
      (this.inviteStaff = h("div", {})),
      h("form", { method: "dialog" }, h("menu", {}, h("button", { value: "cancel" }, t("Cancel")))),
    );
    this.banList = h("ul", { class: "list", "aria-label": t("Active bans") });
    this.banDialog = h(
      "dialog",
      { id: "bans-dialog", "aria-labelledby": "bans-title", class: "wide" },
      h("h2", { id: "bans-title" }, t("Bans")),
      this.banList,
      h("form", { method: "dialog" }, h("menu", {}, h("button", { value: "close" }, t("Close")))),
    );
    document.body.append(this.inviteDialog, this.banDialog);
    setInterval(() => this.expire(), 60_000);
  }

  /** A new pane: give its toolbar an "Invite" button. */
  attach(pane) {
    const button = h("button", { type: "button", onclick: () => this.openInvite(pane.chat) }, t("Invite"));
    pane.actions.children[0].after(button); // after Transfer
  }

  async openInvite(chat) {
    fill(this.inviteStaff, h("p", {}, t("Loading…")));
    this.inviteDialog.showModal();
    try {
      await fillColleagues(this.inviteStaff, this.store.me.sid, async (s) => {
        this.inviteDialog.close();
        try {
          await sendMessage({ type: "invite", chat: { id: chat.id }, event: { staff: s.uid } });
          this.toast(t("{name} is invited.", { name: s.name }));
        } catch (err) {
          this.failed(err);
        }
      });
    } catch (err) {
      this.inviteDialog.close();
      this.failed(err);
    }
  }

  /** Pushed items: invitations to me; a chat I joined or that ended needs no invitation any more. */
  apply(item) {
    if (item.type === "invite" && item.event && item.event.staff === this.store.me.sid) {
      this.invites.set(item.chat.id, { from: item.from, at: Date.now() });
      return this.render();
    }
    if (item.chat && this.invites.has(item.chat.id)) {
      const mine = item.type === "join_chat" && item.from && item.from.id === this.store.me.sid;
      if (mine || item.type === "end_chat") {
        this.invites.delete(item.chat.id);
        this.render();
      }
    }
  }

  expire() {
    const now = Date.now();
    let changed = false;
    for (const [id, inv] of this.invites) if (now - inv.at > INVITE_TTL_MS) changed = this.invites.delete(id) || changed;
    if (changed) this.render();
  }

  render() {
    this.inviteSection.hidden = this.invites.size === 0;
    fill(
      this.inviteList,
      [...this.invites].map(([chatId, inv]) =>
        h(
          "li",
          { class: "invite" },
          h("div", {}, t("{name} invites you to a chat", { name: inv.from.name || t("A colleague") })),
          h(
            "div",
            { class: "row-actions" },
            h("button", { type: "button", class: "primary", onclick: () => this.join(chatId) }, t("Join")),
            h("button", { type: "button", onclick: () => (this.invites.delete(chatId), this.render()) }, t("Decline")),
          ),
        ),
      ),
    );
  }

  async join(chatId) {
    this.invites.delete(chatId);
    this.render();
    await this.accept(chatId);
  }

  // --- bans ---

  async openBans() {
    fill(this.banList, h("li", { class: "none" }, t("Loading…")));
    this.banDialog.showModal();
    await this.loadBans();
  }

  async loadBans() {
    try {
      const data = await api("GET", "/api/visitors/bans");
      fill(
        this.banList,
        data.data.length
          ? data.data.map((b) => {
              const who = b.uid ? visitorLabel(this.store, b.uid) : t("address {ip}", { ip: b.ip });
              return h(
                "li",
                { class: "ban-row" },
                h("div", {}, h("span", { class: "name" }, who), b.uid && b.ip ? h("span", { class: "meta" }, " ", t("and {ip}", { ip: b.ip })) : null),
                h(
                  "div",
                  { class: "meta" },
                  [
                    b.reason ? t("“{reason}”", { reason: b.reason }) : null,
                    t("by {name} {time} ago", { name: b.by.name || t("someone"), time: since(b.since) }),
                    b.until ? t("until {date}", { date: dateTime(b.until) }) : t("until lifted"),
                  ]
                    .filter(Boolean)
                    .join(" · "),
                ),
                h("button", { type: "button", "aria-label": t("Lift the ban on {name}", { name: who }), onclick: () => this.lift(b) }, t("Lift")),
              );
            })
          : h("li", { class: "none" }, t("Nobody is banned.")),
      );
    } catch (err) {
      if (err instanceof ApiError && err.unauthenticated) return this.failed(err);
      fill(this.banList, h("li", { class: "none" }, t("Bans unavailable: {error}", { error: err.message })));
    }
  }

  async lift(ban) {
    try {
      await api("POST", "/api/visitors/unban", { json: { id: ban.id } });
      await this.loadBans();
    } catch (err) {
      this.failed(err);
    }
  }
}
