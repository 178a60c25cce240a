// The organisation's settings page (/org/settings/): each section fills itself from GET /api/org/settings
// and saves only its own fields with PATCH; the server validates and says what is wrong, shown by the
// section. The widget section feeds the live preview (the real widget in an iframe) as you type.
import { api } from "../console/api.js";
import { t } from "../console/i18n.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const LIMITS = ["message", "request_chat", "track", "files"];
const MB = 1024 * 1024;
const COLOUR = /^#[0-9a-fA-F]{6}$/;

const form = (section) => document.querySelector(`form[data-section="${section}"]`);
const field = (section, name) => form(section).elements.namedItem(name);

/** Per section: fill(settings, server) puts the values in the form; read() gives the PATCH body. */
const SECTIONS = {
  widget: {
    fill(s) {
      const w = s.widget;
      for (const key of ["colour", "position", "language", "greeting"]) field("widget", key).value = w[key];
      field("widget", "colour-pick").value = w.colour;
      field("widget", "pre_chat.name").value = w.pre_chat.name;
      field("widget", "pre_chat.email").value = w.pre_chat.email;
      field("widget", "offline_form").checked = w.offline_form;
      field("widget", "sound").checked = w.sound;
    },
    read: () => ({ widget: widgetFromForm() }),
  },
  origins: {
    fill: (s) => (field("origins", "allowed_origins").value = s.allowed_origins.join("\n")),
    read: () => ({ allowed_origins: lines(field("origins", "allowed_origins").value, /\n/) }),
  },
  identity: {
    fill: (s) => (field("identity", "require_identity").checked = s.require_identity),
    read: () => ({ require_identity: field("identity", "require_identity").checked }),
  },
  hours: {
    fill(s) {
      field("hours", "timezone").value = s.timezone;
      for (const day of DAYS) {
        field("hours", `hours.${day}`).value = (s.business_hours[day] || []).map((p) => p.join("-")).join(", ");
      }
    },
    read() {
      const hours = {};
      for (const day of DAYS) {
        const spans = lines(field("hours", `hours.${day}`).value, /,/);
        if (spans.length) hours[day] = spans.map((span) => span.split("-").map((x) => x.trim()));
      }
      return { timezone: field("hours", "timezone").value.trim(), business_hours: hours };
    },
  },
  routing: {
    fill: (s) => (form("routing").elements.namedItem("routing").value = s.auto_assign ? "auto" : "manual"),
    read: () => ({ auto_assign: form("routing").elements.namedItem("routing").value === "auto" }),
  },
  presence: {
    fill(s, server) {
      field("presence", "presence_grace").value = s.presence_grace ?? "";
      field("presence", "presence_grace").placeholder = t("{n} (the server's)", { n: server.presence_grace });
      field("presence", "offline_chats").value = s.offline_chats;
    },
    read: () => ({
      presence_grace: numberOrNull(field("presence", "presence_grace").value),
      offline_chats: field("presence", "offline_chats").value,
    }),
  },
  offline: {
    fill: (s) => (field("offline", "offline_email").value = s.offline_email),
    read: () => ({ offline_email: field("offline", "offline_email").value.trim() }),
  },
  limits: {
    fill(s, server) {
      for (const kind of LIMITS) {
        const input = field("limits", `rate_limits.${kind}`);
        input.value = s.rate_limits[kind] || "";
        input.placeholder = server.rate_limits[kind];
      }
    },
    read() {
      const limits = {};
      for (const kind of LIMITS) {
        const value = field("limits", `rate_limits.${kind}`).value.trim();
        if (value) limits[kind] = value;
      }
      return { rate_limits: limits };
    },
  },
  files: {
    fill(s, server) {
      const input = field("files", "max_file_size");
      input.value = s.max_file_size ? +(s.max_file_size / MB).toFixed(2) : "";
      input.max = (server.max_file_size / MB).toFixed(2);
      input.placeholder = t("{n} (the server's)", { n: +(server.max_file_size / MB).toFixed(2) });
      field("files", "accepted_file_types").value = s.accepted_file_types.join(", ");
    },
    read() {
      const mb = numberOrNull(field("files", "max_file_size").value, parseFloat);
      return {
        max_file_size: mb === null ? null : Math.round(mb * MB),
        accepted_file_types: lines(field("files", "accepted_file_types").value, /,/),
      };
    },
  },
};

