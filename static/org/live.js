// /org/live/: the org's live figures. The console's connection (static/console/connection.js) brings
// the same pushed queue and presence events the console gets; each one that can change a figure
// refetches them (a burst costs one request). Nothing is polled: while nothing happens, every
// waiting chat waits one second longer each second, so the waits are advanced here, every TICK_MS.

import { api, ApiError } from "../console/api.js";
import { Connection } from "../console/connection.js";
import { fill, h } from "../console/dom.js";
import { t } from "../console/i18n.js";

const TICK_MS = 1_000;
const DEBOUNCE_MS = 200;
// Pushed events after which a figure may have changed.
const CHANGES = new Set(["request_chat", "join_chat", "leave_chat", "agent_done", "end_chat", "transfer", "handover_to_agent", "presence"]);

const FIGURES = [
  ["incoming_today", t("Incoming today")],
  ["waiting", t("Waiting")],
  ["offline_waiting", t("Left while closed")],
  ["assigned", t("Assigned")],
  ["missed_today", t("Missed today")],
  ["avg_wait", t("Average wait")],
  ["longest_wait", t("Longest wait")],
  ["agents_online", t("Agents online")],
  ["agents_away", t("Agents away")],
];
const DURATIONS = new Set(["avg_wait", "longest_wait"]);
// The connection's state when it is not live (the console's words for it).
const CONNECTION_TEXT = {
  connecting: t("Connecting…"),
  "long-poll": t("Long-poll"),
  reconnecting: t("Reconnecting…"),
  offline: t("Offline"),
};

function show(key, value) {
  if (!DURATIONS.has(key)) return String(value);
  return value < 60 ? t("{n} s", { n: value }) : t("{m} min {s} s", { m: Math.floor(value / 60), s: value % 60 });
}

let snapshot = null; // {live, at: when it arrived (this clock, not the server's)}

function render() {
  if (!snapshot) return;
  const { live, at } = snapshot;
  const grown = live.waiting ? Math.floor((Date.now() - at) / 1000) : 0;
  const now = { ...live, avg_wait: live.avg_wait + grown, longest_wait: live.longest_wait + grown };
  fill($live, FIGURES.map(([k, label]) => h("div", { class: "figure" }, h("dt", {}, label), h("dd", { "data-figure": k }, show(k, now[k])))));
}

async function refresh() {
  try {
    const { live } = await api("GET", "/api/reports/live");
    snapshot = { live, at: Date.now() };
    render();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    document.getElementById("live-state").textContent = err.message;
  }
}

const $live = document.getElementById("live");
let pending = null;
function soon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, DEBOUNCE_MS);
}

const conn = new Connection({ presence: false }); // watching the team must not make an admin available
conn.addEventListener("event", (e) => {
  if (CHANGES.has(e.detail.type)) soon();
});
conn.addEventListener("init", soon);
conn.addEventListener("state", (e) => {
  document.getElementById("live-state").textContent = e.detail === "live" ? "" : `(${CONNECTION_TEXT[e.detail] || e.detail})`;
});
conn.addEventListener("unauthenticated", () => location.assign("/login/?next=/org/live/"));
setInterval(render, TICK_MS);
refresh();
conn.start();
