"""GET/PATCH /api/org/settings and POST /api/org/settings/secret: admins only, own org only, strict input."""

import pytest
from django.conf import settings

from apps.accounts.models import Organisation
from tests.accounts.test_staff import login
from tests.conftest import ORIGIN_A
from tests.helpers import error, ok

SETTINGS = "/api/org/settings"
SECRET = "/api/org/settings/secret"


def stored(org) -> dict:
    """Every setting column of the org as the database has it now."""
    return Organisation.objects.filter(pk=org.pk).values().get()


def test_it_gives_an_admin_their_orgs_settings_and_the_servers_defaults(horn, world):
    body = ok(horn.get(SETTINGS, headers=world.alice.auth))
    assert body["settings"]["allowed_origins"] == [ORIGIN_A]
    assert body["settings"]["widget"]["colour"] == "#1f4e8c"
    assert body["settings"]["timezone"] == "UTC"
    assert body["server"]["max_file_size"] == settings.HORN_MAX_FILE_SIZE
    assert "secret" not in body["settings"]


def test_every_admin_endpoint_refuses_an_agent(horn, world):
    before = stored(world.acme)
    error(horn.get(SETTINGS, headers=world.bob.auth), 403, 2004)
    error(horn.patch(SETTINGS, json={"auto_assign": True}, headers=world.bob.auth), 403, 2004)
    error(horn.post(SECRET, headers=world.bob.auth), 403, 2004)
    error(horn.get(SETTINGS), 401, 2001)
    assert stored(world.acme) == before


def test_a_bot_is_refused_too(horn, world, bot):
    error(horn.patch(SETTINGS, json={"auto_assign": True}, headers=bot.auth), 403, 2004)


def test_an_admin_changes_only_the_fields_sent(horn, world):
    before = stored(world.acme)
    body = ok(
        horn.patch(SETTINGS, json={"widget": {"colour": "#aa0033"}, "auto_assign": True}, headers=world.alice.auth)
    )
    assert body["settings"]["widget"]["colour"] == "#aa0033" and body["settings"]["auto_assign"] is True
    after = stored(world.acme)
    assert after["widget"] == {"colour": "#aa0033"} and after["auto_assign"] is True
    unchanged = {k: v for k, v in after.items() if k not in ("widget", "auto_assign")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("widget", "auto_assign")}
    # widget keys merge: a second change keeps the first
    ok(horn.patch(SETTINGS, json={"widget": {"position": "left"}}, headers=world.alice.auth))
    assert stored(world.acme)["widget"] == {"colour": "#aa0033", "position": "left"}


def test_the_change_is_served_at_once_not_after_the_cache_ttl(horn, world):
    def colour():
        r = horn.get("/api/widget/config", params={"cid": world.acme.pk}, headers={"Origin": ORIGIN_A})
        return ok(r)["widget"]["colour"]

    assert colour() == "#1f4e8c"  # now cached in the server's process
    ok(horn.patch(SETTINGS, json={"widget": {"colour": "#00aa55"}}, headers=world.alice.auth))
    assert colour() == "#00aa55"


def test_an_admin_changes_their_own_org_only(horn, world):
    globex = stored(world.globex)
    ok(horn.patch(SETTINGS, json={"timezone": "Europe/Stockholm"}, headers=world.alice.auth))
    assert stored(world.globex) == globex
    assert ok(horn.get(SETTINGS, headers=world.charlie.auth))["settings"]["timezone"] == "UTC"
    # naming the other org is "not found", as for any other org's data
    acme = stored(world.acme)
    error(horn.patch(SETTINGS, params={"cid": world.globex.pk}, json={"auto_assign": True}, headers=world.alice.auth),
          404, 3001, "cid")  # fmt: skip
    error(horn.get(SETTINGS, params={"cid": world.globex.pk}, headers=world.alice.auth), 404, 3001, "cid")
    error(horn.post(SECRET, params={"cid": world.globex.pk}, headers=world.alice.auth), 404, 3001, "cid")
    assert stored(world.acme) == acme and stored(world.globex) == globex


