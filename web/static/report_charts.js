// The monthly report's charts (Apache ECharts, vendored). The figures come from the page's JSON block, the
// same numbers the tables below show; nothing is fetched. A rate with no denominator is drawn as no bar.
(function () {
  "use strict";
  var block = document.getElementById("report-data");
  if (!block || !window.echarts) { return; }
  var data = JSON.parse(block.textContent);
  var L = data.labels;
  var charts = [];

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  function compareRates(which) {
    var found = {};
    ((data.compare && data.compare[which] && data.compare[which].rates) || []).forEach(function (r) {
      found[r.key] = r.denominator ? r.numerator / r.denominator : null;
    });
    return found;
  }
  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    node.dataset.drawn = "1";
    charts.push(chart);
  }

  var names = data.rates.map(function (r) { return data.names[r.key] || r.key; });
  var previous = compareRates("previous"), lastYear = compareRates("last_year");
  draw("chart-rates", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names, inverse: true },
    series: [
      { name: L["this"], type: "bar", data: data.rates.map(function (r) { return pct(r.rate); }),
        markLine: { symbol: "none", label: { show: false }, data: [{ xAxis: 100, name: L.target }],
          lineStyle: { type: "dashed" } } },
      { name: L.previous, type: "bar", data: data.rates.map(function (r) { return pct(previous[r.key]); }) },
      { name: L.last_year, type: "bar", data: data.rates.map(function (r) { return pct(lastYear[r.key]); }) }
    ]
  });

  var ratings = Object.keys(data.ratings);
  function counts(part) { return ratings.map(function (k) { return (part && part[k]) || 0; }); }
  draw("chart-breaches", {
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: ratings.map(function (k) { return data.ratings[k]; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: L["this"], type: "bar", data: counts(data.breach_counts) },
      { name: L.previous, type: "bar", data: counts(data.compare && data.compare.previous && data.compare.previous.breach_counts) },
      { name: L.last_year, type: "bar", data: counts(data.compare && data.compare.last_year && data.compare.last_year.breach_counts) }
    ]
  });

  data.breakdowns.forEach(function (b) {
    var items = b.items.slice(0, 12);
    draw("chart-" + b.key, {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: items.map(function (i) { return i[0]; }) },
      series: [{ type: "bar", data: items.map(function (i) { return i[1]; }) }]
    });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
