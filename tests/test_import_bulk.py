"""The bulk Excel import (issue 16: intake/bulk.py, intake/textwork.py, intake/excel/importer.py): a file is
written whole or not at all, numbers stay gap-free, the history is sealed, the text work follows in the
worker, and an imported row ends as the former row-by-row path (`per_row=True`) left it."""

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction

from minqing.errors import Invalid
from minqing.intake import bulk, textwork
from minqing.intake.excel import import_ledger, system_user
from minqing.intake.excel import importer as importer_module
from minqing.intake.models import ImportJob
from minqing.ledger import audit, search, similar
from minqing.ledger.inserts import reserve_ids
from minqing.ledger.models import Case, CaseCounter, CaseEvent, Reply, Voice
from minqing.privacy import list_submitter, submitter

HEAD = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间", "联系人", "联系电话"]
TEXTS = ["村口路灯坏了一个月，晚上看不清路，老人出行很不方便。", "丽发新城小区旁搅拌站夜间施工，噪音和粉尘很大。",
         "学校门口道路破损严重，下雨天积水，学生上学不安全。", "小区下水道堵塞，污水外溢，臭味很大，请尽快处理。"]


def generated(rows: int, *, bad_every: int = 0, name: str = "generated.xlsx") -> SimpleUploadedFile:
    """A ledger of `rows` rows over two years, varied from a few messages; every `bad_every`-th row bad."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(HEAD)
    for i in range(rows):
        when = dt.datetime(2019, 12, 25) + dt.timedelta(hours=7 * i)  # across the turn of the year
        text = f"{TEXTS[i % len(TEXTS)]}（第{i}条）"
        reply, reply_at, person, phone = ("", "", "", "")
        if i % 5 == 1:
            reply, reply_at = "已安排维修，感谢反映。", (when + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
        if i % 7 == 2:
            person, phone = "张三丰", "138" + f"{i:08d}"
        if bad_every and i % bad_every == bad_every - 1:
            when = "昨天下午"  # a date no one can read
        ws.append([f"G{i}", f"U{i}", f"标题{i % 13}", when if isinstance(when, str) else when.strftime("%Y-%m-%d %H:%M:%S"),
                   text, reply, reply_at, person, phone])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def failing_writes(monkeypatch, when, error: Exception) -> list[int]:
    """Make the bulk writer raise `error` on the batch for which `when(sizes of the batches so far)` holds;
    the sizes are returned (filled as the import goes)."""
    real, sizes = bulk.write_drafts, []

    def failing(drafts, replies=None):
        sizes.append(len(drafts))
        if when(sizes):
            raise error
        return real(drafts, replies)

    monkeypatch.setattr(bulk, "write_drafts", failing)
    return sizes


def numbers_by_year() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for number in Case.objects.values_list("number", flat=True):
        year, n = re.fullmatch(r"MQ-(\d{4})-(\d+)", number).groups()
        out.setdefault(year, []).append(int(n))
    return {y: sorted(ns) for y, ns in out.items()}


def test_a_generated_file_is_written_in_bulk_numbered_without_gaps_and_sealed(county):
    result = import_ledger(generated(240, bad_every=40))
    assert result.total == 240 and result.imported == 234 and result.skipped == 0
    assert [r for r, _ in result.rejected] == [41 + 40 * k for k in range(6)]  # Excel rows: the header is row 1
    assert all("时间" in reason and "昨天下午" in reason for _, reason in result.rejected)
    assert Case.objects.count() == Voice.objects.count() == 234
    years = numbers_by_year()
    assert set(years) == {"2019", "2020"}
    for year, ns in years.items():  # gap-free per year, and the counter agrees
        assert ns == list(range(1, len(ns) + 1))
        assert CaseCounter.objects.get(year=int(year)).last == len(ns)
    replied = Case.objects.filter(status="replied")
    assert replied.count() == Reply.objects.count() > 0
    case = replied.order_by("id").first()
    assert [(e.action, e.from_status, e.to_status) for e in case.events.all()] == [
        ("accept", "", "accepted"), ("reply", "accepted", "replied")]
    assert case.replied_at == case.replies.get().at == case.first_contact_at
    assert CaseEvent.objects.count() == 234 + replied.count()
    checked = audit.verify()
    assert checked.ok, audit.report_lines(checked)
    assert checked.events == CaseEvent.objects.count()
    first = Case.objects.order_by("id").first()
    assert first.created_by.username == "system-import" and first.contact_due and first.resolve_due
    assert first.resolve_due > first.contact_due > first.received_at


def test_the_text_work_follows_in_the_worker_and_ends_as_submit_voice_would(county):
    from minqing.intake.services import text_fields

    result = import_ledger(generated(30))
    job = result.job
    assert job.imported == 30 and job.state == "indexing" and result.text_pending == 30
    assert set(Case.objects.values_list("text_norm", flat=True)) == {""}  # numbered and sealed, not yet searchable
    assert not search.matching(Case.objects.all(), "搅拌站").exists()
    case = Case.objects.get(voices__external_id="G1")
    assert case.title == "标题1"
    # keywords weigh words by the ledger's word statistics (cached per process): what submit_voice would
    # derive with the statistics the worker finds — sampled now, before the job, as the worker would
    similar.forget_term_stats()
    expected = text_fields(case.text, case.title, case.unit, imported=True)
    seen = []
    assert textwork.index_job(job, progress=lambda j: seen.append(j.text_done)) == 30
    job.refresh_from_db()
    assert job.state == "done" and job.text_done == 30 and job.finished_at and seen[-1] == 30
    found = search.matching(Case.objects.all(), "搅拌站")
    assert found.count() == sum(1 for i in range(30) if i % 4 == 1)
    case.refresh_from_db()
    assert (case.text_norm, case.search_text, case.places) == (
        expected["text_norm"], expected["search_text"], expected["places"])
    assert case.keywords and set(case.keywords.split()) == set(expected["keywords"].split())
    assert similar._stats is None  # re-sampled when next asked: the new cases count from now on
    assert textwork.run_pending() == 0  # nothing left


def test_a_failure_half_way_leaves_no_case_no_number_and_no_job(county, monkeypatch):
    monkeypatch.setattr(importer_module, "BATCH", 20)
    real = bulk.write_drafts
    calls = failing_writes(monkeypatch, lambda sizes: len(sizes) == 3, DatabaseError("disk full"))
    with pytest.raises(Invalid) as e:
        import_ledger(generated(100))
    assert "未导入任何一行" in e.value.message
    assert len(calls) == 3  # two batches were written before the failure …
    assert Case.objects.count() == Voice.objects.count() == CaseEvent.objects.count() == 0  # … and rolled back
    assert not CaseCounter.objects.filter(last__gt=0).exists()
    assert not ImportJob.objects.exists()
    monkeypatch.setattr(bulk, "write_drafts", real)
    again = import_ledger(generated(100))  # nothing half-done is in the way: the whole file, numbers from 1
    assert again.imported == 100 and again.skipped == 0
    assert all(ns == list(range(1, len(ns) + 1)) for ns in numbers_by_year().values())


def test_a_100000_row_file_that_fails_in_its_last_batch_leaves_nothing(county, monkeypatch):
    """The issue's size: 100,000 rows, all but the last batch written (≈99,500 cases, voices, events,
    numbers and reserved ids), then the disk fills — and the ledger is as it was."""
    batches = failing_writes(monkeypatch, lambda sizes: sum(sizes) == 100_000, DatabaseError("disk full"))
    with pytest.raises(Invalid) as e:
        import_ledger(generated(100_000))
    assert "未导入任何一行" in e.value.message and sum(batches) == 100_000 and len(batches) > 100
    assert not Case.objects.exists() and not Voice.objects.exists() and not CaseEvent.objects.exists()
    assert not Reply.objects.exists() and not ImportJob.objects.exists()
    assert not CaseCounter.objects.filter(last__gt=0).exists()


def test_an_error_that_is_not_the_databases_also_leaves_nothing(county, monkeypatch):
    monkeypatch.setattr(importer_module, "BATCH", 10)
    failing_writes(monkeypatch, lambda sizes: len(sizes) == 2, RuntimeError("power cut"))
    with pytest.raises(RuntimeError):
        import_ledger(generated(30))
    assert not Case.objects.exists() and not CaseCounter.objects.filter(last__gt=0).exists()


def test_the_ids_reserved_for_an_import_are_the_databases_own(county):
    """The cases' ids are reserved before they are written (sealed first, written once): the database's
    own counter moves past them, so the next case written the ordinary way (and the next import) gets
    the next id, not a clash."""
    import_ledger(generated(12, name="a.xlsx"))
    top = Case.objects.order_by("-id").values_list("id", flat=True).first()
    assert sorted(Case.objects.values_list("id", flat=True)) == list(range(top - 11, top + 1))
    single = Case.objects.create(number="MQ-2099-000001", title="t", text="x", unit=Case.objects.first().unit,
                                 received_at=Case.objects.first().received_at)
    assert single.pk == top + 1
    import_ledger(generated(24, name="b.xlsx"))  # rows 13–24 are new
    assert Case.objects.count() == 12 + 1 + 12 and Case.objects.order_by("-id").first().pk > single.pk
    reserved = [Case(), Case()]
    reserve_ids(reserved)
    assert [c.pk for c in reserved] and all(c.pk > Case.objects.order_by("-id").first().pk for c in reserved)


def test_importing_again_adds_nothing(county):
    first = import_ledger(generated(60, name="a.xlsx"))
    second = import_ledger(generated(60, name="b.xlsx"))
    assert first.imported == 60
    assert (second.imported, second.skipped, second.rejected, second.job) == (0, 60, [], None)
    assert Case.objects.count() == 60 and ImportJob.objects.count() == 1
    assert sum(len(ns) for ns in numbers_by_year().values()) == 60


def test_a_row_given_twice_in_one_file_is_rejected_once(county):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD[:5])
    row = ["7", "U7", "路灯", "2024-03-01 09:00", "村口路灯坏了一个月，晚上看不清路。"]
    for r in (row, ["8", "U8", "噪音", "2024-03-02", "工地夜间施工噪音很大，影响休息。"], row):
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    result = import_ledger(SimpleUploadedFile("twice.xlsx", buf.getvalue()))
    assert result.imported == 2
    assert result.rejected == [(4, "与第2行是同一条诉求（编号、标题、时间和内容相同），不重复导入")]


def test_imported_submitters_are_protected_and_masked(county):
    import_ledger(generated(20))
    voice = Voice.objects.get(external_id="G2")  # a row with a name and a phone
    assert voice.submitter_mode == "protected"
    assert voice.submitter_name == "张三丰" and voice.submitter_phone == "13800000002"
    assert voice.phone_key == "13800000002"
    shown, listed = submitter(voice), list_submitter(voice)
    assert "张三丰" not in shown["name"] and "13800000002" not in shown["phone"]
    assert "13800000002" not in listed["phone"] and "张三丰" not in listed["name"]
    assert Voice.objects.get(external_id="G0").submitter_mode == "anonymous"


def test_the_bulk_path_writes_what_the_row_by_row_path_wrote(county):
    """The same file through `submit_voice` row by row (rolled back), then in bulk with the worker's text
    work: every field of every case, voice and event the same but the ids, numbers' order, codes and times
    of writing."""
    def snapshot():
        cases = []
        for c in Case.objects.order_by("received_at", "id").prefetch_related("voices", "events", "replies"):
            v = c.voices.get()
            cases.append((c.title, c.text, c.text_norm, c.search_text, c.keywords, c.places, c.status,
                          c.received_at, c.contact_due, c.resolve_due, c.replied_at, c.first_contact_at,
                          c.unit_id, c.place_path, c.category_id, c.created_by_id, c.channel, c.endorsements,
                          c.suggested_category, c.suggested_unit_id, c.auto_dispatched,
                          v.title, v.text, v.submitter_mode, v.submitter_name, v.submitter_phone, v.phone_key,
                          v.source, v.external_id, v.import_key, v.submitter_ref, v.recorded_by_id,
                          [(e.action, e.actor_id, e.actor_label, e.from_status, e.to_status, e.note, e.data, e.at)
                           for e in c.events.all()],
                          [(r.kind, r.text, r.at, r.author_label) for r in c.replies.all()]))
        return cases

    system_user()  # made once, outside the rolled-back part
    with transaction.atomic():
        old = import_ledger(generated(25), per_row=True)
        before = snapshot()
        transaction.set_rollback(True)
    new = import_ledger(generated(25))
    textwork.index_job(new.job)
    assert old.imported == new.imported == 25
    after = snapshot()
    differ = [(i, k, a, b) for i, (x, y) in enumerate(zip(before, after, strict=True))
              for k, (a, b) in enumerate(zip(x, y, strict=True)) if a != b]
    assert not differ, differ[:3]


def test_the_progress_of_an_import_over_the_api_and_on_the_import_page(client, county):
    from minqing.org.models import ApiToken

    from .conftest import PW

    token = ApiToken.issue(county["disp"])
    r = client.post("/api/imports", {"file": generated(12)}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["imported"] == 12 and body["text_pending"] == 12 and body["job"]
    url = f"/api/imports/{body['job']}"
    r = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("imported", "state", "text_done", "text_total")} == {
        "imported": 12, "state": "indexing", "text_done": 0, "text_total": 12}
    other = client.get(url, HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(county['t_disp'])}")
    assert other.status_code == 404  # another dispatcher's import
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(county['admin'])}").status_code == 200
    textwork.run_pending()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()["state"] == "done"

    assert client.login(username="disp", password=PW)
    page = client.get("/import/")
    assert page.status_code == 200 and "最近的导入" in page.content.decode()
    job = client.get(f"/import/jobs/{body['job']}/")
    assert job.status_code == 200 and job.json()["text_done"] == 12
