"""The privacy API over real HTTP: who may call it, another org's data, bad input, export and erase."""

from __future__ import annotations

import pytest

from apps.chats.models import Chat, Message
from apps.files.actions import upload_storage
from apps.files.models import Upload
from apps.privacy import audit as audit_trail
from apps.privacy.models import AuditEntry, RetentionPolicy
from apps.realtime import presence
from apps.realtime.publish import state_version_key
from apps.visitors.models import Visit, Visitor
from tests.conftest import _sync_redis
from tests.helpers import error, join, ok, request_chat, snapshot, text, track
from tests.visitors.test_identity import customer

from .helpers import CUSTOMER, audit, erase, export, set_retention, tell_story


def privacy_calls(client, who, uid: str) -> list:
    return [
        client.get("/api/privacy/retention", headers=who.auth),
        set_retention(client, who, 30),
        export(client, who, uid=uid),
        erase(client, who, uid=uid),
        audit(client, who),
    ]


def test_it_refuses_agents_bots_and_visitors(horn, world, bot):
    visitor = track(horn, world.acme.pk)
    before = (snapshot(), AuditEntry.objects.count(), RetentionPolicy.objects.count())
    for who in (world.bob, bot, visitor):
        for response in privacy_calls(horn, who, visitor.uid):
            error(response, 403, 2004)
    for response in privacy_calls(horn, type("Nobody", (), {"auth": {}})(), visitor.uid):
        error(response, 401, 2001)
    assert (snapshot(), AuditEntry.objects.count(), RetentionPolicy.objects.count()) == before


def test_another_orgs_visitor_or_customer_is_not_found_like_an_unknown_one(horn, world):
    story = tell_story(horn, world.acme.pk, world.alice)
    before = (snapshot(), Upload.objects.count(), AuditEntry.objects.count())
    unknown = error(export(horn, world.charlie, uid="x" * 23), 404, 3001, "uid")
    assert error(export(horn, world.charlie, uid=story.visitor.uid), 404, 3001, "uid") == unknown
    assert error(erase(horn, world.charlie, uid=story.visitor.uid), 404, 3001, "uid") == unknown
    unknown = error(export(horn, world.charlie, customer="nobody"), 404, 3001, "customer")
    assert error(export(horn, world.charlie, customer=CUSTOMER["id"]), 404, 3001, "customer")["msg"] == unknown["msg"]
    error(erase(horn, world.charlie, customer=CUSTOMER["id"]), 404, 3001, "customer")
    assert (snapshot(), Upload.objects.count(), AuditEntry.objects.count()) == before
    assert ok(audit(horn, world.charlie))["entries"] == []


@pytest.mark.parametrize(
    ("days", "code", "field"),
    [(0, 7040, "days"), (100_000, 7040, "days"), (3651, 7040, "days"), (-5, 7040, "days"), ("30", 1004, "days"),
     (1.5, 1004, "days"), (True, 1004, "days")],
)  # fmt: skip
def test_a_retention_out_of_range_or_not_an_integer_is_refused(horn, world, days, code, field):
    ok(set_retention(horn, world.alice, 30))
    error(set_retention(horn, world.alice, days), 400, code, field)
    assert ok(horn.get("/api/privacy/retention", headers=world.alice.auth))["days"] == 30


def test_a_retention_body_must_name_days_and_nothing_else(horn, world):
    headers = world.alice.auth
    error(horn.put("/api/privacy/retention", json={}, headers=headers), 400, 1002, "days")
    error(horn.put("/api/privacy/retention", json={"days": 5, "hours": 1}, headers=headers), 400, 1003, "hours")
    error(horn.put("/api/privacy/retention", content=b"nope", headers=headers), 400, 1001)
    assert not RetentionPolicy.objects.exists() and not AuditEntry.objects.exists()


