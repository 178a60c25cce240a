"""History and search in the console: Alice finds past chats by words and filters, sees the hits highlighted,
reads a transcript and exports it; Globex's chats never appear, and a visitor's markup stays text."""

from playwright.sync_api import expect

from tests.helpers import join, ok, request_chat, send, text, track

HOSTILE = "<img src=x onerror=alert(1)>"


def seed(horn, org_id: int, staff, *lines: str, note: str = "", end: bool = False, queue: str | None = None) -> str:
    visitor = track(horn, org_id)
    chat_id = request_chat(horn, visitor, **({"queue": queue} if queue else {}))
    join(horn, staff, chat_id)
    for i, line in enumerate(lines):
        ok(text(horn, visitor if i % 2 == 0 else staff, chat_id, line))
    if note:
        ok(send(horn, staff, {"type": "note", "chat": {"id": chat_id}, "text": note}))
    if end:
        ok(send(horn, staff, {"type": "end_chat", "chat": {"id": chat_id}}))
    return chat_id


def test_staff_find_a_past_chat_read_its_transcript_and_export_it(horn, world, console, screenshot):
    refund = seed(
        horn,
        world.acme.pk,
        world.bob,
        "My parcel never came, I want a refund",
        "Refund sent today",
        note="refund approved by finance",
        end=True,
    )
    seed(horn, world.acme.pk, world.bob, "Do you ship to Sweden?", "Yes, in three days", queue="sales")
    seed(horn, world.acme.pk, world.bob, "退款什么时候到账？", "明天到账")
    seed(horn, world.acme.pk, world.bob, f"{HOSTILE} refund please")
    seed(horn, world.globex.pk, world.charlie, "globex refund secret")

    alice = console(world.alice)
    alice.get_by_role("button", name="History").click()
    results = alice.get_by_role("list", name="Search results")
    expect(results.get_by_role("listitem")).to_have_count(4)  # the latest chats of Acme, not Globex's

    alice.get_by_role("searchbox", name="Search messages").fill("refund")
    alice.get_by_role("button", name="Search", exact=True).click()
    expect(results.get_by_role("listitem")).to_have_count(2)
    expect(results).not_to_contain_text("globex")
    expect(results.locator("mark").first).to_have_text("refund")
    expect(results.get_by_text(f"{HOSTILE} refund please")).to_be_visible()  # markup shown as text
    expect(results.locator("img")).to_have_count(0)
    expect(results.locator("blockquote.internal")).to_contain_text("refund approved by finance")

    alice.get_by_label("State").select_option("ended")
    alice.get_by_role("button", name="Search", exact=True).click()
    expect(results.get_by_role("listitem")).to_have_count(1)
    screenshot(alice, "console-search-results")

    results.get_by_role("button", name="Open transcript").click()
    transcript = alice.get_by_role("list", name="Transcript messages")
    expect(transcript).to_contain_text("My parcel never came, I want a refund")
    expect(transcript.locator("li.internal")).to_contain_text("refund approved by finance")
    with alice.expect_download() as got:
        alice.get_by_role("link", name="Export text").click()
    download = got.value
    assert download.suggested_filename == f"horn-chat-{refund}.txt"
    body = open(download.path(), encoding="utf-8").read()
    assert "[internal note] refund approved by finance" in body and "Refund sent today" in body
    with alice.expect_download() as got:
        alice.get_by_role("link", name="Export JSON").click()
    assert got.value.suggested_filename == f"horn-chat-{refund}.json"
    screenshot(alice, "console-search")

    alice.get_by_label("State").select_option("")
    alice.get_by_role("searchbox", name="Search messages").fill("到账")
    alice.get_by_role("button", name="Search", exact=True).click()
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results.locator("mark").first).to_have_text("到账")

    alice.get_by_role("searchbox", name="Search messages").fill("secret")
    alice.get_by_role("button", name="Search", exact=True).click()
    expect(alice.get_by_role("status").filter(has_text="No chats found.")).to_be_visible()

    alice.get_by_role("button", name="Back to chats").click()
    expect(alice.get_by_role("list", name="My chats")).to_be_visible()
