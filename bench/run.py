"""Run every benchmark scenario against Horn, the limit server and the naive peer; print a table, write JSON.

    python -m bench.run            # full run (a few minutes)
    python -m bench.run --smoke    # seconds; CI runs it so the harness cannot rot

The systems run one after another (they would otherwise share the 2 cores);
the generator, its schedule and its numbers are the same for all three.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import console_start, horn_scenarios, integrations_load, retention_scenario, search_scenario
from .loadgen import Receiver, percentiles, stamp_text
from .systems import RATE_LIMITS_ON, Horn, Limit, Naive, System, gather_limited, rss_kb

FULL = {
    "rooms": 200,
    "rates": [250, 500, 1000, 1500],
    "duration": 6,
    "fanout_receivers": 1000,
    "fanout_messages": 100,
    "idle": 10_000,
    "burst": 1000,
    "http_seconds": 6,
    "pollers": 200,
    "poll_rates": [100, 200],
    "growth_chats": [100, 1000, 10_000],  # ended chats of 10 messages: 1k, 10k, 100k stored messages
    "growth_open": [100, 1000, 10_000],  # messages in the open chat measured
    "growth_samples": 50,
    "robust_rooms": 50,
    "robust_rate": 200,
    "robust_seconds": 6,
    "storm": 2000,
    "upload_concurrency": 8,
    "upload_seconds": 6,
    "ratelimit_rate": 1000,
    "search_messages": 1_000_000,  # the target: search p99 <= 100 ms over a million stored messages
    "search_samples": 50,
    "webhook_rooms": 10,
    "webhook_rate": 200,  # messages/s while the webhook lag is measured
    "webhook_burst": 2000,  # messages sent at once: how fast deliveries drain
    "eventstream_rate": 1000,  # issue 14: chat-shaped p99 with and without the relay, under 10 % more
    "bots": 20,
    "bot_rate": 200,  # bot requests/s in all
    "console_chats": 50,  # issue 12: console start with 50 open chats and 500 visitors online
    "console_visitors": 500,
    "console_runs": 20,
    "retention_messages": 1_000_000,  # the target: deleting a million messages under a 500 msg/s chat load
    "retention_rate": 500,
    "retention_window": 10,  # seconds per measured window of chat load
    "retention_baseline_windows": 3,
}
# Horn's port (BENCH_PORT or --port); the limit and naive servers take the next two.
BENCH_PORT = int(os.environ.get("BENCH_PORT", "18001"))
SCENARIOS = (
    "chat",
    "fanout",
    "ping",
    "longpoll",
    "uploads",
    "growth",
    "robustness",
    "connections",
    "ratelimit",
    "console",
    "search",
    "integrations",
    "retention",
)
SMOKE = {
    "rooms": 10,
    "rates": [20, 50],
    "duration": 2,
    "fanout_receivers": 20,
    "fanout_messages": 20,
    "idle": 100,
    "burst": 50,
    "http_seconds": 2,
    "pollers": 10,
    "poll_rates": [20],
    "growth_chats": [10, 100],
    "growth_open": [10, 100],
    "growth_samples": 5,
    "robust_rooms": 5,
    "robust_rate": 20,
    "robust_seconds": 3,
    "storm": 50,
    "upload_concurrency": 2,
    "upload_seconds": 1,
    "ratelimit_rate": 50,
    "search_messages": 10_000,
    "search_samples": 5,
    "webhook_rooms": 2,
    "webhook_rate": 20,
    "webhook_burst": 50,
    "eventstream_rate": 50,
    "bots": 2,
    "bot_rate": 20,
    "console_chats": 5,
    "console_visitors": 20,
    "console_runs": 2,
    "retention_messages": 10_000,
    "retention_rate": 20,
    "retention_window": 2,
    "retention_baseline_windows": 1,
}


async def open_all(receivers: list[Receiver]) -> int:
    results = await gather_limited([r.open() for r in receivers], 200)
    return sum(1 for x in results if isinstance(x, BaseException))


async def settle(receivers: list[Receiver], expected: int, quiet: float = 1.5, cap: float = 20) -> float:
    """Wait until every expected frame arrived or nothing moved for `quiet` seconds; return the time of the last."""
    last_total, last_change, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - start < cap:
        total = sum(r.count for r in receivers)
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        if total >= expected or time.monotonic() - last_change > quiet:
            return last_change
        await asyncio.sleep(0.02)
    return last_change


async def chat_shaped(system: System, cfg: dict) -> dict:
    rng = random.Random(1)
    rooms = await system.make_rooms(cfg["rooms"], rng)
    receivers = {m.conn: Receiver(m.url, probe=True) for room in rooms for m in room.members}
    failed = await open_all(list(receivers.values()))
    results = []
    seq = 0
    # A warm-up round at the lowest rate, not reported: connection pools, caches and the
    # servers' first-use costs would otherwise land in the first rate's tail.
    for rate in [cfg["rates"][0], *cfg["rates"]]:
        warmup = not results and seq == 0
        for r in receivers.values():
            r.count, r.latencies = 0, []
        n = int(rate * cfg["duration"] / (3 if warmup else 1))
        t0 = time.monotonic()
        tasks, expected = [], 0
        for i in range(n):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            room = rooms[i % len(rooms)]
            member = rng.choice(room.members)
            seq += 1
            tasks.append(asyncio.create_task(system.send(room, member, receivers[member.conn], stamp_text(seq))))
            expected += len(room.members)
        accepted = sum(1 for ok in await asyncio.gather(*tasks, return_exceptions=True) if ok is True)
        sent_for = time.monotonic() - t0
        await settle(list(receivers.values()), expected)
        delivered = sum(r.count for r in receivers.values())
        lat = [x for r in receivers.values() for x in r.latencies]
        if warmup:
            continue
        results.append(
            {
                "rate": rate,
                "achieved": round(n / sent_for, 1),
                "accepted": accepted,
                "sent": n,
                "expected": expected,
                "delivered": delivered,
                "delivered_ratio": round(delivered / expected, 5),
                **percentiles(lat),
            }
        )
    for r in receivers.values():
        await r.close()
    ok = [
        x for x in results if x["delivered_ratio"] >= 0.999 and x["accepted"] == x["sent"] and (x["p99"] or 1e9) <= 50
    ]
    return {
        "failed_handshakes": failed,
        "connections": len(receivers),
        "by_rate": results,
        "knee": max((x["rate"] for x in ok), default=0),
    }


async def rate_limit_cost(port: int, cfg: dict) -> dict:
    """The chat-shaped scenario at one rate, Horn with rate limits off and then on, in the same run.

    Each run gets a fresh database and Redis; the difference in p99 is what the
    checks cost on the message path (issue 10's target: under 10 %).
    """
    out = {"rate": cfg["ratelimit_rate"]}
    one_rate = {**cfg, "rates": [cfg["ratelimit_rate"]]}
    for label, env in (("off", None), ("on", RATE_LIMITS_ON)):
        system = Horn(port, extra_env=env)
        system.start()
        try:
            shaped = await chat_shaped(system, one_rate)
            await system.close()
        finally:
            system.stop()
        out[label] = shaped["by_rate"][0]
    off, on = out["off"]["p99"], out["on"]["p99"]
    out["p99_increase_pct"] = round((on - off) / off * 100, 1) if off and on else None
    return out


async def fanout(system: System, cfg: dict) -> dict:
    room = await system.make_fanout_room(cfg["fanout_receivers"])
    receivers = [Receiver(m.url, probe=(i % 50 == 0)) for i, m in enumerate(room.members)]
    failed = await open_all(receivers)
    await asyncio.sleep(0.5)
    sender, sender_rx = room.members[0], receivers[0]
    n = cfg["fanout_messages"]
    expected = n * len(receivers)
    t0 = time.monotonic()
    sem = asyncio.Semaphore(8)

    async def one(i):
        async with sem:
            return await system.send(room, sender, sender_rx, stamp_text(i))

    await asyncio.gather(*(one(i) for i in range(n)))
    last = await settle(receivers, expected, quiet=3, cap=120)
    delivered = sum(r.count for r in receivers)
    for r in receivers:
        await r.close()
    return {
        "receivers": len(receivers),
        "messages": n,
        "delivered": delivered,
        "delivered_ratio": round(delivered / expected, 5),
        "failed_handshakes": failed,
        "delivered_per_s": round(delivered / max(last - t0, 1e-6)),
        **percentiles([x for r in receivers for x in r.latencies]),
    }


async def connections(system: System, cfg: dict, urls) -> dict:
    pids = system.server_pids()
    before = sum(rss_kb(p) for p in pids)
    idle = [Receiver(next(urls)) for _ in range(cfg["idle"])]
    t0 = time.monotonic()
    failed = await open_all(idle)
    opened_in = time.monotonic() - t0
    await asyncio.sleep(2)
    after = sum(rss_kb(p) for p in pids)
    for r in idle:
        await r.close()
    await asyncio.sleep(1)
    burst = [Receiver(next(urls)) for _ in range(cfg["burst"])]
    t0 = time.monotonic()
    results = await asyncio.gather(*(r.open() for r in burst), return_exceptions=True)
    burst_s = time.monotonic() - t0
    burst_failed = sum(1 for x in results if isinstance(x, BaseException))
    for r in burst:
        await r.close()
    return {
        "idle": cfg["idle"],
        "idle_failed": failed,
        "idle_open_s": round(opened_in, 2),
        "rss_kb_per_conn": round((after - before) / max(1, cfg["idle"] - failed), 1),
        "burst": cfg["burst"],
        "burst_s": round(burst_s, 2),
        "burst_failed": burst_failed,
    }


def wrk(url: str, seconds: int, headers: dict | None = None, lua: str | None = None) -> dict:
    if shutil.which("wrk") is None:
        return {"error": "wrk not installed (apt-get install wrk)"}
    cmd = ["wrk", "-t1", "-c50", f"-d{seconds}s", "--latency", url]
    for k, v in (headers or {}).items():
        cmd[1:1] = ["-H", f"{k}: {v}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if lua is not None:
            script.write(lua)
            script.flush()
            cmd[1:1] = ["-s", script.name]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": round(rps), "p50": ms("50"), "p99": ms("99"), "non_2xx": int(errors.group(1)) if errors else 0}


async def horn_urls(horn: Horn, visitors: int = 50):
    from .loadgen import RawHttp

    http = RawHttp("127.0.0.1", horn.port)
    vs = [await horn.visitor(http) for _ in range(visitors)]
    await http.close()
    i = 0
    while True:
        v = vs[i % len(vs)]
        i += 1
        yield horn.ws_url(v["uid"], v["token"])


async def page_views(horn: Horn, visitors: int = 200) -> str:
    """A wrk script: page views (POST /api/user/track) by `visitors` returning visitors in turn."""
    from .loadgen import RawHttp

    http = RawHttp("127.0.0.1", horn.port)
    vs = [await horn.visitor(http) for _ in range(visitors)]
    await http.close()

    def lua_row(v: dict) -> str:
        body = json.dumps({"cid": horn.oid, "uid": v["uid"], "url": "https://bench.test/pricing"})
        return "  {" + json.dumps(v["token"]) + ", " + json.dumps(body) + "}"  # JSON strings are Lua strings

    rows = ",\n".join(lua_row(v) for v in vs)
    return f"""local visitors = {{
{rows}
}}
local i = 0
request = function()
  i = i + 1
  local v = visitors[(i % #visitors) + 1]
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json", ["X-Horn-Token"] = v[1]}}, v[2])
end
"""


def room_urls(system: System):
    i = 0
    while True:
        i += 1
        yield system.base.replace("http", "ws") + f"/ws?room=idle{i % 100}"


async def run_system(system: System, cfg: dict, only: set[str]) -> dict:
    out = {}
    system.start()
    try:
        if "chat" in only:
            out["chat"] = await chat_shaped(system, cfg)
            print("  chat", json.dumps(out["chat"]["by_rate"]), flush=True)
        if "fanout" in only:
            out["fanout"] = await fanout(system, cfg)
            print("  fanout", json.dumps(out["fanout"]), flush=True)
        if "ping" not in only:
            pass
        elif isinstance(system, Horn):
            from .loadgen import RawHttp

            http = RawHttp("127.0.0.1", system.port)
            v = await system.visitor(http)
            await http.close()
            out["ping"] = wrk(
                f"{system.base}/api/ping?uid={v['uid']}", cfg["http_seconds"], {"X-Horn-Token": v["token"]}
            )
            out["track"] = wrk(f"{system.base}/api/user/track", cfg["http_seconds"], lua=await page_views(system))
            print("  http", json.dumps({"ping": out["ping"], "track": out["track"]}), flush=True)
        else:
            out["ping"] = wrk(f"{system.base}/ping", cfg["http_seconds"])
        if isinstance(system, Horn) and "longpoll" in only:
            out["longpoll"] = await horn_scenarios.long_poll(system, cfg)
            print("  long-poll", json.dumps(out["longpoll"]), flush=True)
        if isinstance(system, Horn) and "uploads" in only:
            out["uploads"] = await horn_scenarios.uploads(system, cfg)
            print("  uploads", json.dumps(out["uploads"]), flush=True)
        if isinstance(system, Horn) and "growth" in only:
            out["growth"] = await horn_scenarios.growth(system, cfg)
        if isinstance(system, Horn) and "robustness" in only:
            out["robustness"] = await horn_scenarios.robustness(system, cfg)
        if isinstance(system, Horn) and "console" in only:
            out["console"] = await console_start.console_start(system, cfg)
        if isinstance(system, Horn) and "search" in only:  # late: it leaves a million messages behind
            out["search"] = await search_scenario.search(system, cfg)
        if isinstance(system, Horn) and "retention" in only:  # in an org of its own, after the others
            out["retention"] = await retention_scenario.retention(system, cfg)
        await system.close()
    finally:
        system.stop()
    if isinstance(system, Horn) and "ratelimit" in only:
        out["ratelimit"] = await rate_limit_cost(system.port, cfg)
        print("  rate limits off/on", json.dumps(out["ratelimit"]), flush=True)
    if isinstance(system, Horn) and "integrations" in only:
        out["integrations"] = await integrations_load.integrations(system.port, cfg, chat_shaped)
    if "connections" not in only:
        return out
    # Connections are measured on one process.
    if isinstance(system, Horn):
        system = Horn(system.port, workers=1)
        system.start()
        urls = horn_urls(system)
        url_iter = _SyncIter(urls)
        await url_iter.fill(cfg["idle"] + cfg["burst"])
    else:
        system.start()
        url_iter = room_urls(system)
    try:
        out["connections"] = await connections(system, cfg, iter(url_iter))
        print("  connections", json.dumps(out["connections"]), flush=True)
    finally:
        system.stop()
    return out


class _SyncIter:
    """Pre-draw URLs from an async generator, so scenarios can take them synchronously."""

    def __init__(self, agen):
        self.agen, self.items = agen, []

    async def fill(self, n):
        for _ in range(n):
            self.items.append(await self.agen.__anext__())

    def __iter__(self):
        return iter(self.items)


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def table(results: dict) -> str:
    h, lim, nai = results["horn"], results["limit"], results["naive"]
    rows = []

    def row(name, key, unit="", higher_better=True):
        a, b, c = key(h), key(lim), key(nai)
        rows.append((name + (f" ({unit})" if unit else ""), a, b, c, ratio(a, b), ratio(a, c)))

    for i, r in enumerate(h["chat"]["by_rate"]):
        rate = r["rate"]
        row(f"chat {rate}/s delivered", lambda s, i=i: s["chat"]["by_rate"][i]["delivered_ratio"])
        row(f"chat {rate}/s p50", lambda s, i=i: s["chat"]["by_rate"][i]["p50"], "ms")
        row(f"chat {rate}/s p99", lambda s, i=i: s["chat"]["by_rate"][i]["p99"], "ms")
    row("chat knee (p99<=50ms, 99.9%)", lambda s: s["chat"]["knee"], "msg/s")
    row("fan-out delivered", lambda s: s["fanout"]["delivered_per_s"], "msg/s")
    row("fan-out p99", lambda s: s["fanout"]["p99"], "ms")
    row("idle conns failed", lambda s: s["connections"]["idle_failed"])
    row("RSS per idle conn", lambda s: s["connections"]["rss_kb_per_conn"], "KB")
    row(f"burst {h['connections']['burst']} connects", lambda s: s["connections"]["burst_s"], "s")
    row("burst failed", lambda s: s["connections"]["burst_failed"])
    row("ping", lambda s: s["ping"].get("rps"), "req/s")
    row("ping p99", lambda s: s["ping"].get("p99"), "ms")

    def only(name, value, unit=""):
        rows.append((name + (f" ({unit})" if unit else ""), value, None, None, None, None))

    only("user/track", h["track"].get("rps"), "req/s")
    only("user/track p99", h["track"].get("p99"), "ms")
    lp = h["longpoll"]
    for r in lp["by_rate"]:
        only(f"long-poll, {lp['pollers']} pollers, {r['rate']} msg/s: delivered", r["delivered_ratio"])
        only(f"long-poll, {r['rate']} msg/s: send→answer p50 / p99", f"{r['p50']} / {r['p99']}", "ms")
    up = h["uploads"]
    for kind, label in (("jpeg_200k", "200 KB JPEG (re-encoded)"), ("pdf_2m", "2 MB PDF")):
        r = up[kind]
        only(f"upload {label}, {up['concurrency']} at once", r["per_s"], "uploads/s")
        only(f"upload {label}: p50 / p99", f"{r['p50']} / {r['p99']}", "ms")
    for step in h["growth"]["steps"]:
        size = f"{step['messages']:,} msgs, {step['chats']:,} chats, {step['chat_messages']:,} in the chat"
        both = f"{step['staff_init_p50']} / {step['visitor_init_p50']}"
        only(f"state/init p50, staff / visitor, at {size}", both, "ms")
        only(f"state/init SQL statements at {size}", step["state_init_sql"])
        only(f"send p50 at {size}", step["send_p50"], "ms")
    rl = h["ratelimit"]
    for label in ("off", "on"):
        only(f"chat {rl['rate']}/s, rate limits {label}: p50 / p99", f"{rl[label]['p50']} / {rl[label]['p99']}", "ms")
    only(f"chat {rl['rate']}/s: p99 cost of rate limits", rl["p99_increase_pct"], "%")
    se = h["search"]
    for shape, r in se["by_shape"].items():
        only(f"search at {se['messages']:,} msgs, {shape}: p50 / p99", f"{r['p50']} / {r['p99']}", "ms")
    only(f"search at {se['messages']:,} msgs, all shapes: p50 / p99", f"{se['all']['p50']} / {se['all']['p99']}", "ms")
    only(f"send at {se['messages']:,} indexed msgs: p50 / p99", f"{se['send_p50']} / {se['send_p99']}", "ms")
    ping = se["baseline_ping"]
    only("ping between the searches (machine noise): p50 / p99", f"{ping['p50']} / {ping['p99']}", "ms")
    cs = h["console"]
    only(
        f"console start, {cs['chats']} chats + {cs['visitors']} visitors: p50 / p99 of {cs['runs']}",
        f"{cs['p50']} / {cs['p99']}",
        "ms",
    )
    rt = h["retention"]
    label = f"chat {rt['rate']}/s p50 / p99"
    only(f"{label}, before a retention run", f"{rt['baseline']['p50']} / {rt['baseline']['p99']}", "ms")
    only(f"{label}, while it deletes {rt['messages']:,} msgs", f"{rt['during']['p50']} / {rt['during']['p99']}", "ms")
    only(f"retention run deleting {rt['messages']:,} msgs under load", rt["retention_s"], "s")
    rb = h["robustness"]
    only("Redis restarted mid-load: delivered", rb["redis_restart"]["delivered_ratio"])
    only("Redis restarted mid-load: worst delay", rb["redis_restart"]["max_ms"], "ms")
    only("never-reading client in a chat: others delivered", rb["slow_client"]["delivered_ratio"])
    only("never-reading client in a chat: others p99", rb["slow_client"]["p99"], "ms")
    storm = rb["reconnect_storm"]
    only(f"restart, {storm['clients']} reconnect at once: all back in", storm["all_back_s"], "s")
    only("restart storm failed handshakes", storm["failed"])
    lines = ["| metric | Horn | limit | naive | Horn/limit | Horn/naive |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join("—" if v is None else str(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


async def main(args) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cfg = SMOKE if args.smoke else FULL
    started = time.time()
    results = {
        "machine": {
            "cpus": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
            "python": platform.python_version(),
            "kernel": platform.release(),
        },
        "mode": "smoke" if args.smoke else "full",
        "config": cfg,
    }
    if args.rates:
        cfg = {**cfg, "rates": [int(r) for r in args.rates.split(",")]}
    if args.search_messages:
        cfg = {**cfg, "search_messages": args.search_messages}
    if args.retention_messages:
        cfg = {**cfg, "retention_messages": args.retention_messages}
    if args.retention_rate:
        cfg = {**cfg, "retention_rate": args.retention_rate}
    only = set(args.only.split(",")) if args.only else set(SCENARIOS)
    port = args.port
    for system in (Horn(port), Limit(port + 1), Naive(port + 2)):
        if args.systems and system.name not in args.systems.split(","):
            continue
        print(f"== {system.name}", flush=True)
        results[system.name] = await run_system(system, cfg, only)
    results["seconds"] = round(time.time() - started)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    if all(name in results for name in ("horn", "limit", "naive")) and only == set(SCENARIOS):
        print(table(results))
    print(f"\n{results['seconds']} s; JSON: {args.out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny numbers: checks the harness in seconds")
    parser.add_argument("--out", default="bench/results/latest.json")
    parser.add_argument("--systems", help="comma-separated subset of horn,limit,naive (while working on one)")
    parser.add_argument("--only", help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--rates", help="chat-shaped rates, e.g. 500,1000")
    parser.add_argument("--search-messages", type=int, help="messages stored for the search scenario")
    parser.add_argument("--retention-messages", type=int, help="messages the retention scenario deletes")
    parser.add_argument("--retention-rate", type=int, help="chat msg/s while it deletes (default 500)")
    parser.add_argument(
        "--port", type=int, default=BENCH_PORT, help="Horn's port; the limit and naive servers take the next two"
    )
    asyncio.run(main(parser.parse_args()))
