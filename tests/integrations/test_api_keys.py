"""API keys: made by an org's admins (or `horn_key`), shown once, kept hashed, revocable at once."""

from __future__ import annotations

import hashlib
import io
import json

from django.core.management import call_command
from websockets.sync.client import connect

from apps.accounts.models import Bot
from tests.helpers import error, ok
from tests.integrations.test_bot_protocol import bot_url, closed, hello


def test_an_admin_makes_a_key_that_is_shown_once_and_stored_hashed(horn, world, server):
    made = ok(horn.post("/api/keys", json={"name": "CRM sync"}, headers=world.alice.auth))["key"]
    key = made["key"]
    assert key.startswith("horn_") and len(key) == 45 and made["prefix"] == key[:12]
    listed = ok(horn.get("/api/keys", headers=world.alice.auth))["data"]
    assert [(k["id"], k["name"], k["active"], k["last_used_at"]) for k in listed] == [
        (made["id"], "CRM sync", True, None)
    ]
    assert "key" not in listed[0]  # never again
    row = Bot.objects.get(pk=made["id"])
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(Bot.objects.values()), default=str)  # nowhere in clear
    # It works, as Bearer and as ?apiKey=, and its last use is shown.
    assert ok(horn.get("/api/state/init", headers={"Authorization": f"Bearer {key}"}))["uid"] == made["id"]
    ws, welcome = hello(server, key)
    ws.close()
    assert welcome["bot"]["id"] == made["id"]
    used = ok(horn.get("/api/keys", headers=world.alice.auth))["data"][0]["last_used_at"]
    assert used is not None


def test_a_revoked_key_stops_at_once_and_its_sockets_close(horn, world, server):
    made = ok(horn.post("/api/keys", json={"name": "Old bot"}, headers=world.alice.auth))["key"]
    bearer = {"Authorization": f"Bearer {made['key']}"}
    ok(horn.get("/api/state/init", headers=bearer))  # cached by the server for a few seconds
    ws, _ = hello(server, made["key"])
    revoked = ok(horn.delete(f"/api/keys/{made['id']}", headers=world.alice.auth))["key"]
    assert revoked["active"] is False
    code, got = closed(ws)
    assert code == 4401 and "revoked" in got[-1]["msg"]
    error(horn.get("/api/state/init", headers=bearer), 401, 2002)  # at once, not after the cache's seconds
    assert closed(connect(bot_url(server, made["key"]), open_timeout=10))[0] == 4401


def test_keys_from_before_hashing_keep_working(horn, world):
    old = "0123456789abcdef0123456789abcdef01234567"  # 40 hex characters: how keys looked before
    bot = Bot.objects.create(org=world.acme, name="Legacy", key_hash=hashlib.sha256(old.encode()).hexdigest())
    assert ok(horn.get("/api/state/init", headers={"Authorization": f"Bearer {old}"}))["uid"] == bot.bid


def test_only_the_orgs_admins_manage_its_keys(horn, world):
    made = ok(horn.post("/api/keys", json={"name": "Ours"}, headers=world.alice.auth))["key"]
    error(horn.get("/api/keys", headers=world.bob.auth), 403, 2004)  # an agent
    error(horn.post("/api/keys", json={"name": "x"}, headers=world.bob.auth), 403, 2004)
    error(horn.delete(f"/api/keys/{made['id']}", headers=world.bob.auth), 403, 2004)
    error(horn.get("/api/keys", headers={"Authorization": f"Bearer {made['key']}"}), 403, 2004)  # a key itself
    error(horn.delete(f"/api/keys/{made['id']}", headers=world.charlie.auth), 404, 3001)  # another org's admin
    assert ok(horn.get("/api/keys", headers=world.charlie.auth))["data"] == []
    error(horn.post("/api/keys", json={"name": "  "}, headers=world.alice.auth), 400, 1004, "name")
    error(horn.post("/api/keys", json={}, headers=world.alice.auth), 400, 1002, "name")
    error(horn.post("/api/keys", json={"name": "x", "key": "mine"}, headers=world.alice.auth), 400, 1003, "key")
    error(horn.delete(f"/api/keys/{'x' * 50}", headers=world.alice.auth), 404, 3001)
    assert Bot.objects.filter(is_active=True).count() == 1


def test_horn_key_creates_lists_and_revokes(horn, world):
    def run(*args) -> object:
        out = io.StringIO()
        call_command("horn_key", *args, "--json", stdout=out)
        return json.loads(out.getvalue())

    made = run("create", "--org", "Acme", "--name", "Nightly export")
    assert ok(horn.get("/api/state/init", headers={"Authorization": f"Bearer {made['key']}"}))["uid"] == made["id"]
    assert [k["name"] for k in run("list", "--org", str(world.acme.pk))] == ["Nightly export"]
    assert run("revoke", "--org", "Acme", "--id", made["id"])["active"] is False
    assert run("list", "--org", "Globex") == []
