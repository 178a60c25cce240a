// The console's words in the staff member's language. Keys are the English text itself
// (gettext style), so a string without a translation shows in English.
//   t("Queue")                      -> "Queue" / "队列" / "Kö"
//   t("{n} waiting", { n: 3 })      -> placeholders in braces are filled from `vars`
// The language is <html lang>, set by the server from the staff member's choice.
// Catalogues (static/console/i18n/<lang>.js) are filled in by the i18n work.

const catalogue = {};

export function t(msg, vars) {
  const text = catalogue[msg] || msg;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in vars ? String(vars[key]) : whole));
}
