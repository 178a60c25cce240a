"""GET /api/visitors/{uid}: a visitor's page history, visits and past chats, for their org's staff only."""

from __future__ import annotations

from datetime import timedelta

from apps.visitors.identity import expected_hash
from apps.visitors.models import Visit
from tests.conftest import ORIGIN_A
from tests.helpers import error, ok, request_chat, send, track


def details(horn, staff, uid: str) -> dict:
    return ok(horn.get(f"/api/visitors/{uid}", headers=staff.auth))["visitor"]


def again(horn, visitor, **extra) -> None:
    body = {"cid": visitor.org_id, "uid": visitor.uid, "fp": "fp-1", **extra}
    r = horn.post("/api/user/track", json=body, headers={**visitor.auth, "Origin": ORIGIN_A})
    assert r.status_code == 200, r.text


def test_staff_see_the_pages_a_visitor_viewed_newest_first_and_their_chats(horn, world, chat):
    visitor, chat_id = chat
    again(horn, visitor, url="https://shop.example/checkout", title="Checkout", referer="https://search.example/")
    got = details(horn, world.bob, visitor.uid)
    assert [(p["title"], p["url"]) for p in got["pages"]] == [
        ("Checkout", "https://shop.example/checkout"),
        ("Pricing", "https://shop.example/pricing"),
    ]
    assert got["pages"][0]["referer"] == "https://search.example/"
    assert (got["uid"], got["page_views"], got["visits"], got["returning"], got["customer"]) == (
        visitor.uid,
        2,
        1,
        False,
        None,
    )
    assert [(c["id"], c["state"], c["staff"]["name"]) for c in got["chats"]] == [(chat_id, "active", "Alice")]


def test_a_visitor_back_after_a_break_is_returning(horn, world):
    visitor = track(horn, world.acme.pk)
    Visit.objects.filter(visitor_id=visitor.uid).update(created_at=Visit.objects.get().created_at - timedelta(days=2))
    again(horn, visitor, url="https://shop.example/", title="Home")
    got = details(horn, world.alice, visitor.uid)
    assert (got["visits"], got["returning"]) == (2, True)


def test_a_verified_customers_chats_from_every_device_are_listed_an_unverified_claim_shares_none(horn, world):
    claim = {"id": "cust-42", "hash": expected_hash(world.acme.secret, "cust-42"), "name": "Dana"}
    laptop = track(horn, world.acme.pk, customer=claim)
    phone = track(horn, world.acme.pk, customer=claim, fp="fp-2")
    impostor = track(horn, world.acme.pk, customer={"id": "cust-42"}, fp="fp-3")
    first = request_chat(horn, laptop)
    ok(send(horn, laptop, {"type": "end_chat", "chat": {"id": first}}))
    second = request_chat(horn, phone)
    theirs = request_chat(horn, impostor)
    got = details(horn, world.alice, phone.uid)
    assert got["customer"] == {"id": "cust-42", "verified": True, "name": "Dana"}
    assert [(c["id"], c["uid"], c["state"]) for c in got["chats"]] == [
        (second, phone.uid, "requested"),
        (first, laptop.uid, "ended"),
    ]
    assert got["chats"][1]["ended_at"] is not None
    shown = details(horn, world.alice, impostor.uid)
    assert shown["customer"]["verified"] is False
    assert [c["id"] for c in shown["chats"]] == [theirs]


def test_another_orgs_visitor_is_the_same_404_as_a_missing_one(horn, world, chat):
    visitor, _ = chat
    theirs = error(horn.get(f"/api/visitors/{visitor.uid}", headers=world.charlie.auth), 404, 3001, "uid")
    missing = error(horn.get("/api/visitors/9US3AuHOgwl2cu4470Tj2zC", headers=world.alice.auth), 404, 3001, "uid")
    assert theirs == missing
    error(horn.get("/api/visitors/not-an-id", headers=world.alice.auth), 400, 1007, "uid")
    error(
        horn.get(f"/api/visitors/{visitor.uid}", params={"cid": world.globex.pk}, headers=world.alice.auth),
        404,
        3001,
        "cid",
    )


def test_visitors_and_bots_do_not_see_visitor_details(horn, world, chat, bot):
    visitor, _ = chat
    error(horn.get(f"/api/visitors/{visitor.uid}", headers=visitor.auth), 403, 2004)
    error(horn.get(f"/api/visitors/{visitor.uid}", headers=bot.auth), 403, 2004)
    error(horn.get(f"/api/visitors/{visitor.uid}"), 401, 2001)


def test_past_chats_and_their_transcripts_stay_in_the_org(horn, world):
    """The console links each past chat to its transcript: both are one org's, whatever the customer id."""
    acme_claim = {"id": "cust-42", "hash": expected_hash(world.acme.secret, "cust-42")}
    globex_claim = {"id": "cust-42", "hash": expected_hash(world.globex.secret, "cust-42")}
    ours = track(horn, world.acme.pk, customer=acme_claim)
    theirs = track(horn, world.globex.pk, customer=globex_claim, fp="fp-globex")
    our_chat = request_chat(horn, ours)
    their_chat = request_chat(horn, theirs)
    assert [c["id"] for c in details(horn, world.alice, ours.uid)["chats"]] == [our_chat]
    assert [c["id"] for c in details(horn, world.charlie, theirs.uid)["chats"]] == [their_chat]
    query = {"format": "json"}
    transcript = ok(horn.get(f"/api/chats/{our_chat}/transcript", params=query, headers=world.alice.auth))
    assert transcript["chat"]["id"] == our_chat
    error(horn.get(f"/api/chats/{their_chat}/transcript", params=query, headers=world.alice.auth), 404, 3001)
