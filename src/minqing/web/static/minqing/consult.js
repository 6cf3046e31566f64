// The opinion map of a consultation: one point per participant, coloured by group (ECharts, vendored).
// The chart library is 1 MB (336 KB compressed): on a phone it loads only when asked (issue 20, the citizen's
// pages under 200 KB), on a wider screen at once.
(function () {
  var el = document.getElementById("opinion-map");
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var me = document.currentScript, lib = me && me.getAttribute("data-echarts");
  if (!el || !data.points.length) return;
  if (window.echarts || !lib) return draw(el, data);
  function load() {
    var s = document.createElement("script");
    s.src = lib;
    s.onload = function () { draw(el, data); };
    document.head.appendChild(s);
  }
  if (window.matchMedia("(min-width: 761px)").matches) return load();
  var ask = document.createElement("button");
  ask.type = "button";
  ask.textContent = gettext("显示观点地图（约 340 KB）");
  ask.addEventListener("click", function () { ask.remove(); load(); });
  el.classList.add("asked");
  el.appendChild(ask);
})();

function draw(el, data) {
  var colours = ["#c8102e", "#175cd3", "#039855", "#dc6803", "#7a5af8", "#0e9384", "#667085", "#e31b54"];
  var series = data.labels.map(function (label, g) {
    return { name: label, type: "scatter", symbolSize: 7, itemStyle: { color: colours[g % colours.length], opacity: 0.7 },
             data: data.points.filter(function (p) { return p[2] === g; }).map(function (p) { return [p[0], p[1]]; }) };
  });
  var loose = data.points.filter(function (p) { return p[2] === null; });
  if (loose.length) series.push({ name: gettext("未归组"), type: "scatter", symbolSize: 5, itemStyle: { color: "#98a2b3" },
                                  data: loose.map(function (p) { return [p[0], p[1]]; }) });
  if (data.mine) series.push({ name: gettext("您的位置"), type: "effectScatter", symbolSize: 14, itemStyle: { color: "#101828" },
                               data: [data.mine], z: 10 });
  var chart = echarts.init(el);
  chart.setOption({
    animation: false, legend: { top: 0 }, grid: { left: 20, right: 20, top: 36, bottom: 20 },
    xAxis: { show: false, scale: true }, yAxis: { show: false, scale: true }, tooltip: { formatter: "{a}", renderMode: "richText" },  // on the canvas: no inline style (CSP)
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
}
