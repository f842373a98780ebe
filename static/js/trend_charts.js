// Draws the monthly trend charts of the dashboard and of an enterprise page from the JSON that
// the page embeds with json_script (id "trend-data"). No inline script: a strict CSP holds.
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var trend = JSON.parse(source.textContent);
  var palette = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"];
  document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
    var metric = canvas.getAttribute("data-trend");
    // Counts and yuan: whole numbers on the axis, never steps of 0.2 accidents. Completeness: a
    // percentage of the reports owed, 0 to 100; a month with none owed is a gap.
    var y = metric === "completeness"
      ? { min: 0, max: 100, ticks: { callback: function (value) { return value + "%"; } } }
      : { beginAtZero: true, ticks: { precision: 0 } };
    new Chart(canvas, {
      type: metric === "savings" ? "bar" : "line",
      data: {
        labels: trend.months,
        datasets: trend.districts.map(function (series, index) {
          var colour = palette[index % palette.length];
          return {
            label: series.name,
            data: series[metric],
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            pointRadius: 1.5,
            tension: 0.2
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { y: y }
      }
    });
    canvas.parentElement.setAttribute("data-rendered", "true");
  });
})();
