"""The county a generated ledger lives in: reference data, the demo county's units and the users the
benchmarks act as (`setup_county`), and the `World` every row is drawn from (places with their
village, township and social-affairs office, categories, county departments, the text pool), read
once from the database by `build_world`."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from .distributions import TOP_ORDER, _table
from .pool import Babbler, PoolItem

BENCH_ROOT = "bench-root"  # an admin without a unit: sees everything, no scope (the baseline)


def setup_county() -> dict:
    """Reference data, the demo county's units and the users the benchmark acts as (idempotent)."""
    from ...demo.county import DEMO_USERS, build_units
    from ...ledger.reference import ensure_reference_data
    from ...org.models import Role, Unit, User
    from ...org.services import create_user

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


def build_world(pool: list[PoolItem], now: dt.datetime, seed: int = 2026, varied: bool = False,
                topics: list[str] | None = None) -> World:
    from ...demo.county import DEPARTMENTS
    from ...ledger.models import Category
    from ...org.models import Level, Unit

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
