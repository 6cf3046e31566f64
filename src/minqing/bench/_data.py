"""A synthetic ledger for benchmarks: the demo county's units, and as many cases as asked for, made
from real citizens' messages (segmented once, then recombined), loaded in bulk.

Why bulk: `submit_voice` writes one case in ~25 ms (normalising, segmenting, numbering, deadlines,
event), so a million cases through it would take most of a day. Here each row is built in plain
Python from a pool of pre-segmented sentences and written with `executemany` (SQLite) or COPY
(PostgreSQL); with `fast=True` the secondary indexes and SQLite's full-text triggers are dropped
for the load and rebuilt once afterwards, which is much cheaper than maintaining them row by row.

The data is deterministic for a given seed and size, so a loaded database can be reused."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SHARED_DATA = Path(os.environ.get("MINQING_SHARED_DATA") or Path(__file__).resolve().parents[4] / "shared" / "data")
TIPDM = SHARED_DATA / "tipdm2020c"
VOTES_FILE = TIPDM / "messages_with_votes.xlsx"
GENERATOR_VERSION = 1  # bump when the rows change, so that stored ledgers are rebuilt
DAY = 86400.0
SPAN_DAYS = 540  # about a year and a half of cases, growing over time
TZ_OFFSET = 8 * 3600  # Asia/Shanghai: office hours are local

# ------------------------------------------------------------------------------- distributions
CHANNELS = [("web", 38), ("phone", 27), ("visit", 14), ("walk_in", 10), ("letter", 4), ("import", 7)]
URGENCIES = [("normal", 90), ("urgent", 8), ("critical", 2)]
TRACKS = [("immediate", 60), ("conditional", 30), ("systemic", 10)]
# Contact and resolution limits in calendar seconds (working days × 7/5, rounded up to a day end).
LIMITS = {"normal": (1.4 * DAY, 9.8 * DAY), "urgent": (0.4 * DAY, 4.2 * DAY), "critical": (0.3 * DAY, 1.4 * DAY)}
# Status by the case's age: new cases are open, most older ones are closed (about 60% overall).
STATUS_BY_AGE = [  # (age below, days) → weights
    (1, [("accepted", 55), ("dispatched", 30), ("handling", 15)]),
    (3, [("accepted", 12), ("dispatched", 30), ("handling", 45), ("returned", 3), ("waiting", 4), ("replied", 6)]),
    (10, [("accepted", 2), ("dispatched", 8), ("handling", 40), ("returned", 2), ("waiting", 6), ("replied", 22),
          ("followed_up", 5), ("closed", 15)]),
    (45, [("dispatched", 2), ("handling", 18), ("returned", 1), ("waiting", 5), ("replied", 16),
          ("followed_up", 10), ("reopened", 3), ("closed", 45)]),
    (math.inf, [("dispatched", 1), ("handling", 8), ("waiting", 4), ("replied", 10), ("followed_up", 10),
                ("reopened", 2), ("returned", 1), ("closed", 64)]),
]
RATINGS = [("satisfied", 66), ("basically_satisfied", 22), ("unsatisfied", 6), ("", 6)]
CLOSE_REASONS = [("resolved", 93), ("withdrawn", 3), ("spam", 2), ("duplicate", 2)]
MODES = [("anonymous", 35), ("protected", 40), ("named", 25)]
# First-level categories by how often citizens raise them (rank order; the rest follow).
TOP_ORDER = ["城乡建设", "劳动和社会保障", "教育文体", "交通运输", "环境保护", "商贸旅游", "卫生计生", "民政",
             "国土资源", "政法", "农村农业", "经济管理", "党务政务", "科技与信息产业", "纪检监察"]
# Where a case is dispatched: the village of its place, its township, the county department for its
# category, or the township's social-affairs office.
ASSIGN = [("village", 45), ("township", 15), ("department", 30), ("office", 10)]
SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅"
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")


def _table(pairs):
    """(values, cumulative weights) for fast weighted choice with bisect."""
    values, cum, total = [], [], 0.0
    for v, w in pairs:
        total += w
        values.append(v)
        cum.append(total)
    return values, cum


def _pick(table, r: float):
    values, cum = table
    return values[bisect.bisect_right(cum, r * cum[-1])]


# --------------------------------------------------------------------------------- text pool
@dataclass
class PoolItem:
    title: str
    title_tokens: list[str]
    sentences: list[tuple[str, list[str]]]  # (normalised sentence, its search tokens)


def _source_messages(limit: int) -> list[tuple[str, str]]:
    """(title, text) of real messages: the TipDM files if present, else the demo sample."""
    out: list[tuple[str, str]] = []
    files = sorted(p for p in TIPDM.glob("*.xlsx") if p.name != "taxonomy.xlsx") if TIPDM.is_dir() else []
    if files:
        from python_calamine import CalamineWorkbook

        for path in files:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            if not rows:
                continue
            header = [str(h).strip() for h in rows[0]]
            if "留言详情" not in header:
                continue
            ti, xi = header.index("留言主题") if "留言主题" in header else None, header.index("留言详情")
            for row in rows[1:]:
                text = str(row[xi] or "").strip()
                if len(text) >= 10:
                    out.append((str(row[ti] or "").strip() if ti is not None else "", text))
    if not out:
        from ..demo.cases import demo_voices

        out = [(v.get("title", ""), v["text"]) for v in demo_voices()]
    rng = random.Random(7)
    rng.shuffle(out)
    return out[:limit]


def load_pool(limit: int = 5000, cache_dir: Path | None = None, log: Callable[[str], None] = lambda s: None
              ) -> list[PoolItem]:
    """Real messages, normalised and segmented once (minutes for 5,000; cached in cache_dir)."""
    from ..text.normalise import normalise
    from ..text.segment import search_tokens

    key = ""
    if cache_dir is not None:
        stamp = [(p.name, p.stat().st_size) for p in sorted(TIPDM.glob("*.xlsx"))] if TIPDM.is_dir() else []
        key = hashlib.sha1(json.dumps([limit, stamp, GENERATOR_VERSION]).encode()).hexdigest()[:12]
        cached = cache_dir / f"pool-{key}.json"
        if cached.exists():
            return [PoolItem(t, tt, [tuple(s) for s in ss]) for t, tt, ss in json.loads(cached.read_text("utf-8"))]
    started = time.perf_counter()
    pool = []
    for title, text in _source_messages(limit):
        title = normalise(title)[:200]
        sentences = []
        for s in _SENTENCE.findall(normalise(text)):
            s = s.strip()
            if len(s) >= 4:
                sentences.append((s, search_tokens(s).split()))
        if sentences:
            pool.append(PoolItem(title or sentences[0][0][:30], search_tokens(title).split() if title else [],
                                 sentences))
    log(f"text pool: {len(pool)} messages segmented in {time.perf_counter() - started:.1f}s")
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f"pool-{key}.json.tmp"
        tmp.write_text(json.dumps([[p.title, p.title_tokens, p.sentences] for p in pool], ensure_ascii=False), "utf-8")
        tmp.replace(cache_dir / f"pool-{key}.json")
    return pool


# ------------------------------------------------------------------------------ the county
BENCH_ROOT = "bench-root"  # an admin without a unit: sees everything, no scope (the baseline)


def setup_county() -> dict:
    """Reference data, the demo county's units and the users the benchmark acts as (idempotent)."""
    from ..demo.county import DEMO_USERS, build_units
    from ..ledger.reference import ensure_reference_data
    from ..org.models import Role, Unit, User
    from ..org.services import create_user

    ensure_reference_data()
    if not Unit.objects.filter(code="QS").exists():
        build_units()
    wanted = {"dispatcher", "dm_handler", "cg_dispatcher"}
    for username, role, unit, password, label in DEMO_USERS:
        if username in wanted and not User.objects.filter(username=username).exists():
            create_user(username, password, role, unit, label)
    if not User.objects.filter(username=BENCH_ROOT).exists():
        root = User(username=BENCH_ROOT, role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True,
                    display_name="基准测试（无范围）")
        root.set_unusable_password()
        root.save()
    return {u.username: u for u in User.objects.select_related("unit").filter(username__in=wanted | {BENCH_ROOT})}


