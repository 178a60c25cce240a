"""A staff member deactivated (or deleted) is out at once: open sockets close with 4401, the token gets 401.

apps.guard.staffkick: a broadcast after the commit, acted on by every process's hub.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tests.helpers import error, ok
from tests.realtime.wsclient import closed_with, frames, open_ws


def test_a_deactivated_staff_members_socket_closes_and_their_token_stops_at_once(horn, world, server):
    ok(horn.get("/api/staff/info", headers=world.alice.auth))  # her token is now in the server's cache
    with open_ws(server, world.alice) as alice_ws, open_ws(server, world.bob) as bob_ws:
        frames(alice_ws, quiet=0.3)
        frames(bob_ws, quiet=0.3)
        user = get_user_model().objects.get(username="alice")
        user.is_active = False
        user.save()  # as the admin does
        code, got = closed_with(alice_ws)
        assert code == 4401
        assert got[-1]["code"] == 2002 and "deactivated" in got[-1]["msg"]
        # Well within the token cache's 5 s: the cached token was forgotten, not left to lapse.
        error(horn.get("/api/staff/info", headers=world.alice.auth), 401, 2002)
        # Bob, in the same org, is untouched.
        frames(bob_ws, quiet=0.3)
        assert bob_ws.close_code is None
    ok(horn.get("/api/staff/info", headers=world.bob.auth))


def test_saving_an_active_user_kicks_nobody(horn, world, server):
    with open_ws(server, world.alice) as alice_ws:
        frames(alice_ws, quiet=0.3)
        user = get_user_model().objects.get(username="alice")
        user.first_name = "Alice"
        user.save()
        frames(alice_ws, quiet=0.5)
        assert alice_ws.close_code is None
    ok(horn.get("/api/staff/info", headers=world.alice.auth))


def test_a_deleted_staff_members_socket_closes(horn, world, server):
    with open_ws(server, world.alice) as alice_ws:
        frames(alice_ws, quiet=0.3)
        get_user_model().objects.get(username="alice").delete()
        code, got = closed_with(alice_ws)
        assert code == 4401 and got[-1]["code"] == 2002
    error(horn.get("/api/staff/info", headers=world.alice.auth), 401, 2002)
