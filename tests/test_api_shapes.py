"""The response shapes of the routes integrators rely on (api/shapes.py) are in /api/openapi.json and every
real answer fits its shape, so the document and the API cannot drift apart."""

import pytest

from minqing.api.shapes import SHAPES
from tests.test_consult import consultation, planted_votes  # noqa: F401


def fits(shape, many, body):
    for item in body if many else [body]:
        shape.model_validate(item)  # raises with the field that does not fit
    return True


def test_the_document_names_each_shape(client):
    doc = client.get("/api/openapi.json").json()
    ops = {d["operationId"]: d for path in doc["paths"].values() for d in path.values()}
    for op, (status, shape, many) in SHAPES.items():
        schema = ops[op]["responses"][str(status)]["content"]["application/json"]["schema"]
        ref = schema["items"]["$ref"] if many else schema["$ref"]
        assert ref.endswith("/" + shape.__name__)
        assert doc["components"]["schemas"][shape.__name__]["additionalProperties"] is True


@pytest.mark.django_db
def test_every_answer_fits_its_shape(api, make_case, consultation):  # noqa: F811
    from minqing.clock import today
    from minqing.ledger.models import Voice

    shape = {op: (s, m) for op, (_st, s, m) in SHAPES.items()}
    staff = api("disp")
    for i in range(4):
        make_case(text=f"幸福小区三号楼楼下的烧烤店每天营业到凌晨两点，油烟和噪音让居民无法休息{i}。")
    case = make_case(text="村口路灯坏了，晚上看不清路，什么时候能修好？")
    code = Voice.objects.filter(case=case).first().tracking_code
    sids = [staff("POST", f"/api/consultations/{consultation}/statements", {"text": f"观点{j}号"})[1]["id"]
            for j in range(4)]
    assert staff("POST", f"/api/consultations/{consultation}/votes", {"votes": planted_votes(sids)})[0] == 200
    calls = {
        "minqing_api_text_post_assess_reply": staff("POST", "/api/text/assess_reply", {
            "text": "村口路灯坏了，什么时候能修好？垃圾桶也满了。", "reply": "经核实，路灯已于5月3日修复，垃圾桶由镇环卫所每日清运。"}),
        "minqing_api_text_post_classify": staff("POST", "/api/text/classify", {"text": "村口路灯坏了"}),
        "minqing_api_stats_get_rates": staff("GET", "/api/stats/rates"),
        "minqing_api_stats_get_hotspots": staff("GET", "/api/hotspots"),
        "minqing_api_consultations_get_groups": staff("GET", f"/api/consultations/{consultation}/groups"),
        "minqing_api_cases_track": api()("GET", f"/api/track/{code}"),
        "minqing_api_cases_list_cases": staff("GET", "/api/cases"),
        "minqing_api_cases_get_case": staff("GET", f"/api/cases/{case.number}"),
        "minqing_api_cases_post_action": staff("POST", f"/api/cases/{case.number}/note", {"note": "已电话联系村委会"}),
        "minqing_api_consultations_post_consultation": staff("POST", "/api/consultations", {
            "title": "村口路灯怎么修", "text": "请大家说说路灯装在哪里合适。", "unit": case.unit.code}),
        "minqing_api_consultations_post_statement": staff("POST", f"/api/consultations/{consultation}/statements",
                                                          {"text": "路灯装在桥头"}),
        "minqing_api_consultations_post_votes": staff("POST", f"/api/consultations/{consultation}/votes",
                                                      {"votes": planted_votes(sids)}),
        "minqing_api_visits_post_visit": api("grid")("POST", "/api/visits", {
            "unit": "GA", "visited_at": today().isoformat(), "voices": [{"text": "村里的自来水发黄，有异味"}]}),
    }
    assert set(calls) == set(SHAPES)
    for op, (status, body) in calls.items():
        assert status == SHAPES[op][0], (op, body)
        assert fits(*shape[op], body), op
    assert calls["minqing_api_stats_get_hotspots"][1], "no hotspot: the list's items were not checked"
    assert calls["minqing_api_cases_list_cases"][1]["items"] and calls["minqing_api_cases_get_case"][1]["events"]
    assert calls["minqing_api_consultations_get_groups"][1]["groups"], "no group: the groups' items were not checked"
