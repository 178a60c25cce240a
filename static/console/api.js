// The console's one way to call Horn's HTTP API: same-origin fetch with the session cookie,
// the CSRF header on unsafe methods, and Horn's error body turned into an ApiError.

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.msg ? body.msg : `HTTP ${status}`);
    this.status = status;
    this.code = body && typeof body.code === "number" ? body.code : 0;
    this.field = body ? body.field : null;
    this.body = body || {};
  }

  /** The session is gone (logged out elsewhere, expired, user deactivated): only a new login helps. */
  get unauthenticated() {
    return this.status === 401;
  }
}

/** Django's CSRF cookie (readable by design: CSRF_COOKIE_HTTPONLY is off), else the token the page was rendered with. */
export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(rest.join("="));
  }
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/**
 * api("GET", "/api/state/init") -> the JSON body (code 0), or throws ApiError.
 * `query`: an object of query parameters; `json`: a body to send as JSON; `form`: a FormData;
 * `keepalive`: the request outlives the page (a last word sent while it closes).
 */
export async function api(method, path, { query, json, form, signal, keepalive } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  }
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser sets the multipart boundary
  }
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "same-origin", signal, keepalive: !!keepalive });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { code: 0, msg: t("Network error: Horn cannot be reached.") });
  }
  let data;
  try {
    data = await response.json();
  } catch {
    data = { code: 5000, msg: `HTTP ${response.status}` };
  }
  if (!response.ok || data.code !== 0) throw new ApiError(response.status, data);
  return data;
}

/** POST /api/message with a client_msg_id, so a retried click stores nothing twice. */
export function sendMessage(body, { keepalive } = {}) {
  const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return api("POST", "/api/message", { json: { client_msg_id: key.replace(/[^0-9A-Za-z._:-]/g, ""), ...body }, keepalive });
}
