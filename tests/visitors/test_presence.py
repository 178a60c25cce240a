"""GET /api/ping, /api/users/online, /api/staff/online: heartbeats and the online lists."""

import pytest

from tests.conftest import ORIGIN_B
from tests.helpers import error, ok, track


def ping(client, who, **params):
    return client.get("/api/ping", params={"uid": who.uid, **params}, headers=who.auth)


def test_ping_answers_the_interval(horn, world):
    visitor = track(horn, world.acme.pk)
    assert ok(ping(horn, visitor, fp="fp-1", track_id=visitor.track_id))["interval"] == 30
    assert ok(ping(horn, world.alice))["interval"] == 30


def test_a_tracked_visitor_is_online_with_its_page(horn, world):
    visitor = track(horn, world.acme.pk, url="https://shop.acme.test/cart", title="Cart", os="macOS", browser="Safari")
    track(horn, world.globex.pk)
    rows = ok(horn.get("/api/users/online", params={"cid": world.acme.pk}, headers=world.alice.auth))["data"]
    assert [r["uid"] for r in rows] == [visitor.uid]
    assert (rows[0]["url"], rows[0]["title"], rows[0]["os"], rows[0]["browser"], rows[0]["track_id"]) == (
        "https://shop.acme.test/cart",
        "Cart",
        "macOS",
        "Safari",
        visitor.track_id,
    )


def test_staff_are_online_after_a_ping(horn, world):
    ok(ping(horn, world.bob))
    ok(ping(horn, world.charlie))
    rows = ok(horn.get("/api/staff/online", params={"cid": world.acme.pk}, headers=world.alice.auth))["data"]
    assert [(r["uid"], r["name"]) for r in rows] == [(world.bob.sid, "Bob")]


@pytest.mark.parametrize("path", ["/api/users/online", "/api/staff/online"])
def test_online_lists_are_staff_only_and_per_org(horn, world, path):
    visitor = track(horn, world.acme.pk)
    error(horn.get(path, params={"cid": world.acme.pk}, headers=visitor.auth), 403, 2004)
    error(horn.get(path, params={"cid": world.acme.pk}), 401, 2001)
    error(horn.get(path, params={"cid": world.acme.pk}, headers=world.charlie.auth), 404, 3001, "cid")
    error(horn.get(path, params={"cid": "abc"}, headers=world.alice.auth), 400, 1004, "cid")
    assert ok(horn.get(path, headers=world.alice.auth))["data"] is not None


@pytest.mark.parametrize(
    "params, code, field",
    [({"uid": "x"}, 1007, "uid"), ({"track_id": "nope"}, 1007, "track_id"), ({"fp": "f" * 300}, 1004, "fp")],
)
def test_ping_refuses_bad_params(horn, world, params, code, field):
    visitor = track(horn, world.acme.pk)
    error(horn.get("/api/ping", params=params, headers=visitor.auth), 400, code, field)


def test_ping_refuses_a_uid_without_its_token_or_from_a_bad_origin(horn, world):
    visitor = track(horn, world.acme.pk)
    other = track(horn, world.acme.pk)
    error(horn.get("/api/ping", params={"uid": visitor.uid}), 401, 2001)
    error(horn.get("/api/ping", params={"uid": visitor.uid}, headers=other.auth), 401, 2002, "uid")
    error(horn.get("/api/ping", params={"uid": visitor.uid}, headers={**visitor.auth, "Origin": ORIGIN_B}), 403, 2003)
    rows = ok(horn.get("/api/users/online", headers=world.alice.auth))["data"]
    assert {r["uid"] for r in rows} == {visitor.uid, other.uid}  # from their tracks; the refused pings changed nothing
