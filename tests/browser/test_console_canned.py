"""Canned responses in the console: managed in a dialog, inserted with the `/shortcut` picker."""

from playwright.sync_api import expect

from apps.console.models import CannedResponse
from tests.helpers import join, ok, request_chat, track


def test_alice_manages_canned_responses_and_answers_with_one(horn, world, console, screenshot):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    alice = console(world.alice)

    # The dialog: add a shared and a personal response, see a refusal, edit, delete.
    alice.get_by_role("button", name="Canned responses").click()
    dialog = alice.get_by_role("dialog", name="Canned responses")
    dialog.get_by_label("Shortcut").fill("hello")
    dialog.get_by_label("Text", exact=True).fill("Hello! How can I help you today?")
    dialog.get_by_label("Shared with my organisation").check()
    dialog.get_by_role("button", name="Add").click()
    expect(dialog.get_by_role("button", name="Edit /hello (shared)")).to_be_visible()
    dialog.get_by_label("Shortcut").fill("Bad One")
    dialog.get_by_label("Text", exact=True).fill("x")
    dialog.get_by_role("button", name="Add").click()
    expect(dialog.get_by_role("alert")).to_contain_text("lower-case letters")
    dialog.get_by_label("Shortcut").fill("sig")
    dialog.get_by_label("Text", exact=True).fill("Alice, Acme support")
    dialog.get_by_role("button", name="Add").click()
    dialog.get_by_role("button", name="Edit /sig (personal)").click()
    dialog.get_by_label("Text", exact=True).fill("Best, Alice (Acme support)")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog.get_by_role("listitem")).to_have_count(2)
    expect(dialog).to_contain_text("Best, Alice (Acme support)")
    dialog.get_by_label("Shortcut").fill("tmp")
    dialog.get_by_label("Text", exact=True).fill("temporary")
    dialog.get_by_role("button", name="Add").click()
    dialog.get_by_role("button", name="Delete /tmp (personal)").click()
    expect(dialog.get_by_role("listitem")).to_have_count(2)
    dialog.get_by_role("button", name="Close").click()
    rows = sorted(CannedResponse.objects.values_list("shortcut", "owner_id"))
    assert rows == [("hello", None), ("sig", world.alice.sid)]

    # The picker: "/" opens it, typing filters, arrows choose, Escape closes, Enter inserts.
    box = alice.get_by_role("textbox", name="Message")
    box.press_sequentially("Hi! /")
    picker = alice.get_by_role("listbox", name="Canned responses")
    expect(picker.get_by_role("option")).to_have_count(2)
    expect(picker.get_by_role("option").first).to_contain_text("/sig")  # personal ones first
    box.press_sequentially("he")
    expect(picker.get_by_role("option")).to_have_count(1)
    expect(picker.get_by_role("option", selected=True)).to_contain_text("/hello")
    screenshot(alice, "console-canned")
    box.press("Escape")
    expect(picker).to_be_hidden()
    expect(box).to_have_value("Hi! /he")
    box.press("Backspace")
    box.press("Backspace")
    expect(picker.get_by_role("option")).to_have_count(2)
    box.press("ArrowDown")
    expect(picker.get_by_role("option", selected=True)).to_contain_text("/hello")
    box.press("Enter")
    expect(box).to_have_value("Hi! Hello! How can I help you today?")
    box.press("Enter")  # now Enter sends
    log = alice.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("Hi! Hello! How can I help you today?")
    msgs = ok(horn.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth))["state"]["chats"][0]
    assert msgs["msgs"][-1]["text"] == "Hi! Hello! How can I help you today?"
