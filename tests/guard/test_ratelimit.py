"""Rate limits over real HTTP and websockets: floods refused with 429 + Retry-After, nothing stored for them."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx
import pytest

from apps.chats.models import Message
from apps.visitors.models import Visit
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track
from tests.realtime.wsclient import open_ws


def refused(response: httpx.Response) -> dict:
    body = error(response, 429, 6001)
    assert isinstance(body["retry_after"], int) and body["retry_after"] >= 1
    assert response.headers["Retry-After"] == str(body["retry_after"])
    assert "field" in body
    return body


async def _burst(server: str, visitor, chat_id: str, n: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as client:
        bodies = [{"type": "text", "chat": {"id": chat_id}, "text": f"flood {i}"} for i in range(n)]
        return await asyncio.gather(*(client.post("/api/message", json=b, headers=visitor.auth) for b in bodies))


def test_a_flood_of_1000_requests_from_one_visitor_is_mostly_refused_and_stores_only_what_was_accepted(
    horn, world, chat, server, limits
):
    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "25/day"
    before = Message.objects.filter(chat_id=chat_id).count()
    responses = asyncio.run(_burst(server, visitor, chat_id, 1000))
    accepted = [r for r in responses if r.status_code == 200]
    for r in responses:
        if r.status_code != 200:
            refused(r)
    assert len(accepted) == 25
    assert Message.objects.filter(chat_id=chat_id).count() - before == len(accepted)
    assert Message.objects.filter(chat_id=chat_id, type="text", sender_id=visitor.uid).count() == 25


def test_a_refused_request_changes_nothing(horn, world, chat, limits):
    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "2/day"
    ok(text(horn, visitor, chat_id, "one"))
    ok(text(horn, visitor, chat_id, "two"))
    before = snapshot()
    body = refused(text(horn, visitor, chat_id, "three"))
    assert "message" in body["msg"]
    assert snapshot() == before


def test_visitors_do_not_share_a_budget(horn, world, limits):
    limits.HORN_RATE_MESSAGE = "2/day"
    first, second = track(horn, world.acme.pk), track(horn, world.acme.pk)
    first_chat, second_chat = request_chat(horn, first), request_chat(horn, second)  # one message each
    ok(text(horn, first, first_chat, "a"))
    refused(text(horn, first, first_chat, "b"))
    ok(text(horn, second, second_chat, "a"))


def test_opening_chats_has_its_own_tighter_limit(horn, world, limits):
    limits.HORN_RATE_REQUEST_CHAT = "1/day"
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    before = snapshot()
    body = {"type": "request_chat", "from": {"id": visitor.uid, "role": "user"}, "event": {"uids": [visitor.uid]}}
    assert "chats opened" in refused(send(horn, visitor, body))["msg"]
    assert snapshot() == before
    ok(text(horn, visitor, chat_id, "messages still go through"))


def test_track_is_limited_per_visitor(horn, world, limits):
    limits.HORN_RATE_TRACK = "2/day"
    visitor = track(horn, world.acme.pk)  # new visitors have no budget of their own yet (the IP's counts)
    page = {"cid": world.acme.pk, "uid": visitor.uid, "url": "https://shop.example/a"}
    ok(horn.post("/api/user/track", json=page, headers=visitor.auth))
    ok(horn.post("/api/user/track", json=page, headers=visitor.auth))
    visits = Visit.objects.count()
    refused(horn.post("/api/user/track", json=page, headers=visitor.auth))
    assert Visit.objects.count() == visits


def test_every_visitor_behind_one_address_shares_the_address_budget(horn, world, limits):
    limits.HORN_RATE_IP = "3/day"
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    ok(text(horn, visitor, chat_id, "third write from 127.0.0.1"))
    before = snapshot()
    r = horn.post("/api/user/track", json={"cid": world.acme.pk, "url": "https://shop.example/"})
    assert "address" in refused(r)["msg"]
    assert snapshot() == before


def test_the_address_budget_follows_the_forwarded_client_behind_a_trusted_proxy(horn, world, limits, behind_proxy):
    limits.HORN_RATE_IP = "2/day"
    page = {"cid": world.acme.pk, "url": "https://shop.example/"}
    office = {"X-Forwarded-For": "203.0.113.7"}
    ok(horn.post("/api/user/track", json=page, headers=office))
    ok(horn.post("/api/user/track", json=page, headers=office))
    refused(horn.post("/api/user/track", json=page, headers=office))
    ok(horn.post("/api/user/track", json=page, headers={"X-Forwarded-For": "198.51.100.20"}))


def test_staff_tokens_and_bot_keys_have_budgets_of_their_own(horn, world, bot, chat, limits):
    visitor, chat_id = chat
    limits.HORN_RATE_STAFF = "2/day"
    limits.HORN_RATE_BOT = "2/day"
    limits.HORN_RATE_IP = "1/day"  # staff and bots are limited per credential, never per address
    ok(text(horn, world.alice, chat_id, "one"))
    ok(text(horn, world.alice, chat_id, "two"))
    assert "staff" in refused(text(horn, world.alice, chat_id, "three"))["msg"]
    join(horn, world.bob, chat_id)  # Bob's budget is his own
    # The limit is checked before anything else: requests refused for other reasons count too.
    error(text(horn, bot, chat_id, "not in this chat"), 403, 4002)
    error(text(horn, bot, chat_id, "not in this chat"), 403, 4002)
    assert "bot" in refused(text(horn, bot, chat_id, "three"))["msg"]


def test_websocket_messages_count_against_the_same_budget_as_http(horn, world, chat, server, limits):
    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "3/day"
    ok(text(horn, visitor, chat_id, "http 1"))
    ok(text(horn, visitor, chat_id, "http 2"))
    with open_ws(server, visitor) as ws:
        frame = {"type": "text", "chat": {"id": chat_id}, "text": "ws 1", "ref": "r1"}
        ws.send(json.dumps(frame))
        replies = _replies(ws, 1)
        assert replies[0]["code"] == 0
        before = snapshot()
        ws.send(json.dumps({**frame, "text": "ws 2", "ref": "r2"}))
        reply = _replies(ws, 1)[0]
        assert (reply["code"], reply["ref"]) == (6001, "r2") and reply["retry_after"] >= 1
        assert snapshot() == before
        # The socket stays open: a refusal is a reply, not a close.
        ws.send(json.dumps({"type": "ping", "ref": "p"}))
        assert _replies(ws, 1)[0]["msg"] == "pong"
    refused(text(horn, visitor, chat_id, "http 3"))


def _replies(ws, n: int) -> list[dict]:
    out = []
    while len(out) < n:
        frame = json.loads(ws.recv(timeout=10))
        if "ref" in frame:
            out.append(frame)
    return out


def test_limits_can_be_turned_off(horn, world, chat, limits):
    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "1/day"
    limits.HORN_RATE_LIMITS = False
    for i in range(5):
        ok(text(horn, visitor, chat_id, f"unlimited {i}"))


def test_a_broken_counter_store_keeps_each_process_limits_and_logs_a_warning(horn, world, chat, limits, caplog):
    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "2/day"
    limits.HORN_RATE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with caplog.at_level(logging.WARNING, logger="horn.guard"):
        ok(text(horn, visitor, chat_id, "one"))
        ok(text(horn, visitor, chat_id, "two"))
        refused(text(horn, visitor, chat_id, "three"))  # the in-process level still counts
        wait_for(lambda: any("shared counters failed" in r.getMessage() for r in caplog.records))


def wait_for(condition, timeout: float = 10) -> None:
    """The shared counters are updated a moment after the request (ratelimit.SYNC_INTERVAL)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


