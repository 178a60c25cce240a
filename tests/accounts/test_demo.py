"""python manage.py horn_demo --json: idempotent demo org whose credentials work."""

import json

from django.core.management import call_command

from tests.helpers import ok


def demo(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("horn_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_creates_a_demo_org_once(horn):
    first = demo()
    again = demo()
    assert first == again
    assert set(first) == {"oid", "origin", "snippet", "staff", "identity_secret"} and len(first["staff"]) == 2
    assert f'data-horn-cid="{first["oid"]}"' in first["snippet"]
    for member in first["staff"]:
        assert set(member) >= {"sid", "username", "password", "token"}
        assert (
            ok(horn.get("/api/staff/info", headers={"Authorization": f"Token {member['token']}"}))["cid"]
            == first["oid"]
        )
    r = horn.post(
        "/api/user/track", json={"cid": first["oid"], "url": "https://x.test/"}, headers={"Origin": first["origin"]}
    )
    ok(r)


def test_named_orgs_are_separate(horn):
    acme, demo_org = demo("--org", "Acme"), demo()
    assert acme["oid"] != demo_org["oid"]
    assert {s["username"] for s in acme["staff"]}.isdisjoint({s["username"] for s in demo_org["staff"]})


def test_demo_passwords_log_in(horn, server):
    from tests.accounts.test_staff import login
    from tests.conftest import StaffUser

    member = demo()["staff"][0]
    user = StaffUser(member["sid"], member["username"], member["password"], member["token"], 0)
    with login(server, user) as client:
        assert ok(client.get("/api/staff/info"))["staff_id"] == member["sid"]


def test_the_demo_org_has_shared_canned_responses_once(horn):
    first = demo()
    demo()
    token = {"Authorization": f"Token {first['staff'][0]['token']}"}
    rows = ok(horn.get("/api/canned", headers=token))["data"]
    assert [(c["shortcut"], c["shared"]) for c in rows] == [("bye", True), ("hello", True), ("thanks", True)]


def test_alice_is_the_demo_admin_and_bob_an_agent(horn):
    assert [(s["username"], s["role"]) for s in demo()["staff"]] == [("alice", "admin"), ("bob", "agent")]
