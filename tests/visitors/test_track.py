"""POST /api/user/track: page views, new and returning visitors, origin allow-list, bad input."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.core import ids
from apps.visitors.models import Visit, Visitor
from tests.conftest import ORIGIN_A, ORIGIN_B
from tests.helpers import error, ok, snapshot, track


def test_it_creates_a_visitor_and_a_visit(horn, world):
    r = horn.post(
        "/api/user/track",
        json={
            "cid": world.acme.pk,
            "url": "https://shop.acme.test/a",
            "title": "A",
            "referer": "https://g.test/",
            "os": "Linux",
            "browser": "Firefox 140",
            "fp": "f1",
        },
        headers={"Origin": ORIGIN_A},
    )
    data = ok(r)
    assert ids.is_visitor_id(data["uid"]) and ids.is_track_id(data["track_id"])
    assert data["track_id"][14:37] == data["uid"] and len(data["track_id"]) == 53
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN_A
    visit = Visit.objects.get(pk=data["track_id"])
    assert (visit.url, visit.title, visit.os, visit.browser, visit.org_id) == (
        "https://shop.acme.test/a",
        "A",
        "Linux",
        "Firefox 140",
        world.acme.pk,
    )
    assert Visitor.objects.get(pk=data["uid"]).last_visit_id == data["track_id"]


def test_it_keeps_a_returning_visitor(horn, world):
    first = track(horn, world.acme.pk)
    r = horn.post(
        "/api/user/track", json={"cid": world.acme.pk, "uid": first.uid, "url": "https://x.test/2"}, headers=first.auth
    )
    data = ok(r)
    assert data["uid"] == first.uid and data["token"] == first.token and data["track_id"] != first.track_id
    assert Visitor.objects.count() == 1 and Visit.objects.filter(visitor_id=first.uid).count() == 2


def test_parallel_page_views_of_one_visitor_all_count(horn, world, server):
    visitor = track(horn, world.acme.pk)
    body = {"cid": world.acme.pk, "uid": visitor.uid, "url": "https://shop.example/cart"}

    def view(_):
        with httpx.Client(base_url=server, timeout=20) as c:
            return c.post("/api/user/track", json=body, headers=visitor.auth)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(view, range(16)))
    assert [r.status_code for r in responses] == [200] * 16
    assert {ok(r)["uid"] for r in responses} == {visitor.uid}
    assert Visit.objects.filter(visitor_id=visitor.uid).count() == 17


def test_concurrent_page_views_of_many_visitors_each_get_their_own_outcome(horn, world, server):
    """Page views arriving together are stored together; each still gets its own answer."""
    returning = [track(horn, world.acme.pk, fp=f"old-{i}") for i in range(6)]
    gone = track(horn, world.acme.pk)
    Visitor.objects.filter(pk=gone.uid).delete()  # a valid token for a visitor that no longer exists
    other_org = track(horn, world.globex.pk)
    # (who, body): returning visitors twice each (the second with a new fingerprint), new visitors, the gone one
    cases = [(v, {"uid": v.uid, "url": f"https://shop.example/{v.uid}/1"}) for v in returning]
    cases += [(v, {"uid": v.uid, "url": f"https://shop.example/{v.uid}/2", "fp": "new-fp"}) for v in returning]
    cases += [(None, {"url": f"https://shop.example/new/{i}", "fp": f"n{i}"}) for i in range(8)]
    cases += [(gone, {"uid": gone.uid, "url": "https://shop.example/ghost"})]
    cases += [(other_org, {"uid": other_org.uid, "url": "https://globex.example/"})]

    def view(case):
        who, body = case
        cid = who.org_id if who is not None else world.acme.pk
        with httpx.Client(base_url=server, timeout=20) as c:
            return c.post("/api/user/track", json={"cid": cid, **body}, headers=who.auth if who else {})

    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(view, cases))
    answers = {case[1]["url"]: r for case, r in zip(cases, responses, strict=True)}
    error(answers.pop("https://shop.example/ghost"), 404, 3001, "uid")
    assert all(r.status_code == 200 for r in answers.values()), [r.text for r in answers.values()]
    track_ids = [r.json()["track_id"] for r in answers.values()]
    assert len(set(track_ids)) == len(track_ids)
    for url, r in answers.items():  # every answer names its own stored page view
        assert Visit.objects.get(pk=r.json()["track_id"]).url == url
    for v in returning:
        row = Visitor.objects.get(pk=v.uid)
        assert Visit.objects.filter(visitor_id=v.uid).count() == 3
        mine = {answers[f"https://shop.example/{v.uid}/{n}"].json()["track_id"] for n in (1, 2)}
        assert row.last_visit_id in mine  # one of today's two, whichever was stored last
        assert row.fp == "new-fp"  # a view without a fingerprint leaves it as it is
    new = [r.json() for url, r in answers.items() if "/new/" in url]
    assert len({n["uid"] for n in new}) == 8
    assert sorted(Visitor.objects.filter(pk__in=[n["uid"] for n in new]).values_list("fp", flat=True)) == sorted(
        f"n{i}" for i in range(8)
    )
    for n in new:
        assert Visitor.objects.get(pk=n["uid"]).last_visit_id == n["track_id"]


def test_it_accepts_cid_as_a_digit_string(horn, world):
    ok(horn.post("/api/user/track", json={"cid": str(world.acme.pk), "url": "https://x.test/"}))


def test_it_refuses_a_uid_without_its_token(horn, world):
    v = track(horn, world.acme.pk)
    before = snapshot()
    error(horn.post("/api/user/track", json={"cid": world.acme.pk, "uid": v.uid, "url": "https://x.test/"}), 401, 2001)
    other = track(horn, world.acme.pk)
    error(
        horn.post(
            "/api/user/track", json={"cid": world.acme.pk, "uid": v.uid, "url": "https://x.test/"}, headers=other.auth
        ),
        401,
        2002,
    )
    assert snapshot()[0] == before[0] + 1  # only `other` was added


def test_it_refuses_another_orgs_visitor(horn, world):
    v = track(horn, world.acme.pk)
    before = snapshot()
    r = horn.post(
        "/api/user/track", json={"cid": world.globex.pk, "uid": v.uid, "url": "https://x.test/"}, headers=v.auth
    )
    error(r, 401, 2002)
    assert snapshot() == before


def test_it_answers_unknown_org_with_404(horn, world):
    before = snapshot()
    error(horn.post("/api/user/track", json={"cid": 999999, "url": "https://x.test/"}), 404, 3001, "cid")
    assert snapshot() == before


def test_it_refuses_an_origin_off_the_allow_list(horn, world):
    before = snapshot()
    r = horn.post(
        "/api/user/track", json={"cid": world.acme.pk, "url": "https://x.test/"}, headers={"Origin": ORIGIN_B}
    )
    error(r, 403, 2003, "Origin")
    assert "Access-Control-Allow-Origin" not in r.headers
    assert snapshot() == before


def test_it_answers_cors_preflight(horn, world):
    r = horn.options("/api/user/track", headers={"Origin": ORIGIN_A, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204
    assert "X-Horn-Token" in r.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"url": "https://x.test/"}, 1002, "cid"),
        ({"cid": "ORG", "url": "https://x.test/"}, 1004, "cid"),
        ({"cid": True, "url": "https://x.test/"}, 1004, "cid"),
        ({"cid": 1}, 1002, "url"),
        ({"cid": 1, "url": 7}, 1004, "url"),
        ({"cid": 1, "url": "https://x.test/" + "a" * 2100}, 1005, "url"),
        ({"cid": 1, "url": "https://x.test/", "title": ["x"]}, 1004, "title"),
        ({"cid": 1, "url": "https://x.test/", "color": "red"}, 1003, "color"),
        ({"cid": 1, "url": "https://x.test/", "uid": "short"}, 1007, "uid"),
        ({"cid": 1, "url": "https://x.test/", "fp": "f" * 200}, 1005, "fp"),
    ],
)
def test_it_refuses_bad_input(horn, world, body, code, field):
    if body.get("cid") == 1 and body["cid"] is not True:
        body["cid"] = world.acme.pk
    before = snapshot()
    error(horn.post("/api/user/track", json=body), 400, code, field)
    assert snapshot() == before


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"", b'"text"'])
def test_it_refuses_a_body_that_is_not_a_json_object(horn, world, raw):
    before = snapshot()
    error(horn.post("/api/user/track", content=raw, headers={"Content-Type": "application/json"}), 400, 1001)
    assert snapshot() == before


def test_it_refuses_other_methods(horn, world):
    error(horn.get("/api/user/track"), 405, 1008)
