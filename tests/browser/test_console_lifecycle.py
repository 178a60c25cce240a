"""The rest of a chat's life in the console: status, "Next", older history, quick replies and info lines,
two chats at once, done, the rating, a ban."""

from django.conf import settings
from playwright.sync_api import expect

from tests.helpers import error, ok, request_chat, send, text, track


def test_next_done_rating_and_ban(horn, world, console, monkeypatch, screenshot):
    monkeypatch.setattr(settings, "HORN_INIT_HISTORY", 3)  # so that "load older" has something to load
    alice = console(world.alice)
    with alice.expect_response("**/api/staff/status") as answer:
        alice.get_by_label("My status").select_option("away")
    assert answer.value.ok
    expect(alice.get_by_label("My status")).to_have_value("away")
    assert ok(horn.get("/api/staff/info", headers=world.alice.auth))["staff"]["status"] == "away"

    # "Next" takes the chat waiting longest.
    first = track(horn, world.acme.pk)
    second = track(horn, world.acme.pk)
    first_chat = request_chat(horn, first)
    second_chat = request_chat(horn, second)
    for n in range(1, 5):
        ok(text(horn, first, first_chat, f"waiting line {n}"))
    queue = alice.get_by_role("list", name="Waiting chats")
    expect(queue.get_by_role("listitem")).to_have_count(2)
    # Alice is away and nobody else is available: both are offline chats, marked so.
    expect(queue.get_by_text("offline", exact=True)).to_have_count(2)
    alice.get_by_role("button", name="Next").click()
    expect(alice.get_by_role("heading", name=f"Visitor {first.uid[:6]}")).to_be_visible()
    expect(queue.get_by_role("listitem")).to_have_count(1)
    expect(alice.get_by_label("Capacity")).to_have_text("1 / 5 chats")
    log = alice.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("waiting line 4")
    expect(log).not_to_contain_text("waiting line 1")
    alice.get_by_role("button", name="Load older messages").click()
    expect(log.get_by_text("waiting line 1", exact=True)).to_have_count(1)
    expect(log).to_contain_text("requested a chat")
    expect(alice.get_by_role("button", name="Load older messages")).to_be_hidden()

    # Quick replies and an info line (sent by Alice's API token, e.g. from a macro), the visitor's answer.
    offer = [
        {"type": "postback", "text": "Billing", "payload": "billing"},
        {"type": "postback", "text": "Tech", "payload": "tech"},
    ]
    ok(text(horn, world.alice, first_chat, "What is it about?", quick_replies=offer))
    ok(send(horn, world.alice, {"type": "info", "chat": {"id": first_chat}, "text": "Office hours end at 17:00"}))
    ok(text(horn, first, first_chat, "Billing", quick_reply_payload="billing"))
    expect(log.get_by_label("Quick replies offered")).to_have_text("BillingTech")
    expect(log).to_contain_text("Office hours end at 17:00")
    expect(log).to_contain_text("(a quick reply)")

    # Two chats open at once: a message in the one not on screen is counted until Alice switches to it.
    first_label, second_label = f"Visitor {first.uid[:6]}", f"Visitor {second.uid[:6]}"
    alice.get_by_role("button", name=f"Accept chat from {second_label}").click()
    expect(alice.get_by_role("heading", name=second_label)).to_be_visible()
    expect(alice.get_by_label("Capacity")).to_have_text("2 / 5 chats")
    ok(text(horn, first, first_chat, "Are you still there?"))
    my_chats = alice.get_by_role("list", name="My chats")
    expect(my_chats.get_by_label("1 unread")).to_be_visible()
    expect(alice).to_have_title("(1) Horn console")
    my_chats.get_by_role("button", name=first_label).click()
    expect(log).to_contain_text("Are you still there?")
    expect(my_chats.get_by_label("1 unread")).to_have_count(0)
    expect(alice).to_have_title("Horn console")

    # Done: the chat leaves Alice's list; the visitor's rating arrives afterwards.
    alice.get_by_role("button", name="Done").click()
    expect(my_chats).not_to_contain_text(first_label)
    ok(
        send(
            horn,
            first,
            {"type": "rate", "chat": {"id": first_chat}, "event": {"score": 5, "comment": "Quick and kind"}},
        )
    )
    ratings = alice.get_by_role("list", name="Recent ratings")
    expect(ratings).to_contain_text("Quick and kind")
    expect(ratings.get_by_label("5 out of 5")).to_be_visible()

    # A ban ends the visitor's chat, and the visitor is refused from then on.
    expect(alice.get_by_role("heading", name=second_label)).to_be_visible()
    alice.get_by_role("button", name="Ban visitor").click()
    dialog = alice.get_by_role("dialog", name="Ban visitor")
    dialog.get_by_label("Reason (staff only)").fill("spam")
    dialog.get_by_role("button", name="Ban").click()
    expect(alice.get_by_role("log", name="Conversation")).to_contain_text("ended the chat: banned: spam")
    error(text(horn, second, second_chat, "let me back in"), 403, 2007)
    expect(alice.get_by_role("toolbar", name="Chat actions")).to_be_hidden()  # nothing left to do but close it
    expect(alice.get_by_role("textbox", name="Message")).to_be_hidden()
    alice.set_viewport_size({"width": 1024, "height": 768})  # a tablet: two columns
    screenshot(alice, "console-ended-tablet")

    # An ended chat stays until it is closed.
    alice.get_by_role("button", name="Close").click()
    expect(alice.get_by_role("list", name="My chats")).to_contain_text("No open chats.")
    assert alice.dialogs == []