def test_an_admin_sets_and_clears_the_retention_and_each_change_is_audited(horn, world):
    assert ok(horn.get("/api/privacy/retention", headers=world.alice.auth))["days"] is None
    assert ok(set_retention(horn, world.alice, 1))["days"] == 1
    assert ok(set_retention(horn, world.alice, 3650))["days"] == 3650
    assert ok(set_retention(horn, world.alice, None))["days"] is None
    assert ok(horn.get("/api/privacy/retention", headers=world.charlie.auth))["days"] is None  # Globex's own
    entries = ok(audit(horn, world.alice))["entries"]
    assert [(e["action"], e["details"], e["actor"]["name"]) for e in entries] == [
        ("retention_set", {"from": 3650, "to": None}, "Alice"),
        ("retention_set", {"from": 1, "to": 3650}, "Alice"),
        ("retention_set", {"from": None, "to": 1}, "Alice"),
    ]


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [({"uid": "short"}, 1007, "uid"), ({"uid": "x" * 22 + "!"}, 1007, "uid"), ({}, 1002, "uid"),
     ({"uid": "x" * 23, "customer": "c"}, 1004, "customer")],
)  # fmt: skip
def test_malformed_subjects_are_refused(horn, world, params, code, field):
    before = (snapshot(), AuditEntry.objects.count())
    error(export(horn, world.alice, **params), 400, code, field)
    error(erase(horn, world.alice, **params), 400, code, field)
    assert (snapshot(), AuditEntry.objects.count()) == before


def test_a_customer_id_longer_than_any_stored_is_refused(horn, world):
    error(export(horn, world.alice, customer="c" * 129), 400, 1004, "customer")
    error(erase(horn, world.alice, customer="c" * 129), 400, 1005, "customer")


def test_erase_refuses_bad_bodies(horn, world):
    headers = world.alice.auth
    error(horn.post("/api/privacy/erase", json={"uid": 5}, headers=headers), 400, 1004, "uid")
    error(horn.post("/api/privacy/erase", json={"vid": "x"}, headers=headers), 400, 1003, "vid")
    error(horn.post("/api/privacy/erase", content=b"[]", headers=headers), 400, 1001)


def test_the_audit_page_must_be_a_page_number(horn, world):
    for page in ("0", "abc", "-1", "100001"):
        error(audit(horn, world.alice, page=page), 400, 1004, "page")


def test_the_export_holds_everything_held_about_the_visitor(horn, world):
    story = tell_story(horn, world.acme.pk, world.alice)
    ok(horn.post("/api/visitors/ban", json={"uid": story.visitor.uid, "reason": "spam"}, headers=world.alice.auth))
    doc = export(horn, world.alice, uid=story.visitor.uid).json()
    assert doc["format"] == "horn.privacy.export/1" and doc["subject"] == {"uid": story.visitor.uid}
    assert doc["organisation"] == {"id": world.acme.pk, "name": "Acme"}
    [visitor] = doc["visitors"]
    assert visitor["uid"] == story.visitor.uid
    assert visitor["customer"] == {**CUSTOMER, "verified": False}
    assert [p["url"] for p in visitor["page_views"]] == ["https://shop.example/pricing", "https://shop.example/cart"]
    assert visitor["page_views"][0]["browser"] == "Firefox 140" and visitor["page_views"][0]["ip"] == "127.0.0.1"
    [chat] = doc["chats"]
    assert chat["id"] == story.chat_id and chat["state"] == "ended" and chat["creator"] == story.visitor.uid
    assert chat["rating"]["score"] == 4 and chat["rating"]["comment"] == "Ann liked it"
    assert {(m["uid"], m["role"]) for m in chat["members"]} >= {(story.visitor.uid, "user"), (world.alice.sid, "staff")}
    texts = [m.get("text") for m in chat["messages"] if m["type"] in ("text", "note")]
    assert texts == [
        "Please ship to 12 Elmstreet, Springfield",
        "Thanks Ann, shipping to Elmstreet today",
        "Ann is a regular at Elmstreet",
    ]
    assert [m["visibility"] for m in chat["messages"] if m["type"] == "note"] == ["internal"]
    [file_message] = [m for m in chat["messages"] if m["type"] == "file"]
    [f] = doc["files"]
    assert f["name"] == file_message["file"]["name"] == "invoice-ann.pdf" and f["chat"] == story.chat_id
    assert f["src"].endswith(story.file_src) and f["uploader"] == story.visitor.uid
    assert [(b["uid"], b["reason"]) for b in doc["bans"]] == [(story.visitor.uid, "spam")]
    # The same person by the customer id: the same data.
    by_customer = export(horn, world.alice, customer=CUSTOMER["id"]).json()
    assert by_customer["subject"] == {"customer": CUSTOMER["id"]} and by_customer["chats"] == doc["chats"]
    entries = ok(audit(horn, world.alice))["entries"]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("export", f"customer {CUSTOMER['id']}"),
        ("export", f"visitor {story.visitor.uid}"),
    ]
    assert entries[1]["details"] == {"visitors": 1, "chats": 1, "messages": len(chat["messages"])}


