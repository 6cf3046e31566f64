"""Consultations (征求意见) through the API and the web pages: who may do what, moderation, votes from
phones and from paper sheets, the opinion groups with the minority beside the majority, exports."""

import io
import random

import pytest
from openpyxl import load_workbook

from minqing.consult.models import Statement, Vote


def planted_votes(sids, sizes=(30, 6), seed=1):
    """Two camps that disagree on every statement: a majority and a minority (about a sixth)."""
    rng = random.Random(seed)
    votes = []
    for g, size in enumerate(sizes):
        for i in range(size):
            for j, sid in enumerate(sids):
                stance = "agree" if (j % 2 == 0) == (g == 0) else "disagree"
                if j == 0:
                    stance = "agree"  # every camp agrees on the first statement: consensus
                if rng.random() < 0.1:
                    stance = "disagree" if stance == "agree" else "agree"
                votes.append({"participant": f"g{g}-{i}", "statement": sid, "vote": stance})
    return votes


@pytest.fixture
def consultation(api):
    status, body = api("disp")("POST", "/api/consultations", {
        "title": "村道硬化方案", "text": "拟对甲村主干道进行硬化，请大家提意见。", "unit": "T1",
        "statements": ["应该先修主干道", "费用应由财政全额承担", "施工期间要保证通行", "可以适当向村民筹资"]})
    assert status == 201
    return body["id"]


def test_contract_flow_create_statements_votes_groups(api, consultation):
    staff = api("disp")
    sids = []
    for text in ("同意修路", "反对收费"):
        status, body = staff("POST", f"/api/consultations/{consultation}/statements", {"text": text})
        assert status == 201 and body["status"] == "approved"
        sids.append(body["id"])
    votes = [{"participant": f"x{i}", "statement": sids[i % 2], "vote": ("agree", "disagree", "pass")[i % 3]}
             for i in range(12)]
    status, body = staff("POST", f"/api/consultations/{consultation}/votes", {"votes": votes})
    assert status == 200 and body == {"accepted": 12}
    status, g = staff("GET", f"/api/consultations/{consultation}/groups")
    assert status == 200 and isinstance(g["groups"], list) and "consensus" in g
    assert all({"id", "size", "participants", "representative"} <= set(x) for x in g["groups"])
    placed = {p for x in g["groups"] for p in x["participants"]}
    assert placed <= {f"x{i}" for i in range(12)}


def test_groups_find_the_minority_beside_the_majority(api, consultation):
    staff = api("disp")
    status, detail = staff("GET", f"/api/consultations/{consultation}")
    sids = [s["id"] for s in detail["statements"]]
    for j in range(4):  # more statements, so the camps are clear
        sids.append(staff("POST", f"/api/consultations/{consultation}/statements", {"text": f"补充观点{j}号"})[1]["id"])
    status, body = staff("POST", f"/api/consultations/{consultation}/votes", {"votes": planted_votes(sids)})
    assert status == 200 and body["accepted"] == 36 * len(sids)
    g = staff("GET", f"/api/consultations/{consultation}/groups")[1]
    assert [x["size"] for x in g["groups"]] == [30, 6]
    assert {p[:2] for p in g["groups"][1]["participants"]} == {"g1"}
    assert g["groups"][0]["role"] == "majority" and g["groups"][1]["role"] == "minority"
    assert sids[0] in [c["statement"] for c in g["consensus"]]
    # the minority's representative statements are where it differs: it agrees on odd statements
    rep = g["groups"][1]["representative"][0]
    assert (sids.index(rep["statement"]) % 2 == 1) == (rep["direction"] == "agree")
    # without a token: the same groups, but no participant's code
    status, public = api()("GET", f"/api/consultations/{consultation}/groups")
    assert status == 200 and [x["size"] for x in public["groups"]] == [30, 6]
    assert all(x["participants"] == [] for x in public["groups"]) and "g0-1" not in str(public)


def test_citizen_statements_wait_for_moderation_and_votes_need_approval(api, consultation):
    citizen = api()
    status, body = citizen("POST", f"/api/consultations/{consultation}/statements",
                           {"text": "请先修排水沟，联系我13812345678", "participant": "d-abc"})
    assert status == 201 and body["status"] == "pending"
    stored = Statement.objects.get(pk=body["id"])
    assert "13812345678" not in stored.text and "138****5678" in stored.text
    status, err = citizen("POST", f"/api/consultations/{consultation}/votes",
                          {"votes": [{"participant": "d-abc", "statement": body["id"], "vote": "agree"}]})
    assert status == 400 and "审核" in err["error"]["message"]
    # a village handler cannot moderate a township's consultation; the township dispatcher can
    assert api("ha")("POST", f"/api/consultations/{consultation}/statements/{body['id']}/moderation",
                     {"approve": True})[0] == 403
    status, mod = api("t_disp")("POST", f"/api/consultations/{consultation}/statements/{body['id']}/moderation",
                                {"approve": True})
    assert status == 200 and mod["status"] == "approved"
    status, ok = citizen("POST", f"/api/consultations/{consultation}/votes",
                         {"votes": [{"participant": "d-abc", "statement": body["id"], "vote": "agree"}]})
    assert status == 200 and ok["accepted"] == 1
    # a citizen votes only as one participant per call
    status, err = citizen("POST", f"/api/consultations/{consultation}/votes", {"votes": [
        {"participant": "d-1", "statement": body["id"], "vote": "agree"},
        {"participant": "d-2", "statement": body["id"], "vote": "agree"}]})
    assert status == 403


