"""GET /api/chats/{id}/transcript over the real API: the whole chat as a text or JSON download, for staff of the org."""

from __future__ import annotations

import orjson

from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track


def transcript(client, who, chat_id: str, **params):
    return client.get(f"/api/chats/{chat_id}/transcript", params=params, headers=who.auth)


def test_the_text_transcript_is_a_download_with_times_senders_and_marked_notes(horn, world, chat):
    visitor, chat_id = chat
    ok(text(horn, visitor, chat_id, "<b>not bold</b> please"))
    ok(send(horn, world.alice, {"type": "note", "chat": {"id": chat_id}, "text": "VIP customer"}))
    ok(text(horn, world.alice, chat_id, "On it"))
    r = transcript(horn, world.bob, chat_id)  # any staff member of the org, not only those in the chat
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="horn-chat-{chat_id}.txt"'
    lines = r.text.splitlines()
    assert lines[0] == f"Chat {chat_id}"
    said = [line.split("] ", 1)[1] for line in lines if line.startswith("[")]
    assert f"{visitor.uid} (user): <b>not bold</b> please" in said
    assert "Alice (staff): [internal note] VIP customer" in said
    assert said[-1] == "Alice (staff): On it"
    assert all(line[1:24].endswith("UTC") for line in lines if line.startswith("["))


def test_the_json_transcript_has_every_message_with_internal_marked(horn, world, chat):
    visitor, chat_id = chat
    ok(text(horn, visitor, chat_id, "hello 你好 🎉"))
    ok(send(horn, world.alice, {"type": "note", "chat": {"id": chat_id}, "text": "internal"}))
    r = transcript(horn, world.alice, chat_id, format="json")
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == f'attachment; filename="horn-chat-{chat_id}.json"'
    data = orjson.loads(r.content)
    assert data["chat"]["id"] == chat_id and data["chat"]["visitor"]["id"] == visitor.uid and data["cut"] is False
    content = [(m["type"], m.get("text"), m["internal"]) for m in data["msgs"] if m["type"] in ("text", "note")]
    assert content == [("text", "hello 你好 🎉", False), ("note", "internal", True)]
    assert [int(m["version"]) for m in data["msgs"]] == sorted(int(m["version"]) for m in data["msgs"])


def test_another_organisation_gets_the_same_404_as_a_missing_chat(horn, world, chat):
    _, chat_id = chat
    before = snapshot()
    error(transcript(horn, world.charlie, chat_id), 404, 3001, "chat")
    missing = chat_id[:-4] + ("aaaa" if not chat_id.endswith("aaaa") else "bbbb")
    error(transcript(horn, world.alice, missing), 404, 3001, "chat")
    assert snapshot() == before


def test_visitors_and_bad_input_are_refused(horn, world, chat):
    visitor, chat_id = chat
    error(transcript(horn, visitor, chat_id), 403, 2004)
    error(transcript(horn, world.alice, chat_id, format="pdf"), 400, 1004, "format")
    error(transcript(horn, world.alice, "not-a-chat"), 400, 1007, "chat")
    other = track(horn, world.acme.pk)
    join(horn, world.alice, request_chat(horn, other))
    error(transcript(horn, other, chat_id), 403, 2004)