def test_erase_redacts_messages_deletes_files_and_page_views_and_anonymises_the_visitor(horn, world):
    story = tell_story(horn, world.acme.pk, world.alice)
    other = tell_story(horn, world.acme.pk, world.alice)  # another visitor, said the same: untouched
    stored = Upload.objects.get(chat_id=story.chat_id).storage_name
    assert horn.get(story.file_src).status_code == 200
    redis, uid = _sync_redis(), story.visitor.uid
    assert redis.get(state_version_key(uid)) and redis.zscore(presence.key(world.acme.pk, "user"), uid)

    done = ok(erase(horn, world.alice, uid=story.visitor.uid))["erased"]
    assert done["visitors"] == 1 and done["files"] == 1 and done["page_views"] == 2 and done["messages"] >= 5

    history = ok(horn.get("/api/chat/history", params={"chat": story.chat_id}, headers=world.alice.auth))["msgs"]
    contents = [m for m in history if m.get("text") is not None]
    assert len(contents) == 4  # the visitor's text, Alice's answer, her note and the file, all redacted
    assert {m["text"] for m in contents} == {"(erased)"}
    assert "Ann liked it" not in str(history) and "Elmstreet" not in str(history) and "invoice" not in str(history)
    assert not any(m["from"]["name"] for m in history if m["from"]["id"] == story.visitor.uid)
    found = ok(horn.get("/api/chats/search", params={"q": "Elmstreet"}, headers=world.alice.auth))["chats"]
    assert [c["id"] for c in found] == [other.chat_id]
    assert horn.get(story.file_src).status_code == 404
    assert not upload_storage().exists(stored)
    assert horn.get(other.file_src).status_code == 200
    # Redis held only ids and counters about the visitor (no text); they are gone too.
    assert redis.get(state_version_key(uid)) is None and redis.zscore(presence.key(world.acme.pk, "user"), uid) is None
    assert redis.get(state_version_key(other.visitor.uid))

    details = ok(horn.get(f"/api/visitors/{story.visitor.uid}", headers=world.alice.auth))["visitor"]
    assert details["customer"] is None and details["pages"] == [] and details["name"] == ""
    row = Visitor.objects.get(pk=story.visitor.uid)
    assert (row.fp, row.customer_id, row.customer_name, row.customer_email) == ("", "", "", "")
    assert not Visit.objects.filter(visitor_id=story.visitor.uid).exists()
    chat = Chat.objects.get(pk=story.chat_id)  # kept for reports, anonymous
    assert (chat.state, chat.rating, chat.rating_comment) == ("ended", 4, "")
    assert Message.objects.filter(chat_id=story.chat_id).count() == len(history)

    after = export(horn, world.alice, uid=story.visitor.uid).json()
    assert "Elmstreet" not in str(after) and "Ann" not in str(after) and after["files"] == []
    [entry] = [e for e in ok(audit(horn, world.alice))["entries"] if e["action"] == "erase"]
    assert entry["target"] == f"visitor {story.visitor.uid}" and entry["actor"]["id"] == world.alice.sid
    assert entry["details"]["uids"] == [story.visitor.uid] and entry["details"]["files"] == 1