BAD = [
    ({"colour": "red"}, "widget", 1004),
    ({"widget": {"colour": "red"}}, "widget", 1004),
    ({"widget": {"colour": "#12345"}}, "widget", 1004),
    ({"widget": {"font": "Comic Sans"}}, "widget", 1004),
    ({"widget": {"pre_chat": {"phone": "required"}}}, "widget", 1004),
    ({"widget": "blue"}, "widget", 1004),
    ({"timezone": "Mars/Olympus"}, "timezone", 1004),
    ({"timezone": 1}, "timezone", 1004),
    ({"max_file_size": settings.HORN_MAX_FILE_SIZE + 1}, "max_file_size", 1004),
    ({"max_file_size": 0}, "max_file_size", 1004),
    ({"max_file_size": "1000"}, "max_file_size", 1004),
    ({"allowed_origins": ["shop.example"]}, "allowed_origins", 1004),
    ({"allowed_origins": ["https://shop.example/path"]}, "allowed_origins", 1004),
    ({"allowed_origins": ["javascript:alert(1)"]}, "allowed_origins", 1004),
    ({"allowed_origins": ["https://shop.example:port"]}, "allowed_origins", 1004),
    ({"allowed_origins": "https://shop.example"}, "allowed_origins", 1004),
    ({"business_hours": {"mon": ["09:00", "17:00"]}}, "business_hours", 1004),
    ({"business_hours": {"monday": [["09:00", "17:00"]]}}, "business_hours", 1004),
    ({"business_hours": {"mon": [["25:00", "17:00"]]}}, "business_hours", 1004),
    ({"business_hours": [["09:00", "17:00"]]}, "business_hours", 1004),
    ({"presence_grace": 1}, "presence_grace", 1004),
    ({"presence_grace": 100_000}, "presence_grace", 1004),
    ({"offline_chats": "delete"}, "offline_chats", 1004),
    ({"rate_limits": {"message": "lots"}}, "rate_limits", 1004),
    ({"rate_limits": {"message": "0/minute"}}, "rate_limits", 1004),
    ({"rate_limits": {"ip": "10/minute"}}, "rate_limits", 1004),
    ({"accepted_file_types": ["pdf"]}, "accepted_file_types", 1004),
    ({"offline_email": "not an address"}, "offline_email", 1004),
    ({"auto_assign": "yes"}, "auto_assign", 1004),
    ({"require_identity": 1}, "require_identity", 1004),
]


@pytest.mark.parametrize("body, field, code", BAD, ids=[str(b)[:60] for b, _, _ in BAD])
def test_bad_input_is_refused_and_changes_nothing(horn, world, body, field, code):
    before = stored(world.acme)
    if "colour" in body:  # a setting that does not exist
        field, code = "colour", 1003
    # a valid change sent along must not be applied either
    error(horn.patch(SETTINGS, json={"auto_assign": True, **body}, headers=world.alice.auth), 400, code, field)
    assert stored(world.acme) == before


def test_a_body_that_is_not_an_object_is_refused(horn, world):
    error(horn.patch(SETTINGS, content=b"[1]", headers=world.alice.auth), 400, 1001)
    error(horn.patch(SETTINGS, content=b"{", headers=world.alice.auth), 400, 1001)


def test_good_values_are_stored_normalised(horn, world):
    body = {
        "allowed_origins": ["https://Shop.Example/", "http://localhost:8080", "https://shop.example"],
        "business_hours": {"mon": [["09:00", "17:00"]], "sat": [["22:00", "02:00"]]},
        "timezone": "Europe/Stockholm",
        "presence_grace": 300,
        "offline_chats": "keep",
        "rate_limits": {"message": "5/minute"},
        "max_file_size": 1000,
        "accepted_file_types": ["image/*", "application/pdf"],
        "offline_email": "support@acme.test",
        "require_identity": True,
    }
    ok(horn.patch(SETTINGS, json=body, headers=world.alice.auth))
    row = stored(world.acme)
    assert row["allowed_origins"] == ["https://shop.example", "http://localhost:8080"]
    assert {k: row[k] for k in body if k != "allowed_origins"} == {
        k: v for k, v in body.items() if k != "allowed_origins"
    }
    # null puts back the server's value
    ok(horn.patch(SETTINGS, json={"presence_grace": None, "max_file_size": None}, headers=world.alice.auth))
    assert (stored(world.acme)["presence_grace"], stored(world.acme)["max_file_size"]) == (None, None)


def test_a_rotated_secret_is_shown_once_and_the_old_one_stops_matching(horn, world):
    import hashlib
    import hmac

    old = stored(world.acme)["secret"]
    secret = ok(horn.post(SECRET, headers=world.alice.auth))["secret"]
    assert secret != old and stored(world.acme)["secret"] == secret
    assert secret not in horn.get(SETTINGS, headers=world.alice.auth).text

    def claim(key: str) -> int:
        digest = hmac.new(key.encode(), b"cust-1", hashlib.sha256).hexdigest()
        body = {
            "cid": world.acme.pk,
            "url": "https://shop.acme.test/",
            "fp": "fp",
            "customer": {"id": "cust-1", "hash": digest},
        }
        return horn.post("/api/user/track", json=body, headers={"Origin": ORIGIN_A}).status_code

    assert claim(old) == 403
    assert claim(secret) == 200


def test_session_writes_need_the_csrf_token(server, world):
    with login(server, world.alice) as client:
        error(client.patch(SETTINGS, json={"auto_assign": True}), 403, 2005)
        ok(client.patch(SETTINGS, json={"auto_assign": True}, headers={"X-CSRFToken": client.cookies["csrftoken"]}))
    assert stored(world.acme)["auto_assign"] is True


def test_the_settings_page_is_for_admins(server, world):
    with login(server, world.bob) as client:
        r = client.get("/org/settings/")
        assert r.status_code == 403 and "Admins only" in r.text
        assert client.get("/org/settings/preview/").status_code == 403
    with login(server, world.alice) as client:
        r = client.get("/org/settings/")
        assert r.status_code == 200 and "Widget" in r.text
        preview = client.get("/org/settings/preview/")
        assert preview.status_code == 200 and "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
