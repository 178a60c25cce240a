"""Identity verification over the real API: track's `customer`, its HMAC, and the chats a verified customer shares."""

import hashlib
import hmac
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.accounts.models import Organisation
from apps.chats.models import Chat, ChatMember
from apps.visitors.models import Visitor
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track
from tests.realtime.wsclient import events, frames, open_ws


def sign(org, customer_id: str) -> str:
    """What the shop's server computes (docs/identity-and-rating.md)."""
    return hmac.new(org.secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def customer(org, customer_id: str = "cust-42", **extra) -> dict:
    return {"id": customer_id, "hash": sign(org, customer_id), **extra}


def track_raw(client, org_id: int, who=None, **extra) -> httpx.Response:
    body = {"cid": org_id, "url": "https://shop.example/account", **extra}
    if who is not None:
        body["uid"] = who.uid
    return client.post("/api/user/track", json=body, headers=who.auth if who is not None else {})


def links() -> tuple:
    """Every visitor's customer link: a refused track must leave them as they were."""
    return tuple(
        Visitor.objects.order_by("vid").values_list(
            "vid", "customer_id", "customer_verified", "customer_name", "customer_email"
        )
    )


def init(client, who) -> dict:
    return ok(client.get("/api/state/init", params={"uid": who.uid}, headers=who.auth))["state"]


def history(client, who, chat_id: str) -> httpx.Response:
    return client.get("/api/chat/history", params={"chat": chat_id}, headers=who.auth)


def online(client, staff, visitor) -> dict:
    ok(client.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))
    listed = ok(client.get("/api/users/online", headers=staff.auth))["data"]
    (row,) = [v for v in listed if v["uid"] == visitor.uid]
    return row


def test_a_valid_hash_links_the_visitor_and_staff_see_it_verified(horn, world):
    who = {"name": "Ada Lovelace", "email": "ada@example.com"}
    visitor = track(horn, world.acme.pk, customer=customer(world.acme, **who))
    row = Visitor.objects.get(pk=visitor.uid)
    assert (row.customer_id, row.customer_verified, row.customer_name, row.customer_email) == (
        "cust-42",
        True,
        "Ada Lovelace",
        "ada@example.com",
    )
    verified = {"id": "cust-42", "verified": True, **who}
    assert online(horn, world.alice, visitor)["customer"] == verified
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    (staff_row,) = init(horn, world.alice)["chats"]
    assert staff_row["customer"] == verified and staff_row["customer_id"] == "cust-42"
    assert "customer" not in init(horn, visitor)["chats"][0]  # who the visitor is, is for staff


def test_a_returning_visitor_is_linked_on_a_later_page_view(horn, world):
    visitor = track(horn, world.acme.pk)
    assert Visitor.objects.get(pk=visitor.uid).customer_id == ""
    ok(track_raw(horn, world.acme.pk, visitor, customer=customer(world.acme)))
    ok(track_raw(horn, world.acme.pk, visitor))  # later pages without `customer` keep the link
    row = Visitor.objects.get(pk=visitor.uid)
    assert (row.customer_id, row.customer_verified) == ("cust-42", True)


@pytest.mark.parametrize(
    "bad_hash",
    [
        "0" * 64,  # wrong
        "",  # empty
        "UPPER",  # upper case of the right one (filled in below)
        "TRUNCATED",  # the right one without its last character
        "PADDED",  # the right one and one more character
        "OTHER_ID",  # right form, another customer's
        "OTHER_ORG",  # right form, signed with Globex's secret
        "z" * 64,  # not hex
    ],
)
def test_a_bad_hash_is_refused_and_stores_nothing(horn, world, bad_hash):
    right = sign(world.acme, "cust-42")
    bad_hash = {
        "UPPER": right.upper(),
        "TRUNCATED": right[:-1],
        "PADDED": right + "0",
        "OTHER_ID": sign(world.acme, "cust-43"),
        "OTHER_ORG": sign(world.globex, "cust-42"),
    }.get(bad_hash, bad_hash)
    returning = track(horn, world.acme.pk)
    before, linked = snapshot(), links()
    claim = {"id": "cust-42", "hash": bad_hash}
    error(track_raw(horn, world.acme.pk, customer=claim), 403, 2006, "customer.hash")  # no visitor is made
    error(track_raw(horn, world.acme.pk, returning, customer=claim), 403, 2006, "customer.hash")  # no visit
    assert snapshot() == before and links() == linked


