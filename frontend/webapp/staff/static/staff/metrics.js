// Admin → Metrics: draws each chart from the JSON the page carries beside its canvas (Chart.js,
// served from the pinned npm package). Runs on load and again whenever htmx swaps the charts in
// (a range change, the minute's refresh); the charts being replaced are destroyed first.
(function () {
  "use strict";

  function drawIn(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || window.Chart === undefined) return;
      var config = JSON.parse(source.textContent);
      var existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      var money = config.unit === "USD";
      new window.Chart(canvas, {
        type: config.type,
        data: {
          labels: config.labels,
          datasets: config.datasets.map(function (set) {
            return { label: set.label, data: set.data.map(Number), tension: 0.2 };
          }),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            x: { stacked: config.stacked },
            y: {
              stacked: config.stacked,
              beginAtZero: true,
              ticks: money ? { callback: function (value) { return "$" + value; } } : { precision: 0 },
            },
          },
          plugins: { legend: { position: "bottom" } },
        },
      });
      canvas.dataset.drawn = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawIn(document); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    event.detail.target.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = window.Chart && window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });
  document.addEventListener("htmx:load", function (event) { drawIn(event.detail.elt); });
})();
