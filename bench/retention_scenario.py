"""A retention run deleting a million messages while chats go on at 500 msg/s: does the chat's p99 hold?

The issue's target: the chat-shaped load's p99 during the run stays within 2x
of the same load without it. An organisation of its own ("Retention") gets
`retention_messages` old messages (bench/search_load.py's generator: ended
chats of 20 messages, then aged past a one-day retention), so the Bench org's
chats and the search scenario's history are untouched. Then, in the Bench
org's rooms, the chat-shaped load runs in windows of `retention_window`
seconds: a few windows without retention (the baseline), then windows for as
long as `manage.py horn_retention --org <Retention>` runs, started as its own
process as an operator (or the schedule) would.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time

from .horn_scenarios import chat_load
from .loadgen import Receiver, percentiles
from .systems import PY, ROOT, Horn

SETUP = """
import json
from datetime import timedelta
from apps.accounts.actions import create_organisation, create_staff
from django.db.models import F
from apps.chats.models import Chat
from apps.privacy.models import RetentionPolicy
from bench.search_load import load
org = create_organisation(name="Retention")
staff = create_staff(org=org, username="retention-agent", password="bench-password-1", name="Agent")
loaded = load(org.pk, [staff.sid], {n})
# Everything started and ended more than a day ago: a one-day retention finds it all old.
two_days = timedelta(days=2)
Chat.objects.filter(org_id=org.pk).update(created_at=F("created_at") - two_days, ended_at=F("ended_at") - two_days)
RetentionPolicy.objects.create(org_id=org.pk, days=1)
print(json.dumps({{"oid": org.pk, **loaded}}))
"""
COUNT = "from apps.chats.models import Message; print(Message.objects.filter(org_id={oid}).count())"


async def retention(horn: Horn, cfg: dict) -> dict:
    out = horn.manage("shell", "-v0", "-c", SETUP.format(n=cfg["retention_messages"]))
    loaded = json.loads(out.strip().splitlines()[-1])
    print("  retention load", json.dumps(loaded), flush=True)
    rooms = await horn.make_rooms(cfg["rooms"], random.Random(5))
    receivers = {m.conn: Receiver(m.url, probe=True) for room in rooms for m in room.members}
    for r in receivers.values():
        await r.open()
    rate, window = cfg["retention_rate"], cfg["retention_window"]
    await chat_load(horn, rooms, receivers, rate, window / 2)  # warm-up, not reported

    baseline, base_windows = [], []
    for _ in range(cfg["retention_baseline_windows"]):
        base_windows.append(await chat_load(horn, rooms, receivers, rate, window))
        baseline += [x for r in receivers.values() for x in r.latencies]

    command = [PY, "manage.py", "horn_retention", "--org", str(loaded["oid"])]
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **horn.env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    during, during_windows = [], []
    while proc.poll() is None:
        during_windows.append(await chat_load(horn, rooms, receivers, rate, window))
        during += [x for r in receivers.values() for x in r.latencies]
    took = time.monotonic() - started
    stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    for r in receivers.values():
        await r.close()
    left = int(horn.manage("shell", "-v0", "-c", COUNT.format(oid=loaded["oid"])).strip())
    base, dur = percentiles(baseline), percentiles(during)
    result = {
        "messages": loaded["messages"],
        "chats": loaded["chats"],
        "messages_left": left,
        "retention_s": round(took, 1),
        "retention_output": stdout.decode().strip(),
        "rate": rate,
        "baseline": {**base, "windows": len(base_windows), "samples": len(baseline)},
        "during": {**dur, "windows": len(during_windows), "samples": len(during)},
        "delivered_ratio_min": min(w["delivered_ratio"] for w in base_windows + during_windows),
        "p99_ratio": round(dur["p99"] / base["p99"], 2) if base["p99"] and dur["p99"] else None,
    }
    print("  retention", json.dumps(result), flush=True)
    return result
