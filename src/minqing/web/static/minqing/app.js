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
