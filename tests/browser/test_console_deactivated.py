"""Alice's account is deactivated while her console is open: the console goes to the login form at once."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect


def test_a_deactivated_staff_members_console_is_logged_out_at_once(horn, world, console):
    alice = console(world.alice)
    bob = console(world.bob)
    user = get_user_model().objects.get(username="alice")
    user.is_active = False
    user.save()
    # The socket closes with 4401 (apps.guard.staffkick): no waiting for a heartbeat or the next call.
    expect(alice).to_have_url(re.compile(r"/login/"), timeout=3_000)
    expect(bob.get_by_role("status", name="Connection")).to_have_text("Live")
