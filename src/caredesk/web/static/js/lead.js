/* The leader's dashboard in the browser (no inline script: the pages' CSP allows scripts from
 * caredesk only).
 *
 * - Durations keep counting: an element with data-elapsed="<seconds>" (the server's figure
 *   when it rendered) shows that plus the time since it arrived, by the browser's monotonic
 *   clock (so a browser with a wrong wall clock still counts right).
 * - Charts: a <canvas data-chart='{"labels": [...], "series": [{"label", "data"}]}'> becomes a
 *   Chart.js bar chart, drawn again whenever htmx swaps new figures in. The table after each
 *   chart holds the same figures for anyone who cannot see it.
 * - An element with data-live-callback="<id>" is sent "live-refresh" when a live event of that
 *   callback arrives (its hx-trigger), and only then.
 */
(function () {
  "use strict";
  var arrived = new WeakMap();
  var charts = new WeakMap();
  var COLOURS = ["#0a58a8", "#1d6b3a", "#7a5200", "#a4161a", "#5a3a8c", "#4a5563"];

  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    if (hours) { return hours + " h " + two(minutes) + " min"; }
    if (minutes) { return minutes + " min " + two(secs) + " s"; }
    return secs + " s";
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-elapsed]").forEach(function (el) {
      if (!arrived.has(el)) { arrived.set(el, now); }
      var base = Number(el.getAttribute("data-elapsed")) || 0;
      var text = format(base + (now - arrived.get(el)) / 1000);
      if (el.textContent !== text) { el.textContent = text; }
    });
  }

  function drawCharts(root) {
    if (!window.Chart) { return; }
    window.Chart.defaults.color = "#1c2530";
    window.Chart.defaults.font.size = 13;
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var data;
      try { data = JSON.parse(canvas.getAttribute("data-chart")); } catch (ignored) { return; }
      var old = charts.get(canvas);
      if (old) { old.destroy(); }
      var horizontal = canvas.getAttribute("data-horizontal") === "true";
      var chart = new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (series, i) {
            return {
              label: series.label,
              data: series.data,
              backgroundColor: COLOURS[i % COLOURS.length],
              borderColor: COLOURS[i % COLOURS.length],
              borderWidth: 1,
              maxBarThickness: 36
            };
          })
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: data.series.length > 1, position: "bottom" } },
          scales: {
            x: { ticks: { color: "#1c2530", autoSkip: true, maxRotation: 0, precision: 0 }, beginAtZero: true },
            y: { ticks: { color: "#1c2530", precision: 0 }, beginAtZero: true }
          }
        }
      });
      charts.set(canvas, chart);
    });
  }

  function onLive(event) {
    var id = event.detail && event.detail.payload && event.detail.payload.callback_id;
    if (id === undefined || id === null || !window.htmx) { return; }
    document.querySelectorAll("[data-live-callback]").forEach(function (el) {
      if (el.getAttribute("data-live-callback") === String(id)) {
        window.htmx.trigger(el, "live-refresh");
      }
    });
  }

  function start() {
    tick();
    window.setInterval(tick, 1000);
    drawCharts(document);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      tick();
      drawCharts(event.target);
    });
    document.addEventListener("caredesk:live", onLive);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
