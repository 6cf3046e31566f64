// The leaders' dashboard (ECharts, vendored): every bar, point and slice opens the cases behind it.
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var font = {fontFamily: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"};
  var red = "#c8102e";
  function chart(id, option, rows) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el);
    // tooltips drawn on the canvas (richText), not as HTML: the Content-Security-Policy refuses inline styles
    option.tooltip = Object.assign({renderMode: "richText"}, option.tooltip);
    c.setOption(Object.assign({textStyle: font}, option));
    c.on("click", function (p) {
      var row = (p.data && p.data.link) ? p.data : rows[p.dataIndex];
      if (row && row.link) window.location = row.link;
    });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  chart("by-day", {
    tooltip: {trigger: "axis"}, grid: {left: 40, right: 16, top: 16, bottom: 30},
    xAxis: {type: "category", data: data.by_day.map(function (r) { return r.day.slice(5); })},
    yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", name: gettext("诉求"), itemStyle: {color: red}, data: data.by_day.map(function (r) { return r.value; })}]
  }, data.by_day);
  // The map of places: each case counted once, where it is (departments are not places; the table beside
  // it counts what each unit is responsible for, its own and its departments').
  var places = data.by_place.filter(function (r) { return r.here > 0; });
  // green (no overdue) → amber → red (a third or more overdue)
  function heat(share) {
    var stops = [[0, [220, 250, 230]], [0.15, [254, 223, 137]], [0.33, [249, 112, 102]]];
    var t = Math.min(share, 0.33), i = t < 0.15 ? 0 : 1, a = stops[i], b = stops[i + 1], f = (t - a[0]) / (b[0] - a[0]);
    return "rgb(" + a[1].map(function (v, k) { return Math.round(v + (b[1][k] - v) * f); }).join(",") + ")";
  }
  chart("by-place", {
    tooltip: {formatter: function (p) { var r = p.data; return r.name + "\n" + interpolate(gettext("件数 %(n)s，超期 %(overdue)s"), {n: r.value, overdue: r.overdue}, true); }},
    series: [{type: "treemap", roam: false, nodeClick: false, breadcrumb: {show: false},
              label: {color: "#101828", overflow: "truncate", lineOverflow: "truncate", ellipsis: "…", formatter: function (p) { return p.data.name + "\n" + interpolate(gettext("%(n)s件 · 超期%(overdue)s"), {n: p.data.value, overdue: p.data.overdue}, true); }},
              data: places.map(function (r) {
                return {name: r.name, value: r.here, overdue: r.here_overdue, link: r.link,
                        itemStyle: {color: heat(r.here_overdue / r.here), borderColor: "#fff"}}; })}]
  }, places);
  chart("by-category", {
    grid: {left: 110, right: 30, top: 10, bottom: 20},
    xAxis: {type: "value", minInterval: 1}, yAxis: {type: "category", inverse: true, data: data.by_category.map(function (r) { return r.name; })},
    series: [{type: "bar", itemStyle: {color: "#175cd3"}, data: data.by_category.map(function (r) { return r.value; }), label: {show: true, position: "right"}}]
  }, data.by_category);
  chart("by-channel", {
    tooltip: {trigger: "item"}, legend: {bottom: 0},
    series: [{type: "pie", radius: ["35%", "65%"], top: -20, label: {formatter: "{b} {c}"},
              data: data.by_channel.map(function (r) { return {name: r.name, value: r.value}; })}]
  }, data.by_channel);
})();
