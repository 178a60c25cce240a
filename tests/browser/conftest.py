"""Browser tests: Debian's Chromium driven by Playwright, against the live Horn server of the suite.

One browser for the whole session (starting Chromium costs about a second), a
fresh context (cookies, storage, permissions) per test. Screenshots go to
var/screenshots/ (HORN_SCREENSHOTS to change it): open them to see what a
person sees; the ones the docs show are copied to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("HORN_CHROMIUM", "/usr/bin/chromium")
# No sandbox: CI runs as root. No background networking: this machine's network is closed,
# and Chromium's update and safe-browsing calls would fail noisily at every start.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(os.environ.get("HORN_SCREENSHOTS", settings.DATA_DIR / "screenshots"))


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop running in this thread; Django then refuses ORM
    # calls made here by fixtures (they are plain sync code, run between browser steps).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name"): write var/screenshots/<name>.png and return its path."""

    def take(page, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{re.sub(r'[^0-9A-Za-z_.-]', '_', name)}.png"
        page.screenshot(path=str(path))
        return path

    return take


def log_in(page, staff, connection: str = "Live") -> None:
    """Log `staff` in through the form and wait until the console's connection shows `connection`."""
    from playwright.sync_api import expect

    page.goto("/login/?next=/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(staff.password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page.get_by_role("status", name="Connection")).to_have_text(connection)


@pytest.fixture
def console(browser, server):
    """console(staff) -> a page of a fresh context (its own cookies), logged in, live.

    Dialogs are recorded (page.dialogs) and dismissed; any dialog or uncaught script error fails the test.

    console(staff, block_websockets=True): every /ws handshake is refused, as by a proxy that drops
    upgrades; the console must then say "Long-poll".
    """
    contexts = []
    errors: list[str] = []  # an uncaught exception in the console's scripts, or any dialog, fails the test

    def open_console(staff, block_websockets: bool = False):
        ctx = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        if block_websockets:
            ctx.route_web_socket(re.compile(r"/ws\b"), lambda ws: ws.close(code=1001, reason="blocked"))
        page = ctx.new_page()
        page.dialogs = []
        page.on(
            "dialog", lambda d: (page.dialogs.append(d.message), errors.append(f"dialog: {d.message}"), d.dismiss())
        )
        page.on("pageerror", lambda exc: errors.append(f"{staff.username}: {exc}"))
        log_in(page, staff, "Long-poll" if block_websockets else "Live")
        return page

    yield open_console
    for ctx in contexts:
        ctx.close()
    assert errors == [], errors


@pytest.fixture
def demo(horn):
    """The demo shop's org ("Demo", as horn_demo makes it) with Alice on duty, and a helper to read staff's view."""
    from apps.accounts.actions import create_organisation
    from apps.chats import availability
    from tests.conftest import _staff

    org = create_organisation(name="Demo", allowed_origins=[])
    alice = _staff(org, "alice", "Alice")
    horn.get("/api/ping", headers=alice.auth).raise_for_status()  # present and `online`: chats are taken
    availability.forget()
    return SimpleNamespace(org=org, alice=alice)


@pytest.fixture(scope="session")
def host_site():
    """A second website on loopback (another origin than Horn's), serving the pages a test puts in it.

    Chromium lets a page reach a loopback server only from loopback (Local Network Access),
    so a fulfilled Playwright route cannot stand in for the customer's site: this is a real one.
    host_site.pages["/shop"] = "<html>...";  host_site.origin == "http://127.0.0.1:<port>"
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(origin=f"http://127.0.0.1:{httpd.server_address[1]}", pages=pages)
    httpd.shutdown()
