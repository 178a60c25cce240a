// The console's words in the staff member's language. Keys are the English text itself
// (gettext style), so a string without a translation shows in English.
//   t("Queue")                      -> "Queue" / "队列" / "Kö"
//   t("{n} waiting", { n: 3 })      -> placeholders in braces are filled from `vars`
// The language is <html lang>, set by the server from the staff member's choice (Django's
// language cookie, else the browser's Accept-Language). Its catalogue, static/console/i18n/<lang>.js,
// is loaded here with a top-level await: every module that imports t() runs after it is in, so
// even a module's top-level constants are translated.
//
// The rule (tests/console/test_i18n_catalogue.py enforces it): t() gets a string literal in single
// or double quotes, never a variable or a template literal, so the test can find every key and
// list the ones a catalogue lacks. Put changing parts in {placeholders}; choose between whole
// sentences (n === 1 ? t("{n} visit", ...) : t("{n} visits", ...)) instead of gluing words.
// A word that translates differently by what it describes gets a context (gettext's pgettext):
//   tc("account", "Active")         -> catalogue key "account|Active": "Aktiv", where a chat is "Pågår"

const CATALOGUES = {
  "zh-CN": () => import("./i18n/zh-CN.js"),
  sv: () => import("./i18n/sv.js"),
};

/** The page's language as a BCP 47 tag ("en", "zh-CN", "sv"): also the locale for Intl formats. */
export const lang = document.documentElement.lang || "en";

async function load() {
  if (!CATALOGUES[lang]) return {};
  try {
    return (await CATALOGUES[lang]()).default;
  } catch (err) {
    console.error(`console: no ${lang} catalogue, showing English`, err);
    return {};
  }
}

const catalogue = await load();

export function t(msg, vars) {
  return fillIn(catalogue[msg] || msg, vars);
}

/** t() with a context, both string literals: the catalogue key is "context|msg"; English shows msg. */
export function tc(context, msg, vars) {
  return fillIn(catalogue[`${context}|${msg}`] || msg, vars);
}

function fillIn(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in vars ? String(vars[key]) : whole));
}

const numbers = new Intl.NumberFormat(lang);

/** A count in the page's language (digit grouping and so on). */
export function num(n) {
  return numbers.format(n);
}