@dataclass
class Place:
    id: int
    path: str
    name: str
    village: tuple[int, str]  # (id, path) of the village (or the township for a township-level place)
    township: tuple[int, str]
    office: tuple[int, str]  # the township's social-affairs office


@dataclass
class World:
    """Everything a row is drawn from, read once from the database."""

    places: list[Place]
    place_table: tuple
    leaves: dict[str, list[int]]  # first-level name → leaf category ids
    top_table: tuple
    departments: dict[str, tuple[int, str]]  # first-level name → county department (id, path)
    county: tuple[int, str]
    pool: list[PoolItem]
    now_ts: float
    seed: int = 2026
    extra_defaults: dict = field(default_factory=dict)
    # babbler: every text its own, made word by word (a word-bigram chain over the real messages): a
    # background in which no complaint recurs, so that no warning is real (bench insight --background varied)
    babbler: Babbler | None = None
    # topics: the first-level category of each pool item (what the shipped model reads in it); when set,
    # a case made from an item takes that category 85% of the time, so categories follow the text as in
    # a real ledger and a model trained on the ledger has something to learn (bench intake_latency --train)
    topics: list[str] | None = None


class Babbler:
    """Texts that read like citizens' messages word by word but say nothing twice: each next word is
    drawn from the words that follow the current one in the real messages (a first-order chain), so
    texts share common words and phrases, never whole sentences or topics."""

    END = frozenset("。！？!?；;")

    def __init__(self, pool: list[PoolItem]):
        import jieba

        from ..text.segment import STOPWORDS

        self.stop = STOPWORDS
        self.starts: list[str] = []
        self.next: dict[str, list[str]] = {}
        for item in pool:
            for sentence, _tokens in item.sentences:
                ws = [w for w in jieba.lcut(sentence) if w.strip()]
                if len(ws) < 3:
                    continue
                self.starts.append(ws[0])
                for a, b in zip(ws, ws[1:], strict=False):
                    self.next.setdefault(a, []).append(b)

    def sentence(self, r: Callable[[], float], most: int = 40) -> list[str]:
        w = self.starts[int(r() * len(self.starts))]
        out = [w]
        while w not in self.END and len(out) < most:
            options = self.next.get(w)
            if not options:
                break
            w = options[int(r() * len(options))]
            out.append(w)
        if out[-1] not in self.END:
            out.append("。")
        return out

    def text(self, r: Callable[[], float]) -> tuple[str, str, str]:
        """(title, text, search_text) of one new message of two to four sentences."""
        ws: list[str] = []
        for _ in range(2 + int(r() * 3)):
            ws += self.sentence(r)
        text = "".join(ws)
        words = (_PUNCT.sub("", w).lower() for w in ws)
        return text[:30], text, " ".join(dict.fromkeys(w for w in words if w and w not in self.stop))


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def pool_topics(pool: list[PoolItem]) -> list[str]:
    """The first-level category the shipped model suggests for each pool item (World.topics)."""
    from ..text.classify import default_model

    model = default_model()
    return [s.category for s in model.predict_many((p.title, "".join(t for t, _ in p.sentences)) for p in pool)]


