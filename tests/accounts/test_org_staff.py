"""The org admin's staff API (/api/org/staff) and page (/org/staff/): role checks, other orgs, bad input, changes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from apps.accounts.models import SetPasswordLink, Staff
from tests.accounts.test_staff import login
from tests.helpers import error, ok, track

LINK = re.compile(r"https?://\S+/set-password/([A-Za-z0-9_-]+)/")


def team_state() -> tuple:
    """Every staff row, user and link: a refused request leaves all of it as it was."""
    return (
        tuple(Staff.objects.order_by("sid").values_list("sid", "org_id", "role", "max_chats", "queues")),
        tuple(get_user_model().objects.order_by("pk").values_list("pk", "username", "email", "is_active", "password")),
        tuple(SetPasswordLink.objects.order_by("pk").values_list("pk", "used_at")),
    )


def invite(horn, admin, **body):
    return horn.post("/api/org/staff", json={"email": "dana@acme.test", **body}, headers=admin.auth)


def admin_calls(world):
    """One call of every admin endpoint, aimed at Acme's staff."""
    return [
        ("GET", "/api/org/staff", None),
        ("POST", "/api/org/staff", {"email": "eve@acme.test"}),
        ("PATCH", f"/api/org/staff/{world.bob.sid}", {"max_chats": 9}),
        ("PATCH", f"/api/org/staff/{world.alice.sid}", {"role": "agent"}),
        ("POST", f"/api/org/staff/{world.bob.sid}/invite", None),
    ]


def test_it_lists_the_team_with_role_account_capacity_and_queues(horn, world):
    ok(horn.get("/api/ping", headers=world.bob.auth))  # Bob is online now
    rows = {r["name"]: r for r in ok(horn.get("/api/org/staff", headers=world.alice.auth))["data"]}
    assert set(rows) == {"Alice", "Bob"}  # not Globex's Charlie
    bob = rows["Bob"]
    assert (bob["role"], bob["account"], bob["max_chats"], bob["queues"], bob["online"]) == (
        "agent",
        "active",
        5,
        [],
        True,
    )
    assert bob["last_seen"] and rows["Alice"]["role"] == "admin"


def test_an_agent_gets_403_on_every_admin_endpoint(horn, world):
    before = team_state()
    for method, path, body in admin_calls(world):
        error(horn.request(method, path, json=body, headers=world.bob.auth), 403, 2004)
    assert team_state() == before


def test_bots_visitors_and_strangers_are_refused_too(horn, world, bot):
    visitor = track(horn, world.acme.pk)
    for method, path, body in admin_calls(world):
        error(horn.request(method, path, json=body, headers=bot.auth), 403, 2004)
        error(horn.request(method, path, json=body, headers=visitor.auth), 403, 2004)
        error(horn.request(method, path, json=body), 401, 2001)


def test_the_staff_page_is_for_admins(server, world):
    with login(server, world.bob) as client:
        page = client.get("/org/staff/")
        assert page.status_code == 403 and "Admins only" in page.text
    with login(server, world.alice) as client:
        page = client.get("/org/staff/")
        assert page.status_code == 200 and 'id="invite"' in page.text
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    with login(server, world.alice) as client:
        client.cookies.clear()
        assert client.get("/org/staff/").headers["location"].startswith("/login/")


def test_an_admin_invites_an_agent_who_gets_a_link_by_mail(horn, world, smtp):
    data = ok(invite(horn, world.alice, name="Dana", queues=["sales", " billing", "sales"], max_chats=3))
    dana = data["staff"]
    assert (dana["name"], dana["email"], dana["role"], dana["account"]) == (
        "Dana",
        "dana@acme.test",
        "agent",
        "invited",
    )
    assert (dana["queues"], dana["max_chats"]) == (["sales", "billing"], 3)
    [mail] = smtp.wait(1)
    assert mail["To"] == "dana@acme.test" and "Acme" in mail["Subject"]
    body = mail.get_content()
    assert "Alice invited you" in body and LINK.search(body)
    # Only a hash of the token is kept.
    token = LINK.search(body).group(1)
    assert not SetPasswordLink.objects.filter(token_hash__contains=token).exists()
    assert Staff.objects.get(sid=dana["sid"]).org_id == world.acme.pk


