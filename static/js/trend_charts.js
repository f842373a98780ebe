// The monthly trend charts (Chart.js 4, vendored) of the dashboard and of an enterprise page.
//
// Reusable: ScoreCharts.drawTrend(canvas, options) draws one line chart and returns the Chart;
// docs/dashboard.md ("Trend charts") describes its options. The page's own part (the end of this
// file) reads the JSON the page embeds with json_script (id "trend-data") and draws one small
// chart per district and figure on one scale, or a chosen district against the city. No inline
// script: a strict CSP holds.
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }

  var BLUE = "#0d6efd";
  var GREY = "#6c757d";
  var MARKER = "#d63384";

  // The page's font (with its CJK fallbacks) on the canvas too, so Chinese reads as on the page.
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;

  // "2016-01" as the page's language writes a month: "Jan 2016", "2016年1月".
  function monthFormatter(language) {
    var format = new Intl.DateTimeFormat(language || "en", { year: "numeric", month: "short", timeZone: "UTC" });
    return function (month) {
      var parts = String(month).split("-");
      return format.format(new Date(Date.UTC(Number(parts[0]), Number(parts[1]) - 1, 1)));
    };
  }

  // "2016-01" as the page's language writes its year: "2016", "2016年".
  function yearFormatter(language) {
    var format = new Intl.DateTimeFormat(language || "en", { year: "numeric", timeZone: "UTC" });
    return function (month) {
      return format.format(new Date(Date.UTC(Number(String(month).slice(0, 4)), 0, 1)));
    };
  }

  function numberFormatter(language, kind) {
    var digits = { count: 0, money: 0, rate: 2, pct: 1 }[kind];
    var format = new Intl.NumberFormat(language || "en", { maximumFractionDigits: digits });
    return function (value) {
      return kind === "pct" ? format.format(value) + "%" : format.format(value);
    };
  }

  // The index of the first month on the axis on or after `started` ("YYYY-MM"); null when SCORE
  // started before the axis begins (the notes above the charts give the month) or after it ends.
  function markerIndex(labels, started) {
    if (!started || !labels.length || started < labels[0]) {
      return null;
    }
    for (var index = 0; index < labels.length; index += 1) {
      if (labels[index] >= started) {
        return index;
      }
    }
    return null;
  }

  // A plugin of our own (a dashed line and a word; chartjs-plugin-annotation would be 40 kB for
  // it): where SCORE started, and a break (≈) where a run of months without data is cut out.
  var markers = {
    id: "scoreMarkers",
    afterDatasetsDraw: function (chart, _args, options) {
      var area = chart.chartArea;
      var x = chart.scales.x;
      var context = chart.ctx;
      context.save();
      (options.breaks || []).forEach(function (after) {
        if (after < 0 || after >= chart.data.labels.length - 1) {
          return;
        }
        var middle = (x.getPixelForValue(after) + x.getPixelForValue(after + 1)) / 2;
        context.strokeStyle = GREY;
        context.lineWidth = 1;
        context.setLineDash([2, 3]);
        context.beginPath();
        context.moveTo(middle, area.top);
        context.lineTo(middle, area.bottom);
        context.stroke();
        context.setLineDash([]);
        context.fillStyle = "#fff";
        context.fillRect(middle - 6, area.bottom - 9, 12, 16);
        context.fillStyle = GREY;
        context.font = "bold 13px " + Chart.defaults.font.family;
        context.textAlign = "center";
        context.textBaseline = "middle";
        context.fillText("≈", middle, area.bottom);
      });
      if (options.started !== null && options.started !== undefined) {
        var position = x.getPixelForValue(options.started);
        context.strokeStyle = MARKER;
        context.lineWidth = 1.5;
        context.setLineDash([5, 3]);
        context.beginPath();
        context.moveTo(position, area.top);
        context.lineTo(position, area.bottom);
        context.stroke();
        context.setLineDash([]);
        if (options.label) {
          context.fillStyle = MARKER;
          context.font = "11px " + Chart.defaults.font.family;
          context.textBaseline = "bottom";
          // Above the plot (the layout leaves room), on the side with room: right of the line, or
          // left of it near the right edge.
          var right = position + context.measureText(options.label).width + 6 < chart.width;
          context.textAlign = right ? "left" : "right";
          context.fillText(options.label, position + (right ? 2 : -2), area.top - 1);
        }
      }
      context.restore();
    }
  };

  // The months apart two labels like `sample` must be so as not to touch on `scale`'s axis of
  // `count` months: the label's width in the ticks' font and a gap, against the width the chart
  // has (read at each layout, so that a resize recomputes it).
  function monthsApart(scale, count, sample) {
    var context = scale.ctx;
    context.save();
    context.font = Chart.helpers.toFont(scale.options.ticks.font).string;
    var width = context.measureText(sample).width + 12;
    context.restore();
    // The plot is narrower than the chart by the y-axis' labels (up to about 45 px).
    var room = Math.max(scale.chart.width - 45, width);
    return (width * Math.max(count - 1, 1)) / room;
  }

  // drawTrend(canvas, options): one line chart of monthly values; returns the Chart.
  // options: labels (months "YYYY-MM"), series [{label, data, colour, dashed}] (one y axis: a
  // second would let two lines of different sizes cross where their values do not),
  // kind ("count" | "money" | "rate" | "pct"), max (the top of the shared scale, or null),
  // started ("YYYY-MM": the marker), startedLabel, breaks (indices after which months
  // are cut out), language, legend (true: show it), axisTitles ({y}), small (true: a small
  // multiple: fewer ticks, no points).
  function drawTrend(canvas, options) {
    var language = options.language || document.documentElement.lang;
    var months = monthFormatter(language);
    var years = yearFormatter(language);
    var small = Boolean(options.small);
    var firstJanuary = options.labels.findIndex(function (month) {
      return month.slice(5) === "01";
    });
    var number = numberFormatter(language, options.kind);
    var cuts = {};
    (options.breaks || []).forEach(function (after) {
      cuts[after] = true;
    });
    var started = markerIndex(options.labels, options.started);

    function axis(max, title, position) {
      var scale = {
        position: position,
        beginAtZero: true,
        ticks: { maxTicksLimit: small ? 4 : 6, callback: number },
        title: { display: Boolean(title), text: title || "" }
      };
      if (options.kind === "pct") {
        scale.min = 0;
        scale.max = 100;
      } else if (max !== null && max !== undefined) {
        scale.suggestedMax = max;
      }
      if (options.kind === "count") {
        scale.ticks.precision = 0;
      }
      return scale;
    }

    // The months a small multiple may name: over more than two years each January (and the first
    // month, unless the next January is too near for both), written as its year; else every third
    // month. Which of them it names depends on the chart's width: from the left, each that is far
    // enough from the last one named (monthsApart), so no two labels ever overlap, at any width
    // (13 years in 170 px: every third or fourth year), cut-out years or not.
    var long = options.labels.length > 24;
    var candidates = [];
    options.labels.forEach(function (month, index) {
      var first = index === 0 && (firstJanuary < 0 || firstJanuary >= 6);
      if (long ? first || month.slice(5) === "01" : index % 3 === 0) {
        candidates.push(index);
      }
    });
    var writeSmall = function (month) {
      return long ? years(month) : months(month);
    };
    var shown = { width: null, indices: {} };
    function named(scale) {
      if (shown.width !== scale.chart.width) {
        // The widest a label gets: December, wide digits.
        var apart = monthsApart(scale, options.labels.length, writeSmall("2088-12"));
        var last = null;
        shown = { width: scale.chart.width, indices: {} };
        candidates.forEach(function (index) {
          if (last === null || index - last >= apart) {
            shown.indices[index] = true;
            last = index;
          }
        });
      }
      return shown.indices;
    }

    var scales = {
      x: {
        ticks: small
          ? {
              // Chart.js's own auto-skip would drop ticks evenly, Januaries or not: it is off,
              // and `named` chooses.
              autoSkip: false,
              maxRotation: 0,
              callback: function (value) {
                return named(this)[value] ? writeSmall(options.labels[value]) : null;
              }
            }
          : {
              autoSkip: true,
              maxRotation: 0,
              maxTicksLimit: 8,
              callback: function (value) {
                return months(options.labels[value]);
              }
            },
        grid: { display: false }
      },
      y: axis(options.max, options.axisTitles && options.axisTitles.y, "left")
    };
    var chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: options.labels,
        datasets: options.series.map(function (one) {
          var colour = one.colour || BLUE;
          return {
            label: one.label,
            data: one.data,
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: one.dashed ? 1.5 : 2,
            borderDash: one.dashed ? [6, 3] : [],
            pointRadius: small ? 0 : 1.5,
            pointHoverRadius: 3,
            // Straight from month to month: a smoothed line invents values between them.
            tension: 0,
            // No line across months cut out of the axis: they are not neighbours.
            segment: {
              borderColor: function (context) {
                return cuts[context.p0DataIndex] ? "transparent" : undefined;
              }
            }
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        layout: { padding: { top: started === null ? 0 : 14 } },
        plugins: {
          legend: { display: Boolean(options.legend), position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? months(options.labels[items[0].dataIndex]) : "";
              },
              label: function (item) {
                return item.dataset.label + ": " + (item.raw === null ? "—" : number(item.raw));
              }
            }
          },
          scoreMarkers: { started: started, label: options.startedLabel, breaks: options.breaks || [] }
        },
        scales: scales
      },
      plugins: [markers]
    });
    canvas.setAttribute("data-marker", started === null ? "" : String(started));
    if (canvas.parentElement) {
      canvas.parentElement.setAttribute("data-rendered", "true");
    }
    return chart;
  }

  window.ScoreCharts = { drawTrend: drawTrend, markerIndex: markerIndex, markers: markers };

  // --- The page: small multiples and a district against the city ---------------------------------
  var source = document.getElementById("trend-data");
  if (!source) {
    return;
  }
  var trend = JSON.parse(source.textContent);
  var breaks = trend.breaks.map(function (cut) {
    return cut.after;
  });
  var districts = trend.total === null ? trend.series : trend.series.slice(0, trend.total);
  var city = trend.total === null ? null : trend.series[trend.total];
  var kinds = {};
  trend.charts.forEach(function (chart) {
    kinds[chart.metric] = chart.kind;
  });

  // The top of a figure's values over `series`: every small chart of the figure gets this scale.
  function top(metric, series) {
    var values = [];
    series.forEach(function (one) {
      one[metric].forEach(function (value) {
        if (value !== null) {
          values.push(value);
        }
      });
    });
    return values.length ? Math.max.apply(null, values) : null;
  }

  var scaleTops = {};
  trend.charts.forEach(function (chart) {
    scaleTops[chart.metric] = top(chart.metric, districts);
  });

  document.querySelectorAll("canvas[data-trend-metric]").forEach(function (canvas) {
    var metric = canvas.getAttribute("data-trend-metric");
    var one = trend.series[Number(canvas.getAttribute("data-trend-series"))];
    drawTrend(canvas, {
      labels: trend.months,
      series: [{ label: one.name, data: one[metric] }],
      kind: kinds[metric],
      max: scaleTops[metric],
      started: one.started,
      startedLabel: trend.words.started,
      breaks: breaks,
      small: true
    });
  });

  var compared = [];

  function compare(code) {
    compared.forEach(function (chart) {
      chart.destroy();
    });
    compared = [];
    var chosen = districts.filter(function (one) {
      return one.code === code;
    })[0];
    document.querySelectorAll("[data-view=multiples]").forEach(function (element) {
      element.hidden = Boolean(chosen);
    });
    document.querySelectorAll("[data-view=compare]").forEach(function (element) {
      element.hidden = !chosen;
    });
    if (!chosen) {
      return;
    }
    document.querySelectorAll("canvas[data-trend-compare]").forEach(function (canvas) {
      var metric = canvas.getAttribute("data-trend-compare");
      var kind = kinds[metric];
      // Counts and money: the city is several districts' worth, so a second axis would draw the
      // city's line below the district's. One axis instead: the district's share of the city's
      // figure, month by month (0–100 %). Rates and percentages: both lines on one axis.
      var share = kind === "count" || kind === "money";
      var series = share
        ? [
            {
              label: trend.words.share.replace("{district}", chosen.name),
              data: chosen[metric].map(function (value, index) {
                var whole = city[metric][index];
                return value === null || !whole ? null : Math.round((value * 1000) / whole) / 10;
              }),
              colour: BLUE
            }
          ]
        : [
            { label: chosen.name, data: chosen[metric], colour: BLUE },
            { label: city.name, data: city[metric], colour: GREY, dashed: true }
          ];
      compared.push(
        drawTrend(canvas, {
          labels: trend.months,
          series: series,
          kind: share ? "pct" : kind,
          max: share ? null : Math.max(top(metric, [chosen]) || 0, top(metric, [city]) || 0),
          started: chosen.started,
          startedLabel: trend.words.started,
          breaks: breaks,
          legend: true
        })
      );
    });
  }

  var view = document.getElementById("trend-view");
  if (view && city) {
    view.addEventListener("change", function () {
      compare(view.value);
      var target = view.value ? "#compare-" + view.value : window.location.pathname + window.location.search;
      window.history.replaceState(null, "", target);
    });
    // A link to "/dashboard/?…#compare-nanxun" (the district page has one) opens that comparison.
    var fromHash = function () {
      var asked = window.location.hash.replace(/^#compare-/, "");
      if (asked && asked !== window.location.hash) {
        view.value = asked;
        if (view.value === asked) {
          compare(asked);
        }
      }
    };
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }
})();
