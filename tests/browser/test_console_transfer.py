"""Alice transfers a chat to Bob: Bob (another browser context) sees it arrive with its history, Alice sees it leave.

Then Bob sends it to a queue, where Alice takes it again and leaves.
"""

from playwright.sync_api import expect

from tests.helpers import ok, request_chat, text, track


def test_alice_transfers_a_chat_to_bob(horn, world, console, screenshot):
    alice = console(world.alice)
    bob = console(world.bob)
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    label = f"Visitor {visitor.uid[:6]}"

    # Both see the request; Alice takes it with "Next" and it leaves Bob's queue too.
    expect(bob.get_by_role("list", name="Waiting chats")).to_contain_text(label)
    alice.get_by_role("button", name="Next").click()
    expect(bob.get_by_role("list", name="Waiting chats")).to_contain_text("Nobody is waiting.")
    ok(text(horn, visitor, chat_id, "I need an invoice for March"))
    expect(alice.get_by_role("log", name="Conversation")).to_contain_text("I need an invoice for March")

    alice.get_by_role("button", name="Transfer").click()
    dialog = alice.get_by_role("dialog", name="Transfer chat")
    colleague = dialog.get_by_role("button", name="Bob")
    expect(colleague).to_be_visible()
    screenshot(alice, "console-transfer")
    colleague.click()

    expect(alice.get_by_role("list", name="My chats")).to_contain_text("No open chats.")
    bob_log = bob.get_by_role("log", name="Conversation")
    expect(bob.get_by_role("list", name="My chats")).to_contain_text(label)
    expect(bob_log).to_contain_text("I need an invoice for March")  # the history came along
    expect(bob_log).to_contain_text("Alice transferred the chat to Bob")
    bob.get_by_role("textbox", name="Message").fill("Hi, Bob here: sending it now.")
    bob.get_by_role("textbox", name="Message").press("Enter")
    expect(bob_log).to_contain_text("Hi, Bob here: sending it now.")

    # Bob hands it to the billing queue: it waits there, first in line, for everyone.
    bob.get_by_role("button", name="Transfer").click()
    dialog = bob.get_by_role("dialog", name="Transfer chat")
    dialog.get_by_label("Queue name").fill("billing")
    dialog.get_by_role("button", name="Send to queue").click()
    expect(bob.get_by_role("list", name="My chats")).to_contain_text("No open chats.")
    queue = alice.get_by_role("list", name="Waiting chats")
    expect(queue).to_contain_text("billing")

    # Alice takes it from there, sees the whole story, and leaves.
    alice.get_by_role("button", name=f"Accept chat from {label}").click()
    alice_log = alice.get_by_role("log", name="Conversation")
    expect(alice_log).to_contain_text("Bob sent the chat to the billing queue")
    alice.get_by_role("button", name="Leave").click()
    expect(alice.get_by_role("list", name="My chats")).to_contain_text("No open chats.")
    assert alice.dialogs == [] and bob.dialogs == []
