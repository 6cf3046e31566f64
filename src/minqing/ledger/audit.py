"""`minqing audit verify`: recompute every case's chain of seals (ledger/seal.py) and name the first
event that does not hold — edited, deleted or inserted behind the system's back, by any means,
a direct SQL UPDATE, DELETE or INSERT included.

One query (on PostgreSQL a COPY, read as bytes: ledger/audit_copy.py) streams every case with its events, in case id and event id order (a LEFT JOIN: a case
whose events were all deleted is still read), from a server-side cursor: no query per case, memory
flat at any size. On PostgreSQL it runs in a transaction, so the cursor really streams (outside one,
Django's cursor is WITH HOLD and PostgreSQL would materialise the whole result first); the one
statement reads one snapshot on either database, so a verify run beside the live system sees no
half-written change. Index `caseevent_chain_idx` (case, id) gives the order without a sort.

Besides the chains, the case numbers: they are gap-free per year (`CaseCounter`), so a whole case
deleted with all its events shows as a gap or as a counter ahead of the newest number."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, connections, transaction
from django.db.models import BigIntegerField, Func, Max, Min

from . import audit_copy, seal
from .models import Case, CaseCounter

CASE_COLUMNS = ("id", "number", "audit_count", "audit_head", "audit_seal")
EVENT_COLUMNS = ("events__id", "at_us", "events__action", "events__actor_id", "events__actor_label",
                 "events__from_status", "events__to_status", "events__note", "events__data", "events__seal")
NUMBER = re.compile(r"MQ-(\d{4})-(\d+)")
CHUNK = 5000
PARALLEL_FROM = 20_000  # case ids: below, one process is quicker than starting more
EDITED = "封印不符：此事件被改动，或是插入的，或它之前的事件被删除"


class Micros(Func):
    """An event's time as the seal takes it, read cheaply: PostgreSQL computes the µs since 1970 itself
    (reading a timestamptz through Django's loader costs a quarter of the whole pass; EXTRACT gives an
    exact numeric since PostgreSQL 14, Django 5.2's oldest); SQLite gives the stored text, which
    `datetime.fromisoformat` reads in C."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"(EXTRACT(EPOCH FROM {sql}) * 1000000)::bigint", params
        return f"CAST({sql} AS TEXT)", params


def _us_from_text(at: str) -> int:
    return seal.micros(dt.datetime.fromisoformat(at))


@dataclass
class Break:
    """The first place a case's history does not hold: its position (1-based, in event id order)."""

    number: str
    position: int
    event_id: int | None
    reason: str

    def line(self) -> str:
        at = f"（id {self.event_id}）" if self.event_id else ""
        return f"工单 {self.number} 第 {self.position} 条事件{at}：{self.reason}"


@dataclass
class Result:
    cases: int = 0
    events: int = 0
    broken: int = 0  # cases whose history does not hold
    breaks: list[Break] = field(default_factory=list)  # the first `limit` of them, in case id order
    gaps: list[str] = field(default_factory=list)  # whole cases missing (case numbers)
    seconds: float = 0.0
    key_fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return self.broken == 0 and not self.gaps


def stream(lo: int | None = None, hi: int | None = None, chunk: int = CHUNK):
    """Every case with id in [lo, hi) with its events, in chain order, as `check` reads them: (case id,
    number, audit_count, audit_head, audit_seal, event id or None, the bytes the event's seal covers,
    its stored seal). On PostgreSQL through COPY (ledger/audit_copy.py); elsewhere one query from a
    server-side cursor, no model conversion (the time as `Micros` reads it, the data its JSON text)."""
    if connection.vendor == "postgresql":
        yield from audit_copy.rows(lo, hi)
        return
    content, canonical, loads = seal.content, seal.canonical_json, json.loads
    to_us = _us_from_text if connection.vendor == "sqlite" else None
    for cid, number, count, h, sealed_case, eid, at, action, actor, label, before, after, note, data, sealed in \
            _query_rows(lo, hi, chunk):
        if eid is None:
            yield cid, number, count, h, sealed_case, None, b"", ""
            continue
        if not isinstance(data, str):  # a driver that decodes JSON itself
            data = json.dumps(data)
        data = "{}" if data == "{}" else canonical(loads(data))
        yield (cid, number, count, h, sealed_case, eid,
               content(cid, number, to_us(at) if to_us else at, action, actor, label, before, after, note, data), sealed)


def _query_rows(lo, hi, chunk):
    qs = Case.objects.order_by("id", "events__id")
    if lo is not None:
        qs = qs.filter(id__gte=lo)
    if hi is not None:
        qs = qs.filter(id__lt=hi)
    qs = qs.annotate(at_us=Micros("events__at")).values_list(*CASE_COLUMNS, *EVENT_COLUMNS)
    sql, params = qs.query.sql_with_params()
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(chunk):
            yield from rows


def verify(limit: int = 100, jobs: int = 1) -> Result:
    """jobs > 1: that many processes, each streaming its own range of case ids (a case's chain lies
    in one range; each range is one snapshot, and the counters are read before any)."""
    k = seal.key()
    started = time.perf_counter()
    counters = {str(y): last for y, last in CaseCounter.objects.values_list("year", "last")}
    lo, hi = Case.objects.order_by().aggregate(lo=Min("id"), hi=Max("id")).values()
    if jobs > 1 and hi is not None and hi - lo > PARALLEL_FROM and not connection.in_atomic_block:
        step = (hi - lo) // jobs + 1
        ranges = [(lo + i * step, lo + (i + 1) * step) for i in range(jobs)]
        connections.close_all()  # each process opens its own
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_part, ranges, [k] * jobs, [limit] * jobs))
    else:
        parts = [_part((None, None), k, limit)]
    result, years = Result(), {}
    for part, part_years in parts:
        result.cases += part.cases
        result.events += part.events
        result.broken += part.broken
        result.breaks += part.breaks[:limit - len(result.breaks)]
        for y, (cases, highest) in part_years.items():
            have = years.setdefault(y, [0, 0])
            have[0], have[1] = have[0] + cases, max(have[1], highest)
    result.gaps = number_gaps(years, counters)
    result.seconds = time.perf_counter() - started
    result.key_fingerprint = seal.fingerprint(k)
    return result