def build_world(pool: list[PoolItem], now: dt.datetime, seed: int = 2026, varied: bool = False,
                topics: list[str] | None = None) -> World:
    from ..demo.county import DEPARTMENTS
    from ..ledger.models import Category
    from ..org.models import Level, Unit

    units = {u.code: u for u in Unit.objects.all()}
    rng = random.Random(seed)
    places, weights = [], []
    for u in units.values():
        if u.level not in (Level.TOWNSHIP, Level.VILLAGE, Level.GRID) or not u.code.startswith("QS-"):
            continue
        parts = u.code.split("-")
        township = units["-".join(parts[:2])]
        village = units["-".join(parts[:3])] if len(parts) >= 3 else township
        office = units.get(f"{township.code}-SW", township)
        places.append(Place(u.id, u.path, u.name, (village.id, village.path), (township.id, township.path),
                            (office.id, office.path)))
        # Town centres are busier; grids carry most field voices.
        base = {Level.TOWNSHIP: 0.4, Level.VILLAGE: 1.0, Level.GRID: 1.6}[u.level]
        weights.append(base * (2.0 if parts[1] in ("CG", "GH") else 1.0) * rng.uniform(0.6, 1.4))
    if not places:
        raise RuntimeError("the demo county is missing: call setup_county() first")
    leaves: dict[str, list[int]] = {}
    for cid, path in Category.objects.filter(level=3).values_list("id", "path"):
        leaves.setdefault(path.split("/")[0], []).append(cid)
    for cid, path in Category.objects.filter(level=2).values_list("id", "path"):  # tops without leaves
        if path.split("/")[0] not in leaves:
            leaves[path.split("/")[0]] = [cid]
    tops = sorted(leaves, key=lambda n: TOP_ORDER.index(n) if n in TOP_ORDER else len(TOP_ORDER))
    top_table = _table((name, 1 / (rank + 1) ** 0.9) for rank, name in enumerate(tops))
    departments = {cat: (units[f"QS-{code}"].id, units[f"QS-{code}"].path) for code, (_n, cat) in DEPARTMENTS.items()
                   if f"QS-{code}" in units}
    county = units["QS"]
    return World(places, _table(zip(range(len(places)), weights, strict=True)), leaves, top_table, departments,
                 (county.id, county.path), pool, now.timestamp(), seed, babbler=Babbler(pool) if varied else None,
                 topics=topics)


