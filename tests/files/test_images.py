"""Seed 003's image endpoints: POST /images?apiKey= (base64 JSON, 201 + Location) and GET /images/{id}."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from apps.accounts.actions import create_bot
from apps.accounts.models import Bot, Organisation
from apps.accounts.orgs import forget_all
from apps.files.models import Upload
from tests.files.helpers import image_bytes, jpeg_with_gps, path_of, state
from tests.helpers import BotUser, error, ok, send


def post_image(client, key: str | None, payload, **kwargs):
    params = {"apiKey": key} if key is not None else {}
    return client.post("/images", params=params, json=payload, **kwargs)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_bot_uploads_an_image_and_gets_its_location(horn, world, bot, chat):
    _, chat_id = chat
    r = post_image(horn, bot.token, {"image": b64(jpeg_with_gps())})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["code"], body["msg"]) == (0, "ok") and set(body) == {"code", "msg", "id", "src"}
    assert r.headers["location"] == body["src"] and body["src"].endswith("/images/" + body["id"])
    assert len(body["id"]) >= 22

    served = horn.get(path_of(body["src"]))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline;")
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (20, 40) and not image.getexif() and b"HornCam" not in served.content
    assert Upload.objects.get(pk=body["id"]).chat_id is None  # not tied to a chat

    # The bearer header works as well as ?apiKey=, and the image can then be posted into a chat.
    again = horn.post("/images", json={"image": "data:image/png;base64," + b64(image_bytes())}, headers=bot.auth)
    assert again.status_code == 201, again.text
    ok(send(horn, bot, {"type": "join_chat", "chat": {"id": chat_id}}))
    sent = {"type": "image", "chat": {"id": chat_id}, "image": {"src": again.json()["src"]}}
    ok(send(horn, bot, sent))


def test_only_a_bot_key_may_upload_images(horn, world, bot, chat):
    visitor, _ = chat
    payload = {"image": b64(image_bytes())}
    before = state()
    error(post_image(horn, "not-a-key", payload), 401, 2002, "apiKey")
    error(post_image(horn, "", payload), 401, 2002, "apiKey")
    error(post_image(horn, None, payload), 401, 2001)
    error(post_image(horn, None, payload, headers=world.alice.auth), 403, 2004)
    error(post_image(horn, None, payload, headers=visitor.auth), 403, 2004)
    Bot.objects.filter(bid=bot.uid).update(is_active=False)
    error(post_image(horn, "x" * 300, payload), 401, 2002, "apiKey")
    assert state() == before


@pytest.mark.parametrize(
    "payload, status, code, field",
    [
        ({"image": b64(b"%PDF-1.4 not an image")}, 400, 1012, "image"),
        ({"image": b64(b"<svg onload='alert(1)'></svg>")}, 415, 1011, "image"),
        ({"image": b64(b"MZ\x90\x00" + b"\x00" * 64)}, 415, 1011, "image"),
        ({"image": b64(image_bytes("JPEG", (300, 200))[:500])}, 400, 1012, "image"),
        ({"image": "not base64 !!"}, 400, 1004, "image"),
        ({"image": ""}, 400, 1012, "image"),
        ({"image": 42}, 400, 1004, "image"),
        ({}, 400, 1002, "image"),
        ({"image": b64(image_bytes()), "name": "x"}, 400, 1003, "name"),
        ([1, 2], 400, 1001, None),
    ],
)
def test_bad_images_are_refused(horn, world, bot, payload, status, code, field):
    before = state()
    error(post_image(horn, bot.token, payload), status, code, field)
    assert state() == before


def test_the_org_limits_apply_to_images(horn, world, bot, settings):
    before = state()
    settings.HORN_MAX_FILE_SIZE = 2000
    big = image_bytes("PNG", (200, 200), compress_level=0)
    assert len(big) > 2000
    error(post_image(horn, bot.token, {"image": b64(big)}), 413, 1010, "image")
    settings.HORN_MAX_FILE_SIZE = 10**7
    Organisation.objects.filter(pk=world.acme.pk).update(accepted_file_types=["application/pdf"])
    forget_all()
    error(post_image(horn, bot.token, {"image": b64(image_bytes())}), 415, 1011, "image")
    assert state() == before


def test_another_orgs_bot_image_is_served_but_cannot_be_posted(horn, world, bot, chat):
    """Cross-tenant: a Globex bot's image is not found for Acme's messages."""
    _, chat_id = chat
    globex_bot, key = create_bot(org=world.globex, name="Theirs")
    theirs = BotUser(globex_bot.bid, key)
    r = post_image(horn, theirs.token, {"image": b64(image_bytes())})
    assert r.status_code == 201
    ok(send(horn, bot, {"type": "join_chat", "chat": {"id": chat_id}}))
    before = state()
    sent = {"type": "image", "chat": {"id": chat_id}, "image": {"src": r.json()["src"]}}
    error(send(horn, bot, sent), 404, 3001, "image.src")
    assert state() == before
    assert horn.get(path_of(r.json()["src"])).status_code == 200
    error(horn.get("/images/" + "B" * 24), 404, 3001)
