"""Staff log in to the console in a real browser; a wrong password says so and logs nobody in."""

import re

from playwright.sync_api import expect


def test_staff_log_in_and_out(page, world, screenshot):
    page.goto("/")
    expect(page).to_have_url("/login/?next=/")
    page.get_by_label("Username").fill(world.alice.username)
    page.get_by_label("Password").fill(world.alice.password)
    screenshot(page, "login")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page).to_have_url("/")
    expect(page.get_by_text("Signed in as Alice (Acme)")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/login/")
    page.goto("/")
    expect(page).to_have_url("/login/?next=/")


def test_a_wrong_password_is_refused(page, world):
    page.goto("/login/")
    page.get_by_label("Username").fill(world.alice.username)
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page).to_have_url(re.compile("/login/"))
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
