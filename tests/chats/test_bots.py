"""Bots take part through the same API with a bot identity (`Authorization: Bearer <key>`)."""

from apps.accounts.actions import create_bot
from apps.accounts.models import Bot
from apps.chats.models import Chat, ChatMember
from tests.helpers import BotUser, error, ok, request_chat, send, snapshot, text, track
from tests.realtime.wsclient import events, frames, open_ws


def test_a_bot_answers_first_then_hands_over_to_a_person(horn, world, server, bot):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    with open_ws(server, visitor) as v_ws, open_ws(server, bot) as bot_ws:  # ?token= takes a bot key too
        joined = ok(send(horn, bot, {"type": "join_chat", "event": {}}))  # claims the oldest, like staff
        assert joined["chat"]["id"] == chat_id
        buttons = [{"type": "postback", "text": "Talk to a human", "payload": "HUMAN"}]
        ok(text(horn, bot, chat_id, "Hi, I am the shop's bot.", quick_replies=buttons))
        ok(text(horn, visitor, chat_id, "Talk to a human", quick_reply_payload="HUMAN"))
        seen = events(frames(v_ws))
        assert [(e["type"], e["from"]["role"]) for e in seen] == [
            ("join_chat", "bot"),
            ("text", "bot"),
            ("text", "user"),
        ]
        assert [e["quick_reply_payload"] for e in events(frames(bot_ws)) if e["from"]["role"] == "user"] == ["HUMAN"]
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == ("active", None)  # bots do not own chats

    with open_ws(server, world.alice) as a_ws:
        ok(send(horn, bot, {"type": "handover_to_agent", "chat": {"id": chat_id}}))
        assert [e["type"] for e in events(frames(a_ws))] == ["handover_to_agent"]  # the queue changed
    assert Chat.objects.get(pk=chat_id).state == "requested"
    # The bot keeps the visitor company while the chat waits, and steps out when a person takes it.
    assert ChatMember.objects.filter(chat_id=chat_id, uid=bot.uid, left_at__isnull=True).exists()
    ok(text(horn, bot, chat_id, "A colleague will be with you shortly."))
    with open_ws(server, bot) as bot_ws:
        taken = ok(send(horn, world.alice, {"type": "join_chat", "event": {}}))
        assert [(e["type"], e["from"]["id"]) for e in events(frames(bot_ws))] == [("join_chat", world.alice.sid)]
    assert taken["chat"]["id"] == chat_id and Chat.objects.get(pk=chat_id).owner_id == world.alice.sid
    assert not ChatMember.objects.filter(chat_id=chat_id, uid=bot.uid, left_at__isnull=True).exists()
    error(text(horn, bot, chat_id, "still here"), 403, 4002, "chat.id")
    (mine,) = ok(horn.get("/api/state/init", headers=world.alice.auth))["state"]["chats"]
    assert [m["from"]["role"] for m in mine["msgs"]][:3] == ["user", "bot", "bot"]  # the bot conversation comes along
    assert [m["from"]["role"] for m in taken["chat"]["msgs"]] == [m["from"]["role"] for m in mine["msgs"]]


def test_bots_see_the_staff_side_and_write_notes(horn, world, bot):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    state = ok(horn.get("/api/state/init", headers=bot.auth))["state"]
    assert [q["id"] for q in state["queue"]] == [chat_id]
    ok(send(horn, bot, {"type": "join_chat", "chat": {"id": chat_id}}))
    ok(send(horn, bot, {"type": "note", "chat": {"id": chat_id}, "text": "intent: refund"}))
    visitor_view = ok(horn.get("/api/state/init", headers=visitor.auth))["state"]["chats"][0]["msgs"]
    assert "note" not in [m["type"] for m in visitor_view]


def test_bot_keys_and_bot_limits(horn, world, bot):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    error(horn.get("/api/state/init", headers={"Authorization": "Bearer nope"}), 401, 2002, "Authorization")
    error(horn.get("/api/staff/info", headers=bot.auth), 403, 2004)  # bots have no staff profile
    error(horn.post("/api/staff/status", json={"status": "away"}, headers=bot.auth), 403, 2004)
    before = snapshot()
    body = {"type": "handover_to_agent", "chat": {"id": chat_id}}
    error(send(horn, world.alice, body), 403, 2004, "type")  # people do not hand over to people
    error(send(horn, visitor, {**body, "from": {"id": visitor.uid}}), 403, 2004, "type")
    error(send(horn, bot, body), 403, 4002, "chat.id")  # not in the chat
    error(send(horn, bot, {"type": "request_chat"}), 403, 2004, "type")
    assert snapshot() == before
    Bot.objects.filter(bid=bot.uid).update(is_active=False)
    from apps.accounts import auth

    auth.forget_tokens()
    error(horn.get("/api/state/init", headers=bot.auth), 401, 2002)


def test_transfer_to_a_bot_is_checked(horn, world, bot, chat):
    visitor, chat_id = chat
    stranger, _ = create_bot(org=world.globex, name="Other")
    asleep, _ = create_bot(org=world.acme, name="Retired")
    Bot.objects.filter(pk=asleep.pk).update(is_active=False)

    def to_bot(who, bid):
        return send(horn, who, {"type": "transfer", "chat": {"id": chat_id}, "event": {"to": {"bot": bid}}})

    before = snapshot()
    error(to_bot(world.alice, stranger.bid), 404, 3001, "event.to.bot")  # another org's bot is no bot of ours
    error(to_bot(world.alice, asleep.bid), 404, 3001, "event.to.bot")
    assert "bot id" in error(to_bot(world.alice, "not-an-id"), 400, 1007, "event.to.bot")["msg"]
    error(to_bot(world.bob, bot.uid), 403, 4002, "chat.id")  # Bob is not in the chat
    body = {"type": "transfer", "chat": {"id": chat_id}, "event": {"to": {"bot": bot.uid, "queue": "x"}}}
    error(send(horn, world.alice, body), 400, 1004, "event.to")
    assert snapshot() == before
    ok(to_bot(world.alice, bot.uid))
    error(to_bot(bot, bot.uid), 400, 1004, "event.to.bot")  # bots hand back with handover_to_agent


def test_another_orgs_bot_sees_nothing(horn, world):
    stranger, key = create_bot(org=world.globex, name="Other")
    bot = BotUser(stranger.bid, key)
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    error(send(horn, bot, {"type": "join_chat", "chat": {"id": chat_id}}), 404, 3001, "chat.id")
    assert ok(horn.get("/api/state/init", headers=bot.auth))["state"]["queue"] == []


def test_horn_bot_creates_a_working_key(horn, world):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("horn_bot", "--org", "Acme", "--name", "Helper", "--json", stdout=out)
    made = json.loads(out.getvalue())
    assert made["oid"] == world.acme.pk
    headers = {"Authorization": f"Bearer {made['key']}"}
    assert ok(horn.get("/api/state/init", headers=headers))["uid"] == made["bid"]
