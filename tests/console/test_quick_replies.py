"""Quick replies as the console's composer offers them: the limits of POST /api/message's `quick_replies`.

The composer sends each option's text as its payload, so two equal options would be two equal payloads:
Horn refuses those, because the visitor's answer names its button by payload alone.
"""

from tests.helpers import error, ok, snapshot, text


def option(label: str, payload: str | None = None) -> dict:
    return {"type": "postback", "text": label, "payload": label if payload is None else payload}


def test_staff_offer_up_to_ten_options(horn, world, chat):
    _, chat_id = chat
    offer = [option(f"Option {n}") for n in range(1, 11)]
    sent = ok(text(horn, world.alice, chat_id, "Pick one", quick_replies=offer))
    assert sent["mid"]
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=world.alice.auth))["msgs"]
    assert history[-1]["quick_replies"] == offer


def test_bad_options_are_refused_and_change_nothing(horn, world, chat):
    _, chat_id = chat
    before = snapshot()
    eleven = [option(f"Option {n}") for n in range(1, 12)]
    error(text(horn, world.alice, chat_id, "Pick one", quick_replies=eleven), 400, 1005, "quick_replies")
    long = [option("Yes"), option("x" * 101)]
    error(text(horn, world.alice, chat_id, "Pick one", quick_replies=long), 400, 1005, "quick_replies.1.text")
    blank = [option("Yes"), option("   ", "blank")]
    error(text(horn, world.alice, chat_id, "Pick one", quick_replies=blank), 400, 1004, "quick_replies.1.text")
    twice = [option("Yes"), option("Yes")]
    error(text(horn, world.alice, chat_id, "Pick one", quick_replies=twice), 400, 1004, "quick_replies")
    same_payload = [option("Yes", "y"), option("Sure", "y")]
    error(text(horn, world.alice, chat_id, "Pick one", quick_replies=same_payload), 400, 1004, "quick_replies")
    not_a_list = {"0": option("Yes")}
    error(text(horn, world.alice, chat_id, "Pick one", quick_replies=not_a_list), 400, 1004, "quick_replies")
    assert snapshot() == before
