"""Dark mode: with the system set to dark, the console is dark, text light, and notes still stand out."""

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.helpers import ok, request_chat, text, track

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def luminance(css: str) -> float:
    """Relative luminance (0 black .. 1 white) of an `rgb(...)` / `rgba(...)` computed colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def style(locator, prop: str) -> str:
    return locator.evaluate("(el, p) => getComputedStyle(el)[p]", prop)


def test_console_follows_a_dark_system_setting(horn, world, console, screenshot):
    alice = console(world.alice)
    alice.emulate_media(color_scheme="dark")
    visitor = track(horn, world.acme.pk, title="Pricing")
    chat_id = request_chat(horn, visitor)
    alice.get_by_role("button", name=f"Accept chat from Visitor {visitor.uid[:6]}").click()
    log = alice.get_by_role("log", name="Conversation")
    ok(text(horn, visitor, chat_id, "Is there a dark theme?"))
    expect(log).to_contain_text("Is there a dark theme?")
    alice.get_by_label("Internal note").check()
    alice.get_by_role("textbox", name="Message").fill("Yes: it follows the system setting")
    alice.get_by_role("textbox", name="Message").press("Enter")
    note = log.get_by_role("listitem", name="Internal note")
    expect(note).to_contain_text("follows the system setting")

    assert luminance(style(alice.locator("html"), "backgroundColor")) < 0.05
    message = log.get_by_role("listitem").filter(has_text="Is there a dark theme?")
    assert luminance(style(message.locator(".text"), "color")) > 0.6
    assert luminance(style(message, "backgroundColor")) < 0.05
    # The note is unlike a message: its own (amber) background and a dashed border.
    assert style(note, "backgroundColor") != style(message, "backgroundColor")
    assert style(note, "borderTopStyle") == "dashed"
    assert luminance(style(note.locator(".text"), "color")) > 0.6

    shot = screenshot(alice, "console-dark")
    DOCS.mkdir(exist_ok=True)
    shutil.copy(shot, DOCS / "console-dark.png")

    # And the light scheme is untouched.
    alice.emulate_media(color_scheme="light")
    assert luminance(style(alice.locator("html"), "backgroundColor")) > 0.8


def test_the_login_page_is_dark_too(browser, server, screenshot):
    ctx = browser.new_context(base_url=server, color_scheme="dark", viewport={"width": 800, "height": 500})
    try:
        page = ctx.new_page()
        page.goto("/login/")
        assert luminance(style(page.locator("html"), "backgroundColor")) < 0.05
        assert luminance(style(page.locator(".login-card"), "color")) > 0.6
        assert luminance(style(page.get_by_label("Username"), "color")) > 0.6
        screenshot(page, "console-login-dark")
    finally:
        ctx.close()
