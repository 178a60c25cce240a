"""Reports over a big history: GET /api/reports/* p50/p99 per report, over 1,000,000 messages in 100,000 chats.

    python -m bench.reports_scenario                 # the issue's size (a few minutes of loading)
    python -m bench.reports_scenario --messages 20000 --samples 5   # a quick look

Horn runs on its production configuration with a database and Redis of its
own (`horn_bench_reports`, Redis db 5, port 18051; BENCH_REPORTS_DB,
BENCH_REPORTS_REDIS_URL and BENCH_REPORTS_PORT change them), so it can run
beside the main benchmark. The history is bulk-loaded by bench/search_load.py
(chats of 10 messages over the past year, without the search index, which
reports never read); then each chat gets the report facts the actions record
as a chat goes (taken after 0-5 minutes, first answered, ended, its message
count; 5 % missed), in three UPDATEs. Those, like the loader's INSERTs, mark
every day stale for the report roll-ups (apps/reports/rollups.py), and the
loader then folds the settled days as the server's schedule would (`fold`):
today stays live, as in production. Each report is then asked `samples` times
by the org's admin, one request at a time: the figure is what an admin waits
for a page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from .loadgen import RawHttp, percentiles
from .systems import Horn

DB = os.environ.get("BENCH_REPORTS_DB", "horn_bench_reports")
REDIS = os.environ.get("BENCH_REPORTS_REDIS_URL", "redis://127.0.0.1:6379/5")
PORT = int(os.environ.get("BENCH_REPORTS_PORT", "18051"))
PER_CHAT = 10

LOAD = (
    "from bench.search_load import load; from bench.reports_scenario import record_facts; import json; "
    "out = load({oid}, {sids!r}, {n}, per_chat={per_chat}, fulltext=False); out.update(record_facts({oid})); "
    "print(json.dumps(out))"
)


def record_facts(org_id: int) -> dict:
    """What the actions would have recorded on each loaded chat (run inside Horn, like the loader)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE chats_chat SET agent_id = owner_id, ended_by = IF(RAND(3) < 0.5, 'user', 'staff'),"
            " accepted_at = created_at + INTERVAL FLOOR(RAND(1) * 300) SECOND,"
            " first_response_at = created_at + INTERVAL FLOOR(300 + RAND(2) * 120) SECOND"
            " WHERE org_id = %s",
            [org_id],
        )
        cur.execute(
            "UPDATE chats_chat SET accepted_at = NULL, agent_id = NULL, first_response_at = NULL, missed = 1,"
            " ended_by = 'user' WHERE org_id = %s AND RAND(4) < 0.05",
            [org_id],
        )
        cur.execute(
            "UPDATE chats_chat c JOIN (SELECT chat_id, COUNT(*) AS n FROM chats_message"
            " WHERE org_id = %s AND type IN ('text', 'file', 'image') GROUP BY chat_id) m ON m.chat_id = c.id"
            " SET c.message_count = m.n",
            [org_id],
        )
    facts = time.perf_counter()
    from apps.reports.models import Rollup
    from apps.reports.rollups import fold

    days = fold()
    with connection.cursor() as cur:
        cur.execute("ANALYZE TABLE chats_chat, reports_rollup")
        cur.fetchall()
    return {
        "facts_s": round(facts - started, 1),
        "fold_s": round(time.perf_counter() - facts, 1),
        "folded_days": days,
        "rollup_rows": Rollup.objects.count(),
    }


# Weekdays 09-17 in Stockholm: a business-hours report ORs about 260 intervals of a year.
BUSINESS_HOURS = (
    "from apps.accounts.models import Organisation; Organisation.objects.filter(pk={oid}).update("
    "timezone='Europe/Stockholm',"
    " business_hours={{d: [['09:00', '17:00']] for d in ('mon', 'tue', 'wed', 'thu', 'fri')}})"
)


def shapes(agent: str, today: str, year_ago: str, month_ago: str) -> dict[str, tuple[str, dict]]:
    year = {"from": year_ago, "to": today}
    return {
        "days, last 30 days": ("days", {"from": month_ago, "to": today}),
        "days, a year": ("days", year),
        "hours, a year": ("hours", year),
        "agents, a year": ("agents", year),
        "queues, a year": ("queues", year),
        "days, a year, business hours": ("days", {**year, "hours": "business"}),
        "days, a year, one agent": ("days", {**year, "agent": agent}),
        "days, a year, one queue": ("days", {**year, "queue": "billing"}),
        "days, a year, CSV": ("days", {**year, "format": "csv"}),
    }


async def run(messages: int, samples: int) -> dict:
    horn = Horn(PORT, db=DB, redis=REDIS)
    horn.start()
    try:
        sids = [s["sid"] for s in horn.staff[:5]]
        out = horn.manage("shell", "-v0", "-c", LOAD.format(oid=horn.oid, sids=sids, n=messages, per_chat=PER_CHAT))
        loaded = json.loads(out.strip().splitlines()[-1])
        horn.manage("shell", "-v0", "-c", BUSINESS_HOURS.format(oid=horn.oid))
        print("  reports load", json.dumps(loaded), flush=True)
        admin = {"Authorization": f"Token {horn.staff[0]['token']}"}  # Alice, the demo org's admin
        http = RawHttp("127.0.0.1", horn.port)
        status, body = await http.request("GET", "/api/reports/days", b"", admin)
        assert status == 200, body
        today = date.fromisoformat(json.loads(body)["range"]["to"])
        year_ago, month_ago = today - timedelta(days=365), today - timedelta(days=29)
        by_shape, every = {}, []
        for name, (table, params) in shapes(sids[1], *(d.isoformat() for d in (today, year_ago, month_ago))).items():
            path = f"/api/reports/{table}?" + urlencode(params)
            status, body = await http.request("GET", path, b"", admin)  # warm: first reads come from disk
            assert status == 200, body
            times = []
            for _ in range(samples):
                t = time.perf_counter()
                status, body = await http.request("GET", path, b"", admin)
                times.append((time.perf_counter() - t) * 1000)
                assert status == 200, body
            chats = json.loads(body)["totals"]["chats"] if params.get("format") != "csv" else None
            by_shape[name] = {**percentiles(times), "chats": chats}
            every += times
            print(f"  {name}: {json.dumps(by_shape[name])}", flush=True)
        await http.close()
        await horn.close()
        return {**loaded, "samples": samples, "by_shape": by_shape, "all": percentiles(every)}
    finally:
        horn.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--out", default="bench/results/reports.json")
    args = parser.parse_args()
    started = time.time()
    result = asyncio.run(run(args.messages, args.samples))
    result["seconds"] = round(time.time() - started)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print("| report | p50 ms | p99 ms | chats |\n|---|---|---|---|")
    for name, r in result["by_shape"].items():
        print(f"| {name} | {r['p50']} | {r['p99']} | {r['chats'] if r['chats'] is not None else '—'} |")
    print(f"| all | {result['all']['p50']} | {result['all']['p99']} | |\n{result['seconds']} s; JSON: {args.out}")


if __name__ == "__main__":
    main()