def test_erase_by_customer_id_covers_all_their_visitors_and_keeps_no_customer_id_in_the_audit(horn, world):
    phone = tell_story(horn, world.acme.pk, world.alice)
    laptop = tell_story(horn, world.acme.pk, world.alice)
    done = ok(erase(horn, world.alice, customer=CUSTOMER["id"]))["erased"]
    assert done["visitors"] == 2 and done["files"] == 2
    assert not Visitor.objects.filter(customer_id=CUSTOMER["id"]).exists()
    for story in (phone, laptop):
        assert horn.get(story.file_src).status_code == 404
    [entry] = ok(audit(horn, world.alice))["entries"]
    assert CUSTOMER["id"] not in str(entry) and entry["target"].startswith("customer sha256:")
    assert sorted(entry["details"]["uids"]) == sorted([phone.visitor.uid, laptop.visitor.uid])
    error(erase(horn, world.alice, customer=CUSTOMER["id"]), 404, 3001, "customer")  # nobody is that customer now


def test_erase_ends_the_visitors_open_chat(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    ok(text(horn, visitor, chat_id, "my phone is 555-0100"))
    ok(erase(horn, world.alice, uid=visitor.uid))
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=world.alice.auth))["msgs"]
    assert history[-1]["type"] == "end_chat" and "event" in history[-1] and "reason" not in history[-1]["event"]
    assert Chat.objects.get(pk=chat_id).state == "ended"
    assert "555-0100" not in str(history)
    error(text(horn, visitor, chat_id, "still here?"), 409, 4001)


def test_the_audit_trail_is_paged_newest_first_and_per_organisation(horn, world):
    for i in range(audit_trail.PAGE_SIZE + 1):
        audit_trail.record(world.acme.pk, actor=None, action=AuditEntry.RETENTION_RUN, details={"n": i})
    first = ok(audit(horn, world.alice))
    assert first["page"] == 1 and first["has_more"] is True and len(first["entries"]) == audit_trail.PAGE_SIZE
    assert first["entries"][0]["details"] == {"n": audit_trail.PAGE_SIZE}
    assert first["entries"][0]["actor"] == {"id": "system", "name": ""}
    second = ok(audit(horn, world.alice, page=2))
    assert second["has_more"] is False and [e["details"] for e in second["entries"]] == [{"n": 0}]
    assert ok(audit(horn, world.charlie))["entries"] == []


def test_erasing_one_device_of_a_verified_customer_redacts_only_its_own_words_in_the_shared_chat(horn, world):
    phone = track(horn, world.acme.pk, customer=customer(world.acme))
    chat_id = request_chat(horn, phone)
    join(horn, world.alice, chat_id)
    ok(text(horn, phone, chat_id, "the phone asks about the parcel"))
    laptop = track(horn, world.acme.pk, customer=customer(world.acme))
    assert request_chat(horn, laptop) == chat_id  # the customer's open chat, shared
    ok(text(horn, laptop, chat_id, "the laptop lives at 5 Oakroad"))

    done = ok(erase(horn, world.alice, uid=laptop.uid))["erased"]
    assert (done["visitors"], done["chats"], done["messages"]) == (1, 1, 1)
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=world.alice.auth))["msgs"]
    texts = {m["from"]["id"]: m["text"] for m in history if m["type"] == "text"}
    assert texts == {phone.uid: "the phone asks about the parcel", laptop.uid: "(erased)"}
    assert Chat.objects.get(pk=chat_id).state == "active"  # the phone's chat goes on
    assert Visitor.objects.get(pk=phone.uid).customer_verified is True
