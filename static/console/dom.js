// Building DOM without HTML strings: user text only ever becomes text nodes, and URLs only ever
// become href/src after an http(s) check. (No HTML strings anywhere: a grep for inner-HTML assignments stays empty.)

const URL_ATTRS = new Set(["href", "src"]);

/** An http(s) URL as a string, or null for anything else (javascript:, data:, vbscript:, garbage). */
export function safeUrl(raw) {
  if (typeof raw !== "string" || !raw) return null;
  try {
    const url = new URL(raw, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * h("button", {class: "x", onclick: fn, "aria-label": "Accept"}, "text", child...)
 * Attributes named on* become listeners; `text` sets textContent; href/src must pass safeUrl
 * (otherwise they are left out); strings among the children become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (URL_ATTRS.has(key)) {
      const url = safeUrl(value);
      if (url) el.setAttribute(key, url);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function clock(unixSeconds) {
  if (!unixSeconds) return "";
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function since(unixSeconds, now = Date.now() / 1000) {
  const s = Math.max(0, Math.floor(now - unixSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n) {
  if (!Number.isFinite(n)) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
