"""Exactly once over a network that drops replies (issue 20): POST /api/voices, POST /api/visits and
POST /api/cases/{number}/attachments accept an Idempotency-Key; a resend with the same key answers the
first answer again and writes nothing; a staff member's own web session (with CSRF) may call them, as the
offline queue in the browser does; the citizen's web form takes a key too."""

import json
import uuid

from django.test import Client

from minqing import clock


def send(client, path, body, key=None, **headers):
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    r = client.post(path, data=json.dumps(body), content_type="application/json", **headers)
    return r.status_code, r.json(), r


def bearer(username):
    from minqing.org.models import ApiToken, User

    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(User.objects.get(username=username))}"}


def test_a_resent_visit_creates_its_cases_once_and_answers_the_same_numbers(client, county):
    from minqing.field.models import Visit
    from minqing.ledger.models import Case

    key = str(uuid.uuid4())
    visit = {"unit": "VA", "visited_at": clock.today().isoformat(), "households": 3,
             "voices": [{"text": "王大爷家门前排水沟堵塞。"}, {"text": "村口路灯不亮，晚上看不清。", "lat": 30.1, "lng": 120.2}]}
    first = send(client, "/api/visits", visit, key, **bearer("grid"))
    again = send(client, "/api/visits", visit, key, **bearer("grid"))
    assert first[0] == again[0] == 201 and first[1] == again[1] and len(first[1]["cases"]) == 2
    assert again[2]["Idempotent-Replayed"] == "true" and not first[2].has_header("Idempotent-Replayed")
    assert Visit.objects.count() == 1 and Case.objects.count() == 2
    assert Case.objects.get(number=first[1]["cases"][1]).lat == 30.1
    # the same key with another body, or from another user: refused, never someone else's answer
    assert send(client, "/api/visits", {**visit, "households": 4}, key, **bearer("grid"))[0] == 409
    status, body, _ = send(client, "/api/visits", visit, key, **bearer("ha"))
    assert status == 409 and body["error"]["code"] == "idempotency_conflict"
    assert send(client, "/api/visits", visit, "short", **bearer("grid"))[1]["error"]["code"] == "bad_idempotency_key"
    assert Visit.objects.count() == 1 and Case.objects.count() == 2


def test_a_refused_record_keeps_no_key_and_is_refused_again(client, county):
    from minqing.ledger.models import Case

    key = str(uuid.uuid4())
    bad = {"text": "甲村路灯坏了很久了。", "channel": "visit", "unit": "GONE"}
    for _ in range(2):
        status, body, _ = send(client, "/api/voices", bad, key, **bearer("grid"))
        assert status == 400 and body["error"]["code"] == "unknown_unit"
    status, body, _ = send(client, "/api/voices", {**bad, "unit": "VA"}, key, **bearer("grid"))  # fixed, same key
    assert status == 201 and Case.objects.count() == 1


def test_a_staff_session_sends_with_csrf_and_a_citizen_without_login(county):
    from minqing.ledger.models import Case

    staff = Client(enforce_csrf_checks=True)
    staff.force_login(county["grid"])
    staff.get("/cases/new/")  # sets the CSRF cookie, as any page does
    voice = {"text": "甲村垃圾没人清运，臭味很大。", "channel": "visit", "unit": "VA"}
    status, body, _ = send(staff, "/api/voices", voice, str(uuid.uuid4()))
    assert status == 403 and body["error"]["code"] == "csrf_failed"
    token = staff.cookies["csrftoken"].value
    key = str(uuid.uuid4())
    first = send(staff, "/api/voices", voice, key, HTTP_X_CSRFTOKEN=token)
    again = send(staff, "/api/voices", voice, key, HTTP_X_CSRFTOKEN=token)
    assert first[0] == again[0] == 201 and first[1]["number"] == again[1]["number"]
    assert Case.objects.get().created_by == county["grid"]
    # no login at all: still the citizens' door (web channel only), and a key works there too
    citizen = Client(enforce_csrf_checks=True)
    status, _, _ = send(citizen, "/api/voices", voice, str(uuid.uuid4()))
    assert status == 403  # a citizen may not record a visit
    status, body, _ = send(citizen, "/api/voices", {**voice, "channel": "web"}, str(uuid.uuid4()))
    assert status == 201 and Case.objects.count() == 2


def test_a_resent_photo_is_attached_once(client, county, make_case):
    from minqing.ledger.models import Attachment

    case = make_case()
    key = str(uuid.uuid4())
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 100
    for _ in range(2):
        from django.core.files.uploadedfile import SimpleUploadedFile

        r = client.post(f"/api/cases/{case.number}/attachments", {"file": SimpleUploadedFile("照片.jpg", jpeg, "image/jpeg")},
                        HTTP_IDEMPOTENCY_KEY=key, **bearer("disp"))
        assert r.status_code == 201
    assert Attachment.objects.filter(case=case).count() == 1


def test_the_citizen_form_resent_after_a_lost_reply_gives_the_same_tracking_code(client, county):
    from minqing.ledger.models import Case

    form = {"unit": "VA", "text": "甲村东头排水沟堵塞，下雨就积水。", "mode": "anonymous", "idempotency_key": str(uuid.uuid4())}
    first = client.post("/submit/", form)
    again = client.post("/submit/", form)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Case.objects.count() == 1
