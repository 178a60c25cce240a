"""The admin's reports and live pages in Chromium: Alice reads a week of chats as a bar chart, filters it,
is told why a bad range is refused, downloads the CSV; the live page follows a visitor's request by push.
Bob, an agent, is kept out."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from apps.chats.models import Chat
from tests.helpers import request_chat, track
from tests.realtime.wsclient import open_ws
from tests.reports.helpers import answered_chat, end, move, online, rate, set_zone

ZONE = "Asia/Shanghai"


def bars(page, name: str) -> list[int]:
    chart = page.get_by_role("img", name=name)
    expect(chart).to_be_visible()
    return [int(v) for v in chart.locator("rect.bar").evaluate_all("rs => rs.map(r => r.dataset.value)")]


def test_alice_reads_a_week_of_chats_as_a_chart(horn, world, console, screenshot):
    set_zone(world.acme, ZONE)
    online(horn, world.bob, world.alice)
    today = datetime.now(ZoneInfo(ZONE)).date()
    # Chats per local day, oldest first: built through the API, then moved to 10:00 Shanghai time that day
    # (today's stay where they are), taken after 20, 30, 40 s and answered after 60, 90, 120 s.
    # Each chat is ended by its agent and rated, alternately 5 and 3.
    week = [0, 2, 0, 3, 1, 0, 1]
    for days_ago, count in zip(range(6, -1, -1), week, strict=True):
        for n in range(count):
            agent = world.bob if n % 2 == 0 else world.alice
            visitor, chat_id = answered_chat(horn, world.acme.pk, agent)
            end(horn, agent, chat_id)
            rate(horn, visitor, chat_id, 5 if n % 2 == 0 else 3)
            day = today - timedelta(days=days_ago)
            at = (
                datetime.combine(day, time(10, 0), ZoneInfo(ZONE))
                if days_ago
                else Chat.objects.get(pk=chat_id).created_at
            )
            move(chat_id, at, accepted=20 + 10 * n, responded=60 + 30 * n, ended=900)

    page = console(world.alice)
    page.goto("/org/reports/")
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    assert bars(page, "Chats by day") == week
    expect(page.locator('[data-figure="chats"]')).to_have_text("7")
    expect(page.locator('[data-figure="messages_per_chat"]')).to_have_text("2")  # a reply and a question each
    expect(page.locator('[data-figure="csat"]')).to_have_text("71.4")  # 5 of 7 ratings are 5
    expect(page.locator('[data-figure="avg_first_response"]')).to_have_text("1 min 17 s")  # (4 × 60 + 2 × 90 + 120) / 7
    assert sum(bars(page, "Chats by hour of day")) == 7
    agents = page.locator("#table-agents table")
    expect(agents.get_by_role("row", name=re.compile(r"^Bob 5 5"))).to_be_visible()
    expect(agents.get_by_role("row", name=re.compile(r"^Alice 2 2"))).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 1800})
    screenshot(page, "org-reports")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Only Bob's chats.
    page.get_by_role("combobox", name="Agent").select_option(label="Bob")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-figure="chats"]')).to_have_text("5")
    assert bars(page, "Chats by day") == [0, 1, 0, 2, 1, 0, 1]

    # The CSV download is the same report.
    href = page.get_by_role("link", name="Download CSV (by day)").get_attribute("href")
    csv = page.request.get(href)
    assert csv.ok and csv.text().splitlines()[-1].startswith("total,5,")

    # A range that ends before it starts is refused, and the page says what to do.
    page.get_by_label("From", exact=True).fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill((today - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("is before from")
    expect(page.get_by_role("alert")).to_contain_text("Change the range")
    screenshot(page, "org-reports-bad-range")


def test_the_live_page_follows_a_visitors_request_by_push(horn, world, console, screenshot, settings, server):
    settings.HORN_HEARTBEAT_INTERVAL = 1  # presence lapses about 2 s after the last sign of life
    page = console(world.alice)
    page.goto("/org/live/")
    waiting = page.locator('[data-figure="waiting"]')
    online = page.locator('[data-figure="agents_online"]')
    expect(waiting).to_have_text("0")
    # Alice's console (left by coming here) lapses; this page only watches, so it keeps nobody online
    # and brings her no chats.
    expect(online).to_have_text("0")
    with open_ws(server, world.bob):  # Bob opens his console: the page follows by push
        expect(online).to_have_text("1")
        request_chat(horn, track(horn, world.acme.pk))  # queued (with nobody online, it would be offline)
        expect(waiting).to_have_text("1")
        expect(page.locator('[data-figure="incoming_today"]')).to_have_text("1")
        expect(page.locator('[data-figure="longest_wait"]')).to_have_text(re.compile(r"^[1-9]\d* s$"))  # it grows
        screenshot(page, "org-live")


def test_an_agent_is_kept_out_of_the_reports(horn, world, console):
    page = console(world.bob)
    for path in ("/org/reports/", "/org/live/"):
        response = page.goto(path)
        assert response.status == 403
        expect(page.get_by_role("alert")).to_contain_text("for your organisation's admins")
