"""`minqing import ledger FILE`: the import with a progress bar on the terminal (issue 16).

On a terminal the bar is redrawn in place (rows read, imported, rejected, rows a second); into a pipe
or a log a line is printed every tenth of the file instead. The import's text work (search index,
keywords) is the worker's (intake/textwork.py); `--index-now` does it here, with a second bar — for a
machine where no worker runs. The last line printed stays `imported N, rejected M` (ENGINEERING.md)."""

from __future__ import annotations

import sys
import time

WIDTH = 30


class Bar:
    """One progress bar: `update(done, total, detail)`; `close()` ends its line."""

    def __init__(self, label: str, out=None):
        self.label, self.out = label, out or sys.stdout
        self.tty = hasattr(self.out, "isatty") and self.out.isatty()
        self.started = time.perf_counter()
        self.step = -1
        self.drawn = False

    def update(self, done: int, total: int, detail: str = "") -> None:
        total = max(total, done, 1)
        share = done / total
        rate = done / max(time.perf_counter() - self.started, 1e-6)
        filled = int(share * WIDTH)
        line = (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} {done}/{total} "
                f"{rate:,.0f}/s {detail}").rstrip()
        if self.tty:
            self.out.write("\r\x1b[K" + line)
            self.out.flush()
            self.drawn = True
        elif int(share * 10) > self.step:  # a log gets ten lines, not thousands
            self.step = int(share * 10)
            print(line, file=self.out, flush=True)

    def close(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.out.flush()
            self.drawn = False


def import_ledger_command(file: str, mapping: str | None, unit: str | None, index_now: bool, out=None) -> None:
    from ..intake.excel import import_ledger
    from ..intake.textwork import index_job

    out = out or sys.stdout
    bar = Bar("导入", out)
    try:
        result = import_ledger(file, mapping=mapping, default_unit=unit, progress=lambda p: bar.update(
            p.done, p.estimate, f"导入 {p.imported} 未导入 {p.rejected} 已存在 {p.skipped}"))
    finally:
        bar.close()
    for note in result.notes[:20]:
        print(f"note: {note}", file=out)
    for row, reason in result.rejected[:50]:
        print(f"row {row}: rejected: {reason}", file=out)
    if len(result.rejected) > 50:
        print(f"… and {len(result.rejected) - 50} more rejected rows", file=out)
    if result.skipped:
        print(f"already in the ledger (not imported again): {result.skipped}", file=out)
    job = result.job
    if job is not None:
        print(f"written in {job.seconds:.1f}s ({result.total / max(job.seconds, 1e-6):,.0f} rows/s)", file=out)
        if index_now:
            text = Bar("文本处理", out)
            try:
                index_job(job, progress=lambda j: text.update(j.text_done, j.imported, "检索索引、关键词"))
            finally:
                text.close()
        else:
            print(f"text work (search index, keywords) of {job.imported} cases: by the worker (minqing up / "
                  f"minqing worker), progress on the import page /import/ (job {job.pk})", file=out)
    print(f"imported {result.imported}, rejected {len(result.rejected)}", file=out)
