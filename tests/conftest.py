"""A small county for tests:

    C 测试县 ── T1 一镇 ── VA 甲村 ── GA 甲村一网格
             │         └─ VB 乙村
             ├─ DZ 住建局 (department under the county)
Users (password "pw-test-2026"): admin, disp (dispatcher@C), t_disp (dispatcher@T1),
leader (leader@C), t_leader (leader@T1), ha (handler@VA), hb (handler@VB), hz (handler@DZ), grid (grid@GA).
"""

from pathlib import Path

import pytest

from minqing.ledger.reference import ensure_reference_data
from minqing.org.services import add_unit, create_user

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PW = "pw-test-2026"


@pytest.fixture(autouse=True)
def fresh_caches():
    """Per-process caches (calendar, time limits, term statistics) must not leak between tests."""
    from minqing.ledger import deadlines, reply_quality, similar, sla

    reply_quality.forget_corpus()
    deadlines.forget_cached_calendar()
    sla.forget_cached_rules()
    similar.forget_term_stats()
    yield


@pytest.fixture
def county(db):
    ensure_reference_data()
    add_unit("C", "测试县", "county")
    add_unit("T1", "一镇", "township", "C")
    add_unit("VA", "甲村", "village", "T1")
    add_unit("VB", "乙村", "village", "T1")
    add_unit("GA", "甲村一网格", "grid", "VA")
    add_unit("DZ", "住建局", "department", "C")
    users = {}
    for name, role, unit in [("admin", "admin", "C"), ("disp", "dispatcher", "C"), ("t_disp", "dispatcher", "T1"),
                             ("leader", "leader", "C"), ("t_leader", "leader", "T1"), ("ha", "handler", "VA"),
                             ("hb", "handler", "VB"), ("hz", "handler", "DZ"), ("grid", "grid", "GA")]:
        users[name] = create_user(name, PW, role, unit)
    return users


@pytest.fixture
def make_case(county):
    """make_case(unit="VA", text=..., **voice fields) -> Case, recorded by the county dispatcher."""
    from minqing.intake.services import submit_voice

    def make(unit="VA", text="村口路灯坏了，晚上看不清路。", channel="phone", submitter=None, **kw):
        data = {"text": text, "channel": channel, "unit": unit,
                "submitter": submitter or {"mode": "anonymous"}, **kw}
        return submit_voice(data, county["disp"]).case

    return make


@pytest.fixture
def api(client, county):
    """api(user) -> a callable (method, path, body=None) -> (status, json) authenticated as that user."""
    import json

    from minqing.org.models import ApiToken

    def for_user(username=None):
        token = ApiToken.issue(county[username]) if username else None

        def call(method, path, body=None):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
            r = getattr(client, method.lower())(path, **kwargs, **headers)
            try:
                return r.status_code, r.json()
            except ValueError:
                return r.status_code, r.content.decode()

        return call

    return for_user


def shared_file(name: str) -> Path:
    path = SHARED_DATA / "tipdm2020c" / name
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (tests that need ../shared/data skip without it)")
    return path


@pytest.fixture
def browser():
    """Headless Debian Chromium (tests/test_browser.py says where and with which flags); skips without playwright."""
    from tests.test_browser import ARGS, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()
