"""Collision detection: Alice sees that Bob has her chat on screen and is typing a reply, live."""

from playwright.sync_api import expect

from tests.helpers import join, request_chat, track


def test_alice_sees_bob_viewing_and_typing_in_their_chat(horn, world, console, screenshot):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    join(horn, world.bob, chat_id)  # e.g. a supervisor who joined to help
    alice = console(world.alice)
    colleagues = alice.get_by_role("status", name="Colleagues on this chat")
    expect(colleagues).to_be_hidden()

    bob = console(world.bob)
    expect(colleagues).to_have_text("Bob is viewing this chat")
    expect(alice.get_by_role("list", name="My chats").get_by_title("Bob has this chat open")).to_be_visible()
    expect(bob.get_by_role("status", name="Colleagues on this chat")).to_have_text("Alice is viewing this chat")

    bob.get_by_role("textbox", name="Message").press_sequentially("Let me check the invoice")
    expect(colleagues).to_have_text("Bob is typing a reply…")
    screenshot(alice, "console-collision")
    bob.get_by_role("textbox", name="Message").press("Enter")
    expect(colleagues).to_have_text("Bob is viewing this chat")
    expect(alice.get_by_role("log", name="Conversation")).to_contain_text("Let me check the invoice")

    # Bob's tab goes to the background, then closes: he is no longer shown.
    bob.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    expect(colleagues).to_be_hidden()
    bob.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    expect(colleagues).to_have_text("Bob is viewing this chat")
    bob.close()
    expect(colleagues).to_be_hidden()
