"""Working with colleagues: invite Bob into a chat, hand a chat to a bot, lift a ban."""

from playwright.sync_api import expect

from apps.chats.models import ChatMember
from tests.helpers import join, ok, request_chat, track


def test_alice_invites_bob_hands_a_chat_to_the_bot_and_lifts_a_ban(horn, world, bot, console):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    troll = track(horn, world.acme.pk)
    ok(horn.post("/api/visitors/ban", json={"uid": troll.uid, "reason": "spam"}, headers=world.alice.auth))
    label = f"Visitor {visitor.uid[:6]}"
    alice, bob = console(world.alice), console(world.bob)

    # Invite: Bob is asked, joins with the chat's history; Alice stays.
    alice.get_by_role("toolbar", name="Chat actions").get_by_role("button", name="Invite").click()
    alice.get_by_role("dialog", name="Invite a colleague").get_by_role("button", name="Bob").click()
    invitations = bob.get_by_role("list", name="Invitations")
    expect(invitations).to_contain_text("Alice invites you to a chat")
    invitations.get_by_role("button", name="Join").click()
    expect(bob.locator(".pane-head .title")).to_have_text(label)
    expect(bob.get_by_role("region", name="Invitations")).to_be_hidden()
    expect(alice.get_by_role("log", name="Conversation")).to_contain_text("Bob joined")
    assert ChatMember.objects.filter(chat_id=chat_id, left_at__isnull=True).count() == 3

    # To the bot: Alice leaves it (the bot finishes in her name), Bob is still in.
    alice.get_by_role("button", name="Transfer").click()
    alice.get_by_role("dialog", name="Transfer chat").get_by_role("button", name="Helper").click()
    expect(alice.get_by_role("list", name="My chats")).not_to_contain_text(label)
    expect(bob.get_by_role("log", name="Conversation")).to_contain_text("handed the chat to Helper")
    members = set(ChatMember.objects.filter(chat_id=chat_id, left_at__isnull=True).values_list("uid", flat=True))
    assert members == {visitor.uid, world.bob.sid, bot.uid}

    # Bans: listed with the reason and who banned, and lifted.
    alice.get_by_role("button", name="Bans").click()
    bans = alice.get_by_role("dialog", name="Bans")
    expect(bans).to_contain_text("“spam” · by Alice")
    bans.get_by_role("button", name=f"Lift the ban on Visitor {troll.uid[:6]}").click()
    expect(bans).to_contain_text("Nobody is banned.")
    assert ok(horn.get("/api/visitors/bans", headers=world.alice.auth))["data"] == []
