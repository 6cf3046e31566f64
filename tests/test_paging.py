"""Case lists count what they show: exactly up to a limit, then "more than N" — and a text search stops
counting sooner (its matches cost a heap page each on PostgreSQL), newest first, while every page past
the count stays reachable in the web UI and the API."""

from minqing.ledger import paging


def test_a_search_counts_up_to_its_own_limit_and_still_pages_on(make_case, county, client, api, monkeypatch):
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 3)
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    monkeypatch.setattr(paging.page_of, "__defaults__", (2,))
    numbers = [make_case(text=f"小区护栏第{i}处倒了，孩子上学不安全，请尽快修复。").number for i in range(5)]
    call = api("disp")
    status, body = call("GET", "/api/cases?q=护栏")
    assert status == 200 and body["count"] == 3 and body["count_exact"] is False
    assert [c["number"] for c in body["items"]] == numbers[::-1][:2]  # newest first
    status, body = call("GET", "/api/cases?q=护栏&page=3")  # past the counted pages: still served
    assert status == 200 and [c["number"] for c in body["items"]] == [numbers[0]]
    status, body = call("GET", "/api/cases")  # no search: the list's own (larger) limit, exact
    assert body["count"] == 5 and body["count_exact"] is True
    client.force_login(county["disp"])
    page = client.get("/cases/", {"q": "护栏", "page": 2}).content.decode()
    assert "超过 3 件" in page and "page=3" in page and "2 / 2" not in page
    last = client.get("/cases/", {"q": "护栏", "page": 3}).content.decode()
    assert numbers[0] in last and "page=4" not in last
