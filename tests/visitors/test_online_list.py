"""GET /api/users/online as the console uses it with hundreds of visitors: counts, `uids`, one query."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.visitors.models import Visitor
from apps.visitors.selectors import describe_visitors
from tests.helpers import error, ok, track


def view(client, visitor, url):
    body = {"cid": visitor.org_id, "uid": visitor.uid, "url": url, "title": url.rsplit("/", 1)[-1]}
    return ok(client.post("/api/user/track", json=body, headers=visitor.auth))


def online(client, staff, **params):
    return {r["uid"]: r for r in ok(client.get("/api/users/online", params=params, headers=staff.auth))["data"]}


def test_each_row_counts_page_views_and_visits(horn, world):
    newcomer = track(horn, world.acme.pk)
    regular = track(horn, world.acme.pk)
    view(horn, regular, "https://shop.example/cart")
    # Regular's last page view was an hour ago: the next one starts a second visit.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Visitor.objects.filter(pk=regular.uid).update(
        created_at=an_hour_ago, last_seen_at=an_hour_ago, visit_started_at=an_hour_ago
    )
    view(horn, regular, "https://shop.example/checkout")
    rows = online(horn, world.alice)
    assert (rows[newcomer.uid]["page_views"], rows[newcomer.uid]["visits"], rows[newcomer.uid]["returning"]) == (
        1,
        1,
        False,
    )
    assert (rows[regular.uid]["page_views"], rows[regular.uid]["visits"], rows[regular.uid]["returning"]) == (
        3,
        2,
        True,
    )
    assert rows[regular.uid]["title"] == "checkout"
    # Time on site counts from the second visit's first page view; first seen stays an hour ago.
    assert rows[regular.uid]["visit_started"] - rows[regular.uid]["first_seen"] >= 3600
    assert abs(rows[newcomer.uid]["visit_started"] - rows[newcomer.uid]["first_seen"]) <= 1


def test_uids_narrows_the_list_to_those_online_in_my_org(horn, world):
    a, b, c = (track(horn, world.acme.pk) for _ in range(3))
    stranger = track(horn, world.globex.pk)
    gone = Visitor.objects.create(org=world.acme)  # never tracked: not online
    rows = online(horn, world.alice, uids=f"{a.uid},{c.uid},{stranger.uid},{gone.vid}")
    assert set(rows) == {a.uid, c.uid}
    assert set(online(horn, world.alice)) == {a.uid, b.uid, c.uid}


@pytest.mark.parametrize(
    "uids, code",
    [
        ("nope", 1007),
        ("," * 3, 1007),
        (",".join(Visitor(org_id=1).vid for _ in range(101)), 1004),
        ("x" * 3000, 1004),
    ],
)
def test_bad_uids_are_refused(horn, world, uids, code):
    track(horn, world.acme.pk)
    error(horn.get("/api/users/online", params={"uids": uids}, headers=world.alice.auth), 400, code, "uids")


def test_the_list_is_one_query_whatever_the_number_of_visitors(horn, world):
    last_ping = {track(horn, world.acme.pk).uid: time.time() for _ in range(30)}
    with CaptureQueriesContext(connection) as ctx:
        rows = describe_visitors(world.acme.pk, last_ping)
    assert len(rows) == 30 and len(ctx.captured_queries) == 1
