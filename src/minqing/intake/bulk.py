"""Many voices written at once: the bulk half of intake, for the Excel import (issue 16).

`submit_voice` writes one case in its own transaction, with the text work (normalising, segmenting,
keywords) inline: ~10–20 ms a row, an afternoon for a county's ten-year ledger. Here the drafts —
checked and decided by the same `prepare_voice`, so an imported row obeys every rule a typed one does —
are written in batches inside the caller's transaction:

- numbers: one block per year from the year's counter, under the same row lock as `next_number`
  (`take_numbers`), in file order, so they stay unique and gap-free (a rollback gives the block back);
- cases, voices and replies — the same values `case_attrs`/`voice_attrs` give `submit_voice` — by
  `ledger.inserts.insert_objects` (`bulk_create`, less its cost);
- the cases' ids reserved first (`reserve_ids`), so that their events, built by `event_for`, are sealed
  before anything is written (`record_new`, ledger/seal.py `seal_new`: `minqing audit verify` holds) and
  each case row is written once, already sealed — no second pass to lock and update 100,000 rows; the
  events are announced through `case_event` one by one, as `record` does (the listeners,
  workflow/notify.py, skip the import's history themselves);
- an imported reply (`excel/rows.imported_reply`): the case is written already replied, its `reply`
  event after the `accept` one, as `record_imported_reply` would leave it.

The text work is left to the worker (intake/textwork.py): an imported case is written with an empty
`text_norm`, and the worker fills in the normalised text, the search index's words, keywords and
places with `text_fields`, the function `submit_voice` uses."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from .. import clock
from ..ledger.actions import auto_dispatch, event_for, record_new
from ..ledger.inserts import instance, reserve_ids
from ..ledger.models import Case, Status, Voice
from .services import Draft, accept_data, case_attrs, new_tracking_code, take_numbers, voice_attrs


def tracking_codes(count: int) -> list[str]:
    """`count` new tracking codes, none already in the ledger (31^10 codes: a clash is rare, but checked)."""
    codes: set[str] = set()
    while len(codes) < count:
        want = {new_tracking_code() for _ in range(count - len(codes))} - codes
        for start in range(0, len(want), 900):  # under SQLite's limit of variables per query
            part = list(want)[start:start + 900]
            want -= set(Voice.objects.filter(tracking_code__in=part).values_list("tracking_code", flat=True))
        codes |= want
    return list(codes)[:count]


def write_drafts(drafts: list[Draft], replies: dict[int, tuple[str, object]] | None = None) -> list[Case]:
    """Write the drafts (in order) as cases with their first voice and `accept` event, plus the imported
    replies (`replies`: draft index → (text, time or None)); inside the caller's transaction."""
    from .excel.rows import imported_reply_event, mark_imported_reply

    if not drafts:
        return []
    replies = replies or {}
    now = clock.now()
    years = [timezone.localtime(d.when).year for d in drafts]
    blocks = {y: iter(take_numbers(y, n)) for y, n in sorted(Counter(years).items())}  # locks in year order
    cases = [instance(Case, case_attrs(d, next(blocks[y]), now)) for d, y in zip(drafts, years, strict=True)]
    reserve_ids(cases)  # sealed before written: each case row is written once (ledger/seal.py seal_new)
    reply_rows = {i: mark_imported_reply(cases[i], text, at, now) for i, (text, at) in replies.items()}
    codes = tracking_codes(len(drafts))
    voices = [instance(Voice, voice_attrs(c.pk, d, code)) for c, d, code in zip(cases, drafts, codes, strict=True)]
    events = []
    for i, (case, d) in enumerate(zip(cases, drafts, strict=True)):
        events.append(event_for(case, "accept", d.staff or "群众（网上）", "", data=accept_data(d), at=d.when,
                                after=Status.ACCEPTED))
        if i in reply_rows:
            events.append(imported_reply_event(case, reply_rows[i], d.staff, Status.ACCEPTED))
    record_new(cases, events, voices, list(reply_rows.values()))
    for case, d in zip(cases, drafts, strict=True):  # a draft with its suggestion (not an import's)
        hint = d.derived or {}
        if hint.get("auto"):
            auto_dispatch(case, hint["unit"], hint["category_obj"], hint["confidence"])
    return cases
