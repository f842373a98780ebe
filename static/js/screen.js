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
  const twoDecimals = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
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

  // A card's value, written as its figure's kind says (dashboard.registry: data-kind).
  const FORMATS = {
    count: function (value) {
      return integer.format(value);
    },
    money: function (value) {
      return "¥" + money.format(Number(value));
    },
    change: function (value) {
      return pct(value, true);
    },
    pct: function (value) {
      return pct(value, false);
    },
    rate: function (value) {
      return value === null || value === undefined ? "—" : twoDecimals.format(value);
    },
  };

  // A change since SCORE rests on the enterprises compared: said under it, greyed when too few.
  function showSample(box, figures) {
    box.classList.toggle("small-sample", figures.small_sample);
    box.querySelector(".screen-sample").textContent = fill(
      figures.small_sample ? labels.too_few : labels.based_on,
      { count: integer.format(figures.change_enterprises) }
    );
  }

  // A figure of the latest due month rests on the reports received of those owed that month.
  function showReports(box, figures) {
    box.querySelector(".screen-reports").textContent = figures.reports_expected
      ? fill(labels.reports, {
          month: payload.month,
          received: integer.format(figures.reports_received),
          expected: integer.format(figures.reports_expected),
        })
      : fill(labels.no_reports, { month: payload.month });
  }

  function showFigures(view) {
    const figures = view.figures;
    document.querySelectorAll(".screen-card[data-figure]").forEach(function (box) {
      const kind = box.dataset.kind;
      box.querySelector(".screen-value").textContent = FORMATS[kind](figures[box.dataset.figure]);
      if (kind === "change") {
        showSample(box, figures);
      }
      if (box.dataset.over === "month") {
        showReports(box, figures);
      }
    });
  }

  function chartOf(canvas) {
    const metric = canvas.dataset.trend;
    // 20 px on a wall display (read from 3 m); a laptop or a phone is read from closer.
    const size = window.innerWidth >= 1600 ? 20 : 14;
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
          // 20 px and level: legible from 3 m; Chart.js drops labels that would not fit.
          x: {
            ticks: { color: "#a9bacb", font: { size: size }, maxRotation: 0, autoSkip: true, autoSkipPadding: 16 },
            grid: { color: "#1f3350" },
          },
          y: {
            beginAtZero: true,
            suggestedMax: metric === "completeness" ? 100 : undefined,
            max: metric === "completeness" ? 100 : undefined,
            ticks: { color: "#a9bacb", font: { size: size }, maxTicksLimit: 5, callback: tick },
            grid: { color: "#1f3350" },
          },
        },
      },
    });
  }

  // The district of the view's charts to highlight: the view's own, or on the whole scope's
  // view the least complete in the latest due month (the one to ask about). The other lines are
  // drawn thin and muted: five lines of five colours tangle.
  function districtViews() {
    return payload.views.filter(function (one) {
      return one.code !== "";
    });
  }

  function leastComplete() {
    const owing = districtViews().filter(function (one) {
      return one.figures.completeness_pct !== null;
    });
    owing.sort(function (a, b) {
      return a.figures.completeness_pct - b.figures.completeness_pct;
    });
    return owing.length ? owing[0] : districtViews()[0];
  }

  function showCharts(view) {
    const trend = payload.trend;
    const districts = trend.districts || [];
    const highlighted = view.code ? view : leastComplete();
    document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
      const metric = canvas.dataset.trend;
      const chart = charts[metric] || (charts[metric] = chartOf(canvas));
      chart.data.labels = trend.months;
      // The highlighted line last, so that it is drawn on top.
      chart.data.datasets = districts
        .map(function (district) {
          const chosen = Boolean(highlighted) && district.code === highlighted.code;
          return {
            label: district.name,
            data: district[metric],
            borderColor: chosen ? COLOURS[0] : "#4a5d75",
            backgroundColor: chosen ? COLOURS[0] : "#4a5d75",
            borderWidth: chosen ? 5 : 2,
            pointRadius: 0,
            highlighted: chosen,
            order: chosen ? 0 : 1,
            clip: 4, // a line at 100 % drawn whole, not halved by the chart's edge
          };
        });
      chart.options.plugins.legend.display = false;
      chart.update();
      canvas.closest(".screen-chart").dataset.rendered = trend.months.length ? "true" : "empty";
    });
    document.getElementById("screen-highlight").textContent = highlighted
      ? fill(labels.highlighted, {
          name: view.code ? highlighted.name : fill(labels.least_complete, { name: highlighted.name }),
        })
      : "";
  }

  // Completeness colour bands, as the key under the tile map says.
  function band(value) {
    if (value === null || value === undefined) {
      return "none";
    }
    return value >= 95 ? "good" : value >= 85 ? "fair" : "poor";
  }

  function showTiles(view) {
    const box = document.getElementById("screen-tiles");
    box.replaceChildren();
    districtViews().forEach(function (one) {
      const tile = document.createElement("div");
      const place = payload.tiles[one.code] || [1, 1];
      tile.className = "screen-tile " + band(one.figures.completeness_pct) + (one.code === view.code ? " current" : "");
      tile.dataset.district = one.code;
      tile.style.gridRow = String(place[0]);
      tile.style.gridColumn = String(place[1]);
      const name = document.createElement("div");
      name.className = "tile-name";
      name.textContent = one.name;
      const value = document.createElement("div");
      value.className = "tile-value";
      value.textContent = pct(one.figures.completeness_pct, false);
      tile.append(name, value);
      box.appendChild(tile);
    });
  }

  function ranked(list, key, order) {
    const sorted = districtViews().slice();
    sorted.sort(function (a, b) {
      const x = a.figures[key];
      const y = b.figures[key];
      if (x === null || y === null) {
        return (x === null) - (y === null); // no figure: last
      }
      return order * (x - y);
    });
    const box = document.getElementById(list);
    box.replaceChildren();
    sorted.forEach(function (one) {
      const item = document.createElement("li");
      item.dataset.district = one.code;
      const name = document.createElement("span");
      name.textContent = one.name;
      const value = document.createElement("span");
      value.className = "rank-value" + (key.endsWith("_change_pct") && one.figures.small_sample ? " small-sample" : "");
      value.textContent = one.figures[key] === null ? labels.no_figure : pct(one.figures[key], key.endsWith("_change_pct"));
      item.append(name, value);
      box.appendChild(item);
    });
  }

  function showOverdue() {
    document.getElementById("screen-overdue-title").textContent = payload.overdue_count
      ? fill(labels.overdue, { count: integer.format(payload.overdue_count), month: payload.month })
      : fill(labels.none_overdue, { month: payload.month });
    const list = document.getElementById("screen-overdue");
    list.replaceChildren();
    payload.overdue.forEach(function (row) {
      const item = document.createElement("li");
      const district = document.createElement("span");
      district.className = "overdue-district";
      district.textContent = row.district;
      item.append(document.createTextNode(row.name + " "), district);
      list.appendChild(item);
    });
    // The list scrolls up slowly when it is longer than its window: about 2 s a name, then again.
    const window_ = list.parentElement;
    const scrolls = list.scrollHeight > window_.clientHeight;
    list.classList.toggle("scrolling", scrolls);
    list.style.setProperty("--scroll-seconds", String(Math.max(20, payload.overdue.length * 2)));
    list.style.setProperty("--scroll-distance", "-" + Math.max(0, list.scrollHeight - window_.clientHeight) + "px");
  }

  function showClock() {
    const clock = new Intl.DateTimeFormat(locale, {
      timeZone: "Asia/Shanghai",
      month: "short",
      day: "numeric",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    document.getElementById("screen-clock").textContent = clock.format(new Date());
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
    showTiles(view);
    ranked("screen-rank-completeness", "completeness_pct", -1);
    ranked("screen-rank-change", "accidents_change_pct", 1);
    showOverdue();
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
  showClock();
  setInterval(showClock, 1000);
  setInterval(rotate, everyMs);
  setTimeout(refresh, refreshMs);
})();
