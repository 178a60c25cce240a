"""Offline messages by e-mail, received by a real SMTP server on loopback (the `smtp` fixture)."""

from apps.realtime import presence
from tests.conftest import ORIGIN_A, _sync_redis
from tests.helpers import join, ok, request_chat, send, text, track


def leave_a_message(horn, org_id, **customer):
    """A visitor who filled in the offline form (its details reach Horn as an unverified customer)."""
    visitor = track(horn, org_id, **({"customer": customer} if customer else {}))
    return visitor, request_chat(horn, visitor)


def gone(visitor) -> None:
    """The visitor closed the page long ago: no connection, no ping within the grace."""
    _sync_redis().zrem(presence.key(visitor.org_id, "user"), visitor.uid)


def content(mail) -> str:
    return mail.get_content().replace("\r\n", "\n")


def set_offline_email(horn, admin, address: str) -> None:
    ok(horn.patch("/api/org/settings", json={"offline_email": address}, headers=admin.auth))


def test_a_chat_opened_while_closed_is_mailed_to_the_orgs_address(horn, world, smtp):
    set_offline_email(horn, world.alice, "support@acme.test")
    leave_a_message(horn, world.globex.pk)  # Globex chose no address: nothing is sent for it
    leave_a_message(horn, world.acme.pk, id="c-1", name="Vera", email="vera@example.test")
    [mail] = smtp.wait(1)
    assert mail["To"] == "support@acme.test"
    assert mail["Reply-To"] == "vera@example.test"  # answer by replying, if you like
    assert "Vera" in mail["Subject"]
    body = content(mail)
    assert "Vera <vera@example.test> opened a chat with Acme while nobody was available" in body
    assert "/" in body and "e-mailed to them" in body


def test_a_chat_opened_during_business_hours_with_staff_on_duty_sends_nothing(horn, world, smtp):
    set_offline_email(horn, world.alice, "support@acme.test")
    ok(horn.get("/api/ping", headers=world.bob.auth))  # Bob is on duty: the chat is a live one
    live_visitor, live_chat = leave_a_message(horn, world.acme.pk, id="c-0", email="live@example.test")
    ok(horn.post("/api/staff/status", json={"status": "away"}, headers=world.bob.auth))
    from apps.chats import availability

    availability.forget()
    leave_a_message(horn, world.acme.pk, id="c-2", email="later@example.test")
    [mail] = smtp.wait(1)
    assert mail["Reply-To"] == "later@example.test"
    # an answer in the live chat to a visitor who has gone is not mailed either (it was never offline)
    join(horn, world.bob, live_chat)
    gone(live_visitor)
    ok(text(horn, world.bob, live_chat, "live answer"))
    visitor, chat_id = leave_a_message(horn, world.acme.pk, id="c-3", email="third@example.test")
    smtp.wait(2)
    assert [m["Reply-To"] for m in smtp.messages] == ["later@example.test", "third@example.test"]


def test_staffs_answer_to_a_visitor_who_has_gone_is_mailed_once(horn, world, smtp):
    visitor, chat_id = leave_a_message(horn, world.acme.pk, id="c-1", name="Vera", email="vera@example.test")
    join(horn, world.bob, chat_id)
    gone(visitor)
    ok(text(horn, world.bob, chat_id, "Yes, we ship to Oslo.", client_msg_id="answer-1"))
    [mail] = smtp.wait(1)
    assert mail["To"] == "vera@example.test"
    assert mail["Subject"] == "Acme answered your message"
    assert "Bob of Acme answered your message:\n\nYes, we ship to Oslo." in content(mail)

    ok(text(horn, world.bob, chat_id, "Yes, we ship to Oslo.", client_msg_id="answer-1"))  # a retry: stored once
    ok(send(horn, world.bob, {"type": "note", "chat": {"id": chat_id}, "text": "internal: not mailed"}))
    ok(horn.get("/api/ping", headers={**visitor.auth, "Origin": ORIGIN_A}))  # back on the site
    ok(text(horn, world.bob, chat_id, "Seen in the widget, not mailed"))
    ok(text(horn, visitor, chat_id, "Thanks!"))  # a visitor's own message is never mailed
    gone(visitor)
    ok(text(horn, world.bob, chat_id, "Anything else?"))
    smtp.wait(2)
    assert [content(m).split("\n\n")[1] for m in smtp.messages] == ["Yes, we ship to Oslo.", "Anything else?"]


def test_a_visitor_who_left_no_email_gets_no_mail(horn, world, smtp):
    silent, silent_chat = leave_a_message(horn, world.acme.pk)
    bad, bad_chat = leave_a_message(horn, world.acme.pk, id="c-9", name="No Mail")
    vera, vera_chat = leave_a_message(horn, world.acme.pk, id="c-1", email="vera@example.test")
    for visitor, chat_id in ((silent, silent_chat), (bad, bad_chat), (vera, vera_chat)):
        join(horn, world.bob, chat_id)
        gone(visitor)
        ok(text(horn, world.bob, chat_id, f"answer to {visitor.uid}"))
    [mail] = smtp.wait(1)
    assert mail["To"] == "vera@example.test"
