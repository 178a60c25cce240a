// The "Visitors online" list, built for 500 visitors and more: a filter box, a sort order, the counts,
// and a virtualised list (only the rows in view, plus a few, exist in the DOM; every row has the same
// height, so the scroll position says which rows those are). Pushed changes mark the list dirty and
// one animation frame renders them: a burst of visitors_changed notices costs one render.
//
// Keyboard: Tab reaches the filter, the sort order and the list; in the list ↑ ↓ Page Up/Down Home End
// move the highlighted row (aria-activedescendant), which scrolls into view.

import { h, fill, since } from "./dom.js";
import { t } from "./i18n.js";
import { visitorLabel } from "./messages.js";

const ROW_PX = 96; // every row's height; console.css sets the same (.visitor-row)
const OVERSCAN = 4; // rows rendered above and below the visible ones, so a quick scroll shows no gap

// Time on site counts from the current visit's first page view (`visit_started`).
const SORTS = {
  newest: { label: () => t("Newest first"), by: (a, b) => b.visit_started - a.visit_started },
  longest: { label: () => t("Longest on site"), by: (a, b) => a.visit_started - b.visit_started },
  pages: { label: () => t("Most pages viewed"), by: (a, b) => b.page_views - a.page_views || b.visit_started - a.visit_started },
  recent: { label: () => t("Latest page view"), by: (a, b) => (b.visited_at || 0) - (a.visited_at || 0) },
};

