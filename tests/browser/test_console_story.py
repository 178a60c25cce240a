"""Alice answers a visitor in the console: queue, accept, messages both ways, sneak peek, a note, the end.

The visitor is driven through the HTTP API (tests/helpers.py); Alice is a real Chromium page.
"""

from playwright.sync_api import expect

from tests.helpers import ok, request_chat, send, text, track


def visitor_state(horn, visitor) -> dict:
    r = horn.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth)
    return ok(r)["state"]


def test_alice_answers_a_visitor(horn, world, console, screenshot):
    alice = console(world.alice)
    policy = alice.request.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "object-src 'none'" in policy  # markup that slipped in would not run
    visitor = track(horn, world.acme.pk, title="Pricing", referer="https://www.google.com/", browser="Firefox 128")
    globex_visitor = track(horn, world.globex.pk)
    chat_id = request_chat(horn, visitor)
    globex_chat = request_chat(horn, globex_visitor)  # Globex's queue: Alice never sees it
    label = f"Visitor {visitor.uid[:6]}"

    queue = alice.get_by_role("list", name="Waiting chats")
    expect(queue.get_by_role("listitem")).to_have_count(1)
    expect(queue).to_contain_text(label)
    expect(queue).not_to_contain_text(globex_visitor.uid[:6])
    expect(alice).to_have_title("(1) Horn console")
    visitors = alice.get_by_role("list", name="Visitors online")
    expect(visitors).to_contain_text("Pricing")
    expect(visitors).to_contain_text("Firefox 128")
    expect(visitors).not_to_contain_text(globex_visitor.uid[:6])
    screenshot(alice, "console-queue")
    # Nor by asking for it with her session: another org's chat is "not found".
    status = alice.evaluate("id => fetch('/api/chat/history?chat=' + id).then(r => r.status)", globex_chat)
    assert status == 404

    # The visitor moves on to another page: the list follows by push.
    ok(
        horn.post(
            "/api/user/track",
            json={
                "cid": world.acme.pk,
                "uid": visitor.uid,
                "url": "https://shop.example/checkout",
                "title": "Checkout",
            },
            headers=visitor.auth,
        )
    )
    expect(visitors).to_contain_text("Checkout")

    alice.get_by_role("button", name=f"Accept chat from {label}").click()
    log = alice.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("You joined")
    expect(queue).to_contain_text("Nobody is waiting.")

    ok(text(horn, visitor, chat_id, "Hi, does the Pro plan include SSO?"))
    expect(log).to_contain_text("Hi, does the Pro plan include SSO?")
    composer = alice.get_by_role("textbox", name="Message")
    composer.fill("Yes it does.")
    composer.press("Shift+Enter")
    composer.press_sequentially("SAML and OIDC.")
    composer.press("Enter")
    expect(log).to_contain_text("Yes it does.\nSAML and OIDC.")

    # The visitor's draft while typing (sneak peek), and their read receipt.
    typing = {
        "type": "typing",
        "chat": {"id": chat_id},
        "from": {"id": visitor.uid},
        "event": {"on": True, "text": "And for teams of 5"},
    }
    ok(send(horn, visitor, typing))
    expect(alice.get_by_text("And for teams of 5")).to_be_visible()
    last = visitor_state(horn, visitor)["chats"][0]["msgs"][-1]
    ok(
        send(
            horn,
            visitor,
            {"type": "read", "chat": {"id": chat_id}, "from": {"id": visitor.uid}, "event": {"mid": last["mid"]}},
        )
    )
    expect(log.get_by_text("Seen")).to_be_visible()
    screenshot(alice, "console-chat")

    # An internal note: shown to staff, visibly different, never to the visitor.
    alice.get_by_label("Internal note").check()
    composer.fill("VIP customer, offer the discount")
    composer.press("Enter")
    note = log.get_by_role("listitem", name="Internal note")
    expect(note).to_contain_text("VIP customer, offer the discount")
    screenshot(alice, "console-note")
    texts = [m.get("text") for m in visitor_state(horn, visitor)["chats"][0]["msgs"]]
    assert "Yes it does.\nSAML and OIDC." in texts
    assert "VIP customer, offer the discount" not in texts

    alice.get_by_role("button", name="End chat").click()
    dialog = alice.get_by_role("dialog", name="End chat")
    dialog.get_by_label("Reason").fill("answered")
    dialog.get_by_role("button", name="End chat").click()
    expect(log).to_contain_text("You ended the chat: answered")
    assert alice.dialogs == []
