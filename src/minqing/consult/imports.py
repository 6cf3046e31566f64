"""Bring a finished consultation in from the Pol.is open-data format (a folder with comments.csv,
votes.csv and summary.csv, as published by the Computational Democracy Project), so that a county can
study a real consultation beside its own, and so the demo has one.

The packed form (`pack`) keeps only what the results need — statements with their moderation and each
participant's last vote — in a small gzipped JSON shipped with the package (`demo_consultation.json.gz`)."""

import csv
import gzip
import json
from pathlib import Path

from django.db import transaction

from .. import clock
from ..errors import Invalid
from ..org.models import Unit
from ..sanitize import clean
from .models import Consultation, Participant, Statement, StatementStatus, Vote, VoteSource
from .results import refresh

POLIS_ATTRIBUTION = ("Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed "
                     "under CC BY 4.0 with Attribution to The Computational Democracy Project.")
DEMO_FILE = Path(__file__).with_name("demo_consultation.json.gz")
MODERATION = {"1": StatementStatus.APPROVED, "-1": StatementStatus.REJECTED, "0": StatementStatus.PENDING}


def read_polis(folder: Path) -> dict:
    """The folder as a pack: {topic, url, statements: [[id, moderated, text]], votes: [[voter, id, vote]]}."""
    folder = Path(folder)
    for name in ("comments.csv", "votes.csv"):
        if not (folder / name).exists():
            raise Invalid(f"{folder} 中没有 {name}：应为 Pol.is 公开数据格式的文件夹", field="folder")
    summary = {}
    if (folder / "summary.csv").exists():
        with open(folder / "summary.csv", encoding="utf-8") as f:
            summary = {row[0]: row[1] for row in csv.reader(f) if len(row) >= 2}
    with open(folder / "comments.csv", encoding="utf-8") as f:
        statements = sorted([int(r["comment-id"]), str(r.get("moderated") or "0"), r["comment-body"].strip()]
                            for r in csv.DictReader(f) if (r.get("comment-body") or "").strip())
    last: dict[tuple[int, int], int] = {}
    with open(folder / "votes.csv", encoding="utf-8") as f:
        for r in sorted(csv.DictReader(f), key=lambda r: int(r["timestamp"])):
            last[(int(r["voter-id"]), int(r["comment-id"]))] = int(r["vote"])
    return {"topic": summary.get("topic", folder.name), "url": summary.get("url", ""),
            "description": summary.get("description", ""), "statements": statements,
            "votes": [[v, c, x] for (v, c), x in sorted(last.items())]}


def pack(folder: Path, out: Path = DEMO_FILE) -> Path:
    with gzip.open(out, "wt", encoding="utf-8") as f:
        json.dump(read_polis(folder), f, ensure_ascii=False, separators=(",", ":"))
    return out


def load_pack(path: Path = DEMO_FILE) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


@transaction.atomic
def import_consultation(data: dict, unit: Unit, *, user=None, title: str = "", text: str = "",
                        attribution: str = POLIS_ATTRIBUTION, closes: bool = True) -> Consultation:
    """One consultation with its statements (numbered as in the source) and votes (participants keep
    their source ids, prefixed `p`). A finished consultation arrives closed."""
    now = clock.now()
    source = f"来源：{data.get('url')}" if data.get("url") else ""
    c = Consultation.objects.create(
        unit=unit, unit_path=unit.path,
        title=clean(title or data.get("topic") or "导入的征求意见", multiline=False)[:100],
        text=clean(text or "\n".join(x for x in (data.get("description") or "", source) if x)) or "（导入）",
        opens_at=now, closes_at=now if closes else None, created_by=user, created_at=now,
        attribution=attribution[:300])
    ids = {}
    rows = []
    for seq, (sid, moderated, body) in enumerate(data["statements"], start=1):
        ids[int(sid)] = seq
        rows.append(Statement(consultation=c, seq=seq, text=clean(body)[:300], created_at=now,
                              status=MODERATION.get(str(moderated), StatementStatus.PENDING)))
    Statement.objects.bulk_create(rows, batch_size=500)
    by_seq = dict(c.statements.values_list("seq", "id"))
    voters = sorted({int(v) for v, _, _ in data["votes"]})
    Participant.objects.bulk_create([Participant(consultation=c, code=f"p{v}", created_at=now) for v in voters],
                                    batch_size=1000)
    pid = dict(c.participants.values_list("code", "id"))
    Vote.objects.bulk_create(
        [Vote(consultation=c, participant_id=pid[f"p{v}"], statement_id=by_seq[ids[int(s)]], value=int(x),
              source=VoteSource.API, updated_at=now)
         for v, s, x in data["votes"] if int(s) in ids and int(x) in (-1, 0, 1)], batch_size=2000)
    refresh(c)  # its groups, once: an imported consultation is usually finished (and often large)
    return c

