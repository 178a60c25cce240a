"""The widget on the demo shop: a visitor chats with Alice (driven through the API), reloads, stays in the chat."""

import re

from playwright.sync_api import expect

from tests.helpers import join, ok, send
from tests.realtime.wsclient import frames, open_ws


def widget(page):
    """The widget's Shadow DOM is open: Playwright's locators pierce it."""
    return page.locator("horn-chat")


def waiting_chat(horn, staff) -> str:
    state = ok(horn.get("/api/state/init", headers=staff.auth))["state"]
    assert len(state["queue"]) == 1, state
    return state["queue"][0]["id"]


def staff_texts(horn, staff, chat_id) -> list[str]:
    msgs = ok(horn.get("/api/chat/history", params={"chat": chat_id, "limit": 200}, headers=staff.auth))["msgs"]
    return [m["text"] for m in msgs if m["type"] == "text"]


def test_a_visitor_chats_with_an_agent_and_a_reload_keeps_the_conversation(page, horn, demo, server, screenshot):
    page.goto("/demo/")
    w = widget(page)
    launcher = w.get_by_role("button", name="Open chat")
    expect(launcher).to_be_visible()
    page.wait_for_function("window.Horn && Horn.state && Horn.state().visitor.uid")
    screenshot(page, "widget-closed")
    launcher.click()
    box = w.get_by_role("textbox", name="Message")
    expect(box).to_be_focused()
    expect(w.get_by_text("Hi! How can we help you today?")).to_be_visible()
    screenshot(page, "widget-open")

    box.fill("Do you ship to Norway?")
    box.press("Enter")
    log = w.get_by_role("log")
    expect(log.locator(".msg.me:not(.pending)", has_text="Do you ship to Norway?")).to_be_visible()
    chat_id = waiting_chat(horn, demo.alice)
    join(horn, demo.alice, chat_id)
    expect(log.get_by_text("Alice joined the chat.")).to_be_visible()
    ok(send(horn, demo.alice, {"type": "typing", "chat": {"id": chat_id}, "event": {"on": True}}))
    expect(w.get_by_text("Alice is typing…")).to_be_visible()
    ok(send(horn, demo.alice, {"type": "text", "chat": {"id": chat_id}, "text": "Yes, in 3-5 days.",
                               "quick_replies": [{"type": "postback", "text": "Great", "payload": "ok"}]}))  # fmt: skip
    expect(log.get_by_text("Yes, in 3-5 days.")).to_be_visible()
    expect(w.get_by_role("heading", name="Alice")).to_be_visible()
    ok(send(horn, demo.alice, {"type": "info", "chat": {"id": chat_id}, "text": "Alice shared the shipping policy"}))
    expect(log.locator(".info", has_text="Alice shared the shipping policy")).to_be_visible()
    w.get_by_role("button", name="Great").click()
    expect(log.locator(".msg.me", has_text="Great")).to_have_count(1)
    screenshot(page, "widget-chat")

    # In-page navigation is a page view (track on pushState), and leaving the page tells staff (client_unload).
    page.evaluate("history.pushState({}, '', '/demo/cart')")
    for _ in range(50):  # track is asynchronous: poll staff's view, up to 5 s
        if [v["url"] for v in ok(horn.get("/api/users/online", headers=demo.alice.auth))["data"]][0].endswith("/cart"):
            break
        page.wait_for_timeout(100)
    seen = ok(horn.get("/api/users/online", headers=demo.alice.auth))["data"][0]
    assert seen["url"].endswith("/demo/cart") and seen["title"] == "Nordic Mugs — Horn demo shop"
    assert seen["os"] == "Linux" and seen["browser"].startswith("Chrome ")
    with open_ws(server, demo.alice) as staff_ws:
        page.goto("/demo/")

        def unloaded(fs):
            return any(f.get("type") == "client_unload" for f in fs)

        assert unloaded(frames(staff_ws, quiet=5, until=unloaded))
    widget(page).get_by_role("button", name="Open chat").click()
    log = widget(page).get_by_role("log")
    expect(log.get_by_text("Yes, in 3-5 days.")).to_be_visible()
    expect(log.get_by_text("Do you ship to Norway?")).to_have_count(1)
    widget(page).get_by_role("textbox", name="Message").fill("Thanks!")
    widget(page).get_by_role("button", name="Send").click()
    expect(log.locator(".msg.me:not(.pending)", has_text="Thanks!")).to_have_count(1)
    assert staff_texts(horn, demo.alice, chat_id) == ["Do you ship to Norway?", "Yes, in 3-5 days.", "Great", "Thanks!"]
    expect(log.get_by_text(re.compile("Sending|Pending"))).to_have_count(0)


def test_a_long_conversation_loads_its_earlier_messages_on_request(page, horn, demo, settings):
    settings.HORN_INIT_HISTORY = 3  # state/init holds the latest 3; the rest is a history page away
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    w.get_by_role("textbox", name="Message").fill("Line 0")
    w.get_by_role("textbox", name="Message").press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text="Line 0")).to_be_visible()
    chat_id = waiting_chat(horn, demo.alice)
    join(horn, demo.alice, chat_id)
    for n in range(1, 6):
        ok(send(horn, demo.alice, {"type": "text", "chat": {"id": chat_id}, "text": f"Line {n}"}))
    expect(w.get_by_text("Line 5", exact=True)).to_be_visible()
    page.reload()
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    log = w.get_by_role("log")
    expect(log.get_by_text("Line 5", exact=True)).to_be_visible()
    expect(log.get_by_text("Line 0", exact=True)).to_have_count(0)
    w.get_by_role("button", name="Show earlier messages").click()
    for n in range(6):
        expect(log.get_by_text(f"Line {n}", exact=True)).to_have_count(1)
    expect(w.get_by_role("button", name="Show earlier messages")).to_have_count(0)