def test_an_admin_cannot_touch_another_orgs_staff(horn, world, smtp):
    dana = ok(invite(horn, world.alice))["staff"]
    before = team_state()
    # Charlie (Globex's admin) aims at Acme: same 404 as for nobody.
    error(invite(horn, world.charlie, email="x@globex.test", cid=world.acme.pk), 404, 3001, "cid")
    error(horn.post(f"/api/org/staff?cid={world.acme.pk}", json={"email": "x@globex.test"}, headers=world.charlie.auth),
          404, 3001, "cid")  # fmt: skip
    for sid in (world.bob.sid, world.alice.sid):
        error(horn.patch(f"/api/org/staff/{sid}", json={"role": "admin"}, headers=world.charlie.auth), 404, 3001, "sid")
        error(horn.patch(f"/api/org/staff/{sid}", json={"active": False}, headers=world.charlie.auth), 404, 3001)
    error(horn.post(f"/api/org/staff/{dana['sid']}/invite", headers=world.charlie.auth), 404, 3001)
    listed = ok(horn.get("/api/org/staff", headers=world.charlie.auth))["data"]
    assert [r["name"] for r in listed] == ["Charlie"]
    assert team_state() == before and len(smtp.messages) == 1


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"email": "not-an-address"}, 400, 1004, "email"),
        ({"email": "a@b"}, 400, 1004, "email"),
        ({"email": 42}, 400, 1004, "email"),
        ({"role": "owner"}, 400, 1004, "role"),
        ({"max_chats": 0}, 400, 1004, "max_chats"),
        ({"max_chats": 1000}, 400, 1004, "max_chats"),
        ({"max_chats": "3"}, 400, 1004, "max_chats"),
        ({"queues": "sales"}, 400, 1004, "queues"),
        ({"queues": ["x" * 65]}, 400, 1005, "queues.0"),
        ({"queues": [f"q{i}" for i in range(21)]}, 400, 1005, "queues"),
        ({"password": "hunter22"}, 400, 1003, "password"),
        ({"email": "bob@acme.test", "cid": "acme"}, 400, 1004, "cid"),
    ],
)
def test_a_bad_invitation_is_refused_and_changes_nothing(horn, world, smtp, body, status, code, field):
    before = team_state()
    error(invite(horn, world.alice, **body), status, code, field)
    assert team_state() == before and smtp.messages == []


def test_an_address_is_one_account(horn, world, smtp):
    ok(invite(horn, world.alice))
    before = team_state()
    error(invite(horn, world.alice, email="DANA@acme.test"), 409, 7001, "email")
    error(invite(horn, world.charlie), 409, 7001, "email")  # in another org too: the address is the username
    assert team_state() == before and len(smtp.messages) == 1


