// The meeting-room screen (templates/dashboard/screen.html): shows one view of the payload at a
// time (the whole scope, then each district), moves to the next every `data-every` seconds, and
// fetches the figures again from `data-url` every `data-refresh` seconds. When a fetch fails
// (server restarting, network down) the last figures stay up with the time they are of, and the
// fetch is tried again within 30 seconds; the rotation goes on meanwhile.
(function () {
  "use strict";

  const body = document.body;
  const labels = JSON.parse(document.getElementById("screen-labels").textContent);
  let payload = JSON.parse(document.getElementById("screen-data").textContent);
  const everyMs = Number(body.dataset.every) * 1000;
  const refreshMs = Number(body.dataset.refresh) * 1000;
  const retryMs = Math.min(refreshMs, 30000);
  const locale = body.dataset.lang === "en" ? "en" : "zh-CN";
  const integer = new Intl.NumberFormat(locale);
  // Whole yuan: read from across a room, the fen only push ¥ hundreds of millions off the card.
  const money = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const oneDecimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  // Bright on the dark background, told apart by colour-blind readers too (Okabe–Ito).
  const COLOURS = ["#56b4e9", "#e69f00", "#009e73", "#f0e442", "#cc79a7", "#d55e00", "#0072b2", "#ffffff"];

  let index = 0;
  const charts = {};

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) {
      return values[name];
    });
  }

  function pct(value, signed) {
    if (value === null || value === undefined) {
      return "—";
    }
    return (signed && value > 0 ? "+" : "") + oneDecimal.format(value) + "%";
  }

  function shown(key, figures) {
    const value = figures[key];
    if (key === "savings_rmb") {
      return "¥" + money.format(Number(value));
    }
    if (key === "completeness_pct") {
      return pct(value, false);
    }
    if (key.endsWith("_change_pct")) {
      return pct(value, true);
    }
    return integer.format(value);
  }

  function card(key) {
    return document.querySelector('.screen-card[data-figure="' + key + '"]');
  }

  function showFigures(view) {
    const figures = view.figures;
    ["enterprises", "suggestions", "projects_completed", "savings_rmb", "completeness_pct"].forEach(function (key) {
      card(key).querySelector(".screen-value").textContent = shown(key, figures);
    });
    ["inspections_change_pct", "accidents_change_pct"].forEach(function (key) {
      const box = card(key);
      box.querySelector(".screen-value").textContent = shown(key, figures);
      box.classList.toggle("small-sample", figures.small_sample);
      box.querySelector(".screen-sample").textContent = fill(
        figures.small_sample ? labels.too_few : labels.based_on,
        { count: integer.format(figures.change_enterprises) }
      );
    });
    card("completeness_pct").querySelector(".screen-reports").textContent = figures.reports_expected
      ? fill(labels.reports, {
          month: payload.month,
          received: integer.format(figures.reports_received),
          expected: integer.format(figures.reports_expected),
        })
      : fill(labels.no_reports, { month: payload.month });
  }

  function chartOf(canvas) {
    const metric = canvas.dataset.trend;
    const tick = metric === "completeness" ? function (value) { return value + "%"; } : function (value) {
      return integer.format(value);
    };
    return new Chart(canvas, {
      type: "line",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: false,
        plugins: {
          legend: { display: false, labels: { color: "#dbe4ee", font: { size: 15 }, boxWidth: 18 } },
          tooltip: { enabled: false },
        },
        scales: {
          x: { ticks: { color: "#a9bacb", font: { size: 14 }, maxTicksLimit: 8 }, grid: { color: "#1f3350" } },
          y: {
            beginAtZero: true,
            suggestedMax: metric === "completeness" ? 100 : undefined,
            max: metric === "completeness" ? 100 : undefined,
            ticks: { color: "#a9bacb", font: { size: 14 }, maxTicksLimit: 6, callback: tick },
            grid: { color: "#1f3350" },
          },
        },
      },
    });
  }

  function showCharts(view) {
    const trend = payload.trend;
    const districts = trend.districts || [];
    document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
      const metric = canvas.dataset.trend;
      const chart = charts[metric] || (charts[metric] = chartOf(canvas));
      chart.data.labels = trend.months;
      chart.data.datasets = districts
        .map(function (district, position) {
          return { district: district, colour: COLOURS[position % COLOURS.length] };
        })
        .filter(function (line) {
          return view.lines.indexOf(line.district.code) !== -1;
        })
        .map(function (line) {
          return {
            label: line.district.name,
            data: line.district[metric],
            borderColor: line.colour,
            backgroundColor: line.colour,
            borderWidth: 3,
            pointRadius: 0,
            clip: 4, // a line at 100 % drawn whole, not halved by the chart's edge
          };
        });
      chart.options.plugins.legend.display = chart.data.datasets.length > 1;
      chart.update();
      canvas.closest(".screen-chart").dataset.rendered = trend.months.length ? "true" : "empty";
    });
  }

  function showDots() {
    const dots = document.getElementById("screen-dots");
    dots.replaceChildren();
    if (payload.views.length < 2) {
      return;
    }
    payload.views.forEach(function (view, position) {
      const dot = document.createElement("li");
      dot.className = position === index ? "active" : "";
      dot.title = view.name;
      dots.appendChild(dot);
    });
  }

  function show() {
    const view = payload.views[index];
    if (!view) {
      return;
    }
    document.getElementById("screen-view-name").textContent = view.name;
    document.getElementById("screen").dataset.view = view.code;
    document.getElementById("screen-period").textContent = fill(labels.period, { to: payload.to });
    showFigures(view);
    showCharts(view);
    showDots();
  }

  function showUpdated(stale) {
    const updated = document.getElementById("screen-updated");
    updated.textContent = fill(stale ? labels.stale : labels.updated, { time: payload.as_of });
    updated.classList.toggle("stale", stale);
  }

  function showRefused(message) {
    const refused = document.getElementById("screen-refused");
    refused.textContent = message;
    refused.hidden = false;
    document.getElementById("screen").classList.add("refused");
  }

  function rotate() {
    if (payload.views.length > 1) {
      index = (index + 1) % payload.views.length;
      show();
    }
  }

  function refresh() {
    fetch(body.dataset.url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          // The link was revoked, or its creator may no longer see the screen: stop showing figures.
          return response.json().then(function (answer) {
            showRefused(answer.error);
            setTimeout(refresh, refreshMs);
          });
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json().then(function (fresh) {
          const code = payload.views[index] ? payload.views[index].code : "";
          payload = fresh;
          // The same view stays up; the rotation goes on from it.
          index = Math.max(0, payload.views.findIndex(function (view) { return view.code === code; }));
          document.getElementById("screen-refused").hidden = true;
          document.getElementById("screen").classList.remove("refused");
          show();
          showUpdated(false);
          setTimeout(refresh, refreshMs);
        });
      })
      .catch(function () {
        showUpdated(true);
        setTimeout(refresh, retryMs);
      });
  }

  Chart.defaults.color = "#dbe4ee";
  Chart.defaults.font.family = getComputedStyle(body).fontFamily;
  show();
  showUpdated(false);
  setInterval(rotate, everyMs);
  setTimeout(refresh, refreshMs);
})();