def _part(bounds: tuple, k: bytes, limit: int):
    if connection.vendor == "postgresql":
        with transaction.atomic():  # a true server-side cursor (outside a transaction it is WITH HOLD)
            return check(stream(*bounds), k, limit)
    return check(stream(*bounds), k, limit)


def check(rows, k: bytes, limit: int = 100) -> tuple[Result, dict[str, list[int]]]:
    """The loop over the stream (kept tight: it runs once per event); also, per year of the case
    numbers, [cases, highest number]."""
    res = Result()
    years: dict[str, list[int]] = {}  # year → [cases, highest number]
    sealer = seal.Sealer(k)
    event_seal, number_match = sealer.event_body, NUMBER.fullmatch
    current, head = None, None
    n, prev, bad = 0, "", None
    for cid, number, count, h, sealed_case, eid, body, sealed in rows:
        if cid != current:
            if current is not None:
                _close(res, sealer, current, head, n, prev, bad, limit)
            current, head, n, prev, bad = cid, (number, count, h, sealed_case), 0, "", None
            if (m := number_match(number)) is not None:
                y = years.setdefault(m[1], [0, 0])
                y[0] += 1
                y[1] = max(y[1], int(m[2]))
        if eid is None:
            continue
        n += 1
        if bad is None:
            if event_seal(prev, body) != sealed:
                bad = Break(number, n, eid, EDITED)
            prev = sealed
    if current is not None:
        _close(res, sealer, current, head, n, prev, bad, limit)
    return res, years


def _close(res: Result, sealer, cid: int, head: tuple, n: int, prev: str, bad: Break | None, limit: int) -> None:
    """The end of one case's events: its chain held so far; does the sealed head agree?"""
    number, count, last, sealed_case = head
    res.cases += 1
    res.events += n
    if bad is None:
        if not sealed_case:
            bad = Break(number, 1, None, "工单没有封印：它不是经系统写入的")
        elif sealed_case != sealer.case(cid, number, count, last):
            bad = Break(number, n + 1 if count > n else max(n, 1), None, "工单记载的历史条数或末条封印被改动")
        elif count > n:
            bad = Break(number, n + 1, None, f"最新的 {count - n} 条事件被删除（封印记载 {count} 条，现有 {n} 条）")
        elif count < n or last != prev:
            bad = Break(number, count + 1, None, f"封印记载 {count} 条事件，现有 {n} 条：末尾的事件是插入的")
    if bad is not None:
        res.broken += 1
        if len(res.breaks) < limit:
            res.breaks.append(bad)


def number_gaps(years: dict[str, list[int]], counters: dict[str, int]) -> list[str]:
    """Whole cases missing: per year, the numbers run 1…counter without a gap."""
    out = []
    for year in sorted(set(years) | set(counters)):
        cases, highest = years.get(year, (0, 0))
        last = counters.get(year, 0)
        if cases < highest:
            out.append(f"{year} 年的工单编号有 {highest - cases} 处缺口（最大编号 {highest}，现有 {cases} 件）：有工单被整件删除")
        if last > highest:
            out.append(f"{year} 年已发出 {last} 个编号，现存最大为 {highest}：最新的 {last - highest} 件工单被整件删除")
    return out


def report_lines(result: Result, shown: int = 20) -> list[str]:
    """What `minqing audit verify` prints; the last line is `ok: N events` or the first break."""
    lines = [f"audit key {seal.key_source()} (fingerprint {result.key_fingerprint}); "
             f"{result.cases} cases, {result.events} events in {result.seconds:.1f}s"]
    lines += [f"不符：{b.line()}" for b in result.breaks[:shown]]
    if result.broken > shown:
        lines.append(f"……另有 {result.broken - shown} 件工单的历史不符")
    lines += [f"不符：{g}" for g in result.gaps]
    if result.ok:
        lines.append(f"ok: {result.events} events")
    elif result.breaks:
        lines.append(f"错误：{result.broken} 件工单的历史不符；第一处：{result.breaks[0].line()}")
    else:
        lines.append(f"错误：{result.gaps[0]}")
    return lines
