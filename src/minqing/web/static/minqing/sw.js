// The grid cadre's pages without a network (issue 20, docs/field.md). Served at /sw.js (scope "/") by
// web/views/app.py, which fills in VERSION and ASSETS. What it does, and no more:
// - the app's own files (ASSETS) are kept at install and served from the cache first; other static files
//   are fetched, and the copy kept for when there is no network;
// - the field pages (visits, record a voice, my cases, notices) are fetched from the network when there is
//   one — and the copy kept — and served from the last copy when there is none;
// - everything else (the API, POSTs, citizens' pages, files, exports) goes to the network untouched.
// Records made offline are not the worker's business: field.js queues them in IndexedDB and sends them.
"use strict";
var VERSION = "__VERSION__";
var ASSETS = [];
var STATIC = "minqing-static-" + VERSION;
var PAGES = "minqing-pages";
var FIELD_PAGES = [/^\/visits\/$/, /^\/cases\/$/, /^\/cases\/new\/$/, /^\/cases\/MQ-[\w-]+\/$/, /^\/notices\/$/, /^\/$/];
var WAIT_MS = 4000; // a network slower than this on a page counts as none: show the copy

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("minqing-static-") === 0 && n !== STATIC; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isFieldPage(url) {
  return FIELD_PAGES.some(function (re) { return re.test(url.pathname); });
}

function offlinePage() {
  var html = '<!doctype html><html lang="zh-hans"><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>没有网络 · 民情台账</title>' +
    '<main><h1>没有网络</h1><p>这个页面还没有在本机保存过，有网络后再打开。</p>' +
    '<p><a href="/visits/">走访</a> · <a href="/cases/new/">登记诉求</a> · <a href="/cases/?box=mine">我的工单</a></p>' +
    '<p>已登记而未发送的记录保存在本机，有网络后自动发送。</p></main></html>';
  return new Response(html, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

function fromCache(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || cache.match(request, {ignoreSearch: true});
    });
  });
}

// network first, with a time limit; a page that answered 200 is kept for next time
function page(request) {
  var network = fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  });
  var late = new Promise(function (resolve) {
    setTimeout(function () { fromCache(request).then(function (hit) { if (hit) resolve(hit); }); }, WAIT_MS);
  });
  var failed = network.catch(function () {
    return fromCache(request).then(function (hit) { return hit || offlinePage(); });
  });
  return Promise.race([failed, late]);
}

function keep(request, response) {
  if (response.ok) {
    var copy = response.clone();
    caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

// the app's own files (versioned with the worker): cache first; any other static file (a map library the
// page loads) may change without a new worker: network first, the copy when there is no network
function asset(request, url) {
  if (ASSETS.indexOf(url.pathname) >= 0) {
    return caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) { return keep(request, response); });
    });
  }
  return fetch(request).then(function (response) { return keep(request, response); }, function () {
    return caches.match(request).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isFieldPage(url)) {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request, url));
  }
});
