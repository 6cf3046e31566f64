"""History that cannot be rewritten (issue 15): every event is sealed onto its case's chain; `audit verify`
names the first event edited, deleted or inserted behind the system's back — by direct SQL here."""

import datetime as dt
from importlib import import_module

import pytest
from django.db import connection

from minqing.cli import main
from minqing.ledger import seal
from minqing.ledger.actions import perform
from minqing.ledger.audit import verify
from minqing.ledger.models import Case, CaseEvent
from minqing.workflow import escalation


@pytest.fixture
def ledger(make_case, county):
    """Three cases with histories of 3, 5 and 1+ events (dispatch, sign, contact, reply, an escalation)."""
    a = make_case("VA", text="村口路灯坏了，晚上看不清路。")
    b = make_case("VB", text="乙村垃圾站很久没人清运，气味很大。")
    c = make_case("VA", text="甲村小学门口缺少减速带，车速太快。")
    perform(county["disp"], a.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], a.number, "handle", {})
    perform(county["disp"], b.number, "dispatch", {"unit": "VB"})
    perform(county["hb"], b.number, "handle", {})
    perform(county["hb"], b.number, "contact", {"note": "已电话联系群众，约定周三上门查看"})
    perform(county["hb"], b.number, "reply", {"text": "已安排清运车辆每日清运两次，并对垃圾站消杀。"})
    perform(county["disp"], c.number, "dispatch", {"unit": "VA"})
    late = Case.objects.get(pk=c.pk).contact_due + dt.timedelta(hours=1)
    assert escalation.scan(late)["escalated"] >= 1  # the bulk writer (announce) seals too
    return {"a": Case.objects.get(pk=a.pk), "b": Case.objects.get(pk=b.pk), "c": Case.objects.get(pk=c.pk)}


def events_of(case) -> list[int]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("id", flat=True))


def sql(statement: str, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, list(params))


def first_break(result):
    assert not result.ok
    b = result.breaks[0]
    return b.number, b.position, b.event_id, b.reason


def test_a_clean_ledger_verifies_and_every_event_is_sealed(ledger, capsys):
    result = verify()
    assert result.ok, [b.line() for b in result.breaks] + result.gaps
    assert result.cases == 3 and result.events == CaseEvent.objects.count() >= 10
    assert not CaseEvent.objects.filter(seal__isnull=True).exists()
    b = ledger["b"]
    assert b.audit_count == len(events_of(b)) and b.audit_head == CaseEvent.objects.get(pk=events_of(b)[-1]).seal
    main(["audit", "verify"])  # exit 0: no SystemExit
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"ok: {result.events} events"


def test_a_direct_sql_update_of_one_note_is_named(ledger, capsys):
    b = ledger["b"]
    target = events_of(b)[2]
    sql("UPDATE ledger_caseevent SET note = %s WHERE id = %s", ["已联系（改过）", target])
    assert first_break(verify())[:3] == (b.number, 3, target)
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "verify"])
    assert exit_.value.code == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert b.number in last and "第 3 条事件" in last


def test_an_edit_of_the_data_or_the_actor_is_named(ledger):
    a = ledger["a"]
    first = events_of(a)[0]
    sql("UPDATE ledger_caseevent SET actor_label = %s WHERE id = %s", ["别人", first])
    assert first_break(verify())[:2] == (a.number, 1)


def test_a_deleted_middle_event_is_named_at_the_event_after_the_gap(ledger):
    b = ledger["b"]
    ids = events_of(b)
    sql("DELETE FROM ledger_caseevent WHERE id = %s", [ids[1]])
    number, position, event_id, reason = first_break(verify())
    assert (number, position, event_id) == (b.number, 2, ids[2]) and "删除" in reason


def test_a_deleted_newest_event_is_named(ledger):
    b = ledger["b"]
    ids = events_of(b)
    sql("DELETE FROM ledger_caseevent WHERE id = %s", [ids[-1]])
    number, position, event_id, reason = first_break(verify())
    assert (number, position, event_id) == (b.number, len(ids), None)
    assert f"最新的 1 条事件被删除（封印记载 {len(ids)} 条" in reason


