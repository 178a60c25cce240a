"""Staff auth (session + CSRF, API token) and GET /api/staff/info."""

from contextlib import contextmanager

import httpx
import pytest

from tests.helpers import error, join, ok, request_chat, snapshot, track


@contextmanager
def login(server: str, staff):
    """Log in through the real login form; the client keeps the session cookie."""
    with httpx.Client(base_url=server, timeout=20) as client:
        client.get("/login/")
        r = client.post(
            "/login/",
            data={
                "username": staff.username,
                "password": staff.password,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
                "next": "/",
            },
        )
        assert r.status_code == 302 and r.headers["location"] == "/", r.text
        yield client


def test_staff_info_by_token(horn, world):
    data = ok(horn.get("/api/staff/info", headers=world.alice.auth))
    assert (data["cid"], data["staff_id"], data["staff"]["name"]) == (world.acme.pk, world.alice.sid, "Alice")
    assert len(data["track_id"]) == 53 and data["track_id"][14:33] == world.alice.sid
    assert data["staff"]["role"] == "admin"
    assert ok(horn.get("/api/staff/info", headers=world.bob.auth))["staff"]["role"] == "agent"


def test_staff_info_by_session(server, world):
    with login(server, world.bob) as client:
        data = ok(client.get("/api/staff/info"))
        assert data["staff_id"] == world.bob.sid
        assert "Bob" in client.get("/").text


def test_session_writes_need_csrf(server, world, horn):
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    with login(server, world.alice) as client:
        before = snapshot()
        error(client.post("/api/message", json={"type": "join_chat", "chat": {"id": chat_id}}), 403, 2005)
        assert snapshot() == before
        headers = {"X-CSRFToken": client.cookies["csrftoken"]}
        ok(client.post("/api/message", json={"type": "join_chat", "chat": {"id": chat_id}}, headers=headers))


def test_session_calls_from_a_foreign_origin_are_refused(server, world):
    with login(server, world.alice) as client:
        error(client.get("/api/staff/info", headers={"Origin": "https://evil.test"}), 403, 2003)


def test_a_wrong_password_gives_no_session(server, world):
    with httpx.Client(base_url=server, timeout=20) as client:
        client.get("/login/")
        r = client.post(
            "/login/",
            data={"username": "alice", "password": "wrong", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        )
        assert r.status_code == 200 and "Wrong username or password" in r.text
        error(client.get("/api/staff/info"), 401, 2001)


def test_staff_info_is_for_staff_only(horn, world):
    visitor = track(horn, world.acme.pk)
    error(horn.get("/api/staff/info", headers=visitor.auth), 403, 2004)
    error(horn.get("/api/staff/info"), 401, 2001)
    error(horn.get("/api/staff/info", headers={"Authorization": "Token nope"}), 401, 2002)
    error(horn.post("/api/staff/info", headers=world.alice.auth), 405, 1008)


def test_a_deactivated_staff_token_stops_working(horn, world):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="alice").update(is_active=False)
    error(horn.get("/api/staff/info", headers=world.alice.auth), 401, 2002)


@pytest.mark.parametrize("path", ["/api/staff/info", "/api/state/init", "/api/users/online", "/api/staff/online"])
def test_each_staff_endpoint_serves_only_the_callers_org(horn, world, path):
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    join(horn, world.alice, chat_id)
    body = horn.get(path, headers=world.charlie.auth).text
    assert chat_id not in body and world.alice.sid not in body