def test_bad_votes_are_refused_whole_and_a_later_vote_replaces(api, consultation):
    staff = api("disp")
    sid = Statement.objects.filter(consultation_id=consultation).first().id
    for bad in ({"votes": []}, {"votes": [{"participant": "a", "statement": sid, "vote": "maybe"}]},
                {"votes": [{"participant": "a", "statement": sid, "vote": "agree"},
                           {"participant": "b", "statement": 999999, "vote": "agree"}]},
                {"votes": [{"participant": "", "statement": sid, "vote": "agree"}]}):
        status, body = staff("POST", f"/api/consultations/{consultation}/votes", bad)
        assert 400 <= status < 500 and body["error"]["message"], bad
    assert Vote.objects.count() == 0
    staff("POST", f"/api/consultations/{consultation}/votes", {"votes": [{"participant": "a", "statement": sid, "vote": "agree"}]})
    staff("POST", f"/api/consultations/{consultation}/votes", {"votes": [{"participant": "a", "statement": sid, "vote": "disagree"}]})
    assert list(Vote.objects.values_list("value", flat=True)) == [-1]


def test_scope_of_creation_and_reading(api, county, consultation):
    # a township dispatcher cannot publish for the county; a handler cannot publish at all
    assert api("t_disp")("POST", "/api/consultations", {"title": "x", "text": "y", "unit": "C"})[0] == 403
    assert api("ha")("POST", "/api/consultations", {"title": "x", "text": "y", "unit": "VA"})[0] == 403
    status, err = api("disp")("POST", "/api/consultations", {"title": "", "text": "y", "unit": "C"})
    assert status == 400 and err["error"]["field"] == "title"
    assert api("disp")("POST", "/api/consultations", {"title": "x", "text": "y", "unit": "C",
                                                      "closes_at": "2001-01-01"})[0] == 400
    # a village cadre sees the township's consultation (the level above) and can enter paper votes
    assert consultation in [c["id"] for c in api("grid")("GET", "/api/consultations")[1]]
    assert api()("GET", f"/api/consultations/{consultation}")[0] == 200
    assert api()("GET", "/api/consultations/99999")[0] == 404


def test_web_participation_from_a_phone_keeps_one_device(client, county, consultation):
    r = client.get(f"/consult/{consultation}/")
    assert r.status_code == 200 and "村道硬化方案" in r.content.decode()
    device = r.cookies["mq_device"].value
    shown = [s for s in Statement.objects.filter(consultation_id=consultation) if f"s-{s.id}" in r.content.decode()]
    assert 1 <= len(shown) <= 3
    r = client.post(f"/consult/{consultation}/", {f"s-{s.id}": "agree" for s in shown})
    assert r.status_code == 302
    assert Vote.objects.filter(participant__code=device).count() == len(shown)
    r = client.get(f"/consult/{consultation}/")
    assert not any(f"s-{s.id}\"" in r.content.decode() for s in shown)  # next statements are new ones
    r = client.post(f"/consult/{consultation}/", {"statement": "<script>x</script>"})
    assert r.status_code == 400 and "网页代码" in r.content.decode()


