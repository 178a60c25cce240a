"""Webhooks: signed deliveries of the org's events, retried until taken, logged, replayable, never to private hosts."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from apps.integrations.models import Webhook, WebhookDelivery
from tests.helpers import error, join, ok, request_chat, send, text, track
from tests.integrations.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def hooks_on(horn_server, settings):
    """The server restarted with the webhook worker running, fast retries, loopback receivers allowed."""
    settings.HORN_WEBHOOKS = True
    settings.HORN_WEBHOOK_ALLOW_PRIVATE = True
    settings.HORN_WEBHOOK_RETRY_BASE_MS = 50
    settings.HORN_WEBHOOK_TIMEOUT_S = 2
    settings.HORN_EVENT_STREAM_PERIOD_MS = 20
    horn_server.stop()
    horn_server.start()
    yield settings
    settings.HORN_WEBHOOKS = False
    horn_server.stop()
    horn_server.start()


def subscribe(horn, admin, url: str, events: list[str]) -> dict:
    return ok(horn.post("/api/webhooks", json={"url": url, "events": events}, headers=admin.auth))["webhook"]


def chat_with_alice(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    return visitor, chat_id


def log(horn, admin, hook_id: int) -> list[dict]:
    return ok(horn.get(f"/api/webhooks/{hook_id}/deliveries", headers=admin.auth))["data"]


def wait_until(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)
    return result


def test_an_admin_subscribes_and_gets_each_event_signed_once(horn, world, receiver, hooks_on):
    hook = subscribe(horn, world.alice, receiver.url, ["personalChatSent", "end_chat"])
    assert hook["secret"].startswith("whsec_") and hook["active"] is True
    listed = ok(horn.get("/api/webhooks", headers=world.alice.auth))["data"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]  # shown once
    visitor, chat_id = chat_with_alice(horn, world)
    ok(text(horn, visitor, chat_id, "Where is my parcel?"))
    ok(text(horn, world.alice, chat_id, "On its way."))
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}, "event": {"reason": "resolved"}}))
    got = receiver.wait(3)
    time.sleep(0.5)  # nothing more comes (join_chat and request_chat were not subscribed)
    assert len(receiver.got) == 3
    # Sent concurrently: in any order (docs/webhooks.md).
    assert sorted(g.body["event"] for g in got) == ["end_chat", "personalChatSent", "personalChatSent"]
    texts = sorted(g.body["data"]["payload"] for g in got if g.body["event"] == "personalChatSent")
    assert texts == ["On its way.", "Where is my parcel?"]
    for g in got:
        body = g.body
        assert set(body) == {"id", "event", "created_at", "org", "data"} and body["org"] == world.acme.pk
        assert g.headers["X-Horn-Delivery"] == body["id"] and g.headers["X-Horn-Event"] == body["event"]
        # The receiver's check, as docs/webhooks.md describes it.
        parts = dict(p.split("=", 1) for p in g.headers["X-Horn-Signature"].split(","))
        expected = hmac.new(hook["secret"].encode(), f"{parts['t']}.".encode() + g.raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(parts["v1"], expected) and abs(int(parts["t"]) - time.time()) < 60
    assert len({g.body["id"] for g in got}) == 3
    assert [d["state"] for d in log(horn, world.alice, hook["id"])] == ["delivered"] * 3


def test_a_failing_receiver_gets_the_same_delivery_until_it_answers(horn, world, receiver, hooks_on):
    receiver.answers = [(500, 0), (503, 0), (2, 3)]  # two errors, then no answer within the 2 s timeout
    hook = subscribe(horn, world.alice, receiver.url, ["personalChatSent"])
    visitor, chat_id = chat_with_alice(horn, world)
    ok(text(horn, visitor, chat_id, "Hello?"))
    got = receiver.wait(4)
    assert len({g.headers["X-Horn-Delivery"] for g in got}) == 1  # one delivery, four attempts
    assert len({g.raw for g in got}) == 1  # the same body every time
    [entry] = wait_until(lambda: [d for d in log(horn, world.alice, hook["id"]) if d["state"] == "delivered"])
    assert entry["attempts"] == 4 and entry["last_status"] == 200


def test_events_committed_while_no_worker_ran_are_delivered_when_one_does(horn, world, receiver, horn_server, settings):
    settings.HORN_WEBHOOK_ALLOW_PRIVATE = True
    hook = subscribe(horn, world.alice, receiver.url, ["*"])
    visitor, chat_id = chat_with_alice(horn, world)
    ok(text(horn, visitor, chat_id, "sent while nothing delivers"))
    assert receiver.got == [] and not WebhookDelivery.objects.exists()
    settings.HORN_WEBHOOKS = True
    settings.HORN_EVENT_STREAM_PERIOD_MS = 20
    try:
        horn_server.stop()
        horn_server.start()
        got = receiver.wait(3)
        # Sent concurrently, so they may arrive in any order (docs/webhooks.md).
        assert sorted(g.body["event"] for g in got) == ["join_chat", "personalChatSent", "request_chat"]
    finally:
        settings.HORN_WEBHOOKS = False
        horn_server.stop()
        horn_server.start()
    assert len(log(horn, world.alice, hook["id"])) == 3


def test_a_receiver_failing_for_good_is_switched_off_and_the_admins_told(horn, world, hooks_on, smtp):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="alice").update(email="alice@acme.test")
    hooks_on.HORN_WEBHOOK_DISABLE_AFTER_S = 1
    broken, healthy = Receiver(default=500).start(), Receiver().start()
    try:
        bad = subscribe(horn, world.alice, broken.url, ["personalChatSent"])
        good = subscribe(horn, world.alice, healthy.url, ["personalChatSent"])
        visitor, chat_id = chat_with_alice(horn, world)
        for i in range(3):
            ok(text(horn, visitor, chat_id, f"message {i}"))
        wait_until(lambda: not Webhook.objects.get(pk=bad["id"]).active)
        off = ok(horn.get(f"/api/webhooks/{bad['id']}", headers=world.alice.auth))["webhook"]
        assert off["active"] is False and "answered 500" in off["disabled_reason"]
        [mail] = smtp.wait(1)
        assert mail["To"] == "alice@acme.test" and broken.url in mail["Subject"]
        # Nothing else was harmed: the other receiver got everything, once.
        assert sorted(g.body["data"]["payload"] for g in healthy.wait(3)) == [f"message {i}" for i in range(3)]
        assert Webhook.objects.get(pk=good["id"]).active
        tried = len(broken.got)
        time.sleep(0.5)
        assert len(broken.got) == tried  # off means off
        assert len(healthy.got) == 3
        # Switched on again by an admin: what comes next is delivered.
        broken.default = 200
        on = ok(horn.patch(f"/api/webhooks/{bad['id']}", json={"active": True}, headers=world.alice.auth))["webhook"]
        assert on["active"] is True and on["consecutive_failures"] == 0
        ok(text(horn, visitor, chat_id, "after the fix"))
        wait_until(lambda: any(g.body["data"].get("payload") == "after the fix" for g in broken.got))
    finally:
        broken.stop()
        healthy.stop()


def test_an_admin_replays_a_delivery_with_the_same_id(horn, world, receiver, hooks_on):
    hook = subscribe(horn, world.alice, receiver.url, ["personalChatSent"])
    visitor, chat_id = chat_with_alice(horn, world)
    ok(text(horn, visitor, chat_id, "once more please"))
    [first] = receiver.wait(1)
    [entry] = wait_until(lambda: [d for d in log(horn, world.alice, hook["id"]) if d["state"] == "delivered"])
    again = ok(horn.post(f"/api/webhooks/{hook['id']}/deliveries/{entry['id']}/replay", headers=world.alice.auth))
    assert again["delivery"]["state"] == "pending"
    second = receiver.wait(2)[1]
    assert second.headers["X-Horn-Delivery"] == first.headers["X-Horn-Delivery"] and second.raw == first.raw


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "http://user:secret@example.com/hook",
        "not a url",
    ],
)
def test_urls_horn_must_not_call_are_refused(horn, world, url):
    error(horn.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=world.alice.auth), 400, 7080, "url")
    assert not Webhook.objects.exists()


def test_only_the_orgs_admins_reach_its_webhooks(horn, world, settings):
    settings.HORN_WEBHOOK_ALLOW_PRIVATE = True
    hook = subscribe(horn, world.alice, "http://127.0.0.1:9/hook", ["*"])
    for method, path in [
        ("GET", "/api/webhooks"),
        ("POST", "/api/webhooks"),
        ("GET", f"/api/webhooks/{hook['id']}"),
        ("PATCH", f"/api/webhooks/{hook['id']}"),
        ("DELETE", f"/api/webhooks/{hook['id']}"),
        ("GET", f"/api/webhooks/{hook['id']}/deliveries"),
        ("POST", f"/api/webhooks/{hook['id']}/deliveries/x/replay"),
    ]:
        error(horn.request(method, path, json={}, headers=world.bob.auth), 403, 2004)  # an agent
        if "{" not in path and hook["id"] and path != "/api/webhooks":
            error(horn.request(method, path, json={"active": True}, headers=world.charlie.auth), 404, 3001)
    assert ok(horn.get("/api/webhooks", headers=world.charlie.auth))["data"] == []  # Globex sees none of Acme's
    assert Webhook.objects.get().active and Webhook.objects.count() == 1


def test_bad_input_is_refused_and_changes_nothing(horn, world, settings):
    settings.HORN_WEBHOOK_ALLOW_PRIVATE = True
    base = "/api/webhooks"
    post = lambda body: horn.post(base, json=body, headers=world.alice.auth)  # noqa: E731
    error(post({"url": "http://127.0.0.1:9/", "events": ["no_such_event"]}), 400, 1004, "events")
    error(post({"url": "http://127.0.0.1:9/", "events": []}), 400, 1004, "events")
    error(post({"url": "http://127.0.0.1:9/", "events": "personalChatSent"}), 400, 1004, "events")
    error(post({"url": "http://127.0.0.1:9/"}), 400, 1002, "events")
    error(post({"url": "http://127.0.0.1:9/", "events": ["*"], "secret": "mine"}), 400, 1003, "secret")
    assert not Webhook.objects.exists()
    hook = subscribe(horn, world.alice, "http://127.0.0.1:9/hook", ["*"])
    one = f"{base}/{hook['id']}"
    error(horn.patch(one, json={}, headers=world.alice.auth), 400, 1002)
    error(horn.patch(one, json={"url": "gopher://x"}, headers=world.alice.auth), 400, 7080, "url")
    error(horn.get(f"{one}/deliveries?limit=0", headers=world.alice.auth), 400, 1004, "limit")
    error(horn.get(f"{one}/deliveries?state=lost", headers=world.alice.auth), 400, 1004, "state")
    error(horn.get(f"{base}/99999999999999999999", headers=world.alice.auth), 404, 3001)
    error(horn.post(f"{one}/deliveries/{'x' * 40}/replay", headers=world.alice.auth), 404, 3001)
    assert Webhook.objects.get().url == "http://127.0.0.1:9/hook"
