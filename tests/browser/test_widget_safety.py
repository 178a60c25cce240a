"""Hostile text, a hostile host page and a failing server: the widget shows text as text and says what is wrong."""

import re

from playwright.sync_api import expect

from apps.accounts import orgs
from apps.accounts.models import Organisation
from apps.chats import availability
from tests.browser.test_widget_chat import staff_texts, waiting_chat, widget
from tests.conftest import ORIGIN_A
from tests.helpers import join, ok, text

HOSTILE = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "[click me](javascript:window.__pwned='md') **bold**",
]


def test_markup_in_messages_is_shown_literally_and_never_run(page, horn, demo):
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    box = w.get_by_role("textbox", name="Message")
    box.fill(HOSTILE[0])
    box.press("Enter")
    expect(w.locator(".msg.me:not(.pending)")).to_have_count(1)
    chat_id = waiting_chat(horn, demo.alice)
    join(horn, demo.alice, chat_id)
    for line in HOSTILE[1:]:
        ok(text(horn, demo.alice, chat_id, line))
    log = w.get_by_role("log")
    for line in HOSTILE:
        expect(log.get_by_text(line, exact=True)).to_have_count(1)
    assert log.locator("img, script, a, b, strong").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert staff_texts(horn, demo.alice, chat_id) == HOSTILE


HOST_PAGE = """<!doctype html><html><head><title>Acme shop</title>
<style>* { all: unset !important; } body { display: block; }</style>
<script>
  Array.prototype.foo = function () { return "foo"; };
  Object.prototype.bar = "bar";
  window.fetch = function () { throw new Error("this site broke fetch"); };
  JSON.parse.hacked = true;
</script>
<script src="{server}/static/widget.js" data-horn-cid="{cid}" data-horn-server="{server}" async></script>
</head><body><h1>Acme</h1><p>A site that does everything wrong.</p></body></html>"""


def allow(org, origin: str) -> None:
    Organisation.objects.filter(pk=org.pk).update(allowed_origins=[ORIGIN_A, origin])
    orgs.forget_all()


def test_a_hostile_host_page_on_another_origin_does_not_break_it(page, horn, world, server, host_site, screenshot):
    ok(horn.get("/api/ping", headers=world.alice.auth))
    availability.forget()
    allow(world.acme, host_site.origin)
    host_site.pages["/hostile"] = HOST_PAGE.replace("{server}", server).replace("{cid}", str(world.acme.pk))
    page.goto(f"{host_site.origin}/hostile")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    box = w.get_by_role("textbox", name="Message")
    expect(box).to_be_visible()
    box.fill("Hello from a hostile page")
    box.press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text="Hello from a hostile page")).to_be_visible()
    chat_id = waiting_chat(horn, world.alice)
    join(horn, world.alice, chat_id)
    ok(text(horn, world.alice, chat_id, "Still works"))
    expect(w.get_by_role("log").get_by_text("Still works")).to_be_visible()
    screenshot(page, "widget-hostile-host")
    # The panel kept its own layout: fixed, a real size, not flattened by the page's `all: unset`.
    size = w.get_by_role("dialog").bounding_box()
    assert size["width"] > 300 and size["height"] > 300


def test_a_config_error_is_said_in_the_panel_and_retry_recovers(page, horn, demo):
    failing = re.compile(r".*/api/widget/config\?.*")
    body = '{"code": 5000, "msg": "internal error", "field": null}'
    page.route(failing, lambda route: route.fulfill(status=500, content_type="application/json", body=body))
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    alert = w.get_by_role("alert")
    expect(alert).to_contain_text("The chat is unavailable right now.")
    expect(alert).to_contain_text("internal error (5000)")
    expect(w.get_by_role("textbox", name="Message")).to_be_hidden()
    page.unroute(failing)
    w.get_by_role("button", name="Try again").click()
    expect(w.get_by_text("Hi! How can we help you today?")).to_be_visible()
    expect(w.get_by_role("textbox", name="Message")).to_be_visible()


def test_an_unknown_org_says_so_instead_of_a_blank_box(page, horn, server, host_site):
    html = f'<!doctype html><title>x</title><script src="{server}/static/widget.js" data-horn-cid="999999"></script>'
    host_site.pages["/unknown-org"] = html
    page.goto(f"{host_site.origin}/unknown-org")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    expect(w.get_by_role("alert")).to_contain_text("organisation not found (3001)")


def test_a_site_not_on_the_orgs_list_is_refused_and_says_so(page, horn, world, server, host_site):
    """Cross-tenant: Globex's widget snippet copied onto a page of an origin only Acme allows."""
    allow(world.acme, host_site.origin)
    snippet = f'<script src="{server}/static/widget.js" data-horn-cid="{world.globex.pk}"></script>'
    host_site.pages["/copied"] = f"<!doctype html><title>x</title>{snippet}"
    page.goto(f"{host_site.origin}/copied")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    expect(w.get_by_role("alert")).to_contain_text("(2003)")


def test_a_strict_content_security_policy_needs_only_horns_origin(page, horn, world, server, host_site):
    """No inline styles or scripts, no eval: a page allowing nothing but Horn's origin still gets a working widget."""
    ok(horn.get("/api/ping", headers=world.alice.auth))
    availability.forget()
    allow(world.acme, host_site.origin)
    ws = server.replace("http://", "ws://")
    csp = f"default-src 'none'; script-src {server}; connect-src {server} {ws}; img-src {server}; style-src 'none'"
    snippet = (
        f'<script src="{server}/static/widget.js" data-horn-cid="{world.acme.pk}" data-horn-server="{server}"></script>'
    )
    host_site.pages["/strict"] = f'<!doctype html><meta http-equiv="Content-Security-Policy" content="{csp}">{snippet}'
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{host_site.origin}/strict")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    box = w.get_by_role("dialog").bounding_box()
    assert box["width"] == 370  # styled by the widget's constructed sheet, which the policy does not block
    w.get_by_role("textbox", name="Message").fill("Hello under a strict CSP")
    w.get_by_role("textbox", name="Message").press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text="Hello under a strict CSP")).to_be_visible()
    assert violations == []


def test_a_banned_visitor_is_told_the_chat_is_unavailable(page, horn, demo):
    from tests.browser.test_widget_chat import waiting_chat

    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    w.get_by_role("textbox", name="Message").fill("spam spam spam")
    w.get_by_role("textbox", name="Message").press("Enter")
    expect(w.locator(".msg.me:not(.pending)")).to_have_count(1)
    waiting_chat(horn, demo.alice)
    uid = page.evaluate("Horn.state().visitor.uid")
    ok(horn.post("/api/visitors/ban", json={"uid": uid, "reason": "spam"}, headers=demo.alice.auth))
    expect(w.get_by_role("alert")).to_contain_text("The chat is unavailable right now.")
    expect(w.get_by_role("alert")).to_contain_text("(2007)")
    expect(w.get_by_role("textbox", name="Message")).to_be_hidden()
