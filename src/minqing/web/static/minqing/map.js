// The maps (docs/map.md), one script for three uses, all from a JSON block the page carries
// (<script type="application/json" id="map-config">; the Content-Security-Policy runs no inline script):
// - the staff map (/map/): the cases of the user's scope as clustered points (supercluster), from
//   map/cases.json with the page's own filters, the hotspots where their cases are;
// - the public board's map (/public/<unit>/): the page's cases at ~100 m (rounded by the server;
//   Leaflet.markercluster);
// - the point picker of the intake forms (/submit/, /cases/new/, /visits/): "use my location" or a click
//   on the map sets the hidden lat/lng inputs.
// Tiles come from the operator's MINQING_MAP_TILES; without them a plain background with the units' names.
(function () {
  "use strict";
  var cfgEl = document.getElementById("map-config");
  if (!cfgEl || !window.L) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var CHINA = [35, 105];
  // A county's map never needs the whole country: clustering keeps an index per zoom level from minZoom to
  // maxZoom, so starting at 8 (a region of ~1,000 km) instead of 3 saves a third of the work for 50,000 points.
  var MIN_ZOOM = 8;
  // The page's words (templatetags/maps.py, map_text), in its language: t("count", {n: 3}) → "共 3 件".
  function t(key, vars) {
    return String((cfg.text || {})[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return vars && vars[name] !== undefined ? vars[name] : all;
    });
  }
  function num(n) { return Number(n).toLocaleString(cfg.lang || "zh-CN"); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function baseMap(node, opts) {
    var map = L.map(node, Object.assign({preferCanvas: true, zoomSnap: 0.5, minZoom: MIN_ZOOM, maxZoom: 18}, opts || {}));
    map.attributionControl.setPrefix("Leaflet");
    if (cfg.tiles && cfg.tiles.length) {
      cfg.tiles.forEach(function (url) {
        L.tileLayer(url, {subdomains: cfg.subdomains || "abc", maxZoom: 18, attribution: cfg.attribution || ""}).addTo(map);
      });
    } else {
      node.classList.add("plain");
      map.attributionControl.addAttribution(t("no_tiles"));
    }
    L.control.scale({imperial: false}).addTo(map);
    return map;
  }

  // The units' centres and names: the background's landmarks when there are no tiles (a township's
  // area as a dashed ring, names by level as one zooms in); over tiles, which name the places already,
  // the names only. Drawn on the canvas with explicit styles: a canvas path takes no CSS class.
  function unitLayer(map, units) {
    var layer = L.layerGroup();
    var plain = !(cfg.tiles && cfg.tiles.length);
    (units || []).forEach(function (u) {
      var level = u.level || "village";
      if (plain && level === "township") {
        L.circle([u.lat, u.lng], {radius: 3500, color: "#c9bfa9", weight: 1, dashArray: "4 4", fillColor: "#e4dccb",
                                  fillOpacity: 0.35, interactive: false}).addTo(layer);
      }
      var label = el("span", "unit-label " + level, u.name);
      L.marker([u.lat, u.lng], {icon: L.divIcon({className: "unit-label-icon", html: label, iconSize: null}),
                                interactive: false, keyboard: false, pane: "overlayPane"}).addTo(layer);
    });
    function byZoom() {  // villages from zoom 12, grids from 15: a county's hundreds of names do not pile up
      var z = map.getZoom(), box = map.getContainer();
      box.classList.toggle("show-villages", z >= 12);
      box.classList.toggle("show-grids", z >= 15);
    }
    map.on("zoomend", byZoom);
    map.whenReady(byZoom);
    layer.addTo(map);
    return layer;
  }

  function fit(map, bounds, fallback) {
    if (bounds && bounds.isValid()) map.fitBounds(bounds.pad(0.08), {maxZoom: 16});
    else if (fallback && fallback.isValid()) map.fitBounds(fallback.pad(0.08), {maxZoom: 14});
    else map.setView(CHINA, MIN_ZOOM);
  }

  function unitBounds(units) {
    return L.latLngBounds((units || []).map(function (u) { return [u.lat, u.lng]; }));
  }

  var COLOURS = {overdue: "#c8102e", open: "#1d4ed8", answered: "#0e9f6e", closed: "#667085", approximate: "#98a2b3"};
  function colourOf(p) {
    if (p.overdue) return COLOURS.overdue;
    if (p.status === "closed") return COLOURS.closed;
    if (p.status === "replied" || p.status === "followed_up") return COLOURS.answered;
    return COLOURS.open;
  }

  // The public board's 30 cases: Leaflet.markercluster, which spreads cases at one rounded point apart
  // (spiderfy) when clicked.
  function clusterGroup() {
    return L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true});
  }

  // ---- the staff map: up to 50,000 points, clustered by supercluster (a k-d tree built once, then only the
  // clusters in view are drawn, a few hundred markers), so that the county's open cases are on screen in
  // well under a second; Leaflet.markercluster, which keeps a layer per point and a grid per zoom level,
  // took 2–3 s of CPU for 50,000 (docs/map.md).
  function clusterIcon(n, late) {
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    var inner = el("div");
    inner.appendChild(el("span", "", n >= 10000 ? Math.round(n / 1000) + "k" : String(n)));
    return L.divIcon({html: inner, className: "marker-cluster marker-cluster-" + size + (late ? " has-overdue" : ""),
                      iconSize: L.point(40, 40)});
  }

  function caseLayer(map, features, labels, ready) {
    var layer = L.layerGroup().addTo(map);
    var index = new Supercluster({radius: 56, minZoom: MIN_ZOOM, maxZoom: 17,
                                  map: function (p) { return {late: p.overdue ? 1 : 0}; },
                                  reduce: function (acc, p) { acc.late += p.late; }});
    index.load(features);
    function popup(e) {
      var p = e.target.props, box = el("div", "map-popup");
      var a = el("a", "", p.number);
      a.href = "/cases/" + encodeURIComponent(p.number) + "/";
      box.appendChild(a);
      box.appendChild(el("div", "", (labels[p.status] || p.status) + (p.overdue ? " · " + t("overdue") : "") +
                                    (p.category ? " · " + p.category : "")));
      if (p.approximate) box.appendChild(el("div", "muted small", t("no_point")));
      L.popup().setLatLng(e.target.getLatLng()).setContent(box).openOn(map);
    }
    function draw() {
      var b = map.getBounds(), zoom = Math.round(map.getZoom());
      var shown = index.getClusters([b.getWest() - 0.05, b.getSouth() - 0.05, b.getEast() + 0.05, b.getNorth() + 0.05], zoom);
      layer.clearLayers();
      shown.forEach(function (c) {
        var at = [c.geometry.coordinates[1], c.geometry.coordinates[0]], p = c.properties, m;
        if (p.cluster) {
          m = L.marker(at, {icon: clusterIcon(p.point_count, p.late), title: t("cases_n", {n: num(p.point_count)})});
          m.on("click", function () { map.setView(at, Math.min(index.getClusterExpansionZoom(p.cluster_id), 18)); });
        } else {
          m = L.circleMarker(at, {radius: 6, weight: p.approximate ? 1 : 1.5, color: "#fff", fillOpacity: 0.9,
                                  fillColor: p.approximate ? COLOURS.approximate : colourOf(p)});
          m.props = p;
          m.on("click", popup);
        }
        layer.addLayer(m);
      });
    }
    map.on("moveend", draw);
    draw();
    requestAnimationFrame(ready);
    return layer;
  }

  // The hotspots as circles with their labels. A label stands on the circle's edge, off the cases inside it,
  // and never covers a town's name or a hotter hotspot's label: hottest first, each takes the first side of its
  // circle (above, below, right, left) where it covers neither; with no side free it is hidden at that zoom (the
  // circle stays; its label shows on hover). So a town with several hotspots side by side stays legible.
  var SIDES = ["top", "bottom", "right", "left"];
  function hotspotLayer(map, hotspots) {
    var layer = L.layerGroup(), tips = [];
    hotspots.slice().sort(function (a, b) { return b.heat - a.heat; }).forEach(function (h) {
      var circle = L.circle([h.lat, h.lng], {radius: h.radius, color: "#c8102e", weight: 2, fillColor: "#c8102e",
                                              fillOpacity: 0.12});
      var tip = L.tooltip({permanent: true, direction: "top", className: "hotspot-label"})
        .setContent(t("hotspot", {title: h.title, heat: h.heat, voices: num(h.voices)}));
      tip.edge = function (side) {  // the point of the circle's edge on that side (metres to degrees)
        var dLat = h.radius / 111320, dLng = dLat / Math.max(0.2, Math.cos(h.lat * Math.PI / 180));
        return {top: [h.lat + dLat, h.lng], bottom: [h.lat - dLat, h.lng], right: [h.lat, h.lng + dLng],
                left: [h.lat, h.lng - dLng]}[side];
      };
      tip.setLatLng(tip.edge("top"));
      circle.on("mouseover", function () { var el = tip.getElement(); if (el) el.style.visibility = ""; });
      circle.on("mouseout", function () { declutter(); });
      circle.addTo(layer);
      tip.addTo(layer);
      tips.push(tip);
    });
    function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }
    function place(tip, side) {
      tip.options.direction = side;
      tip.setLatLng(tip.edge(side));  // moves the label and lays it out again on that side
      return tip.getElement().getBoundingClientRect();
    }
    function declutter() {
      var kept = Array.prototype.map.call(map.getContainer().querySelectorAll(".unit-label.township, .unit-label.county"), function (e) {
        return e.getBoundingClientRect();
      }).filter(function (b) { return b.width > 0; });  // the towns' names (villages' are too dense to keep clear)
      tips.forEach(function (tip) {
        var el = tip.getElement();
        if (!el) return;
        el.style.visibility = "";
        for (var i = 0; i < SIDES.length; i++) {
          var box = place(tip, SIDES[i]);
          if (!kept.some(function (k) { return overlaps(k, box); })) { kept.push(box); return; }
        }
        place(tip, "top");
        el.style.visibility = "hidden";
      });
    }
    layer.addTo(map);
    map.on("zoomend moveend overlayadd", declutter);
    declutter();
    return layer;
  }

  function staffMap(node) {
    var map = baseMap(node);
    var units = unitLayer(map, cfg.units);
    var summary = document.getElementById("map-summary");
    var started = performance.now();
    var url = node.getAttribute("data-source") + window.location.search;
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}}).then(function (r) {
      if (!r.ok) return r.json().then(function (e) { throw new Error(e.error ? e.error.message : r.statusText); });
      return r.json();
    }).then(function (data) {
      var fetched = performance.now(), features = data.features;
      var south = 90, west = 180, north = -90, east = -180, approx = 0;
      for (var i = 0; i < features.length; i++) {
        var c = features[i].geometry.coordinates;
        if (c[1] < south) south = c[1];
        if (c[1] > north) north = c[1];
        if (c[0] < west) west = c[0];
        if (c[0] > east) east = c[0];
        if (features[i].properties.approximate) approx++;
      }
      // the view first, then the points: drawn once, at the zoom they are seen at
      fit(map, features.length ? L.latLngBounds([south, west], [north, east]) : null, unitBounds(cfg.units));
      var cases = caseLayer(map, features, cfg.statuses || {}, function () {
        var drawn = performance.now();
        window.__map = {points: data.count, fetchMs: Math.round(fetched - started), renderMs: Math.round(drawn - fetched),
                        totalMs: Math.round(drawn - started), hotspots: (data.hotspots || []).length};
        node.setAttribute("data-ready", "1");
      });
      var hot = hotspotLayer(map, data.hotspots || []);
      var overlays = {};
      overlays[t("layer_cases")] = cases;
      overlays[t("layer_hotspots")] = hot;
      overlays[t("layer_units")] = units;
      L.control.layers(null, overlays, {collapsed: true}).addTo(map);
      if (summary) {
        summary.textContent = t("count", {n: num(data.count)}) +
          (approx ? t("approx", {n: num(approx)}) : "") +
          (data.unplaced ? t("unplaced", {n: num(data.unplaced)}) : "") +
          (data.truncated ? t("truncated", {n: num(cfg.max_points)}) : "") +
          ((data.hotspots || []).length ? t("hotspots_n", {n: data.hotspots.length}) : "");
      }
    }).catch(function (err) {
      if (summary) summary.textContent = t("load_failed", {error: err && err.message || err});
      node.setAttribute("data-ready", "error");
    });
  }

  // ---- the public board's map: this page's cases, already rounded to ~100 m by the server
  function publicMap(node) {
    var map = baseMap(node, {scrollWheelZoom: false});
    unitLayer(map, cfg.units);
    var group = clusterGroup();
    fit(map, (cfg.points || []).length ? L.latLngBounds(cfg.points.map(function (p) { return [p.lat, p.lng]; })) : null,
        unitBounds(cfg.units));
    group.addTo(map);
    (cfg.points || []).forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lng], {radius: 7, weight: 1.5, color: "#fff", fillOpacity: 0.9,
                                               fillColor: p.approximate ? COLOURS.approximate : colourOf(p)});
      var box = el("div", "map-popup");
      var a = el("a", "", p.title);
      a.href = "#" + p.number;
      box.appendChild(a);
      box.appendChild(el("div", "muted small", p.status_label + " · " + p.place + " · " + t(p.approximate ? "at_centre" : "at_100m")));
      m.bindPopup(box);
      group.addLayer(m);
    });
    node.setAttribute("data-ready", "1");
  }

  // ---- the intake forms' point picker
  function picker(box) {
    var form = box.closest("form"), node = box.querySelector("[data-point-map]");
    var lat = box.querySelector("input[name=lat]"), lng = box.querySelector("input[name=lng]");
    var out = box.querySelector("[data-point-out]"), locateBtn = box.querySelector("[data-point-locate]");
    var map = baseMap(node, {scrollWheelZoom: false});
    unitLayer(map, cfg.units);
    var marker = null, shown = "";
    function show(moveTo) {
      var a = parseFloat(lat.value), b = parseFloat(lng.value);
      shown = lat.value + "," + lng.value;
      if (isFinite(a) && isFinite(b)) {
        if (!marker) marker = L.marker([a, b], {draggable: true, icon: L.divIcon({className: "point-pin", iconSize: [18, 18]})})
          .on("dragend", function () { set(marker.getLatLng().lat, marker.getLatLng().lng, "moved"); }).addTo(map);
        marker.setLatLng([a, b]);
        if (moveTo) map.setView([a, b], Math.max(map.getZoom(), 16));
        out.textContent = out.textContent || t("position", {lat: a.toFixed(5), lng: b.toFixed(5)});
      } else {
        if (marker) { map.removeLayer(marker); marker = null; }
        out.textContent = "";
      }
    }
    function set(a, b, how, vars) {  // how: the key of what was done (t)
      lat.value = a.toFixed(6);
      lng.value = b.toFixed(6);
      out.textContent = t(how, Object.assign({lat: a.toFixed(5), lng: b.toFixed(5)}, vars || {}));
      show(false);
    }
    map.on("click", function (e) { set(e.latlng.lat, e.latlng.lng, "picked"); });
    // The field form's own "记录当前位置" (field.js) fills the same inputs; so does the offline queue's reset:
    // the picker follows whatever the inputs hold.
    setInterval(function () { if (lat.value + "," + lng.value !== shown) { out.textContent = ""; show(true); } }, 700);
    // One "locate" button on a form: where field.js shows its own (after the page has loaded), ours steps back.
    function oneButton() {
      var theirs = form && form.querySelector("[data-locate]");
      locateBtn.hidden = !navigator.geolocation || !!(theirs && !theirs.hidden);
    }
    oneButton();
    if (document.readyState !== "complete") window.addEventListener("load", oneButton);
    locateBtn.addEventListener("click", function () {
      out.textContent = t("locating");
      navigator.geolocation.getCurrentPosition(function (p) {
        set(p.coords.latitude, p.coords.longitude, "located", {m: Math.round(p.coords.accuracy)});
        map.setView([p.coords.latitude, p.coords.longitude], 17);
      }, function (err) {
        out.textContent = t("locate_failed", {error: err.message});
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
    box.querySelector("[data-point-clear]").addEventListener("click", function () {
      lat.value = ""; lng.value = ""; show(false);
    });
    var place = form && form.querySelector("select[name=unit]");
    var byCode = {};
    (cfg.units || []).forEach(function (u) { byCode[u.code] = u; });
    function toPlace() {
      var u = place && byCode[place.value];
      if (u && !marker) map.setView([u.lat, u.lng], 15);
    }
    if (place) place.addEventListener("change", toPlace);
    fit(map, null, unitBounds(cfg.units));
    show(true);
    toPlace();
  }

  var staff = document.querySelector("[data-map=staff]");
  if (staff) staffMap(staff);
  var pub = document.querySelector("[data-map=public]");
  if (pub) publicMap(pub);
  Array.prototype.forEach.call(document.querySelectorAll("[data-point-picker]"), picker);
})();
