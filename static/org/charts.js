// Bar charts as SVG elements (no library): one bar per row, its value in a <title> and data-value,
// so a screen reader, a test and a person hovering all read the same number.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1000;
const HEIGHT = 200;
const PAD = { top: 16, right: 8, bottom: 28, left: 36 };

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

/**
 * barChart([{label, value}], {title, every}) -> <svg role="img">; `every`: label every n-th bar
 * (long ranges would overlap otherwise).
 */
export function barChart(points, { title, every = 1 }) {
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": title, class: "bar-chart" });
  root.append(svg("title", {}, title));
  const max = Math.max(1, ...points.map((p) => p.value));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, points.length);
  const barW = Math.max(1, step * 0.8);
  // Axis: zero and the maximum, enough to read the bars' scale.
  root.append(svg("line", { x1: PAD.left, y1: PAD.top + plotH, x2: WIDTH - PAD.right, y2: PAD.top + plotH, class: "axis" }));
  root.append(svg("text", { x: PAD.left - 4, y: PAD.top + plotH, "text-anchor": "end", class: "tick" }, 0));
  root.append(svg("text", { x: PAD.left - 4, y: PAD.top + 8, "text-anchor": "end", class: "tick" }, max));
  points.forEach((p, i) => {
    const h = (p.value / max) * plotH;
    const x = PAD.left + i * step + (step - barW) / 2;
    const bar = svg("rect", { x, y: PAD.top + plotH - h, width: barW, height: h, class: "bar", "data-label": p.label, "data-value": p.value });
    bar.append(svg("title", {}, `${p.label}: ${p.value}`));
    root.append(bar);
    if (i % every === 0) {
      root.append(svg("text", { x: x + barW / 2, y: HEIGHT - 10, "text-anchor": "middle", class: "tick" }, p.short || p.label));
    }
  });
  return root;
}
