"""`file` and `image` messages point at uploads of their own organisation, and store what the upload says."""

from __future__ import annotations

import pytest

from apps.chats.models import Message
from tests.files.helpers import image_bytes, path_of, state, upload
from tests.helpers import error, join, ok, request_chat, send, track

PDF = b"%PDF-1.7\n" + b"0" * 3000


def file_message(chat_id: str, src: str, **extra) -> dict:
    return {"type": "file", "chat": {"id": chat_id}, "file": {"src": src, **extra}}


def image_message(chat_id: str, src: str, **extra) -> dict:
    return {"type": "image", "chat": {"id": chat_id}, "image": {"src": src, **extra}}


def test_the_stored_message_takes_name_size_and_dimensions_from_the_upload(horn, world, chat):
    visitor, chat_id = chat
    pdf = ok(upload(horn, visitor, chat_id, "offer.pdf", PDF))["file"]
    png = ok(upload(horn, visitor, chat_id, "shot.png", image_bytes("PNG", (30, 10))))["file"]
    lying = file_message(chat_id, pdf["src"], name="../evil.exe", size=1)
    f = ok(send(horn, visitor, lying))
    i = ok(send(horn, visitor, image_message(chat_id, png["src"], width=9999, height=1, size=5)))
    # An image may also be sent as a plain file (a download rather than a picture).
    g = ok(send(horn, world.alice, file_message(chat_id, png["src"])))
    rows = {m.mid: m.body for m in Message.objects.filter(mid__in=[f["mid"], i["mid"], g["mid"]])}
    assert rows[f["mid"]] == {"file": {"name": "offer.pdf", "src": pdf["src"], "size": len(PDF)}}
    assert rows[i["mid"]] == {"image": {"src": png["src"], "width": 30, "height": 10, "size": png["size"]}}
    assert rows[g["mid"]] == {"file": {"name": "shot.png", "src": png["src"], "size": png["size"]}}
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=visitor.auth))
    assert [m["file"] for m in history["msgs"] if m["type"] == "file"][0]["name"] == "offer.pdf"


def test_a_retried_file_message_is_stored_once(horn, world, chat):
    visitor, chat_id = chat
    pdf = ok(upload(horn, visitor, chat_id, "offer.pdf", PDF))["file"]
    first = ok(send(horn, visitor, file_message(chat_id, pdf["src"]), headers={"Idempotency-Key": "f-1"}))
    again = ok(send(horn, visitor, file_message(chat_id, pdf["src"]), headers={"Idempotency-Key": "f-1"}))
    assert first["mid"] == again["mid"] and Message.objects.filter(type="file").count() == 1


@pytest.mark.parametrize(
    "make_src, status, code",
    [
        (lambda up: "https://evil.test/files/" + up["id"] + "/offer.pdf", 400, 1004),  # an external URL
        (lambda up: up["src"].replace("http://", "https://"), 400, 1004),
        (lambda up: up["src"] + "?download=1", 400, 1004),
        (lambda up: up["src"].rsplit("/files/", 1)[0] + "/static/widget.js", 400, 1004),
        (lambda up: up["src"].replace(up["id"], "A" * len(up["id"])), 404, 3001),  # no such id
        (lambda up: up["src"].replace(up["id"], "short"), 404, 3001),
        (lambda up: up["src"].replace("offer.pdf", "other.pdf"), 404, 3001),  # not its name
        (lambda up: up["src"].rsplit("/files/", 1)[0] + "/images/" + up["id"], 404, 3001),  # not an image
    ],
)
def test_a_file_message_must_point_at_an_upload(horn, world, chat, make_src, status, code):
    visitor, chat_id = chat
    up = ok(upload(horn, visitor, chat_id, "offer.pdf", PDF))["file"]
    before = state()
    error(send(horn, visitor, file_message(chat_id, make_src(up), name="offer.pdf", size=10)), status, code, "file.src")
    assert state() == before


def test_an_image_message_must_point_at_an_image(horn, world, chat):
    visitor, chat_id = chat
    pdf = ok(upload(horn, visitor, chat_id, "offer.pdf", PDF))["file"]
    before = state()
    error(send(horn, visitor, image_message(chat_id, pdf["src"])), 400, 1004, "image.src")
    error(send(horn, visitor, image_message(chat_id, "https://images.example/cat.png")), 400, 1004, "image.src")
    assert state() == before


def test_a_message_cannot_point_at_another_organisations_upload(horn, world, chat):
    """Cross-tenant: Globex's upload is 'not found' for Acme, like a missing one; its URL still serves."""
    visitor, chat_id = chat
    globex_visitor = track(horn, world.globex.pk)
    globex_chat = request_chat(horn, globex_visitor)
    join(horn, world.charlie, globex_chat)
    pdf = ok(upload(horn, globex_visitor, globex_chat, "offer.pdf", PDF))["file"]
    png = ok(upload(horn, world.charlie, globex_chat, "x.png", image_bytes()))["file"]
    before = state()
    error(send(horn, visitor, file_message(chat_id, pdf["src"])), 404, 3001, "file.src")
    error(send(horn, world.alice, image_message(chat_id, png["src"])), 404, 3001, "image.src")
    assert state() == before
    assert horn.get(path_of(pdf["src"])).content == PDF  # anyone holding the URL
