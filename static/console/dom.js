// Building DOM without HTML strings: user text only ever becomes text nodes, and URLs only ever
// become href/src after an http(s) check. (No HTML strings anywhere: a grep for inner-HTML assignments stays empty.)

import { lang, num, t } from "./i18n.js";

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

/** A time of day ("14:05", "下午2:05"), in the page's language. */
export function clock(unixSeconds) {
  if (!unixSeconds) return "";
  return new Date(unixSeconds * 1000).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

/** A short date ("Dec 6", "12月6日", "6 dec."), in the page's language. */
export function shortDate(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleDateString(lang, { month: "short", day: "numeric" });
}

/** A date and time of day, in the page's language. */
export function dateTime(unixSeconds) {
  if (!unixSeconds) return "";
  return `${new Date(unixSeconds * 1000).toLocaleDateString(lang)} ${clock(unixSeconds)}`;
}

/** How long ago `unixSeconds` was, compactly: "42 s", "5 min", "2 h 10 min". */
export function since(unixSeconds, now = Date.now() / 1000) {
  const s = Math.max(0, Math.floor(now - unixSeconds));
  if (s < 60) return t("{n} s", { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t("{n} min", { n: m });
  return t("{h} h {m} min", { h: num(Math.floor(m / 60)), m: m % 60 });
}

const SIZE_UNITS = [
  [1024 * 1024, "megabyte", 1],
  [1024, "kilobyte", 0],
  [1, "byte", 0],
];

/** A file size ("512 byte", "12 kB", "1.5 MB"), in the page's language. */
export function bytes(n) {
  if (!Number.isFinite(n)) return "";
  const [size, unit, digits] = SIZE_UNITS.find(([size]) => n >= size) || SIZE_UNITS[2];
  return new Intl.NumberFormat(lang, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: digits }).format(n / size);
}

/** Names as a list: "Ann and Bo", "Ann, Bo and Cy" (in Chinese "Ann和Bo"). */
export function nameList(names) {
  return new Intl.ListFormat(lang, { type: "conjunction" }).format(names);
}
