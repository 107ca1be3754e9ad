/* Accord mobility flows: draws <canvas data-flow-chart="map|sankey|stacked|hbar|rate|hrate|doughnut"
 * data-source="ID"> from the JSON of a json_script element, and switches the world map between
 * outgoing and incoming. Needs Chart.js, chartjs-chart-geo, chartjs-chart-sankey and charts.js. Every chart's
 * figures are also in the table next to it, which stays open when this script does not run.
 * Suppressed counts arrive as null: maps draw them in a light grey and say "<5", or "≥5" for a
 * count hidden so that a small one cannot be worked out (a series' `marks` say which). */
(function () {
  "use strict";

  var EMPTY = "#e6eaef";
  var SUPPRESSED = "#c9ced6";
  var PALETTE = ["#1d5c8f", "#e8833a", "#2a9d8f", "#9b7ec8", "#e9c46a", "#8ab17d", "#79b4dd", "#d1606b"];
  var OTHER = "#b8c2cc";
  var LINE = "#0b2540";
  var OBLIGATION_COLORS = { pending: "#e9c46a", fulfilled: "#2a9d8f", breached: "#d1606b", waived: "#b8c2cc" };
  var ANTARCTICA = "010";

  document.documentElement.classList.add("js-flows");

  // The colour scale, data reading and atlas loading of charts.js.
  var blue = window.AccordCharts.blue;
  var readData = window.AccordCharts.readData;
  var loadAtlas = window.AccordCharts.loadAtlas;
  var settle = window.AccordCharts.settle;

  function number(value) {
    return value === null || value === undefined ? "" : value.toLocaleString();
  }

  function worldMap(canvas, data) {
    if (!window.ChartGeo) { return Promise.reject(new Error("ChartGeo missing")); }
    return loadAtlas(canvas.dataset.atlas).then(function (atlas) {
      var byId = {};
      data.items.forEach(function (item) { if (item.id) { byId[item.id] = item; } });
      var features = ChartGeo.topojson.feature(atlas, atlas.objects.countries).features
        .filter(function (feature) { return feature.id !== ANTARCTICA; });
      // A square-root scale: the largest flows stand out, and small ones still show.
      var max = Math.max.apply(null, [1].concat(data.items.map(function (i) { return i.value || 0; })));
      return new Chart(canvas, {
        type: "choropleth",
        data: {
          labels: features.map(function (f) { return byId[f.id] ? byId[f.id].name : f.properties.name; }),
          datasets: [{
            label: data.label,
            data: features.map(function (feature) {
              var item = byId[feature.id];
              return { feature: feature, value: item ? (item.value || 0) : 0, item: item || null };
            }),
            outline: { type: "FeatureCollection", features: features },
            borderColor: "#ffffff",
            borderWidth: 0.5,
            hoverBorderColor: LINE,
            hoverBorderWidth: 1.2,
            backgroundColor: function (context) {
              var raw = context.raw;
              if (!raw || !raw.item) { return EMPTY; }
              if (raw.item.value === null) { return SUPPRESSED; }
              return blue(0.12 + 0.88 * Math.sqrt(raw.item.value / max));
            }
          }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: true,
          aspectRatio: 2.1,
          animation: false,
          showOutline: false,
          showGraticule: false,
          onClick: function (event, elements) {
            var raw = elements.length ? elements[0].element.$context.raw : null;
            if (canvas.dataset.countryLink && raw && raw.item) {
              window.location.href = canvas.dataset.countryLink + encodeURIComponent(raw.item.code);
            }
          },
          onHover: function (event, elements) {
            var raw = elements.length ? elements[0].element.$context.raw : null;
            canvas.style.cursor = raw && raw.item ? "pointer" : "default";
          },
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                title: function () { return ""; },
                label: function (context) {
                  var item = context.raw.item;
                  var name = context.chart.data.labels[context.dataIndex];
                  return name + ": " + (item ? item.display : "0");
                }
              }
            }
          },
          scales: {
            projection: { axis: "x", projection: "equalEarth" },
            color: { axis: "x", display: false }
          }
        }
      });
    });
  }

  function sankey(canvas, data) {
    var nodes = {};
    data.flows.forEach(function (flow) { nodes[flow.from] = true; nodes[flow.to] = true; });
    var colors = {}, next = 0;
    Object.keys(data.labels).forEach(function (key) {
      var code = key.split(":")[1];
      if (!(code in colors)) { colors[code] = PALETTE[next++ % PALETTE.length]; }
    });
    function color(key) { return colors[key.split(":")[1]] || OTHER; }
    var box = canvas.parentElement;
    box.style.height = Math.max(18, Math.min(40, Object.keys(nodes).length * 1.4)) + "rem";
    return Promise.resolve(new Chart(canvas, {
      type: "sankey",
      data: {
        datasets: [{
          label: data.label,
          data: data.flows,
          labels: data.labels,
          colorFrom: function (c) { return color(c.dataset.data[c.dataIndex].from); },
          colorTo: function (c) { return color(c.dataset.data[c.dataIndex].to); },
          colorMode: "gradient",
          alpha: 0.55,
          borderWidth: 0,
          nodeWidth: 12,
          nodePadding: 14,
          size: "max",
          font: { size: 12 }
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (context) {
                var item = context.dataset.data[context.dataIndex];
                return data.labels[item.from] + " → " + data.labels[item.to] + ": " + number(item.flow);
              }
            }
          }
        }
      }
    }));
  }

  function tooltipWithSuppressed(data) {
    return {
      callbacks: {
        label: function (context) {
          var value = context.raw;
          var marks = context.dataset.marks;
          var mark = (marks && marks[context.dataIndex]) || data.suppressed || "—";
          var shown = value === null || value === undefined ? mark : number(value);
          return (context.dataset.label ? context.dataset.label + ": " : "") + shown;
        }
      }
    };
  }

  function stacked(canvas, data) {
    var datasets = data.series.map(function (series, i) {
      return {
        type: "bar",
        label: series.label,
        data: series.values,
        marks: series.marks,
        backgroundColor: series.other ? OTHER : PALETTE[i % PALETTE.length],
        stack: "mobilities",
        borderRadius: 2,
        order: 2
      };
    });
    if (data.line) {
      datasets.push({
        type: "line",
        label: data.line.label,
        data: data.line.values,
        marks: data.line.marks,
        borderColor: LINE,
        backgroundColor: LINE,
        borderDash: [5, 4],
        pointRadius: 3,
        tension: 0.2,
        order: 1
      });
    }
    return Promise.resolve(new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            position: "bottom",
            labels: { boxWidth: 12, sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } }
          },
          tooltip: tooltipWithSuppressed(data)
        },
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    }));
  }

  function bars(canvas, data, options) {
    var horizontal = options.horizontal, rate = options.rate;
    return Promise.resolve(new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: rate ? PALETTE[2] : PALETTE[0],
          borderRadius: 3,
          maxBarThickness: 28
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { display: false },
          tooltip: rate ? {
            callbacks: {
              label: function (context) {
                return context.raw === null ? "—" : number(context.raw) + " %";
              }
            }
          } : tooltipWithSuppressed(data)
        },
        scales: (function () {
          var value = { beginAtZero: true, ticks: { precision: 0 } };
          if (rate) { value.max = 100; value.ticks = { callback: function (v) { return v + " %"; } }; }
          var category = {
            grid: { display: false },
            ticks: { autoSkip: false, callback: function (v) {
              var label = this.getLabelForValue(v);
              return horizontal && label.length > 34 ? label.slice(0, 32) + "…" : label;
            } }
          };
          return horizontal ? { x: value, y: category } : { x: category, y: value };
        })()
      }
    }));
  }

  function doughnut(canvas, data) {
    var colors = (data.keys || []).map(function (key, i) { return OBLIGATION_COLORS[key] || PALETTE[i % PALETTE.length]; });
    return Promise.resolve(new Chart(canvas, {
      type: "doughnut",
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values, backgroundColor: colors, borderColor: "#ffffff", borderWidth: 2 }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        cutout: "60%",
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: tooltipWithSuppressed(data)
        }
      }
    }));
  }

  function draw(canvas) {
    if (canvas.dataset.chartReady) { return; }
    var figure = canvas.closest(".chart");
    if (figure && figure.hidden) { return; }
    canvas.dataset.chartReady = "1";
    var data = readData(canvas);
    if (!data || !window.Chart) {
      if (figure) { figure.classList.add("chart-failed"); }
      return;
    }
    var type = canvas.dataset.flowChart, drawing;
    if (type === "map") { drawing = worldMap(canvas, data); }
    else if (type === "sankey") {
      if (!data.flows.length) { drawing = Promise.reject(new Error("no flows to draw")); }
      else { drawing = sankey(canvas, data); }
    }
    else if (type === "stacked") { drawing = stacked(canvas, data); }
    else if (type === "doughnut") { drawing = doughnut(canvas, data); }
    else { drawing = bars(canvas, data, { horizontal: type === "hbar" || type === "hrate", rate: type === "rate" || type === "hrate" }); }
    settle(figure, drawing);
  }

  function isEmpty(canvas) {
    var data = readData(canvas);
    if (!data) { return true; }
    if (data.items) { return !data.items.length; }
    if (data.flows) { return !data.flows.length; }
    if (data.series) { return !data.labels.length; }
    return !(data.values || []).some(function (v) { return v; });
  }

  function showMap(name) {
    document.querySelectorAll(".flow-map[data-map]").forEach(function (figure) {
      figure.hidden = figure.dataset.map !== name;
    });
    document.querySelectorAll("[data-map-show]").forEach(function (button) {
      var on = button.dataset.mapShow === name;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("outline", !on);
    });
    document.querySelectorAll(".flow-map:not([hidden]) canvas[data-flow-chart]").forEach(draw);
  }

  function start() {
    document.querySelectorAll("[data-map-show]").forEach(function (button) {
      button.addEventListener("click", function () { showMap(button.dataset.mapShow); });
    });
    document.querySelectorAll("canvas[data-flow-chart]").forEach(function (canvas) {
      if (isEmpty(canvas)) {
        var figure = canvas.closest(".chart");
        if (figure) { figure.classList.add("chart-failed"); }
        canvas.dataset.chartReady = "1";
      }
    });
    if (document.querySelector("[data-map-show]")) { showMap("destinations"); }
    document.querySelectorAll("canvas[data-flow-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