# ---------------------------------------------------------------------------------- the rows
CASE_COLUMNS = [
    "id", "number", "channel", "title", "text", "text_norm", "search_text", "category_id", "category_top",
    "unit_id", "place_path", "address", "lat", "lng", "urgency", "track", "status", "assigned_unit_id",
    "assigned_path", "handler_id", "received_at", "created_at", "updated_at", "contact_due", "resolve_due",
    "first_contact_at", "replied_at", "closed_at", "close_reason", "paused_at", "extensions_granted",
    "reopen_count", "return_count", "rating", "voices_count", "endorsements", "objections", "created_by_id",
]
VOICE_COLUMNS = [
    "id", "case_id", "channel", "title", "text", "received_at", "tracking_code", "submitter_mode",
    "submitter_name", "submitter_phone", "submitter_ref", "source", "external_id", "import_key",
    "endorsements", "objections", "rating", "rating_comment", "rated_at", "recorded_by_id",
]
DATETIME_CASE = {c for c in CASE_COLUMNS if c.endswith(("_at", "_due"))}
DATETIME_VOICE = {"received_at", "rated_at"}


def model_columns():
    """Our column lists completed with any column added to the models since (filled with its
    default, NULL, or "" for a text field that may be blank), so that a new field does not break
    the loader."""
    from django.db import connection

    from ..ledger.models import Case, Voice

    out = []
    for model, cols in ((Case, CASE_COLUMNS), (Voice, VOICE_COLUMNS)):
        extra = {}
        for f in model._meta.concrete_fields:
            if f.column in cols:
                continue
            if f.has_default():
                extra[f.column] = f.get_db_prep_save(f.get_default(), connection=connection)
            elif f.null:
                extra[f.column] = None
            elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                extra[f.column] = ""
            else:
                raise RuntimeError(f"bench generator does not know how to fill {model.__name__}.{f.name}")
        out.append((cols + list(extra), tuple(extra.values())))
    return out


_PAIRS = [a + b for a in TRACKING_ALPHABET for b in TRACKING_ALPHABET]


def _tracking(i: int) -> str:
    """A unique, random-looking tracking code for row i (a bijection on 31^10, never a collision)."""
    n = (i * 137_438_953_471 + 91_283_345_617) % 31**10
    out = []
    for _ in range(5):
        n, r = divmod(n, 961)
        out.append(_PAIRS[r])
    return "".join(out)


def _time_fraction(x: float, growth: float = 1.0) -> float:
    """Inverse CDF of a density growing linearly from 1 to 1+growth over [0, 1]."""
    c = x * (1 + growth / 2)
    return (-1 + math.sqrt(1 + 2 * growth * c)) / growth


# Office hours: most voices arrive 8–18h; a few at night.
_HOURS = _table([(h, w) for h, w in enumerate([1, 1, 1, 1, 1, 2, 3, 6, 12, 14, 14, 12, 8, 10, 13, 13, 12, 10, 7,
                                                5, 4, 3, 2, 1])])


