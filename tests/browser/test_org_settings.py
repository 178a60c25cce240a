"""The settings page (/org/settings/) in Chromium: an admin changes the widget's colour, sees it in the
live preview before saving, and a visitor then gets it on /demo/ (issue 13's "Done when")."""

from playwright.sync_api import expect

from apps.accounts.models import Organisation, Staff
from tests.browser.conftest import log_in
from tests.browser.test_widget_chat import widget

NEW = "#b5179e"
NEW_RGB = "rgb(181, 23, 158)"


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_an_admin_changes_the_widget_colour_sees_it_in_the_preview_and_visitors_get_it(
    browser, server, page, demo, screenshot
):
    Staff.objects.filter(sid=demo.alice.sid).update(role=Staff.ADMIN)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, demo.alice)
    page.goto("/org/settings/")
    colour = page.get_by_role("textbox", name="Colour", exact=True)
    expect(colour).to_have_value("#1f4e8c")
    preview = page.frame_locator("#widget-preview").locator("horn-chat")
    launcher = preview.locator("button.launcher")
    expect(preview.get_by_role("dialog")).to_be_visible()  # the preview shows the panel open
    expect(launcher).to_have_css("background-color", "rgb(31, 78, 140)")

    colour.fill(NEW)
    page.get_by_role("textbox", name="Greeting").fill("Welcome to Nordic Mugs!")
    # Live: the preview follows the unsaved form (expect retries until the widget has redrawn).
    expect(launcher).to_have_css("background-color", NEW_RGB)
    expect(preview.get_by_text("Welcome to Nordic Mugs!")).to_be_visible()
    assert Organisation.objects.get(pk=demo.org.pk).widget == {}  # nothing saved yet
    screenshot(page, "org-settings")
    page.screenshot(path=str(screenshot(page, "org-settings-full")), full_page=True)
    page.locator("#widget-preview").screenshot(path=str(screenshot(page, "org-settings-preview")))

    page.get_by_role("checkbox", name="as when you are closed").check()  # the offline form, previewed
    expect(preview.get_by_role("heading", name="Leave us a message")).to_be_visible()
    page.locator("#widget-preview").screenshot(path=str(screenshot(page, "org-settings-preview-closed")))
    page.get_by_role("checkbox", name="as when you are closed").uncheck()
    expect(preview.get_by_text("Welcome to Nordic Mugs!")).to_be_visible()

    page.get_by_role("button", name="Save widget").click()
    expect(page.locator('form[data-section="widget"] .status')).to_have_text("Saved.")
    assert Organisation.objects.get(pk=demo.org.pk).widget["colour"] == NEW

    visitor = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    shop = visitor.new_page()
    shop.goto("/demo/")
    open_chat = widget(shop).get_by_role("button", name="Open chat")
    expect(open_chat).to_be_visible()
    assert background(open_chat) == NEW_RGB
    open_chat.click()
    expect(widget(shop).get_by_text("Welcome to Nordic Mugs!")).to_be_visible()
    screenshot(shop, "org-settings-demo")
    visitor.close()
    assert errors == []


def test_bad_input_on_the_page_says_what_to_do_and_saves_nothing(page, demo):
    Staff.objects.filter(sid=demo.alice.sid).update(role=Staff.ADMIN)
    log_in(page, demo.alice)
    page.goto("/org/settings/")
    zone = page.get_by_role("combobox", name="Time zone")
    expect(zone).to_have_value("UTC")
    zone.fill("Mars/Olympus")
    page.get_by_role("button", name="Save hours").click()
    expect(page.locator('form[data-section="hours"] [role=alert]')).to_contain_text("unknown time zone 'Mars/Olympus'")
    assert Organisation.objects.get(pk=demo.org.pk).timezone == "UTC"


def test_an_agent_gets_a_page_saying_it_is_for_admins(page, demo):
    log_in(page, demo.alice)  # the demo fixture's Alice is an agent
    page.goto("/org/settings/")
    expect(page.get_by_role("alert")).to_contain_text("for your organisation's admins")


def test_the_canned_responses_link_opens_the_consoles_manager(console, demo):
    Staff.objects.filter(sid=demo.alice.sid).update(role=Staff.ADMIN)
    page = console(demo.alice)
    page.goto("/org/settings/")
    page.get_by_role("link", name="open Canned responses").click()
    expect(page.get_by_role("dialog", name="Canned responses")).to_be_visible()
