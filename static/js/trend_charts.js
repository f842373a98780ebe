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
        // Counts and yuan: whole numbers on the axis, never steps of 0.2 accidents.
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.parentElement.setAttribute("data-rendered", "true");
  });
})();