def test_paper_votes_results_page_and_exports(client, county, consultation):
    client.force_login(county["grid"])
    r = client.post(f"/consult/{consultation}/manage/", {"what": "paper", "paper": "A01 1 同意\nA01 2 反对\nA02 9 同意"})
    assert r.status_code == 400 and "第3行" in r.content.decode() and Vote.objects.count() == 0
    lines = "\n".join(f"H{i:02d} {seq} {'同意' if (seq + i) % 2 else '反对'}" for i in range(12) for seq in (1, 2, 3, 4))
    r = client.post(f"/consult/{consultation}/manage/", {"what": "paper", "paper": lines})
    assert r.status_code == 302 and Vote.objects.filter(source="paper").count() == 48
    client.logout()
    page = client.get(f"/consult/{consultation}/results/").content.decode()
    assert "多数" in page and "H01" not in page
    xlsx = client.get(f"/consult/{consultation}/results.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["概况", "意见分组", "共识", "逐条表态"] and wb["概况"]["B3"].value == 12
    assert client.get(f"/consult/{consultation}/results.doc").status_code == 404


def test_decision_links_cases_and_closes(client, county, consultation, make_case):
    case = make_case()
    client.force_login(county["t_disp"])
    r = client.post(f"/consult/{consultation}/manage/", {"what": "decision", "decision": "采纳多数意见，分两期施工。",
                                                        "cases": f"{case.number}, MQ-0000-000000", "close": "1"})
    assert r.status_code == 400 and "MQ-0000-000000" in r.content.decode()
    r = client.post(f"/consult/{consultation}/manage/", {"what": "decision", "decision": "采纳多数意见，分两期施工。",
                                                        "cases": case.number, "close": "1"})
    assert r.status_code == 302
    client.logout()
    page = client.get(f"/consult/{consultation}/").content.decode()
    assert "已截止" in page and "分两期施工" in page
    assert client.post(f"/consult/{consultation}/", {"statement": "还想说一句"}).status_code == 400


def test_results_pdf_prints_chinese(client, county, consultation):
    pytest.importorskip("weasyprint")
    r = client.get(f"/consult/{consultation}/results.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert len(r.content) > 20_000  # the Chinese font subset is embedded (pdffonts: Noto Sans CJK SC, emb yes)


def test_polis_export_imports_with_its_groups(county):
    from minqing.consult.imports import DEMO_FILE, import_consultation, load_pack, read_polis
    from minqing.consult.results import results
    from minqing.org.models import Unit
    from tests.conftest import SHARED_DATA

    folder = SHARED_DATA / "polis" / "vtaiwan.uberx"
    data = read_polis(folder) if folder.exists() else load_pack(DEMO_FILE)
    c = import_consultation(data, Unit.objects.get(code="C"))
    assert c.statements.count() == len(data["statements"]) and not c.is_open(c.created_at)
    assert "CC BY 4.0" in c.attribution
    r = results(c)
    assert r["participants"] > 1800 and 2 <= len(r["groups"]) <= 6
    assert sum(g["size"] for g in r["groups"]) + r["unassigned"] == r["participants"]
    # moderated-out statements neither show nor shape the groups
    hidden = c.statements.filter(status="rejected").values_list("id", flat=True)
    assert not {row["statement"] for row in r["table"]} & set(hidden)


def test_a_large_consultation_is_grouped_by_the_worker_and_its_pages_read_the_stored_result(
        api, client, consultation, monkeypatch):
    """Above INLINE_VOTES votes a page does not group them itself: it says the groups are being computed,
    the worker's `consult_groups` stores them, and after new votes the page shows the stored groups with
    the time they were computed until the worker has been again (issue 19: 100,000 participants)."""
    from minqing.consult import results as res
    from minqing.consult.models import GroupingResult
    from minqing.worker.scheduler import JOBS
    from minqing.worker.tasks import consult_groups

    monkeypatch.setattr(res, "INLINE_VOTES", 10)
    staff = api("disp")
    sids = [s["id"] for s in staff("GET", f"/api/consultations/{consultation}")[1]["statements"]]
    assert staff("POST", f"/api/consultations/{consultation}/votes", {"votes": planted_votes(sids)})[0] == 200
    status, g = staff("GET", f"/api/consultations/{consultation}/groups")
    assert status == 200 and g["pending"] and g["groups"] == [] and not GroupingResult.objects.exists()
    assert (g["participants"], g["statements"]) == (36, len(sids))  # the counts, while the groups wait
    assert "正在计算" in client.get(f"/consult/{consultation}/results/").content.decode()
    assert JOBS["consult_groups"] <= 60
    assert consult_groups.call() == 1 and consult_groups.call() == 0  # once per change
    stored = GroupingResult.objects.get(consultation_id=consultation)
    g = staff("GET", f"/api/consultations/{consultation}/groups")[1]
    assert not g["stale"] and sum(x["size"] for x in g["groups"]) == 36 and g["votes"] == 36 * len(sids)
    assert staff("POST", f"/api/consultations/{consultation}/votes",
                 {"votes": [{"participant": "new-1", "statement": sids[0], "vote": "agree"}]})[0] == 200
    g = staff("GET", f"/api/consultations/{consultation}/groups")[1]
    assert g["stale"] and g["votes"] == 36 * len(sids) and g["computed_at"] == stored.computed_at.isoformat()
    page = client.get(f"/consult/{consultation}/results/").content.decode()
    assert "分组结果计算于" in page and "多数" in page
    assert consult_groups.call() == 1
    g = staff("GET", f"/api/consultations/{consultation}/groups")[1]
    assert not g["stale"] and g["votes"] == 36 * len(sids) + 1
