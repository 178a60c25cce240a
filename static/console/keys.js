// Keyboard shortcuts for the whole console, and the "?" overlay that lists them.
//
// Alt-based chords, because Alt+letter is free in Chromium and Firefox on Linux and Windows for the
// letters used here (Alt+D, E, F are the browser's own, so Done is Alt+Shift+D), and they work
// while the composer has the focus. "?" opens the help only outside text fields.

import { h } from "./dom.js";
import { t } from "./i18n.js";

export const SHORTCUTS = [
  ["Alt+N", t("take the next waiting chat (the queue's Next)")],
  ["Alt+↓ / Alt+↑", t("switch to the next / previous of my chats")],
  ["Alt+M", t("go to the message box")],
  ["Enter", t("send (a note if Internal note is ticked); Shift+Enter for a new line")],
  [t("/ or Alt+/"), t("canned responses: type to filter, ↑ ↓ to choose, Enter or Tab to insert, Escape to close")],
  ["Alt+Shift+D", t("done: leave the chat open for the visitor, without me")],
  ["Alt+I", t("go to the visitor details")],
  ["Alt+Q", t("go to the queue")],
  ["Alt+O", t("filter the visitors online (Tab goes on to the sort order and the list; ↑ ↓ move in it)")],
  ["?", t("this help (outside text fields)")],
  ["Escape", t("close a dialog, the picker or this help")],
  ["Tab / Shift+Tab", t("every control in reading order")],
];

/**
 * installKeys({store, select, next, pane, details}): `select(id)` shows a chat, `next()` takes the
 * oldest waiting one, `pane()` is the ChatPane on screen (or null), `details` the visitor details,
 * `visitors` the visitors online list.
 */
export function installKeys({ store, select, next, pane, details, visitors, picker }) {
  const help = h(
    "dialog",
    { id: "keys-dialog", "aria-labelledby": "keys-title" },
    h("h2", { id: "keys-title" }, t("Keyboard shortcuts")),
    h(
      "table",
      { class: "keys" },
      h("tbody", {}, SHORTCUTS.map(([k, what]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, k)), h("td", {}, what)))),
    ),
    h("form", { method: "dialog" }, h("menu", {}, h("button", { value: "close" }, t("Close")))),
  );
  document.body.append(help);
  const button = h("button", { type: "button", id: "keys-help", "aria-keyshortcuts": "?", onclick: () => help.showModal() }, t("Shortcuts (?)"));
  document.querySelector("form.logout").before(button);

  function focusQueue() {
    // "Next" when something waits (Tab goes on to each row's Accept); the section itself otherwise.
    const nextButton = document.getElementById("next");
    if (!nextButton.disabled) return nextButton.focus();
    const queue = document.getElementById("queue");
    queue.tabIndex = -1;
    queue.focus();
  }

  const chatIds = () => [...store.chats.keys()];
  function step(by) {
    const ids = chatIds();
    if (!ids.length) return;
    const at = ids.indexOf(store.selected);
    select(ids[(at + by + ids.length) % ids.length]);
  }

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.isComposing) return;
    if (document.querySelector("dialog[open]")) return; // a dialog has the keyboard (Escape closes it)
    const inField = e.target instanceof HTMLElement && e.target.matches("input, textarea, select, [contenteditable]");
    // Alt chords by physical key (e.code): on a Mac, Alt+N types "˜", and layouts move letters.
    const code = e.code;
    const p = pane();
    let done = true;
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      if (code === "ArrowDown") step(1);
      else if (code === "ArrowUp") step(-1);
      else if (code === "KeyN" && !e.shiftKey) next();
      else if (code === "KeyM" && !e.shiftKey && p) p.focus();
      else if (code === "Slash" && !e.shiftKey && p && picker(p)) picker(p).open();
      else if (code === "KeyD" && e.shiftKey && p && !p.actions.hidden) p.send({ type: "agent_done" });
      else if (code === "KeyI" && !e.shiftKey && !details.el.hidden) details.el.focus();
      else if (code === "KeyQ" && !e.shiftKey) focusQueue();
      else if (code === "KeyO" && !e.shiftKey) visitors.focus();
      else done = false;
    } else if (e.key === "?" && !inField && !e.ctrlKey && !e.metaKey) {
      help.showModal();
    } else done = false;
    if (done) e.preventDefault();
  });
}
