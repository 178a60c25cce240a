"""Console start in Chromium: from the login form's submit to a live console showing every chat and visitor.

The organisation gets a staff member with `console_chats` open chats (50 in the full run) and
`console_visitors` visitors online (500; the chats' visitors among them). Each run is a fresh
browser context (no cookies, an empty cache, as a person logging in on a new day): the login form
is filled, and the clock runs from the click on "Log in" until the page shows the connection
badge "Live", every chat in "My chats" and "<n> online" above the visitors list. One run first,
not reported, warms Horn and the browser.

    python -m bench.run --systems horn --only console
"""

from __future__ import annotations

import asyncio
import json
import time

from .loadgen import RawHttp, dumps, percentiles
from .systems import Horn

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]  # as tests/browser/conftest.py
PASSWORD = "bench-console-password-1"
KEEPALIVE_S = 20  # visitors are pinged between runs this often: presence forgets them after 55 s
CLIENTS = 8  # connections tracking the visitors at once (Horn stores concurrent page views together)

# A staff member of the bench org for this scenario alone (the others' chats would show in the console),
# and chats that stay theirs whatever the presence sweep sees between runs.
STAFF_SCRIPT = """
import json
from apps.accounts.actions import create_staff
from apps.accounts.models import Organisation
org = Organisation.objects.get(name="Bench")
org.offline_chats = Organisation.KEEP
org.save(update_fields=["offline_chats"])
s = create_staff(org=org, username="console-bench", password={password!r}, name="Console Bench")
s.max_chats = {chats}
s.save(update_fields=["max_chats"])
print(json.dumps({{"sid": s.sid, "token": s.user.auth_token.key}}))
"""

# True when the console is live and lists every chat and visitor (the moment is kept in `hornReady`).
# At least `visitors`: in a full run, visitors of the scenarios before may still be online.
READY = """([chats, visitors]) => {
  const badge = document.getElementById("connection");
  const counts = document.getElementById("visitor-counts");
  const ready = !!badge && badge.dataset.state === "live"
    && document.querySelectorAll("#chat-list > li:not(.none)").length === chats
    && !!counts && parseInt(counts.textContent, 10) >= visitors;
  if (ready) window.hornReady = performance.now();
  return ready;
}"""
# The navigation began with the form's POST; the console page's own fetch began after the login's answer
# (the password check) and its redirect.
LOGIN_MS = "performance.getEntriesByType('navigation')[0].fetchStart"


async def prepare(horn: Horn, chats: int, visitors: int) -> tuple[dict, list[dict]]:
    out = horn.manage("shell", "-v0", "-c", STAFF_SCRIPT.format(password=PASSWORD, chats=chats))
    staff = json.loads(out.strip().splitlines()[-1])
    clients = [RawHttp("127.0.0.1", horn.port) for _ in range(CLIENTS)]

    async def tracked(http: RawHttp, i: int) -> dict:
        page = {"cid": horn.oid, "url": f"https://bench.test/products/{i}", "title": f"Product {i}"}
        page.update(referer="https://www.example.com/", browser="Chrome 131", os="Windows")
        status, body = await http.request("POST", "/api/user/track", dumps(page))
        assert status == 200, body
        return json.loads(body)

    async def worker(k: int) -> list[dict]:
        return [await tracked(clients[k], i) for i in range(k, visitors, CLIENTS)]

    people = [v for part in await asyncio.gather(*(worker(k) for k in range(CLIENTS))) for v in part]
    http = clients[0]
    sauth = {"Authorization": f"Token {staff['token']}"}
    for v in people[:chats]:
        vauth = {"X-Horn-Token": v["token"]}
        status, body = await http.request("POST", "/api/message", dumps({"type": "request_chat"}), vauth)
        assert status == 200, body
        join = {"type": "join_chat", "chat": {"id": json.loads(body)["chat"]["id"]}}
        status, body = await http.request("POST", "/api/message", dumps(join), sauth)
        assert status == 200, body
    for c in clients:
        await c.close()
    return staff, people


async def keep_online(horn: Horn, people: list[dict]) -> None:
    clients = [RawHttp("127.0.0.1", horn.port) for _ in range(CLIENTS)]

    async def worker(k: int) -> None:
        for v in people[k::CLIENTS]:
            auth = {"X-Horn-Token": v["token"]}
            status, body = await clients[k].request("GET", f"/api/ping?uid={v['uid']}", b"", auth)
            assert status == 200, body

    await asyncio.gather(*(worker(k) for k in range(CLIENTS)))
    for c in clients:
        await c.close()


async def one_start(browser, horn: Horn, chats: int, visitors: int) -> tuple[float, float]:
    """(submit to ready, the login's share of it) in ms."""
    context = await browser.new_context(base_url=horn.base, viewport={"width": 1280, "height": 800})
    try:
        page = await context.new_page()
        await page.goto("/login/?next=/")
        await page.get_by_label("Username").fill("console-bench")
        await page.get_by_label("Password").fill(PASSWORD)
        t0 = time.perf_counter()
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"{horn.base}/")
        await page.wait_for_function(READY, arg=[chats, visitors], timeout=60_000)
        took = (time.perf_counter() - t0) * 1000
        login, ready = await page.evaluate(f"[{LOGIN_MS}, window.hornReady]")
        return took, took - (ready - login)
    finally:
        await context.close()


async def console_start(horn: Horn, cfg: dict) -> dict:
    from playwright.async_api import async_playwright

    chats, visitors, runs = cfg["console_chats"], cfg["console_visitors"], cfg["console_runs"]
    staff, people = await prepare(horn, chats, visitors)
    times: list[float] = []
    logins: list[float] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            pinged = time.monotonic()
            for i in range(runs + 1):
                if time.monotonic() - pinged > KEEPALIVE_S:  # between runs, never during one
                    await keep_online(horn, people)
                    pinged = time.monotonic()
                took, login = await one_start(browser, horn, chats, visitors)
                if i:  # the first run warms up
                    times.append(took)
                    logins.append(login)
        finally:
            await browser.close()
    result = {
        "chats": chats,
        "visitors": visitors,
        "runs": len(times),
        **percentiles(times),
        "min": round(min(times), 1),
        "max": round(max(times), 1),
        # Of which the login's answer: Django's PBKDF2 password check, on purpose slow, and the redirect.
        "login_p50": percentiles(logins)["p50"],
    }
    print("  console start", json.dumps(result), flush=True)
    return result
