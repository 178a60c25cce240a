"""A morning without a mouse: every step of answering two visitors by keyboard alone."""

from playwright.sync_api import expect

from apps.console.models import CannedResponse
from tests.helpers import request_chat, track


def tab_to(page, name: str, limit: int = 40) -> None:
    """Press Tab until the focused element is the one named `name` (a person tabbing through)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent"
        )
        if label.strip() == name:
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_alice_works_by_keyboard_alone(horn, world, console, screenshot):
    CannedResponse.objects.create(org=world.acme, shortcut="thanks", text="Thanks for waiting!")
    first, second = track(horn, world.acme.pk), track(horn, world.acme.pk)
    request_chat(horn, first)
    request_chat(horn, second)
    alice = console(world.alice)
    queue = alice.get_by_role("list", name="Waiting chats")
    expect(queue.get_by_role("listitem")).to_have_count(2)
    title = alice.locator(".pane-head .title")
    box = alice.get_by_role("textbox", name="Message")
    log = alice.get_by_role("log", name="Conversation")

    alice.keyboard.press("Alt+n")  # the oldest waiting chat opens, and the message box has the focus
    expect(title).to_have_text(f"Visitor {first.uid[:6]}")
    expect(box).to_be_focused()
    alice.keyboard.type("Good morning")
    alice.keyboard.press("Enter")
    expect(log).to_contain_text("Good morning")

    alice.keyboard.press("Alt+n")
    expect(title).to_have_text(f"Visitor {second.uid[:6]}")
    alice.keyboard.press("Alt+/")  # the canned picker, from anywhere
    expect(alice.get_by_role("listbox", name="Canned responses")).to_be_visible()
    alice.keyboard.type("tha")
    picker = alice.get_by_role("listbox", name="Canned responses")
    expect(picker.get_by_role("option", selected=True)).to_contain_text("/thanks")
    alice.keyboard.press("Enter")
    expect(box).to_have_value("Thanks for waiting!")
    alice.keyboard.press("Enter")
    expect(log).to_contain_text("Thanks for waiting!")

    alice.keyboard.press("Alt+ArrowUp")  # back to the first chat, and down again
    expect(title).to_have_text(f"Visitor {first.uid[:6]}")
    alice.keyboard.press("Alt+ArrowDown")
    expect(title).to_have_text(f"Visitor {second.uid[:6]}")

    alice.keyboard.press("Alt+i")  # the visitor details, then "?" (outside a text field) for help
    expect(alice.get_by_role("region", name="Visitor details")).to_be_focused()
    alice.keyboard.press("?")
    help_ = alice.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_).to_be_visible()
    expect(help_).to_contain_text("Alt+Shift+D")
    screenshot(alice, "console-keyboard")
    alice.keyboard.press("Escape")
    expect(help_).to_be_hidden()

    alice.keyboard.press("Alt+Shift+D")  # done with the second chat
    my_chats = alice.get_by_role("list", name="My chats")
    expect(my_chats.get_by_role("button")).to_have_count(1)
    expect(title).to_have_text(f"Visitor {first.uid[:6]}")

    # The rest is reachable with Tab: the canned responses dialog, the chat's actions.
    tab_to(alice, "Canned responses")
    alice.keyboard.press("Enter")
    dialog = alice.get_by_role("dialog", name="Canned responses")
    expect(dialog.get_by_label("Shortcut")).to_be_focused()
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    alice.keyboard.press("Alt+m")
    expect(box).to_be_focused()
    tab_to(alice, "End chat")
    alice.keyboard.press("Enter")
    end = alice.get_by_role("dialog", name="End chat")
    expect(end).to_be_visible()
    alice.keyboard.type("all sorted")
    alice.keyboard.press("Enter")
    expect(log).to_contain_text("ended the chat: all sorted")
