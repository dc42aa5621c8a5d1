// Draws the dashboard's charts with Apache ECharts (web/static/vendor/echarts.min.js) from the JSON
// in #chart-data's data-charts: per chart its categories and series, each bar or point with the link to the
// list of complaints behind it; clicking one opens that list. No inline script: the page's CSP stays.
(function () {
  "use strict";

  function option(chart) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 64, containLabel: true },
      xAxis: { type: "category", data: chart.categories, axisLabel: { rotate: chart.categories.length > 8 ? 45 : 0, interval: chart.categories.length > 12 ? "auto" : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: chart.series.map(function (s) {
        return { name: s.name, type: s.type, data: s.data, stack: chart.stack ? "all" : undefined,
                 symbolSize: 8, triggerLineEvent: true, cursor: "pointer" };
      })
    };
  }

  function draw(chart) {
    const container = document.getElementById("chart-" + chart.id);
    if (!container || typeof echarts === "undefined") return;
    const plot = echarts.init(container, null, { renderer: "canvas" });
    plot.setOption(option(chart));
    plot.on("click", function (params) {
      const series = chart.series[params.seriesIndex];
      const link = series && series.links[params.dataIndex];
      if (link) window.location.assign(link);
    });
    window.addEventListener("resize", function () { plot.resize(); });
    container.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    const block = document.getElementById("chart-data");
    if (!block) return;
    JSON.parse(block.dataset.charts).charts.forEach(draw);
  });
})();
