// /org/reports/: the four reports (days, hours, agents, queues) for the chosen range and filters,
// as SVG bar charts and tables, each with its CSV download (the same API with format=csv).

import { api, ApiError } from "../console/api.js";
import { fill, h } from "../console/dom.js";
import { t } from "../console/i18n.js";
import { barChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const form = $("report-form");
const TABLES = ["days", "hours", "agents", "queues"];

// The figures of a row, in the order the API gives them, with how each is shown.
const FIGURES = [
  ["chats", t("Chats"), String],
  ["answered", t("Answered"), String],
  ["missed", t("Missed"), String],
  ["abandoned", t("Abandoned"), String],
  ["avg_wait", t("Avg wait in queue"), duration],
  ["avg_first_response", t("Avg first response"), duration],
  ["avg_resolution", t("Avg resolution"), duration],
  ["messages_per_chat", t("Messages per chat"), String],
  ["ratings", t("Ratings"), String],
  ["avg_rating", t("Avg rating"), String],
  ["csat", t("CSAT %"), String],
];

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return t("{n} s", { n: seconds });
  if (seconds < 3600) return t("{m} min {s} s", { m: Math.floor(seconds / 60), s: seconds % 60 });
  return t("{h} h {m} min", { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) });
}

function show(key, value) {
  const figure = FIGURES.find(([k]) => k === key);
  if (value === null || value === undefined) return "–";
  return figure ? figure[2](value) : String(value);
}

function params() {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) if (v) out[k] = v;
  return out;
}

function renderTotals(totals) {
  fill($("totals"), FIGURES.map(([k, label]) => h("div", { class: "figure" }, h("dt", {}, label), h("dd", { "data-figure": k }, show(k, totals[k])))));
}

function renderTable(el, rows, keys) {
  const head = h("tr", {}, keys.map(([, label]) => h("th", { scope: "col" }, label)), FIGURES.map(([, label]) => h("th", { scope: "col" }, label)));
  const body = rows.map((row) => h("tr", {}, keys.map(([k]) => h("td", {}, row[k] === null ? t("nobody") : String(row[k]))), FIGURES.map(([k]) => h("td", {}, show(k, row[k])))));
  fill(el, h("table", {}, h("thead", {}, head), h("tbody", {}, body)));
}

function csvLinks(query) {
  for (const table of TABLES) {
    const url = new URL(`/api/reports/${table}`, location.origin);
    for (const [k, v] of Object.entries({ ...query, format: "csv" })) url.searchParams.set(k, v);
    $(`csv-${table}`).href = url.href;
  }
}

async function load(query) {
  $("report-error").hidden = true;
  try {
    const [days, hours, agents, queues] = await Promise.all(TABLES.map((table) => api("GET", `/api/reports/${table}`, { query })));
    // The range as the server understood it (its defaults included) goes back into the form.
    form.elements.from.value = days.range.from;
    form.elements.to.value = days.range.to;
    csvLinks({ ...query, from: days.range.from, to: days.range.to });
    renderTotals(days.totals);
    const dayPoints = days.rows.map((r) => ({ label: r.date, short: r.date.slice(5), value: r.chats }));
    fill($("chart-days"), barChart(dayPoints, { title: t("Chats by day"), every: Math.ceil(dayPoints.length / 12) }));
    const hourPoints = hours.rows.map((r) => ({ label: `${String(r.hour).padStart(2, "0")}:00`, short: String(r.hour), value: r.chats }));
    fill($("chart-hours"), barChart(hourPoints, { title: t("Chats by hour of day"), every: 2 }));
    renderTable($("table-agents"), agents.rows, [["name", t("Agent")]]);
    renderTable($("table-queues"), queues.rows, [["queue", t("Queue")]]);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    $("report-error").textContent = `${err.message}. ${t("Change the range or filters and try again.")}`;
    $("report-error").hidden = false;
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  load(params());
});
load({});
