"""A whole chat through the window.Horn API: events, typing both ways, unread, receipts, the end, rating, identity."""

import io

from PIL import Image
from playwright.sync_api import expect

from apps.accounts import orgs
from apps.accounts.models import Organisation
from apps.visitors.identity import expected_hash
from tests.browser.test_widget_chat import waiting_chat, widget
from tests.helpers import join, ok, send, text
from tests.realtime.wsclient import frames, open_ws

# Every event of the contract, recorded through the queue stub before widget.js loads.
RECORD_EVENTS = """
window.__events = [];
window.Horn = {q: ["ready", "open", "close", "message", "unread", "chat_started", "chat_ended", "availability",
                   "connection"].map(n => ["on", [n, d => window.__events.push([n, d])]])};
"""


def events(page, name):
    return [d for n, d in page.evaluate("window.__events") if n == name]


def test_a_chat_from_start_to_rating_through_the_js_api(context, horn, demo, server, screenshot):
    context.add_init_script(RECORD_EVENTS)
    page = context.new_page()
    page.goto("/demo/")
    page.wait_for_function("window.__events.some(e => e[0] === 'ready')")
    state = page.evaluate("Horn.state()")
    assert state["chat"] is None and state["open"] is False and len(state["visitor"]["uid"]) == 23
    assert events(page, "availability")[0] == {"open": True}
    w = widget(page)
    page.evaluate("Horn.open()")
    box = w.get_by_role("textbox", name="Message")
    expect(box).to_be_focused()
    box.fill("Where is my order?")
    box.press("Enter")
    expect(w.locator(".msg.me:not(.pending)")).to_have_count(1)
    chat_id = waiting_chat(horn, demo.alice)
    assert events(page, "chat_started") == [{"id": chat_id}]

    with open_ws(server, demo.alice) as staff_ws:
        join(horn, demo.alice, chat_id)
        expect(w.get_by_text("Alice joined the chat.")).to_be_visible()
        box.press_sequentially("It is order 1")  # the draft reaches staff: the sneak peek

        def peeked(fs):
            return any(f.get("type") == "typing" and f["event"].get("text") == "It is order 1" for f in fs)

        assert peeked(frames(staff_ws, quiet=5, until=peeked))
    box.press("Enter")

    page.evaluate("Horn.close()")
    ok(text(horn, demo.alice, chat_id, "Found it: it ships today."))
    launcher = w.get_by_role("button", name="Open chat, 1 unread")
    expect(launcher).to_be_visible()
    assert events(page, "unread")[-1] == 1
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=demo.alice.auth))["msgs"]
    assert "client_left" in [m["type"] for m in history]  # closing the panel told staff

    launcher.click()
    expect(w.get_by_role("log").get_by_text("Found it: it ships today.")).to_be_visible()
    assert events(page, "unread")[-1] == 0
    assert [m["text"] for m in events(page, "message") if m["type"] == "text"][-1] == "Found it: it ships today."
    mine = [m for m in events(page, "message") if m["type"] == "text" and m["from"]["role"] == "user"]
    ok(send(horn, demo.alice, {"type": "read", "chat": {"id": chat_id}, "event": {"mid": mine[-1]["mid"]}}))
    expect(w.get_by_text("Seen")).to_be_visible()
    visitor_uid = page.evaluate("Horn.state().visitor.uid")
    staff_state = ok(horn.get("/api/state/init", headers=demo.alice.auth))["state"]
    assert visitor_uid in staff_state["chats"][0]["read"]  # the visitor's receipt reached staff

    ok(send(horn, demo.alice, {"type": "end_chat", "chat": {"id": chat_id}, "event": {"reason": "Order found"}}))
    expect(w.get_by_text("The chat has ended: Order found")).to_be_visible()
    assert events(page, "chat_ended") == [{"id": chat_id, "reason": "Order found"}]
    w.get_by_role("button", name="4 of 5").click()
    w.get_by_label("Comment (optional)").fill("Quick!")
    w.get_by_role("button", name="Send rating").click()
    expect(w.get_by_text("Thanks for your feedback!")).to_be_visible()
    screenshot(page, "widget-rated")
    ratings = ok(horn.get("/api/state/init", headers=demo.alice.auth))["state"]["ratings"]
    assert [(r["chat"]["id"], r["score"], r["comment"]) for r in ratings] == [(chat_id, 4, "Quick!")]
    w.get_by_role("button", name="Start a new chat").click()
    expect(w.get_by_text("Hi! How can we help you today?")).to_be_visible()
    assert page.evaluate("Horn.state().chat") is None

    # identify: the shop's server signed the customer id; staff see the visitor as that customer, verified.
    secret = Organisation.objects.get(pk=demo.org.pk).secret
    page.evaluate("c => Horn.identify(c)", {"id": "cust-42", "hash": expected_hash(secret, "cust-42"), "name": "Maja"})

    def customers():
        return [v["customer"] for v in ok(horn.get("/api/users/online", headers=demo.alice.auth))["data"]]

    for _ in range(50):  # the track identify() sends is asynchronous: poll staff's view, up to 5 s
        if customers() == [{"id": "cust-42", "verified": True, "name": "Maja"}]:
            break
        page.wait_for_timeout(100)
    assert customers() == [{"id": "cust-42", "verified": True, "name": "Maja"}]
    page.evaluate("Horn.logout()")
    page.wait_for_function(f"Horn.state().visitor.uid && Horn.state().visitor.uid !== '{visitor_uid}'")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 40)).save(out, "PNG")
    return out.getvalue()


def test_files_are_checked_before_upload_and_images_show_in_the_chat(page, horn, demo):
    Organisation.objects.filter(pk=demo.org.pk).update(max_file_size=5000, accepted_file_types=["image/*"])
    orgs.forget_all()
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    w.get_by_role("textbox", name="Message").fill("A photo of the damage")
    w.get_by_role("textbox", name="Message").press("Enter")
    expect(w.locator(".msg.me:not(.pending)")).to_have_count(1)
    chat_id = waiting_chat(horn, demo.alice)
    join(horn, demo.alice, chat_id)
    upload = w.locator("input[type=file]")
    upload.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(w.get_by_text("notes.txt is not a type of file we accept.")).to_be_visible()
    upload.set_input_files(files=[{"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"0" * 6000}])
    expect(w.get_by_text("huge.png is too large (at most 5 KB).")).to_be_visible()
    upload.set_input_files(files=[{"name": "damage.png", "mimeType": "image/png", "buffer": png(40, 30)}])
    image = w.get_by_role("log").locator("img")
    expect(image).to_have_count(1)
    # Served from HORN_PUBLIC_URL (docs/files.md), which in the tests is not the loopback address.
    assert "/files/" in image.get_attribute("src") and image.get_attribute("src").endswith("/damage.png")
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=demo.alice.auth))["msgs"]
    assert [(m["image"]["width"], m["image"]["height"]) for m in history if m["type"] == "image"] == [(40, 30)]
