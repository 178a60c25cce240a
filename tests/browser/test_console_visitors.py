"""500 visitors online: Alice filters, sorts, scrolls to the last one and sees a newcomer arrive by push.

The visitors are tracked through the API (16 at a time, so Horn stores them in batches); only the rows
in view exist in the page.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from tests.helpers import ok, track

VISITORS = 500
HOSTILE = "<img src=x onerror=alert('title')>"


def page_of(i: int) -> dict:
    page = {
        "url": f"https://shop.example/p/{i}",
        "title": f"Product {i}",
        "referer": "https://www.google.com/",
        "browser": "Firefox 128",
        "os": "Linux",
    }
    if i % 50 == 7:
        page["title"] = f"Checkout {i}"
    if i == 123:
        page["title"] = HOSTILE
    if i == 200:
        page["customer"] = {"id": "CRM-4242", "name": "Maja"}
    return page


def test_alice_works_through_500_visitors_online(horn, world, console, screenshot):
    with ThreadPoolExecutor(16) as pool:
        visitors = list(pool.map(lambda i: track(horn, world.acme.pk, **page_of(i)), range(VISITORS)))
    track(horn, world.globex.pk, title="Globex secret")
    regular = visitors[300]
    for path in ("cart", "wishlist"):  # the visitor with the most page views
        body = {"cid": world.acme.pk, "uid": regular.uid, "url": f"https://shop.example/{path}", "title": "Cart"}
        ok(horn.post("/api/user/track", json=body, headers=regular.auth))

    alice = console(world.alice)
    counts = alice.locator("#visitor-counts")
    expect(counts).to_have_text("500 online")
    expect(alice.locator("#visitors-count")).to_have_text("(500)")
    rows = alice.get_by_role("list", name="Visitors online").get_by_role("listitem")
    expect(rows.first).to_contain_text("Firefox 128 · Linux")
    assert rows.count() < 30  # only the rows in view (and a few more) are in the page
    screenshot(alice, "console-visitors-500")

    # Filtering narrows the list to the matching rows, and the counts say so.
    search = alice.get_by_label("Filter visitors by page, title, name or customer id")
    search.fill("checkout")
    expect(counts).to_have_text("500 online, 10 shown")
    expect(rows).to_have_count(10)
    shown = {rows.nth(i).get_attribute("data-uid") for i in range(10)}
    assert shown == {visitors[i].uid for i in range(7, VISITORS, 50)}
    screenshot(alice, "console-visitors-filter")
    search.fill("crm-4242")  # a customer id
    expect(counts).to_have_text("500 online, 1 shown")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Maja")
    expect(rows.first).to_contain_text("unverified")
    search.fill("globex")
    expect(counts).to_have_text("500 online, 0 shown")
    expect(rows).to_have_text(["No visitor matches the filter."])

    # A page title is text, never markup.
    search.fill("onerror")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(HOSTILE)
    expect(alice.locator("aside.visitors img")).to_have_count(0)

    # Sorting: the visitor with the most pages first; each row says pages, new or returning, time on site.
    search.fill("")
    expect(counts).to_have_text("500 online")
    alice.get_by_label("Sort visitors").select_option(label="Most pages viewed")
    expect(rows.first).to_have_attribute("data-uid", regular.uid)
    expect(rows.first).to_contain_text(re.compile(r"3 pages · on site \d+ s"))
    expect(rows.first).to_contain_text("new")

    # Scrolling reaches the last visitor; the keyboard does too (Alt+O, Tab, Tab, End).
    scroller = alice.locator(".visitor-scroll")
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = alice.locator(f'#visitor-list li[aria-posinset="{VISITORS}"]')
    expect(last).to_be_in_viewport()
    assert last.get_attribute("data-uid") in {v.uid for v in visitors}
    scroller.evaluate("el => { el.scrollTop = 0; }")
    expect(last).to_have_count(0)
    alice.keyboard.press("Alt+o")
    expect(search).to_be_focused()
    alice.keyboard.press("Tab")
    alice.keyboard.press("Tab")
    expect(scroller).to_be_focused()
    alice.keyboard.press("End")
    expect(last).to_be_in_viewport()
    expect(last).to_have_class(re.compile(r"\bactive\b"))
    expect(scroller).to_have_attribute("aria-activedescendant", last.get_attribute("id"))
    screenshot(alice, "console-visitors-keyboard")
    alice.keyboard.press("ArrowUp")
    expect(alice.locator(f'#visitor-list li[aria-posinset="{VISITORS - 1}"]')).to_have_class(re.compile(r"\bactive\b"))

    # A new visitor arrives: pushed, without a reload, and found by the filter.
    newcomer = track(horn, world.acme.pk, url="https://shop.example/new-arrivals", title="New arrivals")
    expect(counts).to_have_text("501 online")
    search.fill("new arrivals")
    expect(counts).to_have_text("501 online, 1 shown")
    expect(rows.first).to_have_attribute("data-uid", newcomer.uid)
    expect(rows.first).to_contain_text("1 page")
    expect(rows.first).to_contain_text("New arrivals")


def test_a_visitor_who_leaves_goes_from_the_list_without_a_fetch(horn, world, console, settings):
    settings.HORN_HEARTBEAT_INTERVAL = 1  # offline after ~1.5 s without a ping instead of ~55 s
    alice = console(world.alice)
    staying = track(horn, world.acme.pk, title="Staying")
    leaving = track(horn, world.acme.pk, title="Leaving")
    pinged = [staying, leaving]
    stop = threading.Event()

    def keep_pinging():
        while not stop.wait(0.3):
            for v in list(pinged):
                horn.get("/api/ping", params={"uid": v.uid}, headers=v.auth)

    pinger = threading.Thread(target=keep_pinging, daemon=True)
    pinger.start()
    try:
        counts = alice.locator("#visitor-counts")
        expect(counts).to_have_text("2 online")
        fetched = []
        alice.on("request", lambda r: fetched.append(r.url) if "/api/users/online" in r.url else None)
        pinged.remove(leaving)  # the leaving visitor's tab is closed
        expect(counts).to_have_text("1 online")
        rows = alice.get_by_role("list", name="Visitors online").get_by_role("listitem")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Staying")
        # The presence notice alone took the row out: neither the whole list nor that visitor's row was asked for.
        assert [url for url in fetched if "uids=" not in url or leaving.uid in url] == []
    finally:
        stop.set()
        pinger.join()
