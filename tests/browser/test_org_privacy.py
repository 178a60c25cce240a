"""/org/privacy/ in Chromium: Alice exports a visitor's data, erases it and reads both in the audit trail;
an agent is shown the door; a bad retention says what to type."""

import json
import re

from playwright.sync_api import expect

from tests.helpers import ok
from tests.privacy.helpers import tell_story


def log_in_to(page, staff, path: str = "/org/privacy/") -> None:
    page.goto(f"/login/?next={path}")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(staff.password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page).to_have_url(path)


def test_alice_exports_then_erases_a_visitor_and_sees_it_in_the_audit_trail(page, horn, world, screenshot):
    story = tell_story(horn, world.acme.pk, world.alice)
    log_in_to(page, world.alice)
    expect(page.get_by_role("heading", name="Privacy")).to_be_visible()
    expect(page.get_by_text("Everything is kept until you set a retention.")).to_be_visible()

    page.get_by_label("Keep for").fill("90")
    page.get_by_role("button", name="Save retention").click()
    expect(page.get_by_role("status")).to_have_text("Saved: chats and page views are kept for 90 days.")

    page.get_by_label("Visitor id").fill(story.visitor.uid)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export JSON").click()
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert download.value.suggested_filename.startswith("horn-export-")
    assert document["visitors"][0]["uid"] == story.visitor.uid
    assert "Please ship to 12 Elmstreet, Springfield" in str(document["chats"])

    page.get_by_label("Visitor id").fill(story.visitor.uid)
    page.get_by_role("button", name="Erase").click()  # not confirmed: nothing happens, the page says why
    expect(page.get_by_role("alert")).to_have_text("tick the box to confirm: an erasure cannot be undone")
    page.get_by_label("I understand an erasure cannot be undone").check()
    page.get_by_role("button", name="Erase").click()
    expect(page.get_by_role("status")).to_contain_text(f"Erased visitor {story.visitor.uid}: ")

    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # the header, the erasure, the export, the retention
    expect(rows.nth(1)).to_contain_text("Erased")
    expect(rows.nth(1)).to_contain_text(f"visitor {story.visitor.uid}")
    expect(rows.nth(1)).to_contain_text("Alice")
    expect(rows.nth(2)).to_contain_text("Exported")
    expect(rows.nth(3)).to_contain_text("Retention changed")
    expect(rows.nth(3)).to_contain_text("from: keep everything to: 90")
    screenshot(page, "org-privacy")

    history = ok(horn.get("/api/chat/history", params={"chat": story.chat_id}, headers=world.alice.auth))["msgs"]
    assert "Elmstreet" not in str(history)
    assert horn.get(story.file_src).status_code == 404


def test_bad_input_on_the_page_says_what_to_do_and_changes_nothing(page, horn, world):
    log_in_to(page, world.alice)
    page.get_by_label("Keep for").fill("0")
    page.get_by_role("button", name="Save retention").click()
    expect(page.get_by_role("alert")).to_have_text("retention must be from 1 to 3650 days")
    page.get_by_label("Keep for").fill("ninety")
    page.get_by_role("button", name="Save retention").click()
    expect(page.get_by_role("alert")).to_contain_text("whole number of days")
    page.get_by_label("Visitor id").fill("not-a-visitor")
    page.get_by_role("button", name="Export JSON").click()
    expect(page.get_by_role("alert")).to_have_text("uid is not a well-formed visitor id")
    page.get_by_label("Visitor id").fill("x" * 23)
    page.get_by_label("I understand an erasure cannot be undone").check()
    page.get_by_role("button", name="Erase").click()
    expect(page.get_by_role("alert")).to_have_text("no visitor with this id in this organisation")
    expect(page.get_by_text("Nothing yet.")).to_be_visible()
    assert ok(horn.get("/api/privacy/retention", headers=world.alice.auth))["days"] is None


def test_an_agent_is_shown_the_door(page, world):
    log_in_to(page, world.bob, "/org/privacy/")
    expect(page.get_by_role("alert")).to_contain_text("This page is for your organisation's admins.")