function lines(text, separator) {
  return text
    .split(separator)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A number, or null for an empty box; what is not a number goes to the server as typed, to be refused there. */
function numberOrNull(raw, parse = Number) {
  if (!raw.trim()) return null;
  const n = parse(raw);
  return Number.isFinite(n) ? n : raw;
}

function widgetFromForm() {
  return {
    colour: field("widget", "colour").value.trim(),
    position: field("widget", "position").value,
    language: field("widget", "language").value,
    greeting: field("widget", "greeting").value,
    pre_chat: { name: field("widget", "pre_chat.name").value, email: field("widget", "pre_chat.email").value },
    offline_form: field("widget", "offline_form").checked,
    sound: field("widget", "sound").checked,
  };
}

// --- the live preview: the unsaved widget settings, posted to the real widget in the iframe

const frame = document.getElementById("widget-preview");
let lastColour = null;

function updatePreview() {
  const widget = widgetFromForm();
  // A colour half typed ("#1f4") is not drawn: the preview keeps the last whole one.
  if (COLOUR.test(widget.colour)) lastColour = widget.colour;
  if (!lastColour) return;
  widget.colour = lastColour;
  const closed = document.getElementById("preview-closed").checked;
  frame.contentWindow.postMessage({ type: "horn-preview", widget, closed }, location.origin);
}

window.addEventListener("message", (e) => {
  if (e.origin === location.origin && e.source === frame.contentWindow && e.data?.type === "horn-preview-ready") {
    updatePreview();
  }
});
form("widget").addEventListener("input", (e) => {
  const pick = field("widget", "colour-pick");
  const text = field("widget", "colour");
  if (e.target === pick) text.value = pick.value;
  else if (e.target === text && COLOUR.test(text.value.trim())) pick.value = text.value.trim().toLowerCase();
  updatePreview();
});
form("widget").addEventListener("change", updatePreview);
document.getElementById("preview-closed").addEventListener("change", updatePreview);

// --- loading and saving

function say(el, text, ok) {
  el.textContent = text;
  el.className = `status ${ok ? "saved" : "error"}`;
  el.setAttribute("role", ok ? "status" : "alert");
}

function fillAll(data) {
  for (const section of Object.values(SECTIONS)) section.fill(data.settings, data.server);
  updatePreview();
}

async function save(name, el) {
  const status = el.querySelector(".status");
  try {
    const data = await api("PATCH", "/api/org/settings", { json: SECTIONS[name].read() });
    SECTIONS[name].fill(data.settings, data.server);
    if (name === "widget") updatePreview();
    say(status, t("Saved."), true);
  } catch (err) {
    say(status, t("Not saved: {why}", { why: err.message }), false);
  }
}

for (const el of document.querySelectorAll("form.settings-form")) {
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    save(el.dataset.section, el);
  });
}

document.getElementById("rotate-secret").addEventListener("click", async () => {
  const status = document.getElementById("secret-status");
  if (!window.confirm(t("Make a new secret? Your site's signatures made with the old one stop working at once."))) return;
  try {
    const { secret } = await api("POST", "/api/org/settings/secret");
    document.getElementById("secret-value").value = secret;
    document.getElementById("secret-box").hidden = false;
    say(status, t("A new secret is in use."), true);
  } catch (err) {
    say(status, t("Not changed: {why}", { why: err.message }), false);
  }
});

async function load() {
  const loading = document.getElementById("settings-loading");
  try {
    fillAll(await api("GET", "/api/org/settings"));
    loading.remove();
  } catch (err) {
    say(loading, t("The settings could not be loaded: {why}. Reload the page to try again.", { why: err.message }), false);
  }
  const zones = document.getElementById("zones");
  for (const zone of Intl.supportedValuesOf?.("timeZone") || []) zones.append(new Option(zone, zone));
}

load();
