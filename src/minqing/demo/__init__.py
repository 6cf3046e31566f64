"""The demo county 青山县, loaded once into an empty database (`minqing demo`, `minqing up`): units and
users (county.py), 300 real messages moved through the lifecycle (cases.py), consultations
(consultations.py), notices (notices.py), then the warnings and hotspots the worker would have made.
A module above every app: it composes them, none of them knows it."""

import datetime as dt

from django.db import transaction

from .. import clock
from ..insight.dashboard import refresh_hotspots
from ..insight.warnings import replay
from ..ledger.models import Case
from ..ledger.reference import ensure_reference_data
from ..org.models import Unit
from ..org.services import create_user
from .cases import DEMO_DAYS, build_cases
from .consultations import load_demo_consultations
from .county import DEMO_USERS, PASSWORD, build_handlers, build_routing, build_units
from .notices import load_demo_notices
from .visits import load_demo_visits

__all__ = ["DEMO_USERS", "PASSWORD", "load_demo_if_empty"]


@transaction.atomic
def load_demo_if_empty(now: dt.datetime | None = None) -> bool:
    if Unit.objects.exists() or Case.objects.exists():
        return False
    ensure_reference_data()
    build_units()
    build_routing()
    for username, role, unit, password, label in DEMO_USERS:
        create_user(username, password, role, unit, label)
    build_handlers()
    build_cases(now or clock.now())
    load_demo_consultations()
    load_demo_notices()
    now = now or clock.now()
    load_demo_visits(now)
    replay(now - dt.timedelta(days=DEMO_DAYS), now)  # the warnings the worker would have raised
    refresh_hotspots(now)
    return True