@pytest.mark.parametrize("raw", ["20 per banana", "", "twenty/second"])
def test_a_malformed_limit_setting_fails_loudly(raw, settings):
    from django.core.exceptions import ImproperlyConfigured

    from apps.guard import ratelimit

    settings.HORN_RATE_MESSAGE = raw
    with pytest.raises(ImproperlyConfigured):
        ratelimit.validate_settings()


def _remaining(item, parts: tuple[str, ...]) -> int:
    """What limits itself reads for a key: the shared (Redis) level when configured, else the process's."""
    from apps.guard import ratelimit

    [(loop, (_, limiter))] = list(ratelimit._limiters.items())  # the server's (one event loop)
    strategy = limiter.shared or limiter.local
    return asyncio.run_coroutine_threadsafe(strategy.get_window_stats(item, *parts), loop).result(10).remaining


def test_the_counters_are_limits_own_so_its_reads_agree(horn, world, chat, limits):
    """Shared hits are pipelined by hand (ratelimit._hit_pipelined); limits must read them as its own."""
    from apps.guard import ratelimit

    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "5/day"
    for i in range(3):
        ok(text(horn, visitor, chat_id, f"counted {i}"))
    [item] = ratelimit.items("message")
    wait_for(lambda: _remaining(item, ("message", visitor.uid)) == 2)


def test_the_shared_counters_still_count_after_redis_forgot_its_scripts(horn, world, chat, limits):
    """A Redis restart empties the script cache: the pipelined hits reload limits' script and count on."""
    from apps.guard import ratelimit
    from tests.conftest import _sync_redis

    visitor, chat_id = chat
    limits.HORN_RATE_MESSAGE = "5/day"
    [item] = ratelimit.items("message")
    ok(text(horn, visitor, chat_id, "one"))
    wait_for(lambda: _remaining(item, ("message", visitor.uid)) == 4)
    _sync_redis().script_flush()
    ok(text(horn, visitor, chat_id, "two"))
    wait_for(lambda: _remaining(item, ("message", visitor.uid)) == 3)


def test_uploads_have_their_own_budget_and_a_refused_upload_stores_nothing(horn, world, chat, limits):
    from tests.files.helpers import state, upload

    visitor, chat_id = chat
    limits.HORN_RATE_FILES = "1/day"
    ok(upload(horn, visitor, chat_id, "first.pdf", b"%PDF-1.4 first"))
    before = state()
    assert "uploads" in refused(upload(horn, visitor, chat_id, "second.pdf", b"%PDF-1.4 second"))["msg"]
    assert state() == before
    ok(text(horn, visitor, chat_id, "messages still go through"))


def test_an_org_sets_its_own_visitor_message_limit_and_other_orgs_keep_the_servers(horn, world, limits):
    limits.HORN_RATE_MESSAGE = "3/day"
    ok(horn.patch("/api/org/settings", json={"rate_limits": {"message": "2/day"}}, headers=world.alice.auth))
    acme, globex = track(horn, world.acme.pk), track(horn, world.globex.pk)
    acme_chat, globex_chat = request_chat(horn, acme), request_chat(horn, globex)  # one message each
    ok(text(horn, acme, acme_chat, "a"))
    before = snapshot()
    assert "limit 2 per 1 day" in refused(text(horn, acme, acme_chat, "b"))["msg"]
    assert snapshot() == before
    ok(text(horn, globex, globex_chat, "a"))
    ok(text(horn, globex, globex_chat, "b"))  # the server's 3/day
    refused(text(horn, globex, globex_chat, "c"))
    # an org may be more generous than the server, too
    ok(horn.patch("/api/org/settings", json={"rate_limits": {"message": "10/day"}}, headers=world.alice.auth))
    ok(text(horn, acme, acme_chat, "b"))
