"""Presence follows the console: Alice closes her console, and her chat is back at the front of the queue."""

from playwright.sync_api import expect

from tests.helpers import join, request_chat, track


def test_a_chat_goes_back_to_the_queue_when_its_agent_closes_the_console(horn, world, console, settings):
    settings.HORN_HEARTBEAT_INTERVAL = 1  # the grace period is two intervals: ~1.5 s instead of ~55 s
    waiting = track(horn, world.acme.pk)
    request_chat(horn, waiting)
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    alice, bob = console(world.alice), console(world.bob)
    expect(alice.get_by_role("list", name="My chats")).to_contain_text(f"Visitor {visitor.uid[:6]}")
    queue = bob.get_by_role("list", name="Waiting chats")
    expect(queue.get_by_role("listitem")).to_have_count(1)

    alice.context.close()  # every tab of Alice's console is gone
    expect(queue.get_by_role("listitem")).to_have_count(2)
    expect(queue.get_by_role("listitem").first).to_contain_text(f"Visitor {visitor.uid[:6]}")  # first in line
