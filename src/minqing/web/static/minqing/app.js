// What used to sit in inline attributes: the Content-Security-Policy runs scripts from files only
// (docs/security.md). A <select data-autosubmit> sends its form when changed (the language picker);
// a <form data-confirm="…"> asks before it is sent.
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
