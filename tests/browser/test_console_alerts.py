"""New-chat and new-message alerts: the chime, desktop notifications, the tab title, mute, and silence on resume.

What a person hears and sees outside the page cannot be observed from Playwright: headless Chromium has no
speakers and no notification centre. So an init script (test-only, the console has no hooks) wraps the two
browser APIs the console uses, leaving them working:
- `OscillatorNode.prototype.start` records each note's frequency in `window.__tones` (a new chat is two
  rising notes, 660 and 880 Hz; a message one, 880 Hz);
- `window.Notification` becomes a subclass that records each notification's title, body and tag in
  `window.__notes` and keeps it in `window.__shown`, so the test can click it as the OS would (a
  `click` event on the notification object). The permission is granted with `grant_permissions`.
A hidden tab is simulated by redefining `document.visibilityState` and firing `visibilitychange`.
"""

from playwright.sync_api import expect

from tests.helpers import join, ok, request_chat, text, track

HOOKS = """
window.__tones = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones.push(this.frequency.value);
  return start.apply(this, args);
};
window.__notes = [];
window.__shown = [];
window.Notification = class extends window.Notification {
  constructor(title, options = {}) {
    super(title, options);
    window.__notes.push({ title, body: options.body, tag: options.tag });
    window.__shown.push(this);
  }
};
"""
NEW_CHAT, MESSAGE = [660, 880], [880]


def alerts_console(console, staff, server):
    """A logged-in console with the notification permission granted and the recording hooks installed."""
    page = console(staff)
    page.context.grant_permissions(["notifications"], origin=server)
    page.context.add_init_script(HOOKS)
    page.reload()
    expect(page.get_by_role("status", name="Connection")).to_have_text("Live")
    return page


def set_hidden(page, hidden: bool) -> None:
    state = "hidden" if hidden else "visible"
    page.evaluate(
        "(state) => { Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }",
        state,
    )


def tones(page) -> list:
    return page.evaluate("window.__tones")


def notes(page) -> list:
    return page.evaluate("window.__notes")


def label(visitor) -> str:
    return f"Visitor {visitor.uid[:6]}"


def test_new_chats_and_messages_chime_notify_and_count(horn, world, server, console, screenshot):
    alice = alerts_console(console, world.alice, server)
    alerts = alice.get_by_role("group", name="Alerts")
    notify = alerts.get_by_role("button", name="Desktop notifications")
    expect(notify).to_have_attribute("aria-pressed", "false")
    notify.click()  # the permission is asked only on a click; that click also lets the page make sound
    expect(notify).to_have_attribute("aria-pressed", "true")
    expect(alerts.get_by_role("button", name="Mute sound")).to_have_attribute("aria-pressed", "false")
    screenshot(alice, "console-alerts")

    # A chat enters the queue: two rising notes. The tab is visible, so no notification.
    first = track(horn, world.acme.pk)
    first_chat = request_chat(horn, first)
    alice.wait_for_function("() => window.__tones.length === 2")
    assert tones(alice) == NEW_CHAT and notes(alice) == []
    expect(alice).to_have_title("(1) Horn console")

    # The tab is hidden: the next chat is announced by a notification too.
    set_hidden(alice, True)
    second = track(horn, world.acme.pk)
    second_chat = request_chat(horn, second)
    alice.wait_for_function("() => window.__notes.length === 1")
    body = f"{label(second)} is waiting in the default queue"
    assert notes(alice) == [{"title": "New chat", "body": body, "tag": f"horn-chat-{second_chat}"}]
    assert tones(alice) == NEW_CHAT * 2
    expect(alice).to_have_title("(2) Horn console")

    # Clicking it brings the console forward with that chat's Accept button focused (not taken unasked).
    set_hidden(alice, False)
    alice.evaluate("window.__shown.at(-1).dispatchEvent(new Event('click'))")
    expect(alice.get_by_role("button", name=f"Accept chat from {label(second)}")).to_be_focused()

    # Alice takes both chats; the second is on screen. Nothing waits, nothing is unread.
    alice.get_by_role("button", name=f"Accept chat from {label(first)}").click()
    expect(alice.get_by_role("heading", name=label(first))).to_be_visible()
    alice.get_by_role("button", name=f"Accept chat from {label(second)}").click()
    expect(alice.get_by_role("heading", name=label(second))).to_be_visible()
    expect(alice).to_have_title("Horn console")

    # The visitor of the chat not on screen writes: one note (the tab is visible: no notification).
    ok(text(horn, first, first_chat, "Hello?"))
    alice.wait_for_function("() => window.__tones.length === 5")
    assert tones(alice)[-1:] == MESSAGE and len(notes(alice)) == 1
    expect(alice).to_have_title("(1) Horn console")

    # Tab hidden: Alice's own message (from her phone) alerts nobody; the visitor's is notified as plain
    # text, cut short. Alice's is pushed first, so any alert of hers would come first.
    set_hidden(alice, True)
    ok(text(horn, world.alice, second_chat, "From my phone"))
    hostile = "<b>Bold</b> <img src=x onerror=alert(1)> " + "and more " * 20
    ok(text(horn, first, first_chat, hostile))
    alice.wait_for_function("() => window.__notes.length === 2")
    note = notes(alice)[-1]
    assert (note["title"], note["tag"]) == (f"{label(first)} wrote", f"horn-chat-{first_chat}")
    assert note["body"].startswith("<b>Bold</b> <img src=x onerror=alert(1)> and more")
    assert len(note["body"]) == 120 and note["body"].endswith("…")
    assert not any("From my phone" in n["body"] for n in notes(alice))
    assert tones(alice)[5:] == MESSAGE
    expect(alice).to_have_title("(2) Horn console")  # two unread messages, none of them Alice's

    # Clicking the notification opens that chat: its messages are read, the title count goes.
    set_hidden(alice, False)
    alice.evaluate("window.__shown.at(-1).dispatchEvent(new Event('click'))")
    expect(alice.get_by_role("heading", name=label(first))).to_be_visible()
    expect(alice.get_by_role("log", name="Conversation")).to_contain_text("<b>Bold</b> <img src=x")
    expect(alice).to_have_title("Horn console")
    assert len(notes(alice)) == 2

    # The title counts both: a chat waiting, and a message unread in the chat not on screen.
    request_chat(horn, track(horn, world.acme.pk))
    expect(alice).to_have_title("(1) Horn console")
    ok(text(horn, second, second_chat, "Thanks!"))
    expect(alice).to_have_title("(2) Horn console")


