"""The widget keeps a chat going when the network does not: no websockets, offline, two tabs, a server restart."""

import re

from playwright.sync_api import expect

from tests.browser.test_widget_chat import staff_texts, waiting_chat, widget
from tests.helpers import join, ok, text

# Records the widget's `connection` events through the queue stub (docs/widget.md), before any page script.
RECORD_CONNECTION = """
window.__connection = [];
window.Horn = {q: [["on", ["connection", function (mode) { window.__connection.push(mode); }]]]};
"""
# A network that lets no websocket through (a proxy that strips Upgrade, say): every socket fails at once.
NO_WEBSOCKETS = """
window.WebSocket = class { constructor() { setTimeout(() => { this.onerror && this.onerror(new Event("error"));
  this.onclose && this.onclose({code: 1006}); }, 5); } send() {} close() {} };
"""


def start_chat(page, horn, staff, first: str) -> str:
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    w.get_by_role("textbox", name="Message").fill(first)
    w.get_by_role("textbox", name="Message").press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text=first)).to_be_visible()  # stored: pushed back
    chat_id = waiting_chat(horn, staff)
    join(horn, staff, chat_id)
    expect(w.get_by_text("Alice joined the chat.")).to_be_visible()
    return chat_id


def test_without_websockets_the_chat_goes_on_over_long_poll(context, horn, demo):
    context.add_init_script(RECORD_CONNECTION + NO_WEBSOCKETS)
    page = context.new_page()
    chat_id = start_chat(page, horn, demo.alice, "Hello from behind a proxy")
    page.wait_for_function("window.__connection.includes('long-poll')")
    assert "websocket" not in page.evaluate("window.__connection")
    ok(text(horn, demo.alice, chat_id, "I can hear you over long-poll"))
    log = widget(page).get_by_role("log")
    expect(log.get_by_text("I can hear you over long-poll")).to_have_count(1)
    widget(page).get_by_role("textbox", name="Message").fill("Great")
    widget(page).get_by_role("textbox", name="Message").press("Enter")
    expect(log.locator(".msg.me:not(.pending)", has_text="Great")).to_have_count(1)
    assert page.evaluate("Horn.state().connection") == "long-poll"
    expected = ["Hello from behind a proxy", "I can hear you over long-poll", "Great"]
    assert staff_texts(horn, demo.alice, chat_id) == expected


def test_messages_typed_offline_wait_and_are_delivered_exactly_once_when_back(context, horn, demo, screenshot):
    context.add_init_script(RECORD_CONNECTION)
    page = context.new_page()
    chat_id = start_chat(page, horn, demo.alice, "Before the tunnel")
    page.wait_for_function("window.__connection.includes('websocket')")
    w = widget(page)
    box = w.get_by_role("textbox", name="Message")
    context.set_offline(True)
    for line in ("First in the tunnel", "Second in the tunnel"):
        box.fill(line)
        box.press("Enter")
    pending = w.locator(".msg.pending")
    expect(pending).to_have_count(2)
    expect(pending.first).to_contain_text("Pending")
    assert staff_texts(horn, demo.alice, chat_id) == ["Before the tunnel"]
    screenshot(page, "widget-pending")

    context.set_offline(False)
    log = w.get_by_role("log")
    expect(pending).to_have_count(0, timeout=20_000)
    expect(log.get_by_text("First in the tunnel")).to_have_count(1)
    expect(log.get_by_text("Second in the tunnel")).to_have_count(1)
    texts = staff_texts(horn, demo.alice, chat_id)
    assert texts == ["Before the tunnel", "First in the tunnel", "Second in the tunnel"]


def test_a_message_left_pending_survives_a_reload_and_is_sent_once(context, horn, demo, server):
    page = context.new_page()
    chat_id = start_chat(page, horn, demo.alice, "Hi")
    # The server refuses the send (as if it were down) so the message stays in the outbox.
    context.route(re.compile(r".*/api/message$"), lambda route: route.abort())
    w = widget(page)
    w.get_by_role("textbox", name="Message").fill("Kept across the reload")
    w.get_by_role("textbox", name="Message").press("Enter")
    expect(w.locator(".msg.pending", has_text="Kept across the reload")).to_be_visible()
    context.unroute(re.compile(r".*/api/message$"))
    page.reload()
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    log = w.get_by_role("log")
    expect(log.locator(".msg.me:not(.pending)", has_text="Kept across the reload")).to_have_count(1)
    expect(w.locator(".msg.pending")).to_have_count(0)
    assert staff_texts(horn, demo.alice, chat_id) == ["Hi", "Kept across the reload"]


