"""The stylesheet and script inlined into report.html (the page loads nothing from the network)."""

from __future__ import annotations

# Only inline styles and scripts may run: a stray external asset would be refused and show as a console error.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --head: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --skip: #59636e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --head: #151b23;
    --pass: #3fb950; --fail: #f85149; --warn: #d29922; --skip: #9198a1; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; color: var(--fg); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 4px; padding-top: 16px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta, .facts, .empty { color: var(--muted); margin: 0 0 8px; }
code, pre { font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--head); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.value { max-width: 260px; overflow-wrap: anywhere; }
tr.detail td { border-bottom: 1px solid var(--line); padding-top: 0; }
tr.main td { border-bottom: none; }
details summary { cursor: pointer; color: var(--muted); }
.verdict { display: inline-block; font-size: 12px; font-weight: 700; letter-spacing: .04em; padding: 1px 8px;
  border-radius: 10px; color: #fff; vertical-align: middle; }
.verdict.PASS { background: var(--pass); } .verdict.FAIL { background: var(--fail); }
.verdict.UNAVAILABLE { background: var(--warn); } .verdict.SKIPPED { background: var(--skip); }
.state { font-weight: 600; } .state.new, .state.expired { color: var(--fail); } .state.known { color: var(--muted); }
.sev-warning { color: var(--warn); } .stopped { color: var(--warn); font-weight: 600; margin: 0 0 8px; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 12px 0 4px; }
.filters input, .filters select { font: inherit; padding: 4px 8px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); color: var(--fg); }
.filters input { min-width: 320px; }
figure { margin: 0; }
.count { color: var(--muted); }
.trend { max-width: 100%; height: auto; }
.impact.breaks-sdk, .impact.breaks-consumer { font-weight: 600; color: var(--fail); }
.trend .grid { stroke: var(--line); stroke-width: 1; }
.trend text { fill: var(--muted); font-size: 11px; }
"""

JS = """
(function () {
  "use strict";
  var params = new URLSearchParams(location.hash.replace(/^#/, ""));
  function apply(section) {
    var words = section.querySelector(".f-text").value.toLowerCase().split(/\\s+/).filter(Boolean);
    var kind = section.querySelector(".f-kind").value;
    var state = section.querySelector(".f-baseline").value;
    var impact = section.querySelector(".f-impact").value;
    var shown = 0;
    section.querySelectorAll("tbody.drift-item").forEach(function (item) {
      var text = item.getAttribute("data-text");
      var match = (!kind || item.getAttribute("data-kind") === kind) &&
        (!state || item.getAttribute("data-baseline") === state) &&
        (!impact || item.getAttribute("data-impact").split(" ").indexOf(impact) !== -1) &&
        words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    section.querySelector(".shown").textContent = String(shown);
  }
  function preset(select, value) {
    if (value === null) { return; }
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    if (!known) { select.add(new Option(value + " (0)", value)); }
    select.value = value;
  }
  document.querySelectorAll("section.provider").forEach(function (section) {
    var text = section.querySelector(".f-text");
    if (!text) { return; }
    var kind = section.querySelector(".f-kind"), state = section.querySelector(".f-baseline");
    var impact = section.querySelector(".f-impact");
    if (params.get("filter") !== null) { text.value = params.get("filter"); }
    preset(kind, params.get("kind"));
    preset(state, params.get("baseline"));
    preset(impact, params.get("impact"));
    [text, kind, state, impact].forEach(function (control) {
      control.addEventListener("input", function () { apply(section); });
    });
    apply(section);
  });
})();
"""
