// The staff page (/org/staff/): the team table and the invitation form, on the admin API
// (/api/org/staff). Every change is one PATCH; the row is redrawn from the server's answer, and
// a refused change redraws the table as it really is, with the server's message above it.

import { api } from "../console/api.js";
import { fill, h } from "../console/dom.js";
import { lang, t, tc } from "../console/i18n.js";

const table = document.getElementById("team");
const tbody = table.querySelector("tbody");
const problem = document.getElementById("team-error");
const invite = document.getElementById("invite");
const inviteResult = document.getElementById("invite-result");
const maxChats = Number(table.dataset.maxChats);
const me = document.body.dataset.sid;

const ROLES = [["agent", t("Agent")], ["admin", t("Admin")]];
const ACCOUNT = { active: tc("account", "Active"), invited: t("Invited"), deactivated: t("Deactivated") };
const STATUS = { online: t("Online"), away: t("Away"), offline: t("Offline") };

/** The server's message as a sentence on the page. */
function sentence(msg) {
  const text = String(msg || "");
  return text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".") : "";
}

function queueList(text) {
  return [...new Set(text.split(",").map((q) => q.trim()).filter(Boolean))];
}

/** Connected now: their chosen status (online takes chats, away does not); not connected: offline. */
function presence(person) {
  const status = person.online ? person.status : "offline";
  return h("span", { class: `presence ${status}` }, STATUS[status] || status);
}

function lastSeen(person) {
  if (person.online) return t("now");
  if (!person.last_seen) return t("never");
  return new Date(person.last_seen * 1000).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
}

async function change(person, changes) {
  problem.textContent = "";
  try {
    const { staff } = await api("PATCH", `/api/org/staff/${person.sid}`, { json: changes });
    rows.get(person.sid).replaceWith(row(staff));
  } catch (err) {
    problem.textContent = sentence(err.message);
    await load();
  }
}

async function inviteAgain(person) {
  problem.textContent = "";
  try {
    await api("POST", `/api/org/staff/${person.sid}/invite`);
    inviteResult.textContent = t("Invitation sent again to {email}.", { email: person.email });
  } catch (err) {
    problem.textContent = sentence(err.message);
  }
}

const rows = new Map();

function row(person) {
  const label = (what) => `${what}: ${person.name}`;
  const role = h("select", { "aria-label": label(t("Role")), onchange: () => change(person, { role: role.value }) },
    ROLES.map(([value, text]) => h("option", { value, selected: value === person.role }, text)));
  const capacity = h("input", {
    type: "number", min: 1, max: maxChats, value: person.max_chats, "aria-label": label(t("Capacity")), class: "capacity-input",
    onchange: () => change(person, { max_chats: Number(capacity.value) }),
  });
  const queues = h("input", {
    value: person.queues.join(", "), placeholder: t("all queues"), "aria-label": label(t("Queues")),
    onchange: () => change(person, { queues: queueList(queues.value) }),
  });
  const active = person.account !== "deactivated";
  const actions = [
    h("button", { type: "button", onclick: () => change(person, { active: !active }) },
      active ? t("Deactivate") : t("Reactivate")),
    person.account === "invited"
      ? h("button", { type: "button", onclick: () => inviteAgain(person) }, t("Send invitation again"))
      : null,
  ];
  const tr = h("tr", { "data-sid": person.sid, class: active ? null : "inactive" },
    h("td", {}, person.name, person.sid === me ? h("span", { class: "hint" }, ` (${t("you")})`) : null),
    h("td", {}, person.email || person.username),
    h("td", {}, role),
    h("td", {}, h("span", { class: `account ${person.account}` }, ACCOUNT[person.account] || person.account)),
    h("td", {}, presence(person)),
    h("td", {}, lastSeen(person)),
    h("td", {}, capacity),
    h("td", {}, queues),
    h("td", {}, h("div", { class: "row-actions" }, actions)),
  );
  rows.set(person.sid, tr);
  return tr;
}

async function load() {
  try {
    const { data } = await api("GET", "/api/org/staff");
    rows.clear();
    fill(tbody, data.map(row));
  } catch (err) {
    problem.textContent = sentence(err.message);
  }
}

invite.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(invite);
  inviteResult.textContent = "";
  inviteResult.classList.remove("error");
  try {
    const { staff } = await api("POST", "/api/org/staff", {
      json: {
        email: String(form.get("email")),
        name: String(form.get("name")),
        role: String(form.get("role")),
        max_chats: Number(form.get("max_chats")),
        queues: queueList(String(form.get("queues"))),
      },
    });
    inviteResult.textContent = t("Invitation sent to {email}.", { email: staff.email });
    invite.reset();
    await load();
  } catch (err) {
    inviteResult.classList.add("error");
    inviteResult.textContent = sentence(err.message);
  }
});

load();
