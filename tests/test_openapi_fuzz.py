"""The API says what it returns (docs/security.md): schemathesis over every operation of /api/openapi.json,
in process against the Django WSGI app, as a dispatcher of 一镇 (a staff token: objects inside and outside
his area) and, on the routes open to citizens, with no token. Every answer must be no server error, a status the document declares, of the declared
content type and matching the declared schema.

Phases: coverage (boundary and invalid values of every parameter and body field, derived from the document)
and fuzzing (generated values); explicit examples would run too, but the document has none. No stateful
phase: ninja writes no OpenAPI links. Instead, the world of tests/authz_world.py (cases, attachments,
consultations, warnings, notices, plans on both sides of a township line) is built first, and two of every
three generated cases are steered (`steer`): real objects in the path and in a body's references, and dates
(the calendar's edges among them) in the date fields, which the document types as plain strings.

Bounded to a few minutes: MINQING_FUZZ_EXAMPLES (default 10) generated cases per operation and phase, plus
the coverage cases; deterministic (derandomized, fixed seed). About 45 s on SQLite and on PostgreSQL alike (2 CPUs),
so it runs in both suites. A longer run:
    MINQING_FUZZ_EXAMPLES=100 python -m pytest tests/test_openapi_fuzz.py -s"""

import os
import zlib
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from minqing.ledger.lifecycle import ACTIONS

from .authz_world import build

EXAMPLES = int(os.environ.get("MINQING_FUZZ_EXAMPLES", "10"))
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
CONFIG = {
    "seed": 15,
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none",
                   "with-security-parameters": False, "mode": "all"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True, "unexpected-methods": []},
               "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
}
TALLY: Counter = Counter()  # (caller, operation, status) -> answers


@pytest.fixture(name="world")
def world_fixture(county, make_case):
    return build(county, make_case)


@pytest.fixture(name="wsgi_app")
def wsgi_app_fixture():
    """Django's WSGI handler in this process, on the test's database connection (which the request signals
    would otherwise close, as the test client also prevents)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, wsgi_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app,
                                          config=SchemathesisConfig.from_dict(CONFIG))


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield
    if TALLY:
        pairs = {k[:2] for k in TALLY}
        print(f"\nschemathesis: {len({k[1] for k in TALLY})} operations, {len(pairs)} (caller, operation) pairs, "
              f"{sum(TALLY.values())} test cases, {EXAMPLES} generated examples per operation and phase")
        if os.environ.get("MINQING_FUZZ_REPORT"):
            for caller, label in sorted(pairs):
                answers = {k[2]: n for k, n in TALLY.items() if k[:2] == (caller, label)}
                print(f"  {caller:8} {label:60} " + " ".join(f"{s}×{n}" for s, n in sorted(answers.items())))


def _pick(values: list, seed: int):
    return values[seed % len(values)]


DATE_FIELDS = {"since", "until", "visited_at", "starts", "ends", "opens_at", "closes_at", "new_due", "due", "plan_date"}
NUMBERS = {"page": [1, 2, 10**9, 10**23], "limit": [0, 1, 10**9, 10**23], "n": [0, 1, 10**23]}
DAYS = ["2026-01-05", "0001-01-01", "9999-12-31", "1900-01-01", "2100-12-31", "2026-02-30", "2025-12-01T08:30",
        "0001-01-01T00:00"]


def steer(case, world, paths: bool = True) -> None:
    """For two of every three cases, chosen by a hash of the generated values (so a case is replayed the same):
    real objects in the path and in a body's `unit`, `case`, `source`, `statement`; date-shaped values (the
    calendar's edges among them) in every date field; huge numbers in `page`, `limit` and `n` — so that the
    handlers behind a 404, a date check or a page run too. `paths=False`: leave the path alone (the stateful
    phase fills it from the previous answer)."""
    seed = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
    if seed % 3 == 0:
        return
    side = _pick(["in", "out"], seed // 3)
    o = world[side]
    real = {"number": o["case"].number, "code": o["code"], "attachment_id": o["attachment"].id,
            "plan_id": o["plan"].id, "cid": o["consultation"].id, "notice_id": o["notice"].id,
            "wid": o["warning"].id, "sid": o["statement"].id, "unit_code": _pick(["VA", "C", "VC"], seed),
            "action": _pick(sorted(ACTIONS), seed // 7)}
    for name in (case.path_parameters or {}) if paths else ():
        if name in real:
            case.path_parameters[name] = real[name]
    for name in (case.query or {}).keys() & DATE_FIELDS:
        case.query[name] = _pick(DAYS, seed // 11)
    for name in (case.query or {}).keys() & NUMBERS.keys():
        case.query[name] = _pick(NUMBERS[name], seed // 13)
    if isinstance(case.body, dict):
        refs = {"unit": _pick(["VA", "C", "T1", "GA"], seed // 5), "case": o["case"].number,
                "source": world["out" if side == "in" else "in"]["case"].number, "statement": o["statement"].id}
        refs |= dict.fromkeys(DATE_FIELDS, _pick(DAYS, seed // 11))
        for name in case.body.keys() & refs.keys():
            case.body[name] = refs[name]
        for vote in case.body["votes"] if isinstance(case.body.get("votes"), list) else []:
            if isinstance(vote, dict) and "statement" in vote:
                vote["statement"] = o["statement"].id


def call(case, caller: str, headers) -> None:
    response = case.call(headers=headers)
    TALLY[(caller, case.operation.label, response.status_code)] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_staff(case, world):
    steer(case, world)
    call(case, "staff", {"Authorization": f"Bearer {world['tokens']['dispatcher']}"})


def _open_to_citizens(ctx) -> bool:
    security = ctx.operation.definition.raw.get("security")
    return not security or {} in security


@schema.include(_open_to_citizens).parametrize()
def test_citizen(case, world):
    steer(case, world)
    call(case, "citizen", None)
