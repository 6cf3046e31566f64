// The import page (/import/): a busy bar while the file is uploaded and written, then the text work of
// each recent import (search index, keywords: the worker's part) followed every two seconds until done.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-import-form]");
  const busy = document.querySelector("[data-import-busy]");
  if (form && busy) {
    form.addEventListener("submit", () => { busy.hidden = false; });
  }
  const rows = Array.from(document.querySelectorAll("[data-import-job]"));
  const follow = (row) => {
    if (row.dataset.state === "done") return;
    fetch(row.dataset.importJob, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then((r) => (r.ok ? r.json() : null))
      .then((job) => {
        if (!job) return;
        const bar = row.querySelector("progress");
        const text = row.querySelector("[data-import-text]");
        bar.max = job.text_total;
        bar.value = job.text_done;
        text.textContent = `${job.text_done}/${job.text_total}` + (job.state === "done" ? " " + gettext("已完成") : "");
        row.dataset.state = job.state;
        if (job.state !== "done") setTimeout(() => follow(row), 2000);
      })
      .catch(() => setTimeout(() => follow(row), 5000));
  };
  rows.forEach(follow);
});
