// The citizen's form on a slow or failing network (issue 20, docs/field.md). What is typed is kept on this
// phone (localStorage) until the voice is accepted. The form is sent with fetch, so a failed send leaves the
// page as it is, says so and offers gettext("重新发送"); the page's idempotency_key (kept with the draft) makes a
// resend after a lost reply find the first case instead of making a second. The answer — the tracking page,
// or the form again with the reason — replaces the page's <main>, as a normal send would have shown it.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;
  var FIELDS = ["unit", "title", "text", "address", "mode", "name", "phone", "idempotency_key"];

  function storage() { try { return window.localStorage; } catch (e) { return null; } }
  function say(form, cls, text, retry) {
    var box = form.parentNode.querySelector("[data-draft-status]");
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("data-draft-status", "");
      box.setAttribute("role", "status");
      form.parentNode.insertBefore(box, form);
    }
    box.className = cls;
    box.textContent = text;
    if (retry) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "primary";
      b.textContent = gettext("重新发送");
      b.addEventListener("click", function () { send(form); });
      box.appendChild(document.createTextNode(" "));
      box.appendChild(b);
    }
  }

  function init(form) {
    var store = storage(), name = "minqing-draft-" + form.getAttribute("data-draft");
    if (!store) return;
    form.minqingDraft = name;
    var draft = null;
    try { draft = JSON.parse(store.getItem(name) || "null"); } catch (e) { draft = null; }
    if (draft) {
      var restored = false;
      FIELDS.forEach(function (k) {
        var v = draft[k], el = form.elements[k];
        if (!v || !el) return;
        if (el.length && el[0] && el[0].type === "radio") {
          Array.prototype.forEach.call(el, function (r) { r.checked = r.value === v; });
        } else if (k === "idempotency_key" || !el.value) {
          restored = restored || (k !== "idempotency_key" && k !== "mode");
          el.value = v;
        }
      });
      if (restored) say(form, "draft-banner", gettext("上次填写的内容已恢复（还没有提交成功），请核对后提交。"));
    }
    form.addEventListener("input", function () { keep(form); });
    form.addEventListener("change", function () { keep(form); });
    form.addEventListener("submit", function (e) { e.preventDefault(); send(form); });
  }

  function keep(form) {
    var data = {}, f = new FormData(form);
    FIELDS.forEach(function (k) { data[k] = String(f.get(k) || ""); });
    try { storage().setItem(form.minqingDraft, JSON.stringify(data)); } catch (e) { /* full or private mode */ }
  }

  function send(form) {
    keep(form);
    var button = form.querySelector("button.primary");
    if (button) button.disabled = true;
    say(form, "draft-banner", gettext("正在提交…"));
    fetch(form.action || location.href, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (r) {
        return r.text().then(function (html) {
          if (/\/track\//.test(new URL(r.url).pathname)) storage().removeItem(form.minqingDraft);
          show(html, r.url);
        });
      })
      .catch(function () {
        if (button) button.disabled = false;
        say(form, "draft-banner", gettext("没有发送成功（网络不通或太慢）。您填写的内容已保存在这台手机上，不会丢失；有网络时点“重新发送”。"), true);
      });
  }

  function show(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html"), main = doc.querySelector("main");
    if (!main) return location.assign(url);
    document.querySelector("main").replaceWith(main);
    document.title = doc.title;
    if (url !== location.href) history.replaceState(null, "", url);
    var focus = main.querySelector("[role=alert]") || main.querySelector("h1");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
    var again = main.querySelector("form[data-draft]");
    if (again) init(again);
  }

  var form = document.querySelector("form[data-draft]");
  if (form) init(form);
})();
