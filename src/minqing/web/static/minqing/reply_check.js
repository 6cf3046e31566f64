// The reply form's check (issue 17, docs/replies.md): "检查答复" sends the draft with the case's title and
// text to POST /api/text/assess_reply (the page's own session and CSRF token) and shows the score, the
// points not yet answered and a warning for a hollow reply. "放入草稿" copies a precedent's reply into an
// empty draft to be adapted; nothing is ever sent without the handler pressing 答复.
(function () {
  "use strict";
  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return input ? input.value : (m ? decodeURIComponent(m[1]) : "");
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pct(x) { return Math.round(x * 100) + "%"; }
  function show(box, a) {
    box.textContent = "";
    var head = el("p");
    head.appendChild(el("strong", a.passes ? "" : "error", (a.passes ? interpolate(gettext("评分 %(score)s（达标）"), {score: a.score.toFixed(2)}, true) : interpolate(gettext("评分 %(score)s（低于本县标准 %(threshold)s）"), {score: a.score.toFixed(2), threshold: a.threshold.toFixed(2)}, true))));
    head.appendChild(el("span", "muted small", " " + interpolate(gettext("相关度 %(relevance)s · 完整性 %(completeness)s · 依据 %(basis)s · 套话 %(boilerplate)s"), {relevance: pct(a.relevance), completeness: pct(a.completeness),
                 basis: a.basis.present ? gettext("有") : gettext("无"), boilerplate: pct(a.boilerplate.share)}, true)
                 + interpolate(gettext(" · 话题相近 %(topic)s"), {topic: pct(a.topic || 0)}, true)));
    box.appendChild(head);
    if (a.hollow) box.appendChild(el("p", "error", "⚠ " + gettext("空泛答复：没有针对留言所说的问题作答")));
    else if (a.off_message) box.appendChild(el("p", "error", "⚠ " + gettext("答复没有针对本留言所说的问题：请核对是否答错了留言")));
    if (a.unanswered.length) {
      box.appendChild(el("p", "", gettext("尚未答复的诉求：")));
      var ul = el("ul");
      a.unanswered.forEach(function (u) { ul.appendChild(el("li", "", u)); });
      box.appendChild(ul);
    }
    var notes = el("ul", "muted small");
    a.notes.forEach(function (n) { notes.appendChild(el("li", "", n)); });
    box.appendChild(notes);
    box.hidden = false;
  }
  function wire(block) {
    var form = block.closest("form");
    var draft = form && form.querySelector("textarea[name=text]");
    var box = block.querySelector("[data-reply-check-result]");
    var button = block.querySelector("[data-reply-check-button]");
    if (!draft || !box || !button || !window.fetch) return;
    button.addEventListener("click", function () {
      if (!draft.value.trim()) { box.hidden = false; box.textContent = gettext("请先填写答复内容"); return; }
      button.disabled = true;
      fetch(block.getAttribute("data-url"), {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(form)},
        body: JSON.stringify({title: block.getAttribute("data-title"), text: block.getAttribute("data-text"), reply: draft.value})
      }).then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      }).then(function (res) {
        if (res.ok) show(box, res.body);
        else { box.hidden = false; box.textContent = (res.body.error && res.body.error.message) || gettext("检查失败"); }
      }).catch(function () {
        box.hidden = false; box.textContent = gettext("网络不通，暂时无法检查");
      }).then(function () { button.disabled = false; });
    });
    Array.prototype.forEach.call(block.querySelectorAll("[data-precedent-use]"), function (b) {
      b.addEventListener("click", function () {
        var text = b.parentNode.querySelector("[data-precedent-reply]").textContent;
        if (draft.value.trim() && !window.confirm(gettext("草稿中已有内容，要在末尾加入这条参考答复吗？"))) return;
        draft.value = (draft.value.trim() ? draft.value + "\n" : "") + text;
        draft.focus();
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-reply-check]"), wire);
  });
})();
