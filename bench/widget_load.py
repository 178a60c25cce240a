"""Measure the widget on the demo page: size, requests at load and while idle, time to launcher and to `ready`.

    python -m bench.widget_load --url http://127.0.0.1:8000 [--idle 65]

Needs a running Horn with the demo org (`make run`) and Debian's Chromium. Prints JSON.
Timings are from one headless Chromium on loopback: they show the widget's own cost
(parse, Shadow DOM, two API round trips), not a network's.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

WIDGET = Path(__file__).resolve().parent.parent / "static" / "widget.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Before any page script: note when `ready` fires and when the launcher is first drawn.
PROBE = """
window.Horn = {q: [["on", ["ready", () => { window.__ready = performance.now(); }]]]};
(function look() {
  const host = document.querySelector("horn-chat");
  const button = host && host.shadowRoot && host.shadowRoot.querySelector(".launcher");
  if (button && button.getBoundingClientRect().width > 0 && !window.__launcher) window.__launcher = performance.now();
  if (!window.__launcher) requestAnimationFrame(look);
})();
"""


def measure(url: str, idle: int, runs: int) -> dict:
    raw = WIDGET.read_bytes()
    out = {"widget_js_bytes": len(raw), "widget_js_gzip9_bytes": len(gzip.compress(raw, 9))}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        to_launcher, to_ready, load_requests = [], [], []
        for _ in range(runs):
            ctx = browser.new_context()  # a new visitor each time: nothing cached, nothing stored
            page = ctx.new_page()
            requests: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            page.add_init_script(PROBE)
            page.goto(f"{url}/demo/")
            page.wait_for_function("window.__ready && window.__launcher")
            start = page.evaluate(
                "performance.getEntriesByType('resource').find(e => e.name.endsWith('/widget.js')).responseEnd"
            )
            to_launcher.append(page.evaluate("window.__launcher") - start)
            to_ready.append(page.evaluate("window.__ready") - start)
            page.wait_for_timeout(1000)
            load_requests.append([u for u in requests if "/demo/" not in u and not u.endswith("widget.js")])
            ctx.close()
        out["ms_script_loaded_to_launcher_visible_median"] = round(sorted(to_launcher)[runs // 2], 1)
        out["ms_script_loaded_to_ready_median"] = round(sorted(to_ready)[runs // 2], 1)
        out["api_requests_on_load_no_chat"] = len(load_requests[0])
        out["api_requests_on_load_urls"] = [u.split("?")[0].replace(url, "") for u in load_requests[0]]
        if idle:
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(f"{url}/demo/")
            page.wait_for_function("window.Horn && Horn.state && Horn.state().visitor.uid")
            idle_requests: list[str] = []
            page.on("request", lambda r: idle_requests.append(r.url))
            page.wait_for_timeout(idle * 1000)
            out[f"requests_idle_{idle}s_no_chat"] = len(idle_requests)
            ctx.close()
            # In a chat: the push socket is open; count HTTP requests and the frames the widget sends.
            ctx = browser.new_context()
            page = ctx.new_page()
            sent: list[str] = []
            page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
            page.goto(f"{url}/demo/")
            page.wait_for_function("window.Horn && Horn.state && Horn.state().visitor.uid")
            page.evaluate("Horn.open()")
            w = page.locator("horn-chat")
            if w.get_by_role("heading", name="Leave us a message").is_visible():  # nobody on duty: the offline form
                w.get_by_label("Your e-mail").fill("bench@example.com")
                w.get_by_role("textbox", name="Message", exact=True).fill("measuring idle traffic")
                w.get_by_role("button", name="Send").click()
            else:
                w.get_by_role("textbox", name="Message").fill("measuring idle traffic")
                w.get_by_role("textbox", name="Message").press("Enter")
            page.wait_for_function("Horn.state().connection === 'websocket'")
            page.wait_for_timeout(2000)
            idle_requests.clear()
            sent.clear()
            page.on("request", lambda r: idle_requests.append(r.url))
            page.wait_for_timeout(idle * 1000)
            out[f"requests_idle_{idle}s_in_chat"] = len(idle_requests)
            out[f"ws_frames_sent_idle_{idle}s_in_chat"] = len(sent)
            ctx.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--idle", type=int, default=60, help="seconds to watch an idle page (0: skip)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(measure(args.url.rstrip("/"), args.idle, args.runs), indent=2))


if __name__ == "__main__":
    main()
