// Charts of the status page, drawn as SVG with labelled axes: the throughput line and the yield histograms.
"use strict";
const SVG = "http://www.w3.org/2000/svg";

// The smallest 1, 2 or 5 × 10^k at or above v: an axis maximum a person reads at a glance.
function niceCeiling(v) {
  if (!(v > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 5, 10].map(m => m * power).find(m => m >= v * (1 - 1e-9));
}

// "950", "2k", "1.5M": lengths and counts on tick labels.
function short(n) {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toFixed(1)}`;
}

function element(parent, name, attributes, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent.append(e);
  return e;
}

// Clears the SVG and draws the frame: y gridlines and tick labels from 0 to yMax, the axis titles. Returns the plot area.
function frame(svg, yMax, xTitle, yTitle) {
  svg.replaceChildren();
  const width = +svg.getAttribute("width"), height = +svg.getAttribute("height");
  const area = { left: 56, top: 10, right: width - 12, bottom: height - 40 };
  for (const f of [0, 0.5, 1]) {
    const y = area.bottom - f * (area.bottom - area.top);
    element(svg, "line", { x1: area.left, x2: area.right, y1: y, y2: y, stroke: f === 0 ? "#888" : "#e4e4e4" });
    element(svg, "text", { x: area.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, short(f * yMax));
  }
  element(svg, "line", { x1: area.left, x2: area.left, y1: area.top, y2: area.bottom, stroke: "#888" });
  element(svg, "text", { x: (area.left + area.right) / 2, y: height - 4, "text-anchor": "middle", class: "axis-title x-title" }, xTitle);
  element(svg, "text", { x: 12, y: (area.top + area.bottom) / 2, "text-anchor": "middle", class: "axis-title y-title",
    transform: `rotate(-90 12 ${(area.top + area.bottom) / 2})` }, yTitle);
  return area;
}

// Throughput over time: x in seconds before the last point, y in thousands of samples per second.
function throughputChart(svg, history) {
  const last = history.length ? Date.parse(history[history.length - 1].at) : 0;
  const points = history.map(p => ({ ago: (last - Date.parse(p.at)) / 1000, k: p.samplesPerSecond / 1000 }));
  const span = Math.max(60, niceCeiling(Math.max(0, ...points.map(p => p.ago))));
  const yMax = niceCeiling(Math.max(0, ...points.map(p => p.k)));
  const area = frame(svg, yMax, "time (seconds before now)", "k samples/s");
  const x = ago => area.right - ago / span * (area.right - area.left);
  for (let i = 0; i <= 4; i++) {
    const ago = span * i / 4;
    element(svg, "text", { x: x(ago), y: area.bottom + 16, "text-anchor": "middle", class: "tick" }, ago === 0 ? "now" : `−${short(ago)}`);
  }
  element(svg, "polyline", { fill: "none", stroke: "#1565c0", "stroke-width": 2, class: "series",
    points: points.map(p => `${x(p.ago).toFixed(1)},${(area.bottom - p.k / yMax * (area.bottom - area.top)).toFixed(1)}`).join(" ") });
}

// A histogram: one bar per bin ({label, value, title}), bin labels under the bars.
function barChart(svg, bins, xTitle, yTitle) {
  const yMax = niceCeiling(Math.max(0, ...bins.map(b => b.value)));
  const area = frame(svg, yMax, xTitle, yTitle);
  const step = (area.right - area.left) / Math.max(1, bins.length);
  const every = Math.ceil(bins.length / 12);
  bins.forEach((b, i) => {
    const h = b.value / yMax * (area.bottom - area.top);
    const bar = element(svg, "rect", { x: area.left + i * step + 1, y: area.bottom - h, width: Math.max(1, step - 2), height: h, fill: "#1565c0", class: "bar" });
    element(bar, "title", {}, b.title);
    if (i % every === 0) element(svg, "text", { x: area.left + (i + 0.5) * step, y: area.bottom + 16, "text-anchor": "middle", class: "tick" }, b.label);
  });
}

// A bar-only histogram for a table cell: no axes, the bins' titles as tooltips.
function sparkBars(svg, bins) {
  svg.replaceChildren();
  const width = +svg.getAttribute("width"), height = +svg.getAttribute("height");
  const max = Math.max(1, ...bins.map(b => b.value)), step = width / Math.max(1, bins.length);
  bins.forEach((b, i) => {
    const h = b.value / max * (height - 2);
    element(element(svg, "rect", { x: i * step, y: height - h, width: Math.max(1, step - 1), height: h, fill: "#1565c0" }), "title", {}, b.title);
  });
}

// The histogram bins of a run's yield report.
const lengthBins = run => run.readLengths.map(r => ({
  label: short(r.from), value: r.reads,
  title: `${short(r.from)}–${r.to == null ? "" : short(r.to)} bases: ${r.reads.toLocaleString("en")} reads, ${r.bases.toLocaleString("en")} bases`,
}));
const qualityBins = run => run.meanQualities.map(q => ({ label: `${q.q}`, value: q.reads, title: `Q${q.q}–${q.q + 1}: ${q.reads.toLocaleString("en")} reads` }));