def test_mute_is_remembered_and_a_resumed_console_alerts_only_for_what_is_new(horn, world, server, console):
    first, second = track(horn, world.acme.pk), track(horn, world.acme.pk)
    first_chat, second_chat = request_chat(horn, first), request_chat(horn, second)
    join(horn, world.alice, first_chat)
    join(horn, world.alice, second_chat)
    waiting = request_chat(horn, track(horn, world.acme.pk))
    alice = alerts_console(console, world.alice, server)
    expect(alice).to_have_title("(1) Horn console")  # the waiting chat, counted but not chimed: it was there
    mute = alice.get_by_role("button", name="Mute sound")
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    alice.reload()
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Live")
    expect(mute).to_have_attribute("aria-pressed", "true")  # kept in localStorage

    # Muted: a message in a hidden tab is notified, silently.
    my_chats = alice.get_by_role("list", name="My chats")
    my_chats.get_by_role("button", name=label(first)).click()
    alice.get_by_role("button", name="Desktop notifications").click()
    set_hidden(alice, True)
    ok(text(horn, second, second_chat, "Anyone?"))
    alice.wait_for_function("() => window.__notes.length === 1")
    assert notes(alice)[0]["title"] == f"{label(second)} wrote"
    assert tones(alice) == []
    set_hidden(alice, False)
    my_chats.get_by_role("button", name=label(second)).click()
    my_chats.get_by_role("button", name=label(first)).click()
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "false")
    assert tones(alice) == MESSAGE  # unmuting plays the chime once, so Alice knows what she will hear

    # Offline for a while: a chat arrives and Bob takes it; the visitor on screen writes. Back online,
    # the console replays all that: the chat Bob took and the message Alice is looking at alert nobody.
    alice.context.set_offline(True)
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Offline")
    join(horn, world.bob, waiting)
    late = request_chat(horn, track(horn, world.acme.pk))
    join(horn, world.bob, late)
    ok(text(horn, first, first_chat, "I wrote while you were away"))
    alice.context.set_offline(False)
    expect(alice.get_by_role("status", name="Connection")).to_have_text("Live")
    expect(alice.get_by_role("log", name="Conversation")).to_contain_text("I wrote while you were away")
    ok(text(horn, second, second_chat, "And me?"))  # a fence: this one does chime
    alice.wait_for_function("() => window.__tones.length === 2")
    assert tones(alice) == MESSAGE * 2
    assert len(notes(alice)) == 1
    expect(alice).to_have_title("(1) Horn console")
