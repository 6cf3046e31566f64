"""Keeping `minqing up | serve | worker` running: a supervisor for their child processes.

A child that dies is started again instead of stopping the whole server: after 1 s, then 2, 4, … up to
60 s between tries while it keeps dying; once it has run for a minute, the next death is again retried
after 1 s. Every death is logged with its exit code (or the signal that killed it) and the wait; from the
fifth death in a row without a good run it is logged as an ERROR ("keeps dying") — and still retried,
every 60 s, forever: a database that is down for an hour must not need someone to restart minqing after.

SIGTERM or SIGINT (Ctrl-C) stops it cleanly: every child gets SIGTERM (gunicorn finishes its requests,
the task worker its task), and what still runs after the grace period (30 s, MINQING_STOP_GRACE) gets
SIGKILL. A second signal kills at once.

Each child runs in a process group of its own, so that the terminal's Ctrl-C reaches only the supervisor
(which then stops the children once, gracefully) and so that what a dead child leaves behind (gunicorn's
workers after their master was killed) can be cleaned up before the new one binds the port. Each child
is also started through `python -m minqing.ops.supervise --parent PID -- COMMAND…`, which asks Linux to
send it SIGTERM when the supervisor dies (PR_SET_PDEATHSIG) and then becomes COMMAND: a supervisor
killed with -9 leaves no orphan holding the port or the task queue."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0  # seconds before the first restart
MAX_DELAY = 60.0  # the back-off's cap
STABLE_AFTER = 60.0  # a child that ran this long was fine: its next death starts the back-off again
LOUD_AFTER = 5  # deaths in a row (no good run between) from which each one is logged as an ERROR
POLL = 0.2  # seconds between looks at the children


def grace_default() -> float:
    return float(os.environ.get("MINQING_STOP_GRACE", "30"))


class Backoff:
    """The wait before each restart of one child: doubling from `first` to `cap`; reset by a good run."""

    def __init__(self, first: float = FIRST_DELAY, cap: float = MAX_DELAY, stable_after: float = STABLE_AFTER):
        self.first, self.cap, self.stable_after = first, cap, stable_after
        self.delay = first
        self.streak = 0  # deaths in a row without a run of `stable_after`

    def after_death(self, uptime: float) -> float:
        """The child died after `uptime` seconds: how long to wait before starting it again."""
        if uptime >= self.stable_after:
            self.delay, self.streak = self.first, 0
        wait = self.delay
        self.streak += 1
        self.delay = min(self.cap, self.delay * 2)
        return wait


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name} (exit code {code})"
        except ValueError:
            return f"killed by signal {-code} (exit code {code})"
    return f"exit code {code}"


@dataclass
class Child:
    """One supervised process. `argv` is called for every start (a task worker gets a new id each
    time); `on_exit(child, code)` runs after each death, before the restart (the task worker gives its
    claimed tasks back to the queue there)."""

    name: str
    argv: Callable[[], list[str]]
    on_exit: Callable[[Child, int], None] | None = None
    backoff: Backoff = field(default_factory=Backoff)
    proc: subprocess.Popen | None = None
    started: float = 0.0
    restart_at: float | None = None  # set while waiting to be started again
    starts: int = 0
    current_argv: list[str] = field(default_factory=list)


def leashed(argv: list[str], parent: int | None = None) -> list[str]:
    """`argv` run through this module, so that it gets SIGTERM when the supervisor (`parent`) dies."""
    return [sys.executable, "-m", __name__, "--parent", str(parent or os.getpid()), "--", *argv]


class Supervisor:
    def __init__(self, children: list[Child], grace: float | None = None, clock=time.monotonic):
        self.children = children
        self.grace = grace_default() if grace is None else grace
        self.clock = clock
        self.stopping: int | None = None  # the signal that asked us to stop
        self.forced = False

    # ---- signals: only set flags here; the loop does the work
    def _on_signal(self, signum, _frame):
        if self.stopping is not None:
            self.forced = True
        self.stopping = signum

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    # ---- children
    def start(self, child: Child) -> None:
        _kill_group(child, signal.SIGKILL)  # what the last one left behind (it no longer serves anyone)
        child.current_argv = child.argv()
        child.proc = subprocess.Popen(leashed(child.current_argv), process_group=0)
        child.started, child.restart_at = self.clock(), None
        child.starts += 1
        if child.starts > 1:
            log.warning("%s started again (pid %s, start %d)", child.name, child.proc.pid, child.starts)

    def reap(self, child: Child) -> None:
        """`child` has exited: log it, clean up after it, schedule its restart."""
        code = child.proc.returncode
        uptime = self.clock() - child.started
        _kill_group(child, signal.SIGTERM)  # its own children (gunicorn's workers), now orphans
        if child.on_exit is not None:
            try:
                child.on_exit(child, code)
            except Exception:  # the restart matters more than the clean-up
                log.exception("clean-up after %s failed", child.name)
        wait = child.backoff.after_death(uptime)
        child.restart_at = self.clock() + wait
        what = f"{child.name} (pid {child.proc.pid}) exited: {describe_exit(code)}, after {uptime:.1f} s"
        if child.backoff.streak >= LOUD_AFTER:
            log.error("%s; it keeps dying (%d times in a row without running %.0f s) — restarting it in %.0f s, "
                      "and every %.0f s while it keeps dying; see its own output above for why",
                      what, child.backoff.streak, child.backoff.stable_after, wait, child.backoff.cap)
        else:
            log.warning("%s; restarting it in %.0f s", what, wait)

    def step(self) -> None:
        now = self.clock()
        for child in self.children:
            if child.restart_at is None and child.proc is not None and child.proc.poll() is not None:
                self.reap(child)
            if child.restart_at is not None and now >= child.restart_at and self.stopping is None:
                self.start(child)

    def run(self) -> int:
        """Start every child and keep them running until SIGTERM/SIGINT; then stop them. Returns 0."""
        self.install_signals()
        for child in self.children:
            self.start(child)
        while self.stopping is None:
            self.step()
            time.sleep(POLL)
        self.stop()
        return 0

    def stop(self) -> None:
        name = signal.Signals(self.stopping).name if self.stopping else "stop"
        log.warning("%s received: stopping %s", name, ", ".join(c.name for c in self.children))
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for c in running:
            _kill_group(c, signal.SIGTERM)
        deadline = self.clock() + self.grace
        while any(c.proc.poll() is None for c in running) and self.clock() < deadline and not self.forced:
            time.sleep(POLL)
        for c in self.children:
            if c.proc is None:
                continue
            if c.proc.poll() is None:
                log.error("%s (pid %s) did not stop within %.0f s: killing it", c.name, c.proc.pid, self.grace)
            _kill_group(c, signal.SIGKILL)  # the child if it still runs, and anything left in its group
            c.proc.wait()
        log.warning("stopped")


def _kill_group(child: Child, sig: int) -> None:
    if child.proc is None:
        return
    try:
        os.killpg(child.proc.pid, sig)  # the group is the child's own (process_group=0)
    except (ProcessLookupError, PermissionError):
        pass


def supervise(children: list[Child], grace: float | None = None) -> None:
    sys.exit(Supervisor(children, grace).run())


# ---- `python -m minqing.ops.supervise --parent PID -- COMMAND…`: the leash, then COMMAND itself
def _leash(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG; kept across exec
        except (OSError, AttributeError):  # no prctl: the child outlives a killed supervisor
            pass
    if os.getppid() != parent:  # the supervisor died before the leash was on
        sys.exit(0)


def main(args: list[str]) -> None:
    if len(args) < 4 or args[0] != "--parent" or args[2] != "--":
        sys.exit("usage: python -m minqing.ops.supervise --parent PID -- COMMAND [ARG…]")
    _leash(int(args[1]))
    command = args[3:]
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
