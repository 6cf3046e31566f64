// What used to sit in inline attributes: the Content-Security-Policy runs scripts from files only
// (docs/security.md). A <select data-autosubmit> sends its form when changed (the language picker);
// a <form data-confirm="…"> asks before it is sent.
// The scripts' words in the page's language: Django's JavaScript catalogue (/i18n/js/, loaded just before
// this file) defines gettext and interpolate. Offline, before the catalogue was ever kept, the words stay as
// written (simplified Chinese).
if (!window.gettext) {
  window.gettext = function (s) { return s; };
  window.interpolate = function (fmt, obj, named) {
    if (named) return fmt.replace(/%\((\w+)\)s/g, function (all, k) { return obj[k] !== undefined ? obj[k] : all; });
    var i = 0;
    return fmt.replace(/%s/g, function () { return obj[i++]; });
  };
}
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("submit", function (e) {
    var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });
})();
// On a phone a table of class "cases" is drawn as one card per row, its header hidden: each cell takes
// its column's header as a label (data-label), unless the template gave it one, so no figure stands
// alone ("42 9 0 83.7%" of a vote table becomes 同意：42 反对：9 …).
(function () {
  function label() {
    document.querySelectorAll("table.cases").forEach(function (table) {
      var heads = [];
      table.querySelectorAll("thead th").forEach(function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) heads.push(th.textContent.trim());
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.cells, function (td) {
          var head = heads[col];
          if (head && head !== "#" && !td.hasAttribute("data-label") && !td.classList.contains("title")) {
            td.setAttribute("data-label", head);
          }
          col += td.colSpan || 1;
        });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", label);
  else label();
})();
// A row of tabs wider than a phone scrolls sideways: while more of it lies past the right edge it has the
// class "more" (app.css fades that edge), so the tabs out of sight are not taken for missing.
(function () {
  document.querySelectorAll(".tabs").forEach(function (row) {
    function edge() { row.classList.toggle("more", row.scrollWidth - row.scrollLeft - row.clientWidth > 4); }
    row.addEventListener("scroll", edge, {passive: true});
    window.addEventListener("resize", edge);
    edge();
  });
})();
