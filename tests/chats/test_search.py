"""GET /api/chats/search over the real API: text via the full-text index, every filter, pages, highlights, errors."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from apps.chats.models import Chat
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track


def search(client, who, **params) -> dict:
    return ok(client.get("/api/chats/search", params=params, headers=who.auth))


def ids_of(page: dict) -> list[str]:
    return [c["id"] for c in page["chats"]]


def marked(hit: dict) -> list[str]:
    return [s["text"] for s in hit["segments"] if s["match"]]


def new_chat(client, world, staff, *lines: str, queue: str | None = None, **track_extra) -> tuple:
    visitor = track(client, world.acme.pk if staff is not world.charlie else world.globex.pk, **track_extra)
    chat_id = request_chat(client, visitor, **({"queue": queue} if queue else {}))
    join(client, staff, chat_id)
    for i, line in enumerate(lines):
        ok(text(client, visitor if i % 2 == 0 else staff, chat_id, line))
    return visitor, chat_id


def test_it_finds_chats_by_words_in_any_message_with_highlighted_segments(horn, world):
    _, refund = new_chat(horn, world, world.alice, "Hello, I want a refund for my order", "Sure, refunding it now")
    new_chat(horn, world, world.alice, "Where is my parcel?", "It ships tomorrow")
    page = search(horn, world.alice, q="REFUND")
    assert ids_of(page) == [refund]
    hits = page["chats"][0]["hits"]
    assert [marked(h) for h in hits] == [["refunding"], ["refund"]]  # newest first; words match by prefix
    assert "".join(s["text"] for s in hits[1]["segments"]) == "Hello, I want a refund for my order"
    assert hits[1]["from"]["role"] == "user" and hits[0]["from"]["id"] == world.alice.sid


def test_every_word_must_occur_in_the_same_message(horn, world):
    _, both = new_chat(horn, world, world.alice, "blue widget broken")
    new_chat(horn, world, world.alice, "blue sky", "widget fine")
    assert ids_of(search(horn, world.alice, q="widget blue")) == [both]


def test_a_word_matches_from_its_start_only(horn, world):
    _, reorder = new_chat(horn, world, world.alice, "Please reorder the parts")
    assert ids_of(search(horn, world.alice, q="order")) == []
    assert ids_of(search(horn, world.alice, q="reord")) == [reorder]


def test_it_searches_notes_for_staff_and_marks_them_internal(horn, world):
    _, chat_id = new_chat(horn, world, world.alice, "hi")
    ok(send(horn, world.alice, {"type": "note", "chat": {"id": chat_id}, "text": "suspicious chargeback pattern"}))
    hit = search(horn, world.bob, q="chargeback")["chats"][0]["hits"][0]
    assert hit["type"] == "note" and hit["internal"] is True and marked(hit) == ["chargeback"]


def test_it_finds_chinese_and_emoji_inside_unspaced_text(horn, world):
    _, cjk = new_chat(horn, world, world.alice, "我想申请退款，谢谢")
    _, emoji = new_chat(horn, world, world.alice, "great service 🎉🎉 thanks")
    page = search(horn, world.alice, q="退款")
    assert ids_of(page) == [cjk] and marked(page["chats"][0]["hits"][0]) == ["退款"]
    assert ids_of(search(horn, world.alice, q="申请退款")) == [cjk]
    assert ids_of(search(horn, world.alice, q="款谢")) == []  # a comma between them: not adjacent
    assert ids_of(search(horn, world.alice, q="🎉")) == [emoji]


def test_accents_and_case_do_not_matter(horn, world):
    _, chat_id = new_chat(horn, world, world.alice, "Crème brûlée arrived cold")
    assert ids_of(search(horn, world.alice, q="creme BRULEE")) == [chat_id]


def test_markup_is_returned_as_plain_text_segments(horn, world):
    payload = "<img src=x onerror=alert(1)> payload"
    _, chat_id = new_chat(horn, world, world.alice, payload)
    hit = search(horn, world.alice, q="onerror")["chats"][0]["hits"][0]
    assert "".join(s["text"] for s in hit["segments"]) == payload
    assert marked(hit) == ["onerror"]


def test_it_filters_by_visitor_customer_staff_queue_and_state(horn, world):
    secret = world.acme.secret
    customer = {"id": "cust-7", "hash": hmac.new(secret.encode(), b"cust-7", hashlib.sha256).hexdigest()}
    v1, c1 = new_chat(horn, world, world.alice, "order one", queue="sales", customer=customer)
    _, c2 = new_chat(horn, world, world.bob, "order two")
    ok(send(horn, world.bob, {"type": "end_chat", "chat": {"id": c2}}))
    assert ids_of(search(horn, world.alice, visitor=v1.uid)) == [c1]
    assert ids_of(search(horn, world.alice, customer="cust-7")) == [c1]
    assert ids_of(search(horn, world.alice, staff=world.bob.sid)) == [c2]
    assert ids_of(search(horn, world.alice, queue="sales", q="order")) == [c1]
    assert ids_of(search(horn, world.alice, state="ended")) == [c2]
    assert ids_of(search(horn, world.alice, state="active,requested")) == [c1]
    assert ids_of(search(horn, world.alice)) == [c2, c1]  # no filter: the latest chats, newest first
    row = search(horn, world.alice, visitor=v1.uid)["chats"][0]
    assert row["visitor"] == {"id": v1.uid, "customer_id": "cust-7"}
    assert row["staff"] == [{"id": world.alice.sid, "name": "Alice"}]
    assert (row["queue"], row["state"], row["ended_at"]) == ("sales", "active", None)


def test_it_filters_by_created_and_ended_dates(horn, world):
    _, old = new_chat(horn, world, world.alice, "old question")
    _, new = new_chat(horn, world, world.alice, "new question")
    Chat.objects.filter(pk=old).update(
        created_at=datetime(2026, 1, 15, 10, tzinfo=UTC), ended_at=datetime(2026, 1, 16, 9, tzinfo=UTC)
    )
    assert ids_of(search(horn, world.alice, created_to="2026-01-15")) == [old]  # a `_to` date includes the day
    assert ids_of(search(horn, world.alice, created_from="2026-01-16", q="question")) == [new]
    assert ids_of(search(horn, world.alice, ended_from="2026-01-16T00:00:00Z", ended_to="2026-01-17")) == [old]


def test_it_pages_newest_first_with_next(horn, world):
    chats = [new_chat(horn, world, world.alice, f"invoice number {i}")[1] for i in range(5)]
    seen, before = [], None
    while True:
        page = search(horn, world.alice, q="invoice", limit=2, **({"before": before} if before else {}))
        seen += ids_of(page)
        before = page["next"]
        if not before:
            break
    assert seen == chats[::-1]


def test_it_returns_the_rating_when_given(horn, world):
    visitor, chat_id = new_chat(horn, world, world.alice, "thanks a lot")
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
    body = {"type": "rate", "chat": {"id": chat_id}, "from": {"id": visitor.uid}, "event": {"score": 5}}
    ok(send(horn, visitor, body))
    assert search(horn, world.alice, q="thanks")["chats"][0]["rating"]["score"] == 5


def test_another_organisation_never_sees_the_chats(horn, world):
    new_chat(horn, world, world.alice, "acme private refund")
    _, globex = new_chat(horn, world, world.charlie, "globex refund")
    assert ids_of(search(horn, world.charlie, q="refund")) == [globex]
    assert ids_of(search(horn, world.charlie, q="acme")) == []
    assert ids_of(search(horn, world.charlie)) == [globex]


def test_visitors_are_refused_and_bots_of_the_org_may_search(horn, world, bot):
    visitor, chat_id = new_chat(horn, world, world.alice, "hello there")
    assert ids_of(search(horn, bot, q="hello")) == [chat_id]
    error(horn.get("/api/chats/search", params={"q": "hello"}, headers=visitor.auth), 403, 2004)
    error(horn.get("/api/chats/search", params={"q": "hello"}), 401, 2001)


def test_bad_input_is_refused_with_the_field_and_changes_nothing(horn, world):
    new_chat(horn, world, world.alice, "hello there")
    before = snapshot()
    cases = [
        ({"q": "x" * 201}, 400, 1005, "q"),
        ({"q": "a !!"}, 400, 1004, "q"),  # no word the index holds
        ({"state": "closed"}, 400, 1004, "state"),
        ({"visitor": "nope"}, 400, 1007, "visitor"),
        ({"staff": "nope"}, 400, 1007, "staff"),
        ({"created_from": "yesterday"}, 400, 1004, "created_from"),
        ({"ended_to": "2026-13-40"}, 400, 1004, "ended_to"),
        ({"created_from": "2026-02-01", "created_to": "2026-01-01"}, 400, 1004, "created_to"),
        ({"limit": "0"}, 400, 1004, "limit"),
        ({"limit": "51"}, 400, 1004, "limit"),
        ({"before": "garbage"}, 400, 1007, "before"),
    ]
    for params, status, code, field in cases:
        error(horn.get("/api/chats/search", params=params, headers=world.alice.auth), status, code, field)
    assert snapshot() == before


def order_chats(horn, world) -> list[str]:
    """Six chats that say "order" (the odd ones also "ships"), oldest first, then a newer one that does not."""
    chats = [
        new_chat(horn, world, world.alice, f"order {i}", "your order ships" if i % 2 else "ok")[1] for i in range(6)
    ]
    new_chat(horn, world, world.alice, "nothing relevant")
    return chats


def all_pages(horn, world, **params) -> list[list[str]]:
    """Every page of a search, two chats a page, following `next`."""
    out, before = [], None
    while True:
        page = search(horn, world.alice, limit=2, **params, **({"before": before} if before else {}))
        out.append(ids_of(page))
        before = page["next"]
        if not before:
            return out


def test_common_words_give_the_same_pages_whichever_plan_reads_them(horn, world, monkeypatch):
    from apps.chats import search as plans

    chats = order_chats(horn, world)

    def pages(**params) -> list[list[str]]:
        return all_pages(horn, world, **params)

    newest_first = pages(q="order")  # few chats: reading the newest ones answers it
    assert [c for page in newest_first for c in page] == chats[::-1]
    monkeypatch.setattr(plans, "SCAN_FIRST", 1)
    monkeypatch.setattr(plans, "SCAN_BEFORE_PROBE", 1)  # the index's matches are the answer
    assert pages(q="order") == newest_first
    assert pages(q="ships") == [chats[5:0:-2][:2], chats[5:0:-2][2:]]
    monkeypatch.setattr(plans, "PROBE", 1)  # "common": reading newest chats goes on
    assert pages(q="order") == newest_first
    monkeypatch.setattr(plans, "SCAN_MAX", 2)  # the reading gives up: every match from the index
    assert pages(q="order") == newest_first
    assert pages(q="ships") == [chats[5:0:-2][:2], chats[5:0:-2][2:]]


def test_hits_among_the_newest_chats_decide_whether_to_read_on_or_ask_the_index(horn, world, monkeypatch):
    from apps.chats import search as plans

    chats = order_chats(horn, world)
    newest_first = all_pages(horn, world, q="order")
    assert [c for page in newest_first for c in page] == chats[::-1]
    asked = []
    probe = plans._probe
    monkeypatch.setattr(plans, "_probe", lambda *args: asked.append(args) or probe(*args))
    monkeypatch.setattr(plans, "SCAN_FIRST", 1)
    monkeypatch.setattr(plans, "SCAN_BEFORE_PROBE", 2)
    # One hit in the two newest chats: a page (3 chats, to know there is a next) needs about 6, within
    # SCAN_MAX, so the reading goes on and the index is never asked.
    assert all_pages(horn, world, q="order") == newest_first
    assert asked == []
    monkeypatch.setattr(plans, "SCAN_MAX", 3)  # the hits say too many chats: the index is asked
    assert all_pages(horn, world, q="order") == newest_first
    assert asked


def test_two_words_are_read_on_past_the_counted_chats_and_the_index_is_asked_for_the_rarer(horn, world, monkeypatch):
    from apps.chats import search as plans

    chats = order_chats(horn, world)
    both = [chats[5:0:-2][:2], chats[5:0:-2][2:]]  # "your order ships": chats 5, 3, 1
    monkeypatch.setattr(plans, "SCAN_FIRST", 1)
    monkeypatch.setattr(plans, "SCAN_BEFORE_PROBE", 2)
    # The first two chats read count each word (then the messages holding either come back); the
    # reading goes on past them asking only for chats with both.
    assert all_pages(horn, world, q="order ships") == both
    asked = []
    probe = plans._probe
    monkeypatch.setattr(plans, "_probe", lambda org_id, term: asked.append(term.value) or probe(org_id, term))
    monkeypatch.setattr(plans, "SCAN_MAX", 2)  # too few hits to read on: the index is asked
    assert all_pages(horn, world, q="order ships") == both
    assert set(asked) == {"ships"}  # seen less often than "order" in the chats counted
