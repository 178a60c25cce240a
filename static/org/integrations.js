// The integrations page (/org/integrations/): API keys and webhooks on the admin API
// (/api/keys, /api/webhooks). A key or a webhook secret is shown once, right after it is made;
// every table is redrawn from the server's answer.

import { api } from "../console/api.js";
import { dateTime, fill, h } from "../console/dom.js";
import { t, tc } from "../console/i18n.js";

const $ = (id) => document.getElementById(id);

function sentence(msg) {
  const text = String(msg || "");
  return text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".") : "";
}

function when(unix) {
  return unix ? dateTime(unix) : t("never");
}

/** A value shown once: the text to copy, a copy button and why it matters. */
function showOnce(box, label, value) {
  const code = h("code", { class: "secret" }, value);
  const copy = h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(value) }, t("Copy"));
  fill(box, h("p", {}, h("strong", {}, label), " ", code, " ", copy),
    h("p", { class: "hint" }, t("Copy it now: it is not shown again.")));
  box.hidden = false;
}

// --- API keys -----------------------------------------------------------------------------------

async function loadKeys() {
  try {
    const { data } = await api("GET", "/api/keys");
    fill($("keys").querySelector("tbody"), ...(data.length ? data.map(keyRow) : [emptyRow(6, t("No API keys yet."))]));
  } catch (err) {
    $("keys-error").textContent = sentence(err.message);
  }
}

function keyRow(key) {
  const revoke = key.active ? twoStep(t("Revoke"), t("Revoke: it stops working at once"), () => revokeKey(key)) : "";
  return h("tr", { class: key.active ? "" : "inactive", "data-id": key.id },
    h("td", {}, key.name),
    h("td", {}, h("code", {}, `${key.prefix}…`)),
    h("td", {}, key.active ? tc("key", "Active") : t("Revoked")),
    h("td", {}, when(key.created_at)),
    h("td", {}, when(key.last_used_at)),
    h("td", {}, revoke));
}

/** A button that asks once more on the page (no browser dialog): the second click does it. */
function twoStep(label, sure, action) {
  const button = h("button", { type: "button" }, label);
  let armed = false;
  button.addEventListener("click", () => {
    if (!armed) {
      armed = true;
      button.textContent = sure;
      button.classList.add("armed");
      return;
    }
    action();
  });
  button.addEventListener("blur", () => {
    armed = false;
    button.textContent = label;
    button.classList.remove("armed");
  });
  return button;
}

function emptyRow(span, text) {
  return h("tr", {}, h("td", { colspan: String(span), class: "hint" }, text));
}

async function revokeKey(key) {
  $("keys-error").textContent = "";
  try {
    await api("DELETE", `/api/keys/${encodeURIComponent(key.id)}`);
  } catch (err) {
    $("keys-error").textContent = sentence(err.message);
  }
  await loadKeys();
}

$("new-key").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("keys-error").textContent = "";
  try {
    const { key } = await api("POST", "/api/keys", { json: { name: form.elements.name.value } });
    showOnce($("key-shown"), t("Key of {name}:", { name: key.name }), key.key);
    form.reset();
  } catch (err) {
    $("keys-error").textContent = sentence(err.message);
  }
  await loadKeys();
});

// --- webhooks -----------------------------------------------------------------------------------

async function loadHooks() {
  try {
    const { data } = await api("GET", "/api/webhooks");
    fill($("hooks").querySelector("tbody"), ...(data.length ? data.map(hookRow) : [emptyRow(4, t("No webhooks yet."))]));
  } catch (err) {
    $("hooks-error").textContent = sentence(err.message);
  }
}

function hookState(hook) {
  if (hook.active && !hook.consecutive_failures) return t("On");
  if (hook.active) return t("On, failing ({n} in a row)", { n: hook.consecutive_failures });
  return hook.disabled_reason ? t("Off: {reason}", { reason: hook.disabled_reason }) : t("Off");
}

function hookRow(hook) {
  const toggle = h("button", { type: "button", onclick: () => changeHook(hook, { active: !hook.active }) },
    hook.active ? t("Switch off") : t("Switch on"));
  const log = h("button", { type: "button", onclick: () => showLog(hook) }, t("Deliveries"));
  const remove = twoStep(t("Delete"), t("Delete, with its log"), () => deleteHook(hook));
  return h("tr", { class: hook.active ? "" : "inactive", "data-id": String(hook.id) },
    h("td", { class: "url" }, hook.url, hook.description ? h("div", { class: "hint" }, hook.description) : ""),
    h("td", {}, hook.events.join(", ")),
    h("td", {}, hookState(hook)),
    h("td", { class: "row-actions" }, toggle, log, remove));
}

async function changeHook(hook, changes) {
  $("hooks-error").textContent = "";
  try {
    await api("PATCH", `/api/webhooks/${hook.id}`, { json: changes });
  } catch (err) {
    $("hooks-error").textContent = sentence(err.message);
  }
  await loadHooks();
}

async function deleteHook(hook) {
  await api("DELETE", `/api/webhooks/${hook.id}`).catch((err) => { $("hooks-error").textContent = sentence(err.message); });
  $("log").hidden = true;
  await loadHooks();
}

const form = $("new-hook");
fill(form.elements.events, ...JSON.parse(form.dataset.events).map((name) =>
  h("option", { value: name }, name === "*" ? t("* (every event)") : name)));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  $("hooks-error").textContent = "";
  const events = [...form.elements.events.selectedOptions].map((o) => o.value);
  const body = { url: form.elements.url.value.trim(), events, description: form.elements.description.value };
  try {
    const { webhook } = await api("POST", "/api/webhooks", { json: body });
    showOnce($("secret-shown"), t("Signing secret of {url}:", { url: webhook.url }), webhook.secret);
    form.reset();
  } catch (err) {
    $("hooks-error").textContent = sentence(err.message);
  }
  await loadHooks();
});

// --- the delivery log ------------------------------------------------------------------------------

let shown = null;

async function showLog(hook) {
  shown = hook;
  $("log").hidden = false;
  $("log-url").textContent = t("To {url}, newest first.", { url: hook.url });
  $("log-error").textContent = "";
  try {
    const { data } = await api("GET", `/api/webhooks/${hook.id}/deliveries`, { query: { limit: 50 } });
    fill($("deliveries").querySelector("tbody"), ...(data.length ? data.map(deliveryRow) : [emptyRow(6, t("Nothing sent yet."))]));
  } catch (err) {
    $("log-error").textContent = sentence(err.message);
  }
  $("log-title").scrollIntoView({ block: "nearest" });
}

const STATES = { pending: t("Waiting to retry"), delivered: t("Delivered"), failed: t("Given up") };

function deliveryRow(d) {
  const answer = d.last_error || (d.last_status ? String(d.last_status) : "");
  const again = h("button", { type: "button", onclick: () => sendAgain(d) }, t("Send again"));
  return h("tr", { "data-id": d.id },
    h("td", {}, d.event),
    h("td", {}, d.state === "pending" && !d.attempts ? t("Sending") : STATES[d.state] || d.state),
    h("td", {}, String(d.attempts)),
    h("td", {}, answer),
    h("td", {}, when(d.created_at)),
    h("td", {}, again));
}

async function sendAgain(delivery) {
  try {
    await api("POST", `/api/webhooks/${shown.id}/deliveries/${delivery.id}/replay`);
  } catch (err) {
    $("log-error").textContent = sentence(err.message);
  }
  await showLog(shown);
}

loadKeys();
loadHooks();
