"""The stateful phase of schemathesis (issue 15): sequences of calls that follow the OpenAPI document's
links (api/openapi.py LINKS) — a voice submitted, then its case read, acted on, attached to, tracked and
rated with the number and code the first answer gave; a consultation published, then a statement added
and moderated, votes cast; a notice published and withdrawn; a plan made and cancelled; a warning listed,
read, acknowledged. Every answer of every step is checked as in tests/test_openapi_fuzz.py: no server
error, a declared status, the declared content type and schema.

Bounded: MINQING_FUZZ_SCENARIOS (default 15) scenarios of at most 6 steps each, as a dispatcher of 一镇
and as a citizen with no token; deterministic. Run longer with MINQING_FUZZ_SCENARIOS=200 -s."""

import os
from collections import Counter

import hypothesis
import schemathesis
from django.core.cache import cache
from django.db import transaction
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config import SchemathesisConfig

from .test_openapi_fuzz import CHECKS, CONFIG, steer, world_fixture, wsgi_app_fixture  # noqa: F401 (fixtures)

SCENARIOS = int(os.environ.get("MINQING_FUZZ_SCENARIOS", "15"))
SETTINGS = hypothesis.settings(max_examples=SCENARIOS, stateful_step_count=6, deadline=None, derandomize=True,
                               database=None, suppress_health_check=list(hypothesis.HealthCheck))
STEPS: Counter = Counter()
VOICE = "村口的路灯坏了一个多月，晚上看不清路，老人出门很不方便，请尽快修理。"


def machine(wsgi_app, world, headers: dict):
    config = dict(CONFIG, phases=dict(CONFIG["phases"], stateful={"enabled": True}))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app, config=SchemathesisConfig.from_dict(config))
    base = schema.as_state_machine()

    class Machine(base):
        """Every scenario starts from the same world: its writes are rolled back to a savepoint and the
        rate limits' counters cleared when it ends. Hypothesis replays a scenario's choices (to shrink, to
        check a failure) and requires the same calls to give the same answers — a voice refused the second
        time by a limit the first one filled would empty a bundle and read as a flaky strategy."""

        def setup(self):
            self._savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self._savepoint)
            cache.clear()

        def before_call(self, case):
            steer(case, world, paths=False)  # real units, cases and dates in the bodies, as in the fuzzing phase
            if isinstance(case.body, dict) and "text" in case.body and case.operation.label == "POST /api/voices":
                case.body["text"] = VOICE  # a voice that can be filed, so that its links are followed

        def get_call_kwargs(self, case):
            return {"headers": dict(headers)}

        def after_call(self, response, case):
            STEPS[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, **kwargs)

    return Machine


def linked_steps() -> int:
    return sum(n for (label, _), n in STEPS.items() if not label.startswith("POST /api/voices"))


def test_staff_scenarios_follow_the_links(world, wsgi_app):
    STEPS.clear()
    run_state_machine_as_test(machine(wsgi_app, world, {"Authorization": f"Bearer {world['tokens']['dispatcher']}"}),
                              settings=SETTINGS)
    print(f"\nstateful, staff: {sum(STEPS.values())} calls over {len({k[0] for k in STEPS})} operations")
    if os.environ.get("MINQING_FUZZ_REPORT"):
        print("\n".join(f"  {label:55} {status}×{n}" for (label, status), n in sorted(STEPS.items())))
    assert linked_steps() > 0  # the scenarios went beyond their first call


def test_citizen_scenarios_follow_the_links(world, wsgi_app):
    STEPS.clear()
    run_state_machine_as_test(machine(wsgi_app, world, {}), settings=SETTINGS)
    print(f"\nstateful, citizen: {sum(STEPS.values())} calls over {len({k[0] for k in STEPS})} operations")
    assert STEPS