def generate(world: World, total: int, to_db: Callable[[float], object], chunk: int = 20000, *,
             first_case_id: int = 1, first_voice_id: int = 1, numbers: dict[int, int] | None = None
             ) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """The `total` cases of a ledger and their voices, in chunks of (case rows, voice rows) in the
    order of CASE_COLUMNS / VOICE_COLUMNS. Row i gets id i+1 and is received at the (i/total)-th
    point of the period, so ids follow time as they do in a real ledger. `numbers` holds the last
    case number per year before (updated as rows are made)."""
    (case_cols, case_extra), (voice_cols, voice_extra) = model_columns()
    pool, places, leaves = world.pool, world.places, world.leaves
    now_ts = world.now_ts
    end_ts = now_ts - 3600
    start_ts = end_ts - SPAN_DAYS * DAY
    local_midnight0 = math.floor((start_ts + TZ_OFFSET) / DAY) * DAY - TZ_OFFSET
    status_tables = [(limit, _table(w)) for limit, w in STATUS_BY_AGE]
    channels, urgencies, tracks = _table(CHANNELS), _table(URGENCIES), _table(TRACKS)
    ratings, reasons, modes, assign = _table(RATINGS), _table(CLOSE_REASONS), _table(MODES), _table(ASSIGN)
    county_dept = world.county
    r = random.Random(world.seed).random
    cases, voices = [], []
    year_seq = numbers if numbers is not None else {}  # case numbers run per year in order of receipt
    for i in range(total):
        cid = first_case_id + i
        frac = _time_fraction((i + r()) / total)
        day = math.floor(frac * SPAN_DAYS)
        ts = local_midnight0 + day * DAY + _pick(_HOURS, r()) * 3600 + r() * 3600
        if ts > end_ts:
            ts = end_ts - r() * 3600
        weekday = int((ts + TZ_OFFSET) // DAY + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
        if weekday >= 5 and r() < 0.55:
            ts += (7 - weekday) * DAY  # most weekend voices are registered on Monday
            if ts > end_ts:
                ts = end_ts - r() * 3600
        age = (now_ts - ts) / DAY
        status = _pick(next(t for limit, t in status_tables if age < limit), r())
        channel = _pick(channels, r())
        urgency = _pick(urgencies, r())
        place = places[_pick(world.place_table, r())]
        top = _pick(world.top_table, r())
        if (status == "accepted" and r() < 0.6) or r() < 0.02:
            category_id, category_top = None, ""
        else:
            lst = leaves[top]
            category_id, category_top = lst[int(r() * len(lst))], top
        # Text: one message's title and some of its sentences, sometimes a sentence of another
        # (with a babbler: a new text, word by word).
        if world.babbler is not None:
            title, text, search_text = world.babbler.text(r)
        else:
            k_item = int(r() * len(pool))
            item = pool[k_item]
            if world.topics is not None and category_id is not None and r() < 0.85 \
                    and world.topics[k_item] in leaves:
                category_top = world.topics[k_item]
                lst = leaves[category_top]
                category_id = lst[int(r() * len(lst))]
            sents = item.sentences
            k = min(len(sents), 1 + int(r() * 4))
            first = int(r() * (len(sents) - k + 1))
            chosen = sents[first:first + k]
            if r() < 0.3:
                other = pool[int(r() * len(pool))].sentences
                chosen = chosen + [other[int(r() * len(other))]]
            text = "".join(s for s, _ in chosen)
            tokens = list(item.title_tokens)
            for _, toks in chosen:
                tokens.extend(toks)
            search_text = " ".join(dict.fromkeys(tokens))
            title = item.title
        contact_s, resolve_s = LIMITS[urgency]
        contact_due, resolve_due = ts + contact_s, ts + resolve_s
        extensions = 0
        if status in ("handling", "reopened", "waiting") and age > 20 and r() < 0.5:
            extensions, resolve_due = 1, ts + resolve_s + 20 * DAY
        first_contact = replied = closed = paused = None
        rating, reason, track = "", "", ""
        assigned_id, assigned_path = None, ""
        if status not in ("accepted", "returned"):
            how = _pick(assign, r())
            if how == "village":
                assigned_id, assigned_path = place.village
            elif how == "township":
                assigned_id, assigned_path = place.township
            elif how == "office":
                assigned_id, assigned_path = place.office
            else:
                assigned_id, assigned_path = world.departments.get(category_top, county_dept)
            track = _pick(tracks, r())
        if status not in ("accepted", "dispatched", "returned"):
            first_contact = min(now_ts, ts + contact_s * (0.2 + r() * (1.6 if r() < 0.1 else 0.7)))
        if status in ("replied", "followed_up", "closed", "reopened"):
            replied = min(now_ts, ts + resolve_s * (0.2 + r() * (1.8 if r() < 0.15 else 0.7)))
        if status in ("followed_up", "closed") or (status == "reopened"):
            rating = _pick(ratings, r()) if status != "reopened" else "unsatisfied"
        if status == "closed":
            closed = min(now_ts, (replied or ts) + DAY * (0.5 + r() * 5))
            reason = _pick(reasons, r())
        if status == "waiting":
            paused = min(now_ts, ts + DAY * r() * 3)
        updated = max(x for x in (ts, first_contact, replied, closed, paused) if x is not None)
        year = time.gmtime(ts + TZ_OFFSET).tm_year
        seq = year_seq.get(year, 0) + 1
        year_seq[year] = seq
        endorsements = int(r() * 30) if r() < 0.1 else 0
        has_geo = r() < 0.2
        lat = 28.2 + r() * 0.3 if has_geo else None
        lng = 112.9 + r() * 0.3 if has_geo else None
        address = f"{place.name}{1 + int(r() * 120)}号" if r() < 0.5 else ""
        recv = to_db(ts)
        cases.append((
            cid, f"MQ-{year}-{seq:06d}", channel, title, text, text, search_text, category_id, category_top,
            place.id, place.path, address, lat, lng, urgency, track, status, assigned_id,
            assigned_path, None, recv, recv, to_db(updated), to_db(contact_due), to_db(resolve_due),
            to_db(first_contact) if first_contact else None, to_db(replied) if replied else None,
            to_db(closed) if closed else None, reason, to_db(paused) if paused else None, extensions,
            1 if status == "reopened" else 0, 0, rating, 1, endorsements, 0, None,
        ) + case_extra)
        mode = _pick(modes, r())
        if mode == "anonymous":
            name = phone = ""
        else:
            name = SURNAMES[int(r() * len(SURNAMES))] + GIVEN[int(r() * len(GIVEN))] * (1 + (r() < 0.6))
            name = name[:3]
            phone = f"1{3 + int(r() * 7)}{int(r() * 10)}{int(r() * 1e8):08d}"
        voices.append((
            first_voice_id + i, cid, channel, title, text, recv, _tracking(cid), mode, name, phone, "", "", "", None,
            endorsements, 0, rating, "", to_db(closed) if rating and closed else None, None,
        ) + voice_extra)
        if len(cases) >= chunk:
            yield cases, voices
            cases, voices = [], []
    if cases:
        yield cases, voices


# ------------------------------------------------------------------------------- datetimes
# Datetimes are whole seconds since the epoch until written; text is built from cached day and
# time-of-day strings (formatting a datetime per column was a third of the generation time).
_EPOCH = dt.datetime(1970, 1, 1)
_TIMES: list[str] = []
_DAYS: dict[int, str] = {}


def sqlite_dt(ts: float) -> str:
    """As Django stores an aware datetime on SQLite: naive UTC text, 'YYYY-MM-DD HH:MM:SS'."""
    if not _TIMES:
        _TIMES.extend(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
    day, sec = divmod(int(ts), 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (_EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d ")
    return prefix + _TIMES[sec]


def pg_dt(ts: float) -> str:
    """timestamptz in COPY's text format."""
    return sqlite_dt(ts) + "+00"


# ----------------------------------------------------------------------------------- loading
META_TABLE = "minqing_bench_meta"


def read_meta() -> dict:
    """What the benchmark stored about the loaded ledger ({} if none)."""
    from django.db import connection

    if META_TABLE not in connection.introspection.table_names():
        return {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'ledger'")
        row = cur.fetchone()
    return json.loads(row[0]) if row else {}


def write_meta(meta: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key varchar(40) PRIMARY KEY, value text NOT NULL)")
        cur.execute(f"DELETE FROM {META_TABLE} WHERE key = 'ledger'")
        cur.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('ledger', %s)", [json.dumps(meta)])


def _sqlite_schema(cur) -> list[tuple[str, str, str]]:
    cur.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('ledger_case', 'ledger_voice') "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL")
    return cur.fetchall()


def _pg_indexes(cur) -> list[tuple[str, str]]:
    """Secondary indexes of the two big tables (not those behind a primary key or unique constraint)."""
    cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
                   JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                   LEFT JOIN pg_constraint c ON c.conindid = i.oid
                   WHERE t.relname IN ('ledger_case', 'ledger_voice') AND c.oid IS NULL""")
    return cur.fetchall()


def load_ledger(world: World, total: int, *, fast: bool = True, chunk: int = 20000,
                log: Callable[[str], None] = lambda s: None) -> dict:
    """Append `total` generated cases (and one voice each) to the ledger; returns timings.

    fast=True (the benchmark's own database): drop the secondary indexes and SQLite's full-text
    triggers, load, recreate them, rebuild the FTS index once and ANALYZE. fast=False (inside a
    test's transaction): plain inserts with every index and trigger in place."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from ..ledger.models import Case, CaseCounter, Voice

    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"unsupported database {vendor}")
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    first_case = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_voice = (Voice.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    numbers = dict(CaseCounter.objects.values_list("year", "last"))
    (case_cols, _), (voice_cols, _) = model_columns()
    to_db = sqlite_dt if vendor == "sqlite" else pg_dt
    saved: list = []
    if fast:
        if connection.in_atomic_block:
            raise RuntimeError("fast load needs autocommit (not inside a transaction)")
        with connection.cursor() as cur:
            if vendor == "sqlite":
                saved = _sqlite_schema(cur)
                for kind, name, _sql in saved:
                    cur.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
                for pragma in ("journal_mode=DELETE", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
                    cur.execute(f"PRAGMA {pragma}")
            else:
                saved = _pg_indexes(cur)
                for name, _sql in saved:
                    cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    phases["drop indexes"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    done = 0
    case_sql = f"INSERT INTO ledger_case ({', '.join(case_cols)}) VALUES ({', '.join(['%s'] * len(case_cols))})"
    voice_sql = f"INSERT INTO ledger_voice ({', '.join(voice_cols)}) VALUES ({', '.join(['%s'] * len(voice_cols))})"
    rows = generate(world, total, to_db, chunk, first_case_id=first_case, first_voice_id=first_voice, numbers=numbers)
    for cases, voices in rows:
        with transaction.atomic(), connection.cursor() as cur:
            if vendor == "sqlite":
                cur.executemany(case_sql, cases)
                cur.executemany(voice_sql, voices)
            else:
                if fast:
                    cur.execute("SET LOCAL session_replication_role = replica")  # no FK trigger per row
                for table, cols, data in (("ledger_case", case_cols, cases), ("ledger_voice", voice_cols, voices)):
                    with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
        done += len(cases)
        if done % 100000 < chunk or done == total:
            log(f"  {done:,}/{total:,} rows written ({time.perf_counter() - t1:.0f}s)")
    phases["write rows"] = time.perf_counter() - t1
    with transaction.atomic():
        for year, last in numbers.items():
            CaseCounter.objects.update_or_create(year=year, defaults={"last": last})
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case, Voice]):
                cur.execute(sql)
    if fast:
        t2 = time.perf_counter()
        with connection.cursor() as cur:
            if vendor == "sqlite":
                for kind, _name, sql in saved:
                    if kind == "index":
                        cur.execute(sql)
                phases["create indexes"] = time.perf_counter() - t2
                t3 = time.perf_counter()
                for kind, _name, sql in saved:
                    if kind == "trigger":
                        cur.execute(sql)
                cur.execute("INSERT INTO ledger_case_fts(ledger_case_fts) VALUES('rebuild')")
                phases["rebuild FTS"] = time.perf_counter() - t3
                t4 = time.perf_counter()
                cur.execute("ANALYZE")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                phases["ANALYZE"] = time.perf_counter() - t4
            else:
                cur.execute("SET maintenance_work_mem = '1GB'")
                for _name, sql in saved:
                    cur.execute(sql)
                phases["create indexes (incl. GIN)"] = time.perf_counter() - t2
                t4 = time.perf_counter()
                cur.execute("VACUUM ANALYZE ledger_case")
                cur.execute("VACUUM ANALYZE ledger_voice")
                phases["VACUUM ANALYZE"] = time.perf_counter() - t4
    elif vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    elif not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("ANALYZE ledger_case")
            cur.execute("ANALYZE ledger_voice")
    seconds = time.perf_counter() - t0
    return {"cases": total, "seconds": seconds, "rows_per_s": total / seconds if seconds else 0.0, "phases": phases}
