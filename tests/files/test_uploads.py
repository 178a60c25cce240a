"""POST /api/files and GET /files/{id}/{name}: who may upload, what is stored and how it is served."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from apps.accounts.models import Organisation
from apps.accounts.orgs import forget_all
from apps.files.models import Upload
from tests.accounts.test_staff import login
from tests.conftest import ORIGIN_A
from tests.files.helpers import (
    image_bytes,
    jpeg_with_gps,
    path_of,
    png_declaring,
    state,
    upload,
    upload_raw_name,
)
from tests.helpers import error, join, ok, request_chat, send, track
from tests.realtime.wsclient import events, frames, open_ws

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # ~10 KB


def assert_safe_headers(response, *, inline: bool) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script" not in csp
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;"), disposition
    assert "filename*=UTF-8''" in disposition


# --- the done-when paths ----------------------------------------------------------


def test_a_visitors_file_reaches_staff_as_a_file_message_whose_src_serves_the_same_bytes(horn, world, server, chat):
    visitor, chat_id = chat
    up = ok(upload(horn, visitor, chat_id, "invoice.pdf", PDF))["file"]
    assert (up["name"], up["size"], up["content_type"]) == ("invoice.pdf", len(PDF), "application/pdf")
    assert "width" not in up and len(up["id"]) >= 22

    with open_ws(server, world.alice) as ws:
        sent = ok(send(horn, visitor, {"type": "file", "chat": {"id": chat_id}, "file": {"src": up["src"]}}))
        (got,) = events(frames(ws))
    assert (got["type"], got["mid"], got["from"]["id"]) == ("file", sent["mid"], visitor.uid)
    assert got["file"] == {"name": "invoice.pdf", "src": up["src"], "size": len(PDF)}

    served = horn.get(path_of(got["file"]["src"]))
    assert served.status_code == 200 and served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert_safe_headers(served, inline=False)


def test_an_image_arrives_reencoded_upright_with_its_size_and_without_gps(horn, world, server, chat):
    visitor, chat_id = chat
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload really carries GPS
    up = ok(upload(horn, visitor, chat_id, "holiday.jpg", original, "image/jpeg"))["file"]
    # EXIF said "rotate 90 degrees": the pixels were turned, so 40x20 became 20x40.
    assert (up["content_type"], up["width"], up["height"]) == ("image/jpeg", 20, 40)

    with open_ws(server, world.alice) as ws:
        body = {"type": "image", "chat": {"id": chat_id}, "image": {"src": up["src"]}}
        ok(send(horn, visitor, body))
        (got,) = events(frames(ws))
    assert got["image"] == {"src": up["src"], "width": 20, "height": 40, "size": up["size"]}

    served = horn.get(path_of(up["src"]))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert_safe_headers(served, inline=True)
    assert served.headers["cross-origin-resource-policy"] == "cross-origin"
    assert served.content != original and b"Exif" not in served.content and b"HornCam" not in served.content
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (20, 40) and not image.getexif()


def test_staff_and_bots_upload_into_chats_they_are_in(horn, world, chat, bot):
    _, chat_id = chat
    ok(upload(horn, world.alice, chat_id, "notes.txt", b"plain notes\n", "text/plain"))
    error(upload(horn, bot, chat_id, "a.txt", b"hi"), 403, 4002, "chat")
    ok(send(horn, bot, {"type": "join_chat", "chat": {"id": chat_id}}))
    up = ok(upload(horn, bot, chat_id, "pixel.png", image_bytes()))["file"]
    assert (up["width"], up["height"], up["content_type"]) == (40, 20, "image/png")
    rows = Upload.objects.order_by("created_at").values_list("uploader_id", "uploader_role", "chat_id")
    assert list(rows) == [(world.alice.sid, "staff", chat_id), (bot.uid, "bot", chat_id)]


def test_console_staff_upload_with_their_session_and_csrf_token(horn, server, world, chat):
    _, chat_id = chat
    with login(server, world.alice) as console:
        before = state()
        files = {"file": ("notes.txt", b"from the console", "text/plain")}
        error(console.post("/api/files", params={"chat": chat_id}, files=files), 403, 2005)
        assert state() == before
        headers = {"X-CSRFToken": console.cookies["csrftoken"]}
        up = ok(console.post("/api/files", params={"chat": chat_id}, files=files, headers=headers))["file"]
    assert Upload.objects.get(pk=up["id"]).uploader_id == world.alice.sid


def test_an_upload_into_a_chat_the_caller_is_not_in_is_refused(horn, world, chat):
    _, chat_id = chat
    stranger = track(horn, world.acme.pk)
    globex_visitor = track(horn, world.globex.pk)
    globex_chat = request_chat(horn, globex_visitor)
    before = state()
    error(upload(horn, stranger, chat_id, "a.pdf", PDF), 403, 4002, "chat")
    error(upload(horn, world.bob, chat_id, "a.pdf", PDF), 403, 4002, "chat")  # Acme staff, but not in it
    error(upload(horn, world.charlie, chat_id, "a.pdf", PDF), 404, 3001, "chat")  # another org's chat
    error(upload(horn, world.alice, globex_chat, "a.pdf", PDF), 404, 3001, "chat")
    error(upload(horn, world.alice, "x" * 25, "a.pdf", PDF), 404, 3001, "chat")
    error(upload(horn, world.alice, "short", "a.pdf", PDF), 400, 1007, "chat")
    error(horn.post("/api/files", params={"chat": chat_id}, files={"file": ("a.pdf", PDF)}), 401, 2001)
    assert state() == before


def test_an_ended_chat_takes_no_uploads(horn, world, chat):
    visitor, chat_id = chat
    ok(send(horn, visitor, {"type": "end_chat", "chat": {"id": chat_id}}))
    before = state()
    error(upload(horn, visitor, chat_id, "a.pdf", PDF), 409, 4001, "chat")
    assert state() == before


# --- what the bytes are, not what they claim ----------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
XML_SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("page.html", HTML, "text/html"),
        ("cat.png", HTML, "image/png"),
        ("cat.png", b"  \n<html><script>alert(1)</script>", "image/png"),
        ("logo.svg", SVG, "image/svg+xml"),
        ("logo.png", XML_SVG, "image/png"),
        ("setup.png", EXE, "image/png"),
        ("photo.jpg", ELF, "application/octet-stream"),
        ("holiday.pdf", EXE, "application/pdf"),
        ("run.txt", b"#!/bin/sh\nrm -rf ~\n", "text/plain"),
    ],
)
def test_html_svg_and_programs_are_refused_whatever_they_are_called(horn, world, chat, name, data, content_type):
    visitor, chat_id = chat
    before = state()
    error(upload(horn, visitor, chat_id, name, data, content_type), 415, 1011, "file")
    assert state() == before


@pytest.mark.parametrize(
    "name, content_type",
    [("cat.png", "application/octet-stream"), ("cat", "image/png"), ("cat.JPEG", "image/jpeg"), ("cat.webp", "")],
)
def test_a_file_called_an_image_must_be_one(horn, world, chat, name, content_type):
    visitor, chat_id = chat
    before = state()
    error(upload(horn, visitor, chat_id, name, b"just some text, not pixels", content_type), 400, 1012, "file")
    assert state() == before


def test_a_png_with_a_trailing_payload_is_stored_without_it(horn, world, chat):
    visitor, chat_id = chat
    payload = b"PK\x03\x04<html><script>alert('polyglot')</script></html>" * 20
    up = ok(upload(horn, visitor, chat_id, "cat.png", image_bytes() + payload, "image/png"))["file"]
    served = horn.get(path_of(up["src"]))
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert b"polyglot" not in served.content and b"<html" not in served.content
    assert served.content.endswith(b"IEND\xaeB`\x82") and up["size"] == len(served.content)
    assert Image.open(io.BytesIO(served.content)).size == (40, 20)


def test_a_decompression_bomb_is_refused(horn, world, chat, settings):
    visitor, chat_id = chat
    before = state()
    tiny_but_huge = png_declaring(100_000, 100_000)  # 10 gigapixels in ~60 bytes
    assert len(tiny_but_huge) < 100
    body = error(upload(horn, visitor, chat_id, "bomb.png", tiny_but_huge, "image/png"), 400, 1012, "file")
    assert "pixels" in body["msg"]
    # A real, valid image over the pixel limit: 3000x3000 of black compresses to a few KB.
    settings.HORN_MAX_IMAGE_PIXELS = 1_000_000
    black = image_bytes("PNG", (3000, 3000), optimize=True)
    assert len(black) < 100_000
    error(upload(horn, visitor, chat_id, "black.png", black, "image/png"), 400, 1012, "file")
    assert state() == before


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused(horn, world, chat, fmt):
    visitor, chat_id = chat
    whole = image_bytes(fmt, (300, 200))
    before = state()
    error(upload(horn, visitor, chat_id, f"cut.{fmt.lower()}", whole[: len(whole) // 2]), 400, 1012, "file")
    assert state() == before


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")])
def test_every_image_format_is_reencoded_in_its_own_format(horn, world, chat, fmt, content_type):
    visitor, chat_id = chat
    up = ok(upload(horn, visitor, chat_id, "picture.bin", image_bytes(fmt), "application/octet-stream"))["file"]
    # The type comes from the bytes, and the name gets its extension.
    assert (up["content_type"], up["name"], up["width"], up["height"]) == (
        content_type,
        "picture." + fmt.lower(),  # the wrong extension is replaced
        40,
        20,
    )
    served = horn.get(path_of(up["src"]))
    assert Image.open(io.BytesIO(served.content)).format == fmt


def test_an_animated_gif_keeps_its_first_frame(horn, world, chat):
    visitor, chat_id = chat
    frames_ = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames_[0].save(out, "GIF", save_all=True, append_images=frames_[1:], duration=100, loop=0, comment=b"gps?")
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 3
    up = ok(upload(horn, visitor, chat_id, "wave.gif", out.getvalue(), "image/gif"))["file"]
    served = Image.open(io.BytesIO(horn.get(path_of(up["src"])).content))
    assert (served.format, served.n_frames, served.size) == ("GIF", 1, (16, 16))
    assert "comment" not in served.info


def test_ordinary_files_are_typed_by_their_bytes_and_served_as_attachments(horn, world, chat):
    visitor, chat_id = chat
    zipped = ok(upload(horn, visitor, chat_id, "report.docx", b"PK\x03\x04" + b"\x00" * 100, "text/html"))["file"]
    unknown = ok(upload(horn, visitor, chat_id, "blob.pdf", bytes(range(256)), "application/pdf"))["file"]
    assert zipped["content_type"] == "application/zip" and unknown["content_type"] == "application/octet-stream"
    served = horn.get(path_of(unknown["src"]))
    assert served.headers["content-type"] == "application/octet-stream"
    assert_safe_headers(served, inline=False)


def test_an_empty_file_or_no_file_is_refused(horn, world, chat):
    visitor, chat_id = chat
    before = state()
    error(upload(horn, visitor, chat_id, "empty.pdf", b""), 400, 1012, "file")
    error(horn.post("/api/files", params={"chat": chat_id}, data={"x": "1"}, headers=visitor.auth), 400, 1004, "file")
    files = {"other": ("a.pdf", PDF, "application/pdf")}
    error(horn.post("/api/files", params={"chat": chat_id}, files=files, headers=visitor.auth), 400, 1002, "file")
    error(
        horn.post("/api/files", params={"chat": chat_id}, json={"file": "x"}, headers=visitor.auth), 400, 1004, "file"
    )
    error(horn.post("/api/files", files={"file": ("a.pdf", PDF)}, headers=visitor.auth), 400, 1002, "chat")
    assert state() == before


# --- names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("C:\\Users\\me\\report.txt", "report.txt"),
        ("re\x00port\x07.txt", "report.txt"),
        ("line\r\nSet-Cookie: x=1.txt", "lineSet-Cookie: x=1.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("\u2066hidden\u2069 name.txt", "hidden name.txt"),
        (" . ", "file"),
        ("résumé 📄.txt", "résumé 📄.txt"),
    ],
)
def test_names_are_sanitised(horn, world, chat, sent, stored):
    visitor, chat_id = chat
    up = ok(upload_raw_name(horn, visitor, chat_id, sent, b"some text\n"))["file"]
    assert up["name"] == stored
    served = horn.get(path_of(up["src"]))
    assert served.status_code == 200 and served.content == b"some text\n"
    assert_safe_headers(served, inline=False)


def test_a_500_character_name_is_cut_to_120_keeping_its_extension(horn, world, chat):
    visitor, chat_id = chat
    up = ok(upload_raw_name(horn, visitor, chat_id, "a" * 500 + ".txt", b"x"))["file"]
    assert len(up["name"]) == 120 and up["name"].endswith("aaa.txt")


def test_a_file_is_served_only_under_its_id_and_exact_name(horn, world, chat):
    visitor, chat_id = chat
    up = ok(upload(horn, visitor, chat_id, "a b.pdf", PDF))["file"]
    assert horn.get(path_of(up["src"])).content == PDF
    assert path_of(up["src"]).endswith("/a%20b.pdf")
    error(horn.get(f"/files/{up['id']}/other.pdf"), 404, 3001)
    error(horn.get(f"/files/{'A' * 24}/a%20b.pdf"), 404, 3001)
    error(horn.get(f"/files/{up['id'][:-1]}/a%20b.pdf"), 404, 3001)
    error(horn.get(f"/images/{up['id']}"), 404, 3001)  # not an image
    error(horn.get(f"/files/{up['id']}"), 404, 3002)


# --- limits ---------------------------------------------------------------------------


def test_the_server_and_the_org_limit_the_size(horn, world, chat, settings):
    visitor, chat_id = chat
    before = state()
    settings.HORN_MAX_FILE_SIZE = 5000
    body = error(upload(horn, visitor, chat_id, "big.pdf", PDF + b"x" * 5000), 413, 1010, "file")
    assert body["max_size"] == 5000
    # Announced larger than any upload may be: refused before the body is read (and readable by the widget).
    files = {"file": ("huge.pdf", PDF + b"x" * 200_000, "application/pdf")}
    r = horn.post("/api/files", params={"chat": chat_id}, files=files, headers={**visitor.auth, "Origin": ORIGIN_A})
    assert error(r, 413, 1010, "file")["max_size"] == 5000
    assert r.headers["access-control-allow-origin"] == ORIGIN_A
    Organisation.objects.filter(pk=world.acme.pk).update(max_file_size=1000)
    forget_all()
    error(upload(horn, visitor, chat_id, "mid.pdf", PDF[:1500]), 413, 1010, "file")
    Organisation.objects.filter(pk=world.acme.pk).update(max_file_size=10**9)  # an org cannot raise it
    forget_all()
    error(upload(horn, visitor, chat_id, "big.pdf", PDF + b"x" * 5000), 413, 1010, "file")
    assert state() == before
    ok(upload(horn, visitor, chat_id, "small.pdf", PDF[:1000]))


def test_an_org_accepts_only_its_listed_types(horn, world, chat):
    visitor, chat_id = chat
    Organisation.objects.filter(pk=world.acme.pk).update(accepted_file_types=["image/*", "text/plain"])
    forget_all()
    before = state()
    body = error(upload(horn, visitor, chat_id, "a.pdf", PDF), 415, 1011, "file")
    assert body["accepted"] == ["image/*", "text/plain"]
    error(upload(horn, visitor, chat_id, "a.zip", b"PK\x03\x04" + b"\x00" * 50), 415, 1011, "file")
    assert state() == before
    ok(upload(horn, visitor, chat_id, "a.png", image_bytes()))
    ok(upload(horn, visitor, chat_id, "a.txt", b"hello"))
    ok(upload(horn, world.alice, chat_id, "b.txt", b"staff too"))
    # Globex lists nothing: everything that is not dangerous.
    globex_visitor = track(horn, world.globex.pk)
    globex_chat = request_chat(horn, globex_visitor)
    ok(upload(horn, globex_visitor, globex_chat, "a.pdf", PDF))


def test_a_visitor_has_an_upload_budget_and_staff_have_none(horn, world, chat, settings):
    visitor, chat_id = chat
    settings.HORN_VISITOR_UPLOAD_BUDGET = 5000
    ok(upload(horn, visitor, chat_id, "one.pdf", PDF[:3000]))
    error(upload(horn, visitor, chat_id, "empty.pdf", b""), 400, 1012, "file")
    before = state()
    r = upload(horn, visitor, chat_id, "two.pdf", PDF[:3000])
    body = error(r, 413, 1013, "file")
    assert 0 < body["retry_after"] <= 86400 and r.headers["retry-after"] == str(body["retry_after"])
    assert state() == before
    ok(upload(horn, visitor, chat_id, "fits.pdf", PDF[:2000]))  # the refused one took nothing
    for _ in range(3):
        ok(upload(horn, world.alice, chat_id, "staff.pdf", PDF[:3000]))
    # A refused file gives its bytes back.
    other = track(horn, world.acme.pk)
    other_chat = request_chat(horn, other)
    error(upload(horn, other, other_chat, "x.png", b"not a png"), 400, 1012, "file")
    ok(upload(horn, other, other_chat, "y.pdf", PDF[:4900]))


def test_uploads_are_isolated_between_organisations(horn, world, chat):
    _, chat_id = chat
    globex_visitor = track(horn, world.globex.pk)
    globex_chat = request_chat(horn, globex_visitor)
    join(horn, world.charlie, globex_chat)
    theirs = ok(upload(horn, world.charlie, globex_chat, "secret.pdf", PDF))["file"]
    before = state()
    error(upload(horn, world.charlie, chat_id, "x.pdf", PDF), 404, 3001, "chat")
    body = {"type": "file", "chat": {"id": chat_id}, "file": {"src": theirs["src"]}}
    error(send(horn, world.alice, body), 404, 3001, "file.src")
    assert state() == before
    assert Upload.objects.get(pk=theirs["id"]).org_id == world.globex.pk
