// Charts for the rates page (ECharts, vendored). Data comes from the page as JSON.
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var names = {response_rate: gettext("响应率"), resolution_rate: gettext("解决率"), satisfaction_rate: gettext("满意率"),
               on_time_rate: gettext("按时办结率")};
  var font = {fontFamily: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"};
  var pct = function (v) { return v == null ? null : Math.round(v * 1000) / 10; };
  function series(map, type) {
    return Object.keys(map).map(function (k) {
      return {name: names[k], type: type, data: map[k].map(pct), connectNulls: true};
    });
  }
  // Tooltips drawn on the canvas (richText), not as HTML: the Content-Security-Policy refuses inline styles.
  var common = {textStyle: font, tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v == null ? "—" : v + "%"; }},
                legend: {top: 0}, grid: {left: 48, right: 16, top: 36, bottom: 40}};
  var trend = echarts.init(document.getElementById("trend"));
  trend.setOption(Object.assign({}, common, {
    xAxis: {type: "category", data: data.months}, yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
    series: series(data.series, "line")}));
  var ranking = echarts.init(document.getElementById("ranking"));
  ranking.setOption(Object.assign({}, common, {
    xAxis: {type: "category", data: data.units, axisLabel: {interval: 0, rotate: data.units.length > 8 ? 30 : 0}},
    yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
    series: series(data.ranking, "bar")}));
  window.addEventListener("resize", function () { trend.resize(); ranking.resize(); });
})();
