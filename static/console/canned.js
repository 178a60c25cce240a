// Canned responses: the `/shortcut` picker in the composer and the dialog that manages them.
// The list comes from GET /api/canned (personal ones first, then the org's shared ones) and is
// fetched again after every change made here; colleagues' changes show on the next open.

import { api, ApiError } from "./api.js";
import { h, fill } from "./dom.js";
import { t } from "./i18n.js";

const SHOWN = 8; // picker rows: enough to choose from, few enough to read at a glance
// "/" at the start of the text or after a space, then what has been typed of the shortcut.
const TRIGGER = /(?:^|\s)\/([a-z0-9_-]*)$/;

export class Canned extends EventTarget {
  constructor() {
    super();
    this.items = [];
    this.loaded = null;
    this.loading = false;
  }

  load(force = false) {
    if (!this.loaded || force) {
      this.loading = true;
      this.loaded = api("GET", "/api/canned")
        .then((data) => {
          this.items = data.data;
        })
        .catch(() => {
          this.loaded = null; // try again on the next "/"
        })
        .finally(() => {
          this.loading = false;
          this.dispatchEvent(new Event("change"));
        });
    }
    return this.loaded;
  }

  /** Shortcuts starting with `q` first, then those containing it, then texts containing it. */
  match(q) {
    const query = q.toLowerCase();
    const rank = (c) => (c.shortcut.startsWith(query) ? 0 : c.shortcut.includes(query) ? 1 : c.text.toLowerCase().includes(query) ? 2 : 3);
    return this.items
      .map((c) => [rank(c), c])
      .filter(([r]) => r < 3)
      .sort((a, b) => a[0] - b[0])
      .map(([, c]) => c)
      .slice(0, SHOWN);
  }
}

/** "shared" or "personal", as a canned response is shown. */
function scope(c) {
  return c.shared ? t("shared") : t("personal");
}

let pickerSeq = 0;

/**
 * The picker for one composer (a ChatPane's textarea and form). Typing "/" opens it; letters filter;
 * ArrowUp/ArrowDown choose; Enter or Tab inserts; Escape closes.
 */
export class Picker {
  constructor(canned, input, form) {
    this.canned = canned;
    this.input = input;
    this.form = form;
    this.rows = [];
    this.active = 0;
    this.start = -1; // where the "/" is in the textarea
    this.id = `canned-picker-${++pickerSeq}`;
    this.list = h("ul", { id: this.id, class: "picker", role: "listbox", "aria-label": t("Canned responses"), hidden: true });
    form.classList.add("has-picker");
    form.prepend(this.list);
    // The textarea stays a textbox (role combobox would suit a one-line field); it names its
    // listbox and the chosen row, which screen readers announce as the selection moves.
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", this.id);
    input.addEventListener("input", () => this.refresh());
    input.addEventListener("click", () => this.refresh());
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150)); // let a click on a row land first
    // Capture on the form: it runs before the textarea's own Enter-sends handler.
    form.addEventListener("keydown", (e) => this.keydown(e), true);
    canned.addEventListener("change", () => this.isOpen && this.refresh());
  }

  get isOpen() {
    return !this.list.hidden;
  }

  /** Open the picker as if "/" had been typed at the caret (Alt+/). */
  open() {
    const el = this.input;
    const at = el.selectionStart;
    const before = el.value.slice(0, at);
    const slash = before === "" || /\s$/.test(before) ? "/" : " /";
    el.setRangeText(slash, at, el.selectionEnd, "end");
    el.focus();
    this.refresh();
  }

  refresh() {
    const el = this.input;
    const m = TRIGGER.exec(el.value.slice(0, el.selectionStart));
    if (!m) return this.close();
    this.canned.load();
    this.start = el.selectionStart - m[1].length - 1;
    this.rows = this.canned.match(m[1]);
    if (!this.rows.length) {
      const why = this.canned.loading
        ? t("Loading canned responses…")
        : this.canned.items.length
          ? t("No canned response matches /{shortcut}", { shortcut: m[1] })
          : t("No canned responses yet (add them with “Canned responses” at the top)");
      fill(this.list, h("li", { class: "none", role: "option", "aria-disabled": "true" }, why));
      this.rows = [];
    } else {
      this.active = Math.min(this.active, this.rows.length - 1);
      fill(
        this.list,
        this.rows.map((c, i) =>
          h(
            "li",
            {
              id: `${this.id}-${i}`,
              role: "option",
              "aria-selected": i === this.active ? "true" : "false",
              onmousedown: (e) => (e.preventDefault(), this.insert(c)),
            },
            h("span", { class: "shortcut" }, `/${c.shortcut}`),
            h("span", { class: c.shared ? "tag" : "tag personal" }, scope(c)),
            h("span", { class: "preview" }, c.text),
          ),
        ),
      );
    }
    this.list.hidden = false;
    if (this.rows.length) el.setAttribute("aria-activedescendant", `${this.id}-${this.active}`);
    else el.removeAttribute("aria-activedescendant");
  }

  move(by) {
    if (!this.rows.length) return;
    this.active = (this.active + by + this.rows.length) % this.rows.length;
    this.refresh();
    const row = document.getElementById(`${this.id}-${this.active}`);
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  keydown(e) {
    if (!this.isOpen || e.target !== this.input) return;
    const stop = () => (e.preventDefault(), e.stopPropagation());
    if (e.key === "ArrowDown") return stop(), this.move(1);
    if (e.key === "ArrowUp") return stop(), this.move(-1);
    if (e.key === "Escape") return stop(), this.close();
    if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && !e.isComposing) {
      if (this.rows.length) return stop(), this.insert(this.rows[this.active]);
      if (e.key === "Enter" && this.canned.loading) stop(); // not "/tha" sent as a message while the list loads
    }
  }

  insert(c) {
    const el = this.input;
    el.setRangeText(c.text, this.start, el.selectionStart, "end");
    this.close();
    el.focus();
    el.dispatchEvent(new Event("input", { bubbles: true })); // the typing notice, as if typed
  }

  close() {
    if (!this.isOpen) return;
    this.list.hidden = true;
    this.active = 0;
    this.input.removeAttribute("aria-activedescendant");
  }
}