export class VisitorList {
  constructor(store, aside) {
    this.store = store;
    this.rows = []; // the visitors shown: filtered and sorted
    this.active = null; // uid of the highlighted row (keyboard)
    this.frame = 0;
    this.dataDirty = true;
    this.filter = h("input", {
      type: "search",
      id: "visitor-filter",
      placeholder: t("Page, title, name or customer id"),
      "aria-label": t("Filter visitors by page, title, name or customer id"),
      oninput: () => this.update(),
    });
    this.sort = h(
      "select",
      { id: "visitor-sort", "aria-label": t("Sort visitors"), onchange: () => this.update() },
      Object.entries(SORTS).map(([value, s]) => h("option", { value }, s.label())),
    );
    this.counts = h("span", { id: "visitor-counts", class: "meta" });
    this.list = aside.querySelector("#visitor-list");
    this.list.classList.add("virtual");
    this.scroller = h("div", {
      class: "visitor-scroll",
      tabindex: "0",
      role: "group",
      "aria-label": t("Visitors online: ↑ ↓ to move through the list"),
      onscroll: () => this.schedule(),
      onkeydown: (e) => this.key(e),
    });
    this.list.replaceWith(this.scroller);
    this.scroller.append(this.list);
    this.scroller.before(this.filter, h("div", { class: "visitor-tools" }, this.counts, this.sort));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  /** The visitors or the filter changed: filter and sort again, render on the next frame. */
  update() {
    this.dataDirty = true;
    this.schedule();
  }

  /** Time on site moved on: render the visible rows again. */
  tick() {
    this.schedule();
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    if (this.dataDirty) {
      this.dataDirty = false;
      const words = this.filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const all = [...this.store.visitors.values()];
      this.rows = words.length ? all.filter((v) => words.every((w) => haystack(v).includes(w))) : all;
      this.rows.sort(SORTS[this.sort.value].by);
      this.list.style.height = `${this.rows.length * ROW_PX}px`;
      this.renderCounts(all.length);
    }
    const top = this.scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + this.scroller.clientHeight) / ROW_PX) + OVERSCAN);
    if (!this.rows.length) {
      const empty = this.store.visitors.size ? t("No visitor matches the filter.") : t("Nobody is on the site.");
      fill(this.list, h("li", { class: "none" }, empty));
      this.list.style.height = "";
      this.scroller.removeAttribute("aria-activedescendant");
      return;
    }
    if (!this.rows.some((v) => v.uid === this.active)) this.active = null;
    const items = [];
    for (let i = first; i < last; i++) items.push(this.row(this.rows[i], i));
    fill(this.list, items);
    if (this.active) this.scroller.setAttribute("aria-activedescendant", rowId(this.active));
    else this.scroller.removeAttribute("aria-activedescendant");
  }

  renderCounts(online) {
    const shown = this.rows.length;
    const text =
      shown === online ? t("{online} online", { online }) : t("{online} online, {shown} shown", { online, shown });
    this.counts.textContent = text;
    document.getElementById("visitors-count").textContent = online ? `(${online})` : "";
  }

  row(v, i) {
    const c = v.customer;
    const where = [v.referer ? t("from {referer}", { referer: hostOf(v.referer) }) : null, v.browser, v.os].filter(Boolean);
    const whereInFull = [v.referer ? t("from {referer}", { referer: v.referer }) : null, v.browser, v.os].filter(Boolean);
    const li = h(
      "li",
      {
        id: rowId(v.uid),
        class: v.uid === this.active ? "visitor visitor-row active" : "visitor visitor-row",
        "aria-setsize": String(this.rows.length),
        "aria-posinset": String(i + 1),
        "data-uid": v.uid,
      },
      h(
        "div",
        { class: "name" },
        visitorLabel(this.store, v.uid, c),
        h("span", { class: v.returning ? "tag returning" : "tag new" }, v.returning ? t("returning") : t("new")),
        c ? h("span", { class: c.verified ? "tag verified" : "tag" }, c.verified ? t("verified") : t("unverified")) : null,
      ),
      h("div", { class: "page", title: v.url }, v.title || v.url || "—"),
      h("div", { class: "meta", title: v.url }, v.url),
      h("div", { class: "meta", title: whereInFull.join(" · ") || null }, where.join(" · ") || t("unknown browser")),
      h(
        "div",
        { class: "meta" },
        v.page_views === 1 ? t("1 page") : t("{n} pages", { n: v.page_views }),
        " · ",
        t("on site {time}", { time: since(v.visit_started) }),
      ),
    );
    li.style.top = `${i * ROW_PX}px`; // through CSSOM: the console's CSP refuses style attributes
    return li;
  }

  key(e) {
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: this.pageRows(), PageUp: -this.pageRows() };
    let at = this.rows.findIndex((v) => v.uid === this.active);
    if (e.key in moves) at = at < 0 ? 0 : at + moves[e.key];
    else if (e.key === "Home") at = 0;
    else if (e.key === "End") at = this.rows.length - 1;
    else return;
    e.preventDefault();
    if (!this.rows.length) return;
    at = Math.max(0, Math.min(this.rows.length - 1, at));
    this.active = this.rows[at].uid;
    // Scroll just enough to show the row, as a native list would.
    const rowTop = at * ROW_PX;
    if (rowTop < this.scroller.scrollTop) this.scroller.scrollTop = rowTop;
    else if (rowTop + ROW_PX > this.scroller.scrollTop + this.scroller.clientHeight) {
      this.scroller.scrollTop = rowTop + ROW_PX - this.scroller.clientHeight;
    }
    this.render(); // at once: the screen reader reads the new active row
  }

  pageRows() {
    return Math.max(1, Math.floor(this.scroller.clientHeight / ROW_PX));
  }

  focus() {
    this.filter.focus();
  }
}

/** The referrer's host ("www.google.com"): the row has room for that; the full URL is in the tooltip. */
function hostOf(url) {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

function rowId(uid) {
  return `visitor-${uid}`;
}

/** What the filter box searches in a row, lower-cased once per row (rows are replaced, never edited). */
function haystack(v) {
  if (v._hay === undefined) {
    const c = v.customer || {};
    v._hay = [v.title, v.url, v.name, v.uid, c.id, c.name, c.email].filter(Boolean).join("\n").toLowerCase();
  }
  return v._hay;
}
