"""What visitors send is shown as text, never run: HTML, script, javascript: links, file names and page titles.

Files travel both ways: the visitor's image shows as a picture, its file as a download link, and
Alice attaches a file from the console.
"""

from django.conf import settings
from playwright.sync_api import expect

from tests.files.helpers import image_bytes, upload
from tests.helpers import ok, request_chat, send, text, track

HOSTILE = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "[click me](javascript:alert('link'))",
    "javascript:alert('bare')",
]
NASTY_NAME = "<img src=x onerror=alert(1)>.txt"


def test_visitor_html_and_file_names_are_shown_as_text(horn, world, console, monkeypatch, tmp_path, screenshot):
    # Upload URLs are built on HORN_PUBLIC_URL: point it at the test server so the picture loads.
    monkeypatch.setattr(settings, "HORN_PUBLIC_URL", horn.base_url.__str__().rstrip("/"))
    alice = console(world.alice)
    visitor = track(horn, world.acme.pk, title="<b>Shop</b><script>alert('title')</script>")
    chat_id = request_chat(horn, visitor)
    alice.get_by_role("button", name=f"Accept chat from Visitor {visitor.uid[:6]}").click()
    log = alice.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("You joined")

    for line in HOSTILE:
        ok(text(horn, visitor, chat_id, line))
    note = ok(upload(horn, visitor, chat_id, NASTY_NAME, b"just text\n", "text/plain"))["file"]
    ok(
        send(
            horn,
            visitor,
            {"type": "file", "chat": {"id": chat_id}, "from": {"id": visitor.uid}, "file": {"src": note["src"]}},
        )
    )
    picture = ok(upload(horn, visitor, chat_id, "photo.png", image_bytes("PNG", (80, 40)), "image/png"))["file"]
    ok(
        send(
            horn,
            visitor,
            {"type": "image", "chat": {"id": chat_id}, "from": {"id": visitor.uid}, "image": {"src": picture["src"]}},
        )
    )

    for line in HOSTILE:
        expect(log.get_by_text(line, exact=True)).to_be_visible()
    link = log.get_by_role("link", name=NASTY_NAME)
    expect(link).to_have_attribute("href", note["src"])
    image = log.get_by_role("img", name="Image sent in the chat")
    expect(image).to_have_attribute("src", picture["src"])
    expect(image).to_have_js_property("naturalWidth", 80)  # it loaded
    expect(log.locator("img")).to_have_count(1)  # the visitor's markup made none
    expect(log.locator("script")).to_have_count(0)
    expect(alice.get_by_role("list", name="Visitors online")).to_contain_text(
        "<b>Shop</b><script>alert('title')</script>"
    )

    # Alice sends a file from the console (POST /api/files, then a file message).
    path = tmp_path / "terms.txt"
    path.write_text("Terms and conditions\n")
    alice.get_by_label("Attach file").set_input_files(str(path))
    expect(log.get_by_role("link", name="terms.txt")).to_be_visible()
    visitor_view = ok(horn.get("/api/state/init", headers=visitor.auth))["state"]["chats"][0]["msgs"]
    assert [m["file"]["name"] for m in visitor_view if m["type"] == "file"] == [NASTY_NAME, "terms.txt"]
    screenshot(alice, "console-files")
    assert alice.dialogs == []