@pytest.mark.parametrize(
    "claim, code, field",
    [
        ({"id": "c" * 10_240, "hash": "0" * 64}, 1005, "customer.id"),  # 10 KB
        ({"id": "c" * 129, "hash": "0" * 64}, 1005, "customer.id"),  # one past Visitor.customer_id
        ({"id": "", "hash": "0" * 64}, 1004, "customer.id"),
        ({"id": 42, "hash": "0" * 64}, 1004, "customer.id"),
        ({"hash": "0" * 64}, 1002, "customer.id"),
        ({"id": "cust-42", "hash": 42}, 1004, "customer.hash"),
        ({"id": "cust-42", "name": "n" * 101}, 1005, "customer.name"),
        ({"id": "cust-42", "email": "not-an-address"}, 1004, "customer.email"),
        ({"id": "cust-42", "email": "a" * 250 + "@x.io"}, 1005, "customer.email"),
        ({"id": "cust-42", "role": "admin"}, 1003, "customer.role"),
        ("cust-42", 1004, "customer"),
    ],
)
def test_bad_customer_fields_are_refused(horn, world, claim, code, field):
    before, linked = snapshot(), links()
    error(track_raw(horn, world.acme.pk, customer=claim), 400, code, field)
    assert snapshot() == before and links() == linked


def test_an_org_that_requires_identity_refuses_a_claim_without_a_valid_hash(horn, world):
    Organisation.objects.filter(pk=world.acme.pk).update(require_identity=True)
    before = snapshot()
    error(track_raw(horn, world.acme.pk, customer={"id": "cust-42"}), 403, 2006, "customer.hash")
    error(track_raw(horn, world.acme.pk, customer={"id": "cust-42", "hash": "0" * 64}), 403, 2006, "customer.hash")
    assert snapshot() == before
    track(horn, world.acme.pk)  # anonymous visitors stay welcome
    verified = track(horn, world.acme.pk, customer=customer(world.acme))
    assert Visitor.objects.get(pk=verified.uid).customer_verified


def test_without_the_requirement_a_claim_without_hash_is_an_unverified_label(horn, world):
    mine = track(horn, world.acme.pk, customer=customer(world.acme))
    ok(text(horn, mine, request_chat(horn, mine), "my order"))
    claimer = track(horn, world.acme.pk, customer={"id": "cust-42", "name": "Not Ada"})
    row = Visitor.objects.get(pk=claimer.uid)
    assert (row.customer_id, row.customer_verified, row.customer_name) == ("cust-42", False, "Not Ada")
    assert online(horn, world.alice, claimer)["customer"] == {"id": "cust-42", "verified": False, "name": "Not Ada"}
    # It shares nothing: the claimer sees none of the customer's chats.
    assert init(horn, claimer)["chats"] == [] and init(horn, claimer)["past_chats"] == []
    own = request_chat(horn, claimer)
    assert Chat.objects.get(pk=own).creator_id == claimer.uid  # its own chat, not the customer's


def test_a_verified_link_is_for_good(horn, world):
    visitor = track(horn, world.acme.pk, customer=customer(world.acme))
    linked = links()
    other = customer(world.acme, "cust-99")  # validly signed, but another person
    error(track_raw(horn, world.acme.pk, visitor, customer=other), 403, 2006, "customer.id")
    error(track_raw(horn, world.acme.pk, visitor, customer={"id": "cust-99"}), 403, 2006, "customer.id")
    ok(track_raw(horn, world.acme.pk, visitor, customer={"id": "cust-42"}))  # the same id unsigned: no downgrade
    assert links() == linked


def test_staff_label_a_visitor_but_cannot_relabel_a_verified_one(horn, world):
    visitor = track(horn, world.acme.pk, customer=customer(world.acme, name="Ada"))
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    body = {"type": "customer_identified", "chat": {"id": chat_id}, "event": {"customer_id": "crm-7"}}
    before, linked = snapshot(), links()
    error(send(horn, world.alice, body), 403, 2004, "event.customer_id")
    assert snapshot() == before and links() == linked
    same = ok(send(horn, world.alice, {**body, "event": {"customer_id": "cust-42"}}))
    assert same["mid"]
    assert Visitor.objects.get(pk=visitor.uid).customer_verified  # staff's word does not unverify