def test_deleting_the_newest_and_rolling_the_head_back_is_named(ledger):
    """The attacker also sets the case's head to the event before: the head's own seal does not agree."""
    b = ledger["b"]
    ids = events_of(b)
    sql("DELETE FROM ledger_caseevent WHERE id = %s", [ids[-1]])
    previous = CaseEvent.objects.get(pk=ids[-2]).seal
    sql("UPDATE ledger_case SET audit_count = %s, audit_head = %s WHERE id = %s", [len(ids) - 1, previous, b.id])
    number, position, _, reason = first_break(verify())
    assert number == b.number and position == len(ids) - 1 and "被改动" in reason


def test_an_inserted_event_is_named_even_with_a_copied_seal(ledger):
    a = ledger["a"]
    ids = events_of(a)
    sql("INSERT INTO ledger_caseevent (case_id, at, actor_id, actor_label, action, from_status, to_status, note, "
        "data, seal) SELECT case_id, at, actor_id, actor_label, action, from_status, to_status, %s, data, seal "
        "FROM ledger_caseevent WHERE id = %s", ["补记（伪造）", ids[-1]])
    number, position, event_id, _ = first_break(verify())
    assert (number, position) == (a.number, len(ids) + 1) and event_id not in ids


def test_a_replayed_copy_of_an_event_is_named(ledger):
    a = ledger["a"]
    ids = events_of(a)
    sql("INSERT INTO ledger_caseevent (case_id, at, actor_id, actor_label, action, from_status, to_status, note, "
        "data, seal) SELECT case_id, at, actor_id, actor_label, action, from_status, to_status, note, data, seal "
        "FROM ledger_caseevent WHERE id = %s", [ids[1]])
    assert first_break(verify())[:2] == (a.number, len(ids) + 1)


def test_a_reordered_timestamp_is_named(ledger):
    b = ledger["b"]
    ids = events_of(b)
    first_at = CaseEvent.objects.get(pk=ids[0]).at
    sql("UPDATE ledger_caseevent SET at = %s WHERE id = %s", [first_at - dt.timedelta(minutes=5), ids[3]])
    assert first_break(verify())[:3] == (b.number, 4, ids[3])


def test_a_case_deleted_whole_shows_as_a_gap_in_the_numbers(ledger):
    a = ledger["a"]
    for rel in Case._meta.get_fields(include_hidden=True):  # its events, voices, notices … and then the case
        if rel.one_to_many and rel.auto_created:
            sql(f"DELETE FROM {rel.related_model._meta.db_table} WHERE {rel.field.column} = %s", [a.id])
    sql("DELETE FROM ledger_case WHERE id = %s", [a.id])
    result = verify()
    assert result.broken == 0 and result.gaps and "整件删除" in result.gaps[0]


def test_every_broken_case_is_counted_and_the_first_named(ledger):
    sql("UPDATE ledger_caseevent SET note = %s WHERE case_id IN (%s, %s)", ["x", ledger["b"].id, ledger["c"].id])
    result = verify()
    assert result.broken == 2 and result.breaks[0].number == ledger["b"].number


def test_another_key_cannot_verify_the_history(ledger, monkeypatch):
    """Re-sealing needs the key: with any other key every case fails at its first event."""
    monkeypatch.setenv(seal.KEY_ENV, "x" * 40)
    result = verify()
    assert result.broken == 3 and {b.position for b in result.breaks} == {1}


def test_a_stale_copy_of_a_case_does_not_roll_its_head_back(ledger, county):
    stale = Case.objects.get(pk=ledger["a"].pk)
    perform(county["ha"], stale.number, "contact", {"note": "已上门查看路灯"})
    stale.title = "村口路灯坏了（补充）"
    stale.save()  # an old copy: the sealed head is not among what save() writes
    assert verify().ok
    assert Case.objects.get(pk=stale.pk).title == "村口路灯坏了（补充）"


