"""Alice (admin) invites Dana on /org/staff/; Dana sets a password from the mail, logs in and answers a chat.

The mail arrives over SMTP (the `smtp` fixture); Dana uses a fresh browser context, as on her own
machine. The visitor is driven through the HTTP API.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.accounts.test_set_password import path_of
from tests.helpers import ok, request_chat, text, track


def test_an_admin_invites_an_agent_who_sets_a_password_and_answers_a_chat(
    horn, world, console, browser, server, smtp, screenshot
):
    for who in ("alice", "bob"):
        get_user_model().objects.filter(username=who).update(email=f"{who}@acme.test")
    ok(horn.get("/api/ping", headers=world.bob.auth))  # Bob is online: "now" in the table
    alice = console(world.alice)
    alice.get_by_role("link", name="Manage").click()
    expect(alice).to_have_url(re.compile(r"/org/staff/$"))
    team = alice.get_by_role("table")
    expect(team.get_by_role("row")).to_have_count(3)  # the header, Alice, Bob

    form = alice.locator("#invite")
    form.get_by_label("E-mail address").fill("dana@acme.test")
    form.get_by_label("Name").fill("Dana")
    form.get_by_label("Capacity").fill("3")
    form.get_by_label("Queues").fill("sales, billing")
    form.get_by_role("button", name="Send invitation").click()
    expect(alice.get_by_role("status").filter(has_text="Invitation sent")).to_have_text(
        "Invitation sent to dana@acme.test."
    )
    dana_row = team.get_by_role("row").filter(has_text="dana@acme.test")
    expect(dana_row).to_contain_text("Invited")
    expect(dana_row.get_by_label("Queues: Dana")).to_have_value("sales, billing")

    # A bad address is refused with the server's reason, and nobody is added.
    form.get_by_label("E-mail address").fill("dana@acme")
    form.get_by_role("button", name="Send invitation").click()
    expect(alice.locator("#invite-result")).to_contain_text("not a valid e-mail address")
    expect(team.get_by_role("row")).to_have_count(4)
    # The last admin cannot step down: the page says why and shows her role as it is.
    team.get_by_role("row").filter(has_text="Alice").get_by_label("Role: Alice").select_option("agent")
    expect(alice.get_by_role("alert")).to_contain_text("last admin")
    expect(team.get_by_label("Role: Alice")).to_have_value("admin")
    screenshot(alice, "org-staff")

    [mail] = smtp.wait(1)
    dana_ctx = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    try:
        dana = dana_ctx.new_page()
        dana.goto(path_of(mail))
        expect(dana.get_by_role("heading")).to_have_text("Welcome to Horn")
        expect(dana.get_by_text("Your username is dana@acme.test.")).to_be_visible()
        dana.get_by_label("New password").fill("dana's secret 42")
        dana.get_by_label("Repeat the password").fill("dana's secret 42")
        screenshot(dana, "set-password")
        dana.get_by_role("button", name="Set password").click()
        expect(dana.get_by_role("status")).to_contain_text("Your password is set")
        dana.get_by_role("link", name="Log in").click()

        dana.get_by_label("Username").fill("dana@acme.test")
        dana.get_by_label("Password").fill("dana's secret 42")
        dana.get_by_role("button", name="Log in").click()
        expect(dana.get_by_role("status", name="Connection")).to_have_text("Live")
        expect(dana.get_by_role("link", name="Manage")).to_have_count(0)  # an agent: no admin pages

        visitor = track(horn, world.acme.pk)
        chat_id = request_chat(horn, visitor, queue="sales")
        label = f"Visitor {visitor.uid[:6]}"
        dana.get_by_role("button", name=f"Accept chat from {label}").click()
        log = dana.get_by_role("log", name="Conversation")
        expect(log).to_contain_text("You joined")
        ok(text(horn, visitor, chat_id, "Hello, is anyone there?"))
        expect(log).to_contain_text("Hello, is anyone there?")
        composer = dana.get_by_role("textbox", name="Message")
        composer.fill("Hi, I'm Dana. How can I help?")
        composer.press("Enter")
        expect(log).to_contain_text("Hi, I'm Dana. How can I help?")
        msgs = ok(horn.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth))["state"]["chats"]
        assert msgs[0]["msgs"][-1]["text"] == "Hi, I'm Dana. How can I help?"

        # Back on Alice's page: Dana's account is active and she is online now.
        alice.reload()
        dana_row = team.get_by_role("row").filter(has_text="dana@acme.test")
        expect(dana_row).to_contain_text("Active")
        expect(dana_row).to_contain_text("now")
        screenshot(alice, "org-staff-team")

        # Dana, an agent, gets the admins-only page if she tries the staff page.
        assert dana.goto("/org/staff/").status == 403
        expect(dana.get_by_role("heading")).to_have_text("Admins only")
    finally:
        dana_ctx.close()
