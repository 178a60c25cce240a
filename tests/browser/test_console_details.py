"""Visitor details beside the chat: pages with times, new or returning, the customer, past chats."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from apps.visitors.identity import expected_hash
from apps.visitors.models import Visit
from tests.conftest import ORIGIN_A
from tests.helpers import join, ok, request_chat, send, text, track


def browse(horn, visitor, url: str, title: str, **extra) -> None:
    body = {"cid": visitor.org_id, "uid": visitor.uid, "url": url, "title": title, **extra}
    r = horn.post("/api/user/track", json=body, headers={**visitor.auth, "Origin": ORIGIN_A})
    assert r.status_code == 200, r.text


def test_alice_sees_who_she_is_talking_to(horn, world, console, screenshot):
    claim = {"id": "cust-42", "hash": expected_hash(world.acme.secret, "cust-42"), "name": "Dana Scully"}
    laptop = track(horn, world.acme.pk, customer=claim, url="https://shop.example/", title="Home")
    earlier = request_chat(horn, laptop)
    join(horn, world.bob, earlier)
    ok(send(horn, world.bob, {"type": "end_chat", "chat": {"id": earlier}, "event": {"reason": "resolved"}}))
    Visit.objects.update(created_at=Visit.objects.get().created_at - timedelta(days=3))  # last week's visit
    phone = track(horn, world.acme.pk, customer=claim, fp="fp-phone", title="<b>Pricing</b>")
    browse(horn, phone, "https://shop.example/checkout", "Checkout", customer=claim)
    chat_id = request_chat(horn, phone)
    join(horn, world.alice, chat_id)

    alice = console(world.alice)
    details = alice.get_by_role("region", name="Visitor details")
    expect(details).to_contain_text("Dana Scully")
    expect(details).to_contain_text("cust-42verified")
    expect(details.get_by_text("returning", exact=True)).to_be_visible()  # a verified customer with a past chat
    pages = details.get_by_role("list", name="Pages viewed, newest first")
    expect(pages.get_by_role("link")).to_have_text(["Checkout", "<b>Pricing</b>"])  # a title with markup is text
    past = details.get_by_role("list", name="Past chats, newest first")
    expect(past.get_by_role("listitem")).to_have_count(2)
    expect(past.get_by_role("listitem").nth(0)).to_contain_text("this chat")
    expect(past.get_by_role("listitem").nth(1)).to_contain_text("ended with Bob")

    # The visitor moves on: the page arrives by push, without a reload.
    browse(horn, phone, "https://shop.example/checkout/pay", "Payment", customer=claim)
    expect(pages.get_by_role("link").first).to_have_text("Payment")
    screenshot(alice, "console-details")


def test_a_past_chat_opens_its_transcript_by_keyboard(horn, world, console):
    visitor = track(horn, world.acme.pk)
    earlier = request_chat(horn, visitor)
    join(horn, world.bob, earlier)
    ok(text(horn, visitor, earlier, "My <b>parcel</b> is late"))
    ok(send(horn, world.bob, {"type": "end_chat", "chat": {"id": earlier}, "event": {"reason": "resolved"}}))
    now = request_chat(horn, visitor)
    join(horn, world.alice, now)

    alice = console(world.alice)
    past = alice.get_by_role("region", name="Visitor details").get_by_role("list", name="Past chats, newest first")
    expect(past.get_by_role("listitem")).to_have_count(2)
    link = past.get_by_role("listitem").nth(1).get_by_role("button", name="Transcript of the chat of")
    expect(link).to_have_accessible_name(re.compile(r"\(ended\)$"))
    alice.keyboard.press("Alt+KeyI")  # to the visitor details; then its page link, this chat, the earlier one
    for _ in range(3):
        alice.keyboard.press("Tab")
    expect(link).to_be_focused()
    alice.keyboard.press("Enter")

    history = alice.get_by_role("region", name="History")
    transcript = history.get_by_role("region", name="Transcript")
    expect(transcript).to_be_focused()
    expect(transcript.get_by_role("list", name="Transcript messages")).to_contain_text("My <b>parcel</b> is late")
    expect(transcript).to_contain_text("ended")
    expect(alice.locator("main.layout")).to_be_hidden()
    history.get_by_role("button", name="Back to chats").click()
    expect(alice.get_by_role("log", name="Conversation")).to_be_visible()