def test_two_devices_of_one_verified_customer_share_its_chats(horn, world, server):
    phone = track(horn, world.acme.pk, customer=customer(world.acme))
    earlier = request_chat(horn, phone)
    join(horn, world.alice, earlier)
    ok(text(horn, phone, earlier, "where is my parcel?"))
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": earlier}}))
    current = request_chat(horn, phone)
    join(horn, world.alice, current)
    ok(text(horn, phone, current, "and my refund?"))

    laptop = track(horn, world.acme.pk, customer=customer(world.acme))
    for device in (phone, laptop):
        state = init(horn, device)
        assert [c["id"] for c in state["chats"]] == [current]
        assert [c["id"] for c in state["past_chats"]] == [earlier]
        texts = [m.get("text") for m in ok(history(horn, device, earlier))["msgs"]]
        assert "where is my parcel?" in texts

    # The laptop takes part in the open chat: it becomes a member and gets it back.
    assert request_chat(horn, laptop) == current
    assert ChatMember.objects.filter(chat_id=current, uid=laptop.uid, role="user").exists()
    version = init(horn, laptop)["version"]
    with (
        open_ws(server, phone, version=version) as phone_ws,
        open_ws(server, laptop, version=version) as laptop_ws,
        open_ws(server, world.alice) as alice_ws,
    ):
        time.sleep(0.2)  # alice connected "from now": let her subscription settle
        from_laptop = ok(text(horn, laptop, current, "typing on my laptop now"))["mid"]
        from_alice = ok(text(horn, world.alice, current, "refund is on its way"))["mid"]
        for ws in (phone_ws, laptop_ws, alice_ws):
            got = events(frames(ws))
            assert [e["mid"] for e in got] == [from_laptop, from_alice]
            assert got[0]["from"] == {"id": laptop.uid, "name": "", "role": "user"}
    # The laptop, offline for a while, gets what it missed from its cursor like the chat's creator does.
    missed = ok(text(horn, world.alice, current, "while you were away"))["mid"]
    with open_ws(server, laptop, version=got[-1]["version"]) as laptop_ws:
        assert [e["mid"] for e in events(frames(laptop_ws))] == [missed]


def test_a_wrong_hash_or_a_staff_label_sees_none_of_the_customers_chats(horn, world):
    phone = track(horn, world.acme.pk, customer=customer(world.acme))
    chat_id = request_chat(horn, phone)
    join(horn, world.alice, chat_id)
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))

    intruder = track(horn, world.acme.pk)
    wrong = {"id": "cust-42", "hash": sign(world.acme, "cust-43")}
    error(track_raw(horn, world.acme.pk, intruder, customer=wrong), 403, 2006, "customer.hash")
    assert init(horn, intruder)["past_chats"] == []
    error(history(horn, intruder, chat_id), 404, 3001, "chat")

    labelled = track(horn, world.acme.pk)
    own = request_chat(horn, labelled)
    join(horn, world.bob, own)
    identified = {"type": "customer_identified", "chat": {"id": own}, "event": {"customer_id": "cust-42"}}
    ok(send(horn, world.bob, identified))
    state = init(horn, labelled)
    assert [c["id"] for c in state["chats"]] == [own] and state["past_chats"] == []
    error(history(horn, labelled, chat_id), 404, 3001, "chat")
    error(send(horn, labelled, {"type": "request_chat", "chat": {"id": chat_id}}), 404, 3001, "chat.id")


def test_the_same_customer_id_in_another_org_sees_nothing_of_acmes(horn, world):
    acme_phone = track(horn, world.acme.pk, customer=customer(world.acme))
    chat_id = request_chat(horn, acme_phone)
    join(horn, world.alice, chat_id)
    # Acme's signature means nothing at Globex.
    claim = {"id": "cust-42", "hash": sign(world.acme, "cust-42")}
    error(track_raw(horn, world.globex.pk, customer=claim), 403, 2006, "customer.hash")
    globex = track(horn, world.globex.pk, customer=customer(world.globex))
    assert Visitor.objects.get(pk=globex.uid).customer_verified
    state = init(horn, globex)
    assert state["chats"] == [] and state["past_chats"] == []
    error(history(horn, globex, chat_id), 404, 3001, "chat")
    assert request_chat(horn, globex) != chat_id
    assert not ChatMember.objects.filter(chat_id=chat_id, uid=globex.uid).exists()


def test_links_ride_the_batched_page_views_each_with_its_own_outcome(horn, world, server):
    verified = track(horn, world.acme.pk, customer=customer(world.acme))
    returning = [track(horn, world.acme.pk) for _ in range(6)]

    def one(n: int) -> httpx.Response:
        with httpx.Client(base_url=server, timeout=20) as client:
            if n == 0:  # another person on a device verified as cust-42: refused alone
                return track_raw(client, world.acme.pk, verified, customer=customer(world.acme, "cust-7"))
            if n <= len(returning):
                who = returning[n - 1]
                return track_raw(client, world.acme.pk, who, customer=customer(world.acme, f"cust-{n}", name=f"N{n}"))
            return track_raw(client, world.acme.pk, customer=customer(world.acme, f"new-{n}"))

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(one, range(12)))
    error(answers[0], 403, 2006, "customer.id")
    assert all(r.status_code == 200 for r in answers[1:])
    for n, who in enumerate(returning, start=1):
        row = Visitor.objects.get(pk=who.uid)
        assert (row.customer_id, row.customer_verified, row.customer_name) == (f"cust-{n}", True, f"N{n}")
    assert Visitor.objects.get(pk=verified.uid).customer_id == "cust-42"
    assert Visitor.objects.filter(customer_id__startswith="new-", customer_verified=True).count() == 5
