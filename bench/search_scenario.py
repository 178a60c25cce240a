"""Search over a big stored history: GET /api/chats/search p50/p99 by query shape, and sending at that size.

The organisation's history is bulk-loaded first (bench/search_load.py: 1,000,000
messages in the full run), then each shape is asked `search_samples` times by a
staff member, one request at a time: the figure is the latency a person at the
console waits, not a throughput.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from .loadgen import RawHttp, dumps, percentiles
from .systems import Horn

LOAD = "from bench.search_load import load; import json; print(json.dumps(load({oid}, {sids!r}, {n})))"


def shapes(staff_sid: str) -> dict[str, dict]:
    """The searches timed: what staff type, from the rarest word to no words at all."""
    return {
        "rare word": {"q": "zebracorn"},
        "common word (1%)": {"q": "refund"},
        "very common word (10%)": {"q": "order"},
        "two words": {"q": "refund order"},
        "prefix": {"q": "invoi"},
        "Chinese": {"q": "退款"},
        "word + state + queue + dates": {
            "q": "refund",
            "state": "ended",
            "queue": "billing",
            "created_from": "2000-01-01",
            "created_to": "2100-01-01",
        },
        "staff filter, no words": {"staff": staff_sid},
        "customer filter": {"customer": "cust-42"},
        "latest chats (no filter)": {},
    }


async def search(horn: Horn, cfg: dict) -> dict:
    n = cfg["search_messages"]
    sids = [s["sid"] for s in horn.staff[:5]]
    out = horn.manage("shell", "-v0", "-c", LOAD.format(oid=horn.oid, sids=sids, n=n))
    loaded = json.loads(out.strip().splitlines()[-1])
    print("  search load", json.dumps(loaded), flush=True)
    staff = horn.staff[0]
    auth = {"Authorization": f"Token {staff['token']}"}
    http = RawHttp("127.0.0.1", horn.port)
    by_shape, every, pings = {}, [], []
    for name, params in shapes(sids[0]).items():
        path = "/api/chats/search?" + urlencode({**params, "limit": 20})
        await http.request("GET", path, b"", auth)  # warm: the first read of an index page is the disk's
        times, found = [], 0
        for _ in range(cfg["search_samples"]):
            pings.append(await timed_ping(http, auth))
            t = time.perf_counter()
            status, body = await http.request("GET", path, b"", auth)
            times.append((time.perf_counter() - t) * 1000)
            assert status == 200, body
            found = len(json.loads(body)["chats"])
        by_shape[name] = {**percentiles(times), "chats": found}
        every += times
    # Page 2 of a common word: the cursor, not OFFSET, keeps deep pages as cheap as the first.
    status, body = await http.request("GET", "/api/chats/search?q=refund&limit=20", b"", auth)
    cursor = json.loads(body)["next"]
    times = []
    for _ in range(cfg["search_samples"]):
        t = time.perf_counter()
        status, body = await http.request(
            "GET", "/api/chats/search?" + urlencode({"q": "refund", "before": cursor}), b"", auth
        )
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, body
    by_shape["common word, page 2"] = {**percentiles(times), "chats": len(json.loads(body)["chats"])}
    every += times
    send = await send_latency(horn, http, cfg["search_samples"])
    await http.close()
    result = {
        **loaded,
        "by_shape": by_shape,
        "all": percentiles(every),
        # GET /api/ping between the searches: what the machine's other load does to any request meanwhile
        # (about 1 ms on a quiet machine), to judge how far the figures above are the search's own.
        "baseline_ping": percentiles(pings),
        "send_p50": send["p50"],
        "send_p99": send["p99"],
    }
    print("  search", json.dumps(result), flush=True)
    return result


async def timed_ping(http: RawHttp, auth: dict) -> float:
    t = time.perf_counter()
    status, body = await http.request("GET", "/api/ping", b"", auth)
    assert status == 200, body
    return (time.perf_counter() - t) * 1000


async def send_latency(horn: Horn, http: RawHttp, samples: int) -> dict:
    """Text sends into an open chat with the full index in place: what FULLTEXT upkeep costs a message."""
    v = await horn.visitor(http)
    vauth = {"X-Horn-Token": v["token"]}
    status, body = await http.request("POST", "/api/message", dumps({"type": "request_chat"}), vauth)
    chat_id = json.loads(body)["chat"]["id"]
    sauth = {"Authorization": f"Token {horn.staff[1]['token']}"}
    status, body = await http.request(
        "POST", "/api/message", dumps({"type": "join_chat", "chat": {"id": chat_id}}), sauth
    )
    assert status == 200, body
    times = []
    for i in range(samples):
        post = dumps({"type": "text", "chat": {"id": chat_id}, "text": f"Your refund for order {i} is on its way"})
        t = time.perf_counter()
        status, body = await http.request("POST", "/api/message", post, sauth)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, body
    return percentiles(times)
