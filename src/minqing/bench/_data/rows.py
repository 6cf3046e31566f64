"""The rows of a generated ledger: `generate` draws each case (time of receipt, status by age,
channel, place, category, text, dispatch, deadlines, contact, reply, closing, rating) and its one
voice from the World, as tuples in the order of CASE_COLUMNS / VOICE_COLUMNS (completed by
`model_columns` with any column the models gained since), datetimes already in the text the database
stores (`sqlite_dt`, `pg_dt`). Plain Python over tuples: load.py writes them in bulk."""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator

from .distributions import (
    _HOURS,
    ASSIGN,
    CHANNELS,
    CLOSE_REASONS,
    DAY,
    GIVEN,
    LIMITS,
    MODES,
    RATINGS,
    SPAN_DAYS,
    STATUS_BY_AGE,
    SURNAMES,
    TRACKING_ALPHABET,
    TRACKS,
    TZ_OFFSET,
    URGENCIES,
    _pick,
    _table,
)
from .world import World

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


def model_columns():
    """Our column lists completed with any column added to the models since (filled with its
    default, NULL, or "" for a text field that may be blank), so that a new field does not break
    the loader."""
    from django.db import connection

    from ...ledger.models import Case, Voice

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