def test_two_tabs_show_one_conversation_each_message_once(context, horn, demo):
    first = context.new_page()
    chat_id = start_chat(first, horn, demo.alice, "From the first tab")
    second = context.new_page()
    second.goto("/demo/")
    widget(second).get_by_role("button", name="Open chat").click()
    log2 = widget(second).get_by_role("log")
    expect(log2.get_by_text("From the first tab")).to_have_count(1)
    widget(second).get_by_role("textbox", name="Message").fill("From the second tab")
    widget(second).get_by_role("textbox", name="Message").press("Enter")
    expect(log2.locator(".msg.me:not(.pending)", has_text="From the second tab")).to_be_visible()  # stored
    ok(text(horn, demo.alice, chat_id, "Hello both"))
    log1 = widget(first).get_by_role("log")
    for log in (log1, log2):
        expect(log.get_by_text("From the second tab")).to_have_count(1)
        expect(log.get_by_text("Hello both")).to_have_count(1)
        expect(log.get_by_text("From the first tab")).to_have_count(1)
    assert staff_texts(horn, demo.alice, chat_id) == ["From the first tab", "From the second tab", "Hello both"]


def test_a_server_restart_mid_chat_loses_nothing(context, horn, demo, horn_server):
    context.add_init_script(RECORD_CONNECTION)
    page = context.new_page()
    chat_id = start_chat(page, horn, demo.alice, "Before the restart")
    page.wait_for_function("window.__connection.includes('websocket')")
    horn_server.stop()
    try:
        page.wait_for_function("Horn.state().connection === 'offline'")
        w = widget(page)
        w.get_by_role("textbox", name="Message").fill("Typed while the server was down")
        w.get_by_role("textbox", name="Message").press("Enter")
        expect(w.locator(".msg.pending")).to_have_count(1)
    finally:
        horn_server.start()
    ok(text(horn, demo.alice, chat_id, "Back up"))
    log = w.get_by_role("log")
    expect(w.locator(".msg.pending")).to_have_count(0, timeout=40_000)
    expect(log.get_by_text("Back up")).to_have_count(1)
    expect(log.get_by_text("Typed while the server was down")).to_have_count(1)
    page.wait_for_function("Horn.state().connection === 'websocket'")
    texts = staff_texts(horn, demo.alice, chat_id)  # each once; which of the last two came first is a race
    assert texts[0] == "Before the restart"
    assert sorted(texts[1:]) == ["Back up", "Typed while the server was down"]


def test_too_far_behind_the_widget_reinits_and_shows_everything_once(context, horn, demo, settings):
    """Past HORN_REPLAY_LIMIT missed events Horn answers `reinit` (4409 / 409): the widget takes a fresh snapshot."""
    settings.HORN_REPLAY_LIMIT = 2
    cut = {"on": False, "sockets": []}

    def socket_route(ws):
        # While the network is "cut", push connections are closed as soon as they open; else they pass through.
        if cut["on"]:
            ws.close(code=4000, reason="cut")
            return
        ws.connect_to_server()
        cut["sockets"].append(ws)

    def pull_route(route):
        route.abort() if cut["on"] else route.continue_()

    context.route_web_socket(re.compile(r".*/ws\?.*"), socket_route)
    context.route(re.compile(r".*/pull\?.*"), pull_route)
    page = context.new_page()
    inits: list[str] = []
    page.on("request", lambda r: inits.append(r.url) if "/api/state/init" in r.url else None)
    chat_id = start_chat(page, horn, demo.alice, "Hello")
    page.wait_for_function("Horn.state().connection === 'websocket'")
    cut["on"] = True
    for ws in cut["sockets"]:
        ws.close(code=4000, reason="cut")
    page.wait_for_function("Horn.state().connection === 'offline'")
    missed = [f"Missed {n}" for n in range(1, 5)]
    for line in missed:
        ok(text(horn, demo.alice, chat_id, line))
    before = len(inits)
    cut["on"] = False
    log = widget(page).get_by_role("log")
    for line in missed:
        expect(log.get_by_text(line, exact=True)).to_have_count(1, timeout=40_000)
    assert len(inits) > before  # four events behind, two replayable: the snapshot was taken again
    expect(log.get_by_text("Hello", exact=True)).to_have_count(1)