def test_nothing_is_kept_when_the_mail_cannot_be_sent(horn, world, settings):
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens there
    before = team_state()
    body = error(invite(horn, world.alice), 503, 5003)
    assert "e-mail could not be sent" in body["msg"]
    assert team_state() == before


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({}, 1002, "role"),
        ({"role": "boss"}, 1004, "role"),
        ({"max_chats": 0}, 1004, "max_chats"),
        ({"max_chats": 1000}, 1004, "max_chats"),
        ({"active": "no"}, 1004, "active"),
        ({"queues": [1]}, 1004, "queues.0"),
        ({"name": "Robert"}, 1003, "name"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(horn, world, body, code, field):
    before = team_state()
    error(horn.patch(f"/api/org/staff/{world.bob.sid}", json=body, headers=world.alice.auth), 400, code, field)
    assert team_state() == before


def test_unknown_and_malformed_sids_are_404(horn, world):
    for sid in ("nobody", "0" * 19, "x" * 300):
        error(horn.patch(f"/api/org/staff/{sid}", json={"max_chats": 2}, headers=world.alice.auth), 404, 3001, "sid")


def test_an_admin_changes_role_capacity_and_queues(horn, world):
    path = f"/api/org/staff/{world.bob.sid}"
    bob = ok(horn.patch(path, json={"max_chats": 8, "queues": ["billing"]}, headers=world.alice.auth))["staff"]
    assert (bob["max_chats"], bob["queues"], bob["role"]) == (8, ["billing"], "agent")
    assert Staff.objects.values_list("max_chats", "queues").get(sid=world.bob.sid) == (8, ["billing"])
    ok(horn.patch(path, json={"queues": []}, headers=world.alice.auth))
    assert Staff.objects.get(sid=world.bob.sid).queues == []


def test_a_new_role_counts_from_the_next_call(horn, world):
    error(horn.get("/api/org/staff", headers=world.bob.auth), 403, 2004)  # Bob's token is now cached as an agent
    ok(horn.patch(f"/api/org/staff/{world.bob.sid}", json={"role": "admin"}, headers=world.alice.auth))
    ok(horn.get("/api/org/staff", headers=world.bob.auth))
    assert ok(horn.get("/api/staff/info", headers=world.bob.auth))["staff"]["role"] == "admin"
    # ... and back: Bob demotes Alice, whose cached admin token stops working for admin calls at once.
    ok(horn.patch(f"/api/org/staff/{world.alice.sid}", json={"role": "agent"}, headers=world.bob.auth))
    error(horn.get("/api/org/staff", headers=world.alice.auth), 403, 2004)


def test_the_last_admin_cannot_demote_or_deactivate_themself(horn, world, smtp):
    path = f"/api/org/staff/{world.alice.sid}"
    before = team_state()
    body = error(horn.patch(path, json={"role": "agent"}, headers=world.alice.auth), 409, 7002, "sid")
    assert "last admin" in body["msg"]
    error(horn.patch(path, json={"active": False}, headers=world.alice.auth), 409, 7002)
    assert team_state() == before
    # An invited admin who has not chosen a password yet does not count: they may never log in.
    ok(invite(horn, world.alice, role="admin"))
    error(horn.patch(path, json={"role": "agent"}, headers=world.alice.auth), 409, 7002)
    # With a second admin, she may step down.
    ok(horn.patch(f"/api/org/staff/{world.bob.sid}", json={"role": "admin"}, headers=world.alice.auth))
    assert ok(horn.patch(path, json={"role": "agent"}, headers=world.alice.auth))["staff"]["role"] == "agent"


def test_deactivating_ends_access_and_reactivating_restores_it(horn, world):
    path = f"/api/org/staff/{world.bob.sid}"
    ok(horn.get("/api/staff/info", headers=world.bob.auth))
    assert ok(horn.patch(path, json={"active": False}, headers=world.alice.auth))["staff"]["account"] == "deactivated"
    error(horn.get("/api/staff/info", headers=world.bob.auth), 401, 2002)
    assert ok(horn.patch(path, json={"active": True}, headers=world.alice.auth))["staff"]["account"] == "active"
    ok(horn.get("/api/staff/info", headers=world.bob.auth))


def test_an_invitation_can_be_sent_again_until_a_password_is_set(horn, world, smtp):
    dana = ok(invite(horn, world.alice))["staff"]
    ok(horn.post(f"/api/org/staff/{dana['sid']}/invite", headers=world.alice.auth))
    first, second = (LINK.search(m.get_content()).group(1) for m in smtp.wait(2))
    assert first != second
    error(horn.post(f"/api/org/staff/{world.bob.sid}/invite", headers=world.alice.auth), 400, 1004, "sid")
    ok(horn.patch(f"/api/org/staff/{dana['sid']}", json={"active": False}, headers=world.alice.auth))
    body = error(horn.post(f"/api/org/staff/{dana['sid']}/invite", headers=world.alice.auth), 400, 1004, "sid")
    assert "reactivate" in body["msg"] and len(smtp.messages) == 2
