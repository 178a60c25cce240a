"""Canned responses over HTTP: shared and personal, validation, and nothing across organisations."""

from __future__ import annotations

import pytest

from apps.console.models import CannedResponse
from tests.accounts.test_staff import login
from tests.helpers import error, ok


def add(horn, staff, shortcut: str, text: str, shared: bool = False) -> dict:
    body = {"shortcut": shortcut, "text": text, "shared": shared}
    return ok(horn.post("/api/canned", json=body, headers=staff.auth))["canned"]


def listed(horn, staff) -> list[tuple[str, bool]]:
    return [(c["shortcut"], c["shared"]) for c in ok(horn.get("/api/canned", headers=staff.auth))["data"]]


def test_shared_responses_reach_the_whole_org_and_personal_ones_only_their_owner(horn, world):
    add(horn, world.alice, "hi", "Hello! How can I help?", shared=True)
    add(horn, world.alice, "hi", "Hi, Alice here.")
    add(horn, world.bob, "bye", "Bye from Bob")
    # Personal first: a personal /hi is what the picker offers before the org's /hi.
    assert listed(horn, world.alice) == [("hi", False), ("hi", True)]
    assert listed(horn, world.bob) == [("bye", False), ("hi", True)]
    assert listed(horn, world.charlie) == []


def test_staff_change_and_delete_their_own_and_shared_ones(horn, world):
    shared = add(horn, world.alice, "price", "See /pricing", shared=True)
    mine = add(horn, world.bob, "sig", "— Bob")
    changed = ok(horn.patch(f"/api/canned/{shared['id']}", json={"text": "See our prices"}, headers=world.bob.auth))
    assert changed["canned"] == {**shared, "text": "See our prices", "updated_at": changed["canned"]["updated_at"]}
    ok(horn.patch(f"/api/canned/{mine['id']}", json={"shortcut": "sign"}, headers=world.bob.auth))
    assert listed(horn, world.bob) == [("sign", False), ("price", True)]
    assert ok(horn.delete(f"/api/canned/{mine['id']}", headers=world.bob.auth))["deleted"] == mine["id"]
    ok(horn.delete(f"/api/canned/{shared['id']}", headers=world.alice.auth))
    assert CannedResponse.objects.count() == 0


def test_a_colleagues_personal_response_is_not_found(horn, world):
    mine = add(horn, world.bob, "sig", "— Bob")
    error(horn.patch(f"/api/canned/{mine['id']}", json={"text": "x"}, headers=world.alice.auth), 404, 3001, "id")
    error(horn.delete(f"/api/canned/{mine['id']}", headers=world.alice.auth), 404, 3001, "id")
    assert CannedResponse.objects.get().text == "— Bob"


def test_another_orgs_response_is_the_same_404_as_a_missing_one(horn, world):
    theirs = add(horn, world.charlie, "hi", "Globex says hi", shared=True)
    for path in (
        f"/api/canned/{theirs['id']}",
        "/api/canned/999999",
        "/api/canned/abc",
        "/api/canned/99999999999999999999",
    ):
        a = error(horn.patch(path, json={"text": "mine now"}, headers=world.alice.auth), 404, 3001, "id")
        b = error(horn.delete(path, headers=world.alice.auth), 404, 3001, "id")
        assert a == b
    error(horn.get("/api/canned", params={"cid": world.globex.pk}, headers=world.alice.auth), 404, 3001, "cid")
    assert listed(horn, world.alice) == []
    assert CannedResponse.objects.get().text == "Globex says hi"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "no shortcut"}, "shortcut"),
        ({"shortcut": "hi"}, "text"),
        ({"shortcut": "Hi There", "text": "x"}, "shortcut"),
        ({"shortcut": "/hi", "text": "x"}, "shortcut"),
        ({"shortcut": "h" * 33, "text": "x"}, "shortcut"),
        ({"shortcut": "hi", "text": ""}, "text"),
        ({"shortcut": "hi", "text": "x" * 10_001}, "text"),
        ({"shortcut": "hi", "text": 12}, "text"),
        ({"shortcut": "hi", "text": "x", "shared": "yes"}, "shared"),
        ({"shortcut": "hi", "text": "x", "owner": "someone"}, "owner"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(horn, world, body, field):
    r = horn.post("/api/canned", json=body, headers=world.alice.auth)
    assert r.status_code == 400 and r.json()["field"] == field, r.text
    assert CannedResponse.objects.count() == 0


def test_a_shortcut_taken_in_its_scope_is_refused(horn, world):
    first = add(horn, world.alice, "hi", "one", shared=True)
    error(
        horn.post("/api/canned", json={"shortcut": "hi", "text": "two", "shared": True}, headers=world.bob.auth),
        400,
        1004,
        "shortcut",
    )
    other = add(horn, world.alice, "yo", "three", shared=True)
    error(
        horn.patch(f"/api/canned/{other['id']}", json={"shortcut": "hi"}, headers=world.alice.auth),
        400,
        1004,
        "shortcut",
    )
    error(horn.patch(f"/api/canned/{first['id']}", json={}, headers=world.alice.auth), 400, 1002, "shortcut")
    assert sorted(CannedResponse.objects.values_list("shortcut", "text")) == [("hi", "one"), ("yo", "three")]


def test_bots_and_visitors_have_no_canned_responses(horn, world, bot, chat):
    visitor, _ = chat
    error(horn.get("/api/canned", headers=bot.auth), 403, 2004)
    error(horn.get("/api/canned", headers=visitor.auth), 403, 2004)
    error(horn.get("/api/canned"), 401, 2001)


def test_the_console_manages_them_with_its_session_and_csrf_token(server, world):
    with login(server, world.alice) as client:
        csrf = {"X-CSRFToken": client.cookies["csrftoken"]}
        error(client.post("/api/canned", json={"shortcut": "hi", "text": "x"}), 403, 2005)  # no CSRF token
        row = ok(client.post("/api/canned", json={"shortcut": "hi", "text": "x"}, headers=csrf))["canned"]
        ok(client.patch(f"/api/canned/{row['id']}", json={"text": "y"}, headers=csrf))
        ok(client.delete(f"/api/canned/{row['id']}", headers=csrf))
