/* Accord charts: renders <canvas data-chart="world-map|bar|doughnut" data-source="ID">
 * from the JSON of a Django json_script element. Needs Chart.js (global Chart) and, for
 * maps, chartjs-chart-geo (global ChartGeo). Each chart's data is also in an HTML table
 * (<details class="chart-table">), which stays open when this script does not run. */
(function () {
  "use strict";

  // Light to dark blue, through a clear middle: partners stand out even with small counts.
  var STOPS = [[198, 219, 239], [66, 146, 198], [8, 48, 107]];
  var EMPTY = "#e6eaef";
  var BORDER = "#ffffff";
  var HIGHLIGHT = "#e8833a";
  var PALETTE = ["#1d5c8f", "#3f8fc7", "#79b4dd", "#2a9d8f", "#8ab17d", "#e9c46a", "#f4a261", "#9b7ec8"];
  var ANTARCTICA = "010";
  var atlases = {};

  document.documentElement.classList.add("js-charts");

  function blue(t) {
    var x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var i = Math.min(Math.floor(x), STOPS.length - 2), f = x - i;
    var rgb = STOPS[i].map(function (from, k) { return Math.round(from + (STOPS[i + 1][k] - from) * f); });
    return "rgb(" + rgb.join(",") + ")";
  }

  function readData(canvas) {
    var source = document.getElementById(canvas.dataset.source || "");
    return source ? JSON.parse(source.textContent) : null;
  }

  function loadAtlas(url) {
    if (!atlases[url]) {
      atlases[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("atlas " + response.status); }
        return response.json();
      });
    }
    return atlases[url];
  }

  function worldMap(canvas, data) {
    if (!window.ChartGeo) { return Promise.reject(new Error("ChartGeo missing")); }
    return loadAtlas(canvas.dataset.atlas).then(function (atlas) {
      var values = {}, names = {}, codes = {}, highlighted = {};
      data.items.forEach(function (item) {
        if (item.id) { values[item.id] = item.value; names[item.id] = item.name; codes[item.id] = item.code; }
      });
      (data.highlight || []).forEach(function (item) {
        if (item.id) { highlighted[item.id] = true; names[item.id] = names[item.id] || item.name; }
      });
      var features = ChartGeo.topojson.feature(atlas, atlas.objects.countries).features
        .filter(function (feature) { return feature.id !== ANTARCTICA; });
      var max = Math.max.apply(null, [1].concat(data.items.map(function (i) { return i.value; })));
      var points = features.map(function (feature) {
        return { feature: feature, value: values[feature.id] || 0 };
      });
      return new Chart(canvas, {
        type: "choropleth",
        data: {
          labels: features.map(function (f) { return names[f.id] || f.properties.name; }),
          datasets: [{
            label: data.label,
            data: points,
            outline: { type: "FeatureCollection", features: features },
            borderColor: BORDER,
            borderWidth: 0.5,
            hoverBorderColor: "#0b2540",
            hoverBorderWidth: 1.2,
            backgroundColor: function (context) {
              var raw = context.raw;
              if (!raw) { return EMPTY; }
              if (highlighted[raw.feature.id]) { return HIGHLIGHT; }
              if (!raw.value) { return EMPTY; }
              return blue(max === 1 ? 0.6 : 0.2 + 0.8 * (raw.value - 1) / (max - 1));
            }
          }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: true,
          aspectRatio: 2.2,
          animation: false,
          showOutline: false,
          showGraticule: false,
          onClick: function (event, elements) {
            var link = canvas.dataset.countryLink;
            var raw = elements.length ? elements[0].element.$context.raw : null;
            if (link && raw && raw.value && codes[raw.feature.id]) {
              window.location.href = link + encodeURIComponent(codes[raw.feature.id]);
            }
          },
          onHover: function (event, elements) {
            var raw = elements.length ? elements[0].element.$context.raw : null;
            canvas.style.cursor = canvas.dataset.countryLink && raw && raw.value ? "pointer" : "default";
          },
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                title: function () { return ""; },
                label: function (context) {
                  var name = context.chart.data.labels[context.dataIndex];
                  var line = name + ": " + (context.raw.value || 0);
                  if (highlighted[context.raw.feature.id] && canvas.dataset.homeLabel) {
                    line += " (" + canvas.dataset.homeLabel + ")";
                  }
                  return line;
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

  function categoryChart(canvas, data, type) {
    var colors = data.values.map(function (_, i) { return PALETTE[i % PALETTE.length]; });
    var doughnut = type === "doughnut";
    return Promise.resolve(new Chart(canvas, {
      type: type,
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: doughnut ? colors : PALETTE[0],
          borderColor: doughnut ? "#ffffff" : PALETTE[0],
          borderWidth: doughnut ? 2 : 0,
          borderRadius: doughnut ? 0 : 4
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: canvas.dataset.horizontal ? "y" : "x",
        plugins: {
          legend: { display: doughnut, position: "bottom", labels: { boxWidth: 12 } }
        },
        scales: doughnut ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } },
        cutout: doughnut ? "62%" : undefined
      }
    }));
  }

  function render(canvas) {
    if (canvas.dataset.chartReady) { return; }
    canvas.dataset.chartReady = "1";
    var data = readData(canvas);
    var figure = canvas.closest(".chart");
    if (!data || !window.Chart) {
      if (figure) { figure.classList.add("chart-failed"); }
      return;
    }
    var type = canvas.dataset.chart;
    var drawing = type === "world-map" ? worldMap(canvas, data) : categoryChart(canvas, data, type);
    settle(figure, drawing);
  }

  /* Once a chart is drawn its table folds away (it stays one click off); a chart that fails
   * leaves the table open instead. */
  function settle(figure, drawing) {
    drawing.then(function () {
      if (!figure) { return; }
      figure.classList.add("chart-drawn");
      var table = figure.querySelector("details.chart-table");
      if (table) { table.open = false; }
    }).catch(function (error) {
      if (figure) { figure.classList.add("chart-failed"); }
      if (window.console) { console.warn("Accord chart not drawn:", error); }
    });
  }

  function renderAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  } else {
    renderAll(document);
  }
  document.addEventListener("htmx:load", function (event) { renderAll(event.target); });

  // Shared with the other chart scripts (mobility_flows.js), loaded after this one.
  window.AccordCharts = { blue: blue, readData: readData, loadAtlas: loadAtlas, settle: settle };
})();
