"""The public board and feed: no account needed, and never a submitter's name, phone or address."""

from minqing.ledger.actions import perform
from minqing.ledger.models import Category

NAME, PHONE, ADDRESS = "孙秀兰", "13955556666", "幸福路18号3单元"


def test_board_and_feed_are_public_and_anonymised(make_case, county, client):
    case = make_case("VA", f"我是{NAME}，电话{PHONE}，家门口路灯坏了。", title=f"{NAME}反映路灯坏了",
                     address=ADDRESS, submitter={"mode": "named", "name": NAME, "phone": PHONE})
    perform(county["disp"], case.number, "dispatch", {"unit": "VA"})
    perform(county["ha"], case.number, "reply", {"text": f"{NAME}您好，路灯已修好，如有问题请拨{PHONE}联系我们。"})
    secret = make_case("VA", "涉及政法的敏感问题")
    cat = Category.objects.get(level=1, name="政法")
    cat.sensitive = True
    cat.save()
    perform(county["disp"], secret.number, "triage", {"category": "政法"})
    for url in ("/public/VA/", "/public/T1/", "/public/C/feed.atom", "/public/T1/?place=VA", "/public/C/?category=政法"):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert NAME not in body and PHONE not in body and ADDRESS not in body and "幸福路" not in body, url
        assert secret.number not in body
    page = client.get("/public/VA/").content.decode()
    assert case.number in page and "路灯已修好" in page and "139****6666" in page
    assert client.get("/public/NOPE/").status_code == 404


def test_the_board_pages_through_older_cases(make_case, county, client, monkeypatch):
    from minqing.publicity import board

    monkeypatch.setattr(board, "PAGE", 2)
    numbers = [make_case("VA", f"第{i}件：村口路灯坏了，晚上看不清路。").number for i in range(5)]
    first = client.get("/public/VA/").content.decode()
    assert numbers[4] in first and numbers[3] in first and numbers[2] not in first and "page=2" in first
    last = client.get("/public/VA/?page=3").content.decode()
    assert numbers[0] in last and numbers[1] not in last and "page=2" in last and "page=4" not in last
    assert client.get("/public/VA/?page=x").status_code == 200
