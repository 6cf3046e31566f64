"""Tamper-evident history (issue 15, ledger/seal.py): a seal on every case event, the sealed head of the
chain on every case; then the history already written is sealed, case by case in event id order, and
the index that gives audit verify its order is built last (cheaper than keeping it up during the fill).

The columns are nullable, without default (NULL = not sealed): on SQLite an ALTER TABLE ADD COLUMN,
no rebuild of the two biggest tables. The audit key is made here if there is none (MINQING_HOME/audit_key,
or MINQING_AUDIT_KEY): a database's first migrate is the key's first use. The seal is a frozen copy of
ledger/seal.py's as of this migration (test_audit.py checks that the two agree)."""

import datetime as dt
import hmac
import json

from django.db import migrations, models

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
BATCH = 2000  # cases per round


def _json(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _event_seal(k, prev, case_id, number, at, action, actor_id, actor_label, from_status, to_status, note, data):
    body = _json([case_id, number, (at - EPOCH) // MICROSECOND, action, actor_id, actor_label, from_status, to_status,
                  note]) + "\n" + _json(data)
    return hmac.digest(k, b"event\n" + prev.encode() + b"\n" + body.encode(), "sha256").hex()


def _case_seal(k, case_id, number, count, head):
    return hmac.digest(k, f"case\n{case_id}\n{number}\n{count}\n{head}".encode(), "sha256").hex()


def seal_history(apps, schema_editor):
    from django.db import connection

    from minqing.ledger.seal import key

    Case = apps.get_model("ledger", "Case")
    CaseEvent = apps.get_model("ledger", "CaseEvent")
    k = key(create=True)
    if schema_editor is not None:
        connection = schema_editor.connection
    last = 0
    while batch := list(Case.objects.filter(id__gt=last).order_by("id").values_list("id", "number")[:BATCH]):
        last = batch[-1][0]
        events: dict[int, list] = {cid: [] for cid, _ in batch}
        for row in (CaseEvent.objects.filter(case_id__in=list(events)).order_by("case_id", "id")
                    .values_list("case_id", "id", "at", "action", "actor_id", "actor_label", "from_status",
                                 "to_status", "note", "data")):
            events[row[0]].append(row)
        event_rows, case_rows = [], []
        for cid, number in batch:
            head = ""
            for _case, eid, *fields in events[cid]:
                head = _event_seal(k, head, cid, number, *fields)
                event_rows.append((head, eid))
            count = len(events[cid])
            case_rows.append((count, head, _case_seal(k, cid, number, count, head), cid))
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {CaseEvent._meta.db_table} SET seal = %s WHERE id = %s", event_rows)
            cur.executemany(f"UPDATE {Case._meta.db_table} SET audit_count = %s, audit_head = %s, audit_seal = %s "
                            "WHERE id = %s", case_rows)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_search_tsv")]

    operations = [
        migrations.AddField(model_name="case", name="audit_count",
                            field=models.IntegerField(editable=False, null=True)),
        migrations.AddField(model_name="case", name="audit_head",
                            field=models.CharField(editable=False, max_length=64, null=True)),
        migrations.AddField(model_name="case", name="audit_seal",
                            field=models.CharField(editable=False, max_length=64, null=True)),
        migrations.AddField(model_name="caseevent", name="seal",
                            field=models.CharField(editable=False, max_length=64, null=True)),
        migrations.RunPython(seal_history, migrations.RunPython.noop),
        migrations.AddIndex(model_name="caseevent",
                            index=models.Index(fields=["case", "id"], name="caseevent_chain_idx")),
    ]
