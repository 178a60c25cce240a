"""The console loses its network while the visitor writes: back, it shows every missed message once, no reload."""

from django.conf import settings
from playwright.sync_api import expect

from tests.helpers import join, ok, request_chat, text, track


def test_a_console_that_was_offline_shows_what_it_missed_once(horn, world, console):
    alice = console(world.alice)
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)  # Alice on another device; this console gets the chat by push
    log = alice.get_by_role("log", name="Conversation")
    ok(text(horn, visitor, chat_id, "before the outage"))
    expect(log).to_contain_text("before the outage")
    alice.evaluate("window.sameDocument = true")

    alice.context.set_offline(True)
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Offline")
    missed = [f"written while you were away #{n}" for n in range(1, 4)]
    for line in missed:
        ok(text(horn, visitor, chat_id, line))
    ok(text(horn, world.alice, chat_id, "sent from Alice's phone"))

    alice.context.set_offline(False)
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Live")
    for line in [*missed, "sent from Alice's phone"]:
        expect(log.get_by_text(line, exact=True)).to_have_count(1)
    expect(log.get_by_text("before the outage", exact=True)).to_have_count(1)
    assert alice.evaluate("window.sameDocument") is True  # no reload happened
    assert alice.evaluate("window.hornConsole.conn.inits") == 1  # resumed from its cursor, no fresh start
    ok(text(horn, visitor, chat_id, "and live again"))
    expect(log.get_by_text("and live again", exact=True)).to_have_count(1)


def test_without_websockets_the_console_long_polls(horn, world, console):
    alice = console(world.alice, block_websockets=True)
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    label = f"Visitor {visitor.uid[:6]}"
    alice.get_by_role("button", name=f"Accept chat from {label}").click()
    log = alice.get_by_role("log", name="Conversation")
    for n in range(1, 4):
        ok(text(horn, visitor, chat_id, f"over long-poll #{n}"))
    for n in range(1, 4):
        expect(log.get_by_text(f"over long-poll #{n}", exact=True)).to_have_count(1)
    alice.get_by_role("textbox", name="Message").fill("answered over long-poll")
    alice.get_by_role("textbox", name="Message").press("Enter")
    expect(log.get_by_text("answered over long-poll", exact=True)).to_have_count(1)
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Long-poll")


def test_a_console_too_far_behind_starts_afresh_and_misses_nothing(horn, world, console, monkeypatch):
    """More missed events than the server replays: it says reinit, and the console reloads its state (not the page)."""
    monkeypatch.setattr(settings, "HORN_REPLAY_LIMIT", 3)
    alice = console(world.alice)
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    log = alice.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("You joined")
    alice.evaluate("window.sameDocument = true")

    alice.context.set_offline(True)
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Offline")
    missed = [f"one of many #{n}" for n in range(1, 7)]
    for line in missed:
        ok(text(horn, visitor, chat_id, line))
    alice.context.set_offline(False)

    expect(alice.get_by_role("status", name="Connection")).to_have_text("Live")
    for line in missed:
        expect(log.get_by_text(line, exact=True)).to_have_count(1)
    assert alice.evaluate("window.sameDocument") is True
    assert alice.evaluate("window.hornConsole.conn.inits") == 2  # the start, and the reinit
