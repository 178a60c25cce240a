"""The staff page's other stories: an admin deactivates an agent (whose console is out at once) and
reactivates them; a forgotten password is reset from the login page; a used link says so."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.accounts.test_set_password import path_of


def test_an_admin_deactivates_an_agent_whose_console_is_logged_out_at_once(world, console):
    bob = console(world.bob)
    alice = console(world.alice)
    alice.goto("/org/staff/")
    row = alice.get_by_role("row").filter(has_text="Bob")
    row.get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("Deactivated")
    expect(bob).to_have_url(re.compile(r"/login/"), timeout=3_000)  # sockets closed 4401: no waiting
    assert not get_user_model().objects.get(username="bob").is_active
    row.get_by_role("button", name="Reactivate").click()
    expect(row).to_contain_text("Active")
    assert get_user_model().objects.get(username="bob").is_active


def test_a_forgotten_password_is_reset_from_the_login_page(page, world, smtp, screenshot):
    get_user_model().objects.filter(username="bob").update(email="bob@acme.test")
    page.goto("/login/")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("E-mail address").fill("bob@acme.test")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account uses this address")
    [mail] = smtp.wait(1)
    link = path_of(mail)

    page.goto(link)
    expect(page.get_by_role("heading")).to_have_text("Choose a new password")
    page.get_by_label("New password").fill("bobs new secret")
    page.get_by_label("Repeat the password").fill("bobs other secret")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_have_text("The passwords differ.")
    page.get_by_label("New password").fill("bobs new secret")
    page.get_by_label("Repeat the password").fill("bobs new secret")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")

    page.goto(link)  # spent
    expect(page.get_by_role("alert")).to_have_text("This link has already been used.")
    screenshot(page, "link-used")
    page.goto("/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill("bobs new secret")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status", name="Connection")).to_have_text("Live")