/** The "Canned responses" dialog: list, add, edit, delete. */
export class CannedDialog {
  constructor(canned, { failed }) {
    this.canned = canned;
    this.failed = failed;
    this.editing = null;
    this.list = h("ul", { class: "list canned-list", "aria-label": t("My canned responses") });
    this.error = h("p", { class: "form-error", role: "alert" });
    this.shortcut = h("input", { id: "canned-shortcut", maxlength: "32", required: true, autocomplete: "off", placeholder: t("hello") });
    this.text = h("textarea", { id: "canned-text", rows: "3", required: true, placeholder: t("Hello! How can I help you today?") });
    this.shared = h("input", { type: "checkbox", id: "canned-shared" });
    this.save = h("button", { type: "submit" }, t("Add"));
    this.cancelEdit = h("button", { type: "button", hidden: true, onclick: () => this.edit(null) }, t("Cancel editing"));
    this.formTitle = h("h3", {}, t("New canned response"));
    this.el = h(
      "dialog",
      { id: "canned-dialog", "aria-labelledby": "canned-title", class: "wide" },
      h("h2", { id: "canned-title" }, t("Canned responses")),
      h(
        "p",
        { class: "meta" },
        t(
          "Type / and the shortcut in a reply to insert one. Shared ones are for everyone in your organisation: any colleague may change them (for now; roles will narrow this). Personal ones are yours alone.",
        ),
      ),
      this.list,
      h(
        "form",
        { class: "canned-form", onsubmit: (e) => (e.preventDefault(), this.submit()) },
        this.formTitle,
        h("label", { for: "canned-shortcut" }, t("Shortcut (lower-case letters, digits, - and _)")),
        this.shortcut,
        h("label", { for: "canned-text" }, t("Text")),
        this.text,
        h("label", { class: "inline" }, this.shared, " ", t("Shared with my organisation")),
        this.error,
        h("menu", {}, this.save, this.cancelEdit),
      ),
      h("form", { method: "dialog" }, h("menu", {}, h("button", { value: "close" }, t("Close")))),
    );
    document.body.append(this.el);
    canned.addEventListener("change", () => this.render());
  }

  async open() {
    this.edit(null);
    this.el.showModal();
    await this.canned.load(true);
    this.render();
    this.shortcut.focus();
  }

  render() {
    const rows = this.canned.items;
    fill(
      this.list,
      rows.length
        ? rows.map((c) =>
            h(
              "li",
              { class: "canned-row" },
              h("span", { class: "shortcut" }, `/${c.shortcut}`),
              h("span", { class: c.shared ? "tag" : "tag personal" }, scope(c)),
              h("div", { class: "preview" }, c.text),
              h(
                "div",
                { class: "row-actions" },
                h("button", { type: "button", "aria-label": t("Edit /{shortcut} ({scope})", { shortcut: c.shortcut, scope: scope(c) }), onclick: () => this.edit(c) }, t("Edit")),
                h("button", { type: "button", "aria-label": t("Delete /{shortcut} ({scope})", { shortcut: c.shortcut, scope: scope(c) }), onclick: () => this.remove(c) }, t("Delete")),
              ),
            ),
          )
        : h("li", { class: "none" }, t("None yet.")),
    );
  }

  edit(c) {
    this.editing = c;
    this.error.textContent = "";
    this.shortcut.value = c ? c.shortcut : "";
    this.text.value = c ? c.text : "";
    this.shared.checked = c ? c.shared : false;
    this.shared.disabled = !!c; // a response stays in its scope; delete and add to move it
    this.save.textContent = c ? t("Save changes") : t("Add");
    this.formTitle.textContent = c ? t("Edit /{shortcut}", { shortcut: c.shortcut }) : t("New canned response");
    this.cancelEdit.hidden = !c;
    if (c) this.text.focus();
  }

  async submit() {
    this.error.textContent = "";
    const body = { shortcut: this.shortcut.value.trim(), text: this.text.value };
    try {
      if (this.editing) await api("PATCH", `/api/canned/${this.editing.id}`, { json: body });
      else await api("POST", "/api/canned", { json: { ...body, shared: this.shared.checked } });
      this.edit(null);
      await this.canned.load(true);
      this.shortcut.focus();
    } catch (err) {
      this.show(err);
    }
  }

  async remove(c) {
    try {
      await api("DELETE", `/api/canned/${c.id}`);
      if (this.editing && this.editing.id === c.id) this.edit(null);
      await this.canned.load(true);
      this.shortcut.focus();
    } catch (err) {
      this.show(err);
    }
  }

  show(err) {
    if (err instanceof ApiError && !err.unauthenticated && err.status) {
      this.error.textContent = `${err.message} (${err.code})`;
    } else this.failed(err);
  }
}