def test_the_key_lives_outside_the_database(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(seal.KEY_ENV, raising=False)
    settings.HOME = tmp_path
    seal.forget_key()
    try:
        with pytest.raises(seal.KeyMissing, match="审计密钥不存在"):
            seal.key()
        k = seal.key(create=True)
        path = tmp_path / seal.KEY_FILE
        assert path.exists() and (path.stat().st_mode & 0o777) == 0o600 and len(k) == 64
        assert seal.key() == k
        monkeypatch.setenv(seal.KEY_ENV, "short")
        with pytest.raises(seal.KeyMissing, match="太短"):
            seal.key()
    finally:
        seal.forget_key()


def test_the_migration_seals_the_history_already_written(ledger):
    from django.apps import apps

    migration = import_module("minqing.ledger.migrations.0012_audit_seal")
    seals = dict(CaseEvent.objects.values_list("id", "seal"))
    heads = dict(Case.objects.values_list("id", "audit_seal"))
    CaseEvent.objects.update(seal=None)
    Case.objects.update(audit_count=None, audit_head=None, audit_seal=None)
    assert not verify().ok
    migration.seal_history(apps, None)
    assert verify().ok
    # the migration's frozen copy seals exactly as ledger/seal.py does
    assert dict(CaseEvent.objects.values_list("id", "seal")) == seals
    assert dict(Case.objects.values_list("id", "audit_seal")) == heads


def test_data_reads_back_as_it_was_sealed(make_case, county):
    case = make_case("VA")
    from minqing.ledger.actions import record

    record(case, "note", county["disp"], case.status, "带数据的记录",
           {"big": 1e20, "whole": 2.0, "ratio": 0.873, 3: ("元组", None), "中文": {"b": 1, "a": [1.5, True]}})
    assert verify().ok


def test_verify_streams_in_one_query_whatever_the_number_of_cases(ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # the counters, the id range, (savepoint,) the stream, (release)
        assert verify().ok


@pytest.mark.django_db(transaction=True)  # the worker processes read what is committed
def test_verify_in_parallel_names_the_same_first_break(make_case, county, monkeypatch):
    from minqing.ledger import audit

    cases = [make_case("VA", text=f"第{i}号路灯不亮，晚上看不清路。") for i in range(6)]
    monkeypatch.setattr(audit, "PARALLEL_FROM", 0)
    whole = verify(jobs=3)
    assert whole.ok and whole.cases == 6 and whole.events == CaseEvent.objects.count()
    for late in (cases[4], cases[5]):
        sql("UPDATE ledger_caseevent SET note = %s WHERE case_id = %s", ["改", late.id])
    result = verify(jobs=3)
    assert result.broken == 2 and [b.number for b in result.breaks] == [cases[4].number, cases[5].number]
    assert (result.cases, result.events) == (whole.cases, whole.events)


def test_the_benchmark_ledger_is_sealed_as_the_system_seals(db):
    """`python -m minqing.bench audit` builds its events in bulk with ledger/seal.py: they verify."""
    from minqing.bench import audit as bench

    args = bench.parse(["--cases", "300"])
    load = bench.build(args, log_=lambda line: None)
    result = verify()
    assert result.ok and result.cases == 300 and result.events == load["events"] == CaseEvent.objects.count()
    assert 4 <= result.events / result.cases <= 8


def test_every_kind_of_character_verifies_and_an_edit_of_it_is_named(make_case, county):
    """On PostgreSQL the verifier builds the seals' input from COPY's bytes (ledger/audit_copy.py):
    quotes, backslashes, COPY's own escapes, tabs, newlines, a missing actor, characters beyond the BMP and
    data with the same kinds must read back exactly as they were sealed."""
    from minqing.ledger.actions import record

    case = make_case("VA")
    tricky = 'a "quoted" \\ back\\slash \\N \\t literal\ttab\nnew line\r\x0b 𠀀 emoji 😀 \u2028 end'
    record(case, "note", county["disp"], case.status, tricky, {"note": tricky, "k\\ey": ['"', "\\N", "\t"], "n": None})
    record(case, "note", None, case.status, "系统记录", {})
    record(case, "note", county["disp"], case.status, "", {"empty": "", "nested": {"z": 1, "a": "\\"}})
    assert verify().ok
    sql("UPDATE ledger_caseevent SET note = %s WHERE note = %s", [tricky.replace("tab", "tab "), tricky])
    number, *_ = first_break(verify())
    assert number == case.number
