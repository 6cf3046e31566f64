// The grid cadre's records without a network (issue 20, docs/field.md). Loaded on staff pages only.
// A form marked data-queue="visit" (the visit log) or data-queue="voice" (record a voice) is not sent by the
// browser: what was typed — with a photo and a location — becomes a record in IndexedDB with its own key
// (a UUID), shown as 待发送, and is sent to POST /api/visits or /api/voices with that key as Idempotency-Key
// whenever there is a network (now, when the network returns, every 15 s, when the page is opened again).
// The server carries out one request per key, so a resend after a lost reply gets the same case numbers.
// A record the server refuses stays here with the reason until the cadre deletes it; logging out warns
// while records are unsent, and only then clears them and the pages kept for offline use.
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch || !window.Promise) return;
  var STORE = "queue", MAX_PHOTO = 10 * 1024 * 1024, busy = false;
  var me = (document.querySelector("[data-user]") || {dataset: {}}).dataset.user || "";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("minqing-field", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "key"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(out && "result" in out ? out.result : undefined); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  function records() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (all) {
      return (all || []).sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }
  function save(rec) { return store("readwrite", function (s) { s.put(rec); }); }
  function drop(key) { return store("readwrite", function (s) { s.delete(key); }); }
  function dropAll() { return store("readwrite", function (s) { s.clear(); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = "";
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1) + ([3, 5, 7, 9].indexOf(i) >= 0 ? "-" : "");
    return h;
  }
  function csrf(form) {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (input ? input.value : "");
  }

  // ---- what a form holds, as the API takes it
  function read(form, kind) {
    var f = new FormData(form);
    function get(k) { return String(f.get(k) || "").trim(); }
    var lat = parseFloat(get("lat")), lng = parseFloat(get("lng")), point = {};
    if (isFinite(lat) && isFinite(lng)) point = {lat: lat, lng: lng};
    if (kind === "visit") {
      var voices = [];
      f.forEach(function (v, k) {
        if (/^voice\d+$/.test(k) && String(v).trim()) {
          voices.push(Object.assign({text: String(v).trim(), submitter: {mode: "anonymous"}}, point));
        }
      });
      return {unit: get("unit"), visited_at: get("visited_at"), households: parseInt(get("households"), 10) || 0,
              notes: get("notes"), voices: voices};
    }
    return Object.assign({text: get("text"), title: get("title"), channel: get("channel") || "visit",
                          unit: get("unit"), address: get("address"), urgency: get("urgency") || "normal",
                          submitter: {mode: get("mode") || "anonymous", name: get("name"), phone: get("phone")}}, point);
  }
  function missing(data, kind) {
    if (!data.unit) return gettext("请选择地点");
    if (kind === "voice" && data.text.length < 4) return gettext("请写下群众反映的内容（至少4个字）");
    if (kind === "visit" && !data.visited_at) return gettext("请填写走访日期");
    return "";
  }

  // ---- sending: one record, then its photo; each with its own key
  function post(url, body, key, json) {
    var headers = {"Idempotency-Key": key, "X-CSRFToken": csrf()};
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, {method: "POST", body: body, headers: headers, credentials: "same-origin"}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 201) return data;
        var error = data.error || {}, why = error.message || interpolate(gettext("服务器答复 %(status)s"), {status: r.status}, true);
        if (r.status === 401 || error.code === "csrf_failed") throw {retry: true, note: gettext("登录已过期：请重新登录，记录会自动发送")};
        if (r.status === 429 || r.status >= 500) throw {retry: true, note: interpolate(gettext("服务器忙，稍后自动重发（%(why)s）"), {why: why}, true)};
        throw {refused: true, note: why};
      });
    }, function () { throw {retry: true, note: gettext("网络不通，有网络后自动发送")}; });
  }
  function send(rec) {
    var first = rec.numbers ? Promise.resolve(rec) : post(rec.kind === "visit" ? "/api/visits" : "/api/voices",
      JSON.stringify(rec.data), rec.key, true).then(function (out) {
      rec.numbers = out.cases || [out.number];
      return save(rec);
    });
    return first.then(function () {
      if (!rec.photo || rec.photoSent || !rec.numbers.length) return;
      var body = new FormData();
      body.append("file", rec.photo, rec.photoName || "photo.jpg");
      return post("/api/cases/" + encodeURIComponent(rec.numbers[0]) + "/attachments", body, rec.key + ":photo", false)
        .then(function () { rec.photoSent = true; });
    }).then(function () { rec.state = "sent"; rec.note = ""; delete rec.photo; return save(rec); });
  }
  function flush() {
    if (busy || navigator.onLine === false) return Promise.resolve();
    busy = true;
    return records().then(function (all) {
      var chain = Promise.resolve();
      all.filter(function (r) { return r.state === "waiting"; }).forEach(function (rec) {
        chain = chain.then(function () {
          return send(rec).catch(function (why) {
            rec.note = why.note || String(why);
            if (why.refused) rec.state = "refused";
            return save(rec).then(function () { if (why.retry) throw why; });
          });
        });
      });
      return chain;
    }).catch(function () {}).then(function () { busy = false; render(); });
  }

  // ---- showing the records: state in words and a sign, never by colour alone
  var STATES = {waiting: gettext("【待发送】"), sent: gettext("【已发送】"), refused: gettext("【被拒收】")};
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function item(rec) {
    var li = el("li", "q-" + rec.state), head = el("div");
    head.appendChild(el("span", "q-state", STATES[rec.state] || rec.state));
    head.appendChild(el("strong", "", " " + rec.label));
    li.appendChild(head);
    li.appendChild(el("div", "small", rec.summary));
    if (rec.numbers && rec.numbers.length) {
      var nums = el("div", "q-numbers", gettext("编号："));
      rec.numbers.forEach(function (n, i) {
        var a = el("a", "", n);
        a.href = "/cases/" + encodeURIComponent(n) + "/";
        a.setAttribute("data-testid", "case-number");
        if (i) nums.appendChild(document.createTextNode(gettext("、")));
        nums.appendChild(a);
      });
      li.appendChild(nums);
    }
    if (rec.note) li.appendChild(el("div", "small q-note", rec.note));
    if (rec.state === "refused") {
      var again = el("button", "link", gettext("重新发送")), del = el("button", "link", gettext("删除这条"));
      again.type = del.type = "button";
      again.setAttribute("data-queue-retry", rec.key);
      del.setAttribute("data-queue-drop", rec.key);
      li.appendChild(again);
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(del);
    }
    return li;
  }
  function render() {
    var panels = document.querySelectorAll("[data-queue-panel]");
    if (!panels.length) return Promise.resolve();
    return records().then(function (all) {
      var mine = all.filter(function (r) { return !r.user || r.user === me; });
      var waiting = mine.filter(function (r) { return r.state !== "sent"; }).length;
      Array.prototype.forEach.call(panels, function (panel) {
        panel.hidden = false;
        var list = panel.querySelector("[data-queue-list]"), count = panel.querySelector("[data-queue-count]");
        list.textContent = "";
        mine.slice().reverse().forEach(function (r) { list.appendChild(item(r)); });
        if (!mine.length) list.appendChild(el("li", "muted", gettext("本机没有记录。")));
        if (count) count.textContent = waiting ? interpolate(gettext("未发送 %(n)s 条"), {n: waiting}, true) : gettext("全部已发送");
      });
    });
  }
  function tell(form, text) {
    var out = document.querySelector("[data-queue-msg]");
    if (out) out.textContent = text;
  }

  function queue(form, kind) {
    var data = read(form, kind), problem = missing(data, kind);
    if (problem) return tell(form, problem);
    var input = form.querySelector("input[type=file][name=photo]"), photo = input && input.files[0];
    if (photo && photo.size > MAX_PHOTO) return tell(form, gettext("照片太大（最大 10 MB），请重新拍一张"));
    var place = form.querySelector("select[name=unit]"), option = place && place.selectedOptions[0];
    var texts = kind === "visit" ? data.voices.map(function (v) { return v.text; }) : [data.text];
    var rec = {key: uuid(), kind: kind, user: me, created: new Date().toISOString(), data: data, state: "waiting",
               label: (kind === "visit" ? gettext("走访") : gettext("诉求")) + " · " + (option ? option.textContent.replace(/^[\s　└]+/, "") : data.unit),
               summary: (kind === "visit" ? interpolate(gettext("%(n)s 条诉求："), {n: data.voices.length}, true) : "") + texts.join(gettext("；")).slice(0, 80),
               photo: photo || null, photoName: photo ? photo.name : "", note: ""};
    return save(rec).then(function () {
      Array.prototype.forEach.call(form.querySelectorAll("textarea, input[name=title], input[name=address], " +
        "input[name=name], input[name=phone], input[name=households], input[type=file], input[name=lat], input[name=lng]"),
        function (e) { e.value = ""; });
      tell(form, navigator.onLine === false ? gettext("已保存在本机（待发送）：没有网络，有网络后自动发送。") : gettext("已保存在本机，正在发送…"));
      return render();
    }).then(flush).catch(function (e) { tell(form, gettext("没能保存在本机：") + e); });
  }

  function logout(form) {
    records().then(function (all) {
      var unsent = all.filter(function (r) { return r.state !== "sent"; }).length;
      if (unsent && !window.confirm(interpolate(gettext("本机还有 %(n)s 条记录没有发送成功。退出将从本机删除它们，无法恢复。"),
        {n: unsent}, true) + "\n" + gettext("确定退出吗？（取消：留在这里，有网络时先发送）"))) return;
      var pages = window.caches ? caches.delete("minqing-pages") : Promise.resolve();
      return Promise.all([dropAll(), pages]).then(function () { form.submit(); });
    }).catch(function () { form.submit(); });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target, kind = form.getAttribute("data-queue");
    if (kind) { e.preventDefault(); queue(form, kind); }
    else if (form.hasAttribute("data-logout")) { e.preventDefault(); logout(form); }
  });
  document.addEventListener("click", function (e) {
    var t = e.target, key;
    if ((key = t.getAttribute("data-queue-drop")) && window.confirm(gettext("从本机删除这条未受理的记录？"))) drop(key).then(render);
    if ((key = t.getAttribute("data-queue-retry"))) {
      records().then(function (all) {
        var rec = all.filter(function (r) { return r.key === key; })[0];
        if (rec) { rec.state = "waiting"; return save(rec); }
      }).then(flush);
    }
    if (t.hasAttribute("data-queue-send")) flush();
    if (t.hasAttribute("data-queue-clear")) {
      records().then(function (all) {
        return Promise.all(all.filter(function (r) { return r.state === "sent"; }).map(function (r) { return drop(r.key); }));
      }).then(render);
    }
    if (t.hasAttribute("data-locate")) locate(t);
  });
  function locate(button) {
    var form = button.form, out = form.querySelector("[data-locate-out]");
    out.textContent = gettext("正在定位…");
    navigator.geolocation.getCurrentPosition(function (p) {
      ["lat", "lng"].forEach(function (name, i) {
        var input = form.querySelector("input[name=" + name + "]");
        if (!input) { input = el("input"); input.type = "hidden"; input.name = name; form.appendChild(input); }
        input.value = (i ? p.coords.longitude : p.coords.latitude).toFixed(6);
      });
      out.textContent = gettext("已记录位置：") + p.coords.latitude.toFixed(5) + ", " + p.coords.longitude.toFixed(5);
    }, function (err) { out.textContent = gettext("没能定位：") + err.message; }, {enableHighAccuracy: true, timeout: 15000});
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-locate]"), function (b) {
    b.hidden = !navigator.geolocation || !!b.form.querySelector("[data-point-locate]");  // the map's own button
  });

  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  setInterval(flush, 15000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  render().then(flush);
})();
