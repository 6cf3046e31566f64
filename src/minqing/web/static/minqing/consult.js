// The opinion map of a consultation: one point per participant, coloured by group (ECharts, vendored).
(function () {
  var el = document.getElementById("opinion-map");
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  if (!el || !window.echarts || !data.points.length) return;
  var colours = ["#c8102e", "#175cd3", "#039855", "#dc6803", "#7a5af8", "#0e9384", "#667085", "#e31b54"];
  var series = data.labels.map(function (label, g) {
    return { name: label, type: "scatter", symbolSize: 7, itemStyle: { color: colours[g % colours.length], opacity: 0.7 },
             data: data.points.filter(function (p) { return p[2] === g; }).map(function (p) { return [p[0], p[1]]; }) };
  });
  var loose = data.points.filter(function (p) { return p[2] === null; });
  if (loose.length) series.push({ name: "未归组", type: "scatter", symbolSize: 5, itemStyle: { color: "#98a2b3" },
                                  data: loose.map(function (p) { return [p[0], p[1]]; }) });
  if (data.mine) series.push({ name: "您的位置", type: "effectScatter", symbolSize: 14, itemStyle: { color: "#101828" },
                               data: [data.mine], z: 10 });
  var chart = echarts.init(el);
  chart.setOption({
    animation: false, legend: { top: 0 }, grid: { left: 20, right: 20, top: 36, bottom: 20 },
    xAxis: { show: false, scale: true }, yAxis: { show: false, scale: true }, tooltip: { formatter: "{a}", renderMode: "richText" },  // on the canvas: no inline style (CSP)
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
