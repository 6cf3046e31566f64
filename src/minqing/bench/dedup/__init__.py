"""Duplicate detection benchmark (issue 4): `python -m minqing.bench dedup [--quick]`.

    python -m minqing.bench dedup [--quick] [--originals 300] [--background 100000] [--seed 2026]
                                  [--db sqlite|postgresql] [--source FILE.xlsx] [--json FILE] [--examples 5]

A labelled set is built from real messages (`messages_with_votes.xlsx`): originals placed at villages
of the demo county, and for each original probes that are the same problem at the same place
(copies, edits, traditional script, paraphrases) or not (the same words at another village, another
message at the same village) — labelled_set.py, its variants in variants.py. The originals are loaded
into a fresh ledger of our own (after --background generated cases from unrelated messages:
background.py), then each probe is submitted, looked up with `ledger.similar.duplicates_of` and rolled
back (probes.py). Figures: pair-level precision and recall, overall and per kind, beside baselines on
the same probes (baselines.py), and a threshold sweep chosen on one half of the originals and
reported on the other (scoring.py); report.py runs it all and prints the report. Here: the command.
Method and figures: docs/duplicates.md."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path

from .._data import VOTES_FILE
from .._report import log
from .labelled_set import (
    KINDS,
    NEGATIVE,
    Message,
    Probe,
    _units,
    build_set,
    choose,
    demo_villages,
    read_source,
    related_pairs,
    same_title_pairs,
)
from .report import print_report, run
from .scoring import THRESHOLDS, choose_threshold, decide, metrics
from .variants import edit, paraphrase, traditional

__all__ = [  # what `python -m minqing.bench` and the tests use as `dedup.<name>`; the rest is in the modules
    "KINDS", "NEGATIVE", "THRESHOLDS", "Message", "Probe", "_units", "build_set", "choose", "choose_threshold",
    "decide", "demo_villages", "edit", "main", "metrics", "paraphrase", "print_report", "related_pairs", "run",
    "same_title_pairs", "traditional",
]

DEFAULT_ORIGINALS, QUICK_ORIGINALS = 300, 60
DEFAULT_BACKGROUND = 100_000
DEFAULT_DATA_DIR = Path(os.environ.get("MINQING_BENCH_DIR", "/tmp/minqing-bench"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
PG_DATABASE = "mqdedup"


def parse(argv: list[str]):
    p = argparse.ArgumentParser(prog="python -m minqing.bench dedup", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ORIGINALS} originals")
    p.add_argument("--originals", type=int, default=None, help=f"originals sampled (default {DEFAULT_ORIGINALS})")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--background", type=int, default=None, help="generated cases loaded first, from messages "
                   "unrelated to the set (default 100000; --quick 0)")
    p.add_argument("--source", type=Path, default=VOTES_FILE)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--pg-url", default=os.environ.get("MINQING_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", type=Path, default=None, help="also write the report (without outcomes) here")
    p.add_argument("--examples", type=int, default=5)
    args = p.parse_args(argv)
    args.originals = args.originals or (QUICK_ORIGINALS if args.quick else DEFAULT_ORIGINALS)
    if args.background is None:
        args.background = 0 if args.quick else DEFAULT_BACKGROUND
    return args


def fresh_database(args) -> None:
    """A fresh ledger of our own: MINQING_HOME under --data-dir (SQLite) or database mqdedup."""
    from urllib.parse import urlparse, urlunparse

    home = args.data_dir / f"dedup-{args.db}"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MINQING_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    if args.db == "sqlite":
        os.environ.pop("MINQING_DATABASE_URL", None)
        for f in home.glob("minqing.sqlite3*"):
            f.unlink()
    else:
        from ..ledger import _pg_admin

        _pg_admin(args.pg_url, [f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                                f'CREATE DATABASE "{PG_DATABASE}"'])
        os.environ["MINQING_DATABASE_URL"] = urlunparse(urlparse(args.pg_url)._replace(path="/" + PG_DATABASE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(argv: list[str]) -> None:
    args = parse(argv)
    if not args.source.exists():
        print(f"dedup benchmark skipped: {args.source} not found (the shared TipDM data is needed)")
        return
    fresh_database(args)
    import logging

    logging.getLogger("minqing").setLevel(logging.ERROR)
    from .._data import setup_county

    users = setup_county()
    messages = read_source(args.source)
    log(f"dedup: {len(messages)} messages in {args.source.name}")
    report = run(messages, args.originals, users["dispatcher"], args.seed, background=args.background,
                 cache_dir=args.data_dir)
    print_report(report, args.examples)
    if args.json:
        data = {k: v for k, v in report.items() if k != "outcomes"}
        data["outcomes"] = [{**asdict(o.probe), "shipped": o.shipped, "wrong": o.wrong,
                             "scored": [(k, round(v, 4)) for k, v in o.scored[:5]]} for o in report["outcomes"]]
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
