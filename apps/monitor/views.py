"""GET /monitor/api/ping: liveness plus the figures an operator watches (seed 004 监控支持)."""

from __future__ import annotations

import os
import socket
import time

from django.conf import settings

from apps.core.http import api_view, json_response
from apps.core.redis import get_redis
from apps.realtime import presence
from apps.realtime.hub import hub
from apps.realtime.publish import stats_key
from apps.realtime.pushers import PUSHERS

STARTED = time.time()
SERVICE_ID = os.environ.get("HORN_SERVICE_ID") or f"{socket.gethostname()}:{os.getpid()}"
RATE_WINDOW = 10  # seconds averaged for messages/s, the current one included


@api_view("GET")
async def ping(request):
    redis = get_redis()
    now = int(time.time())
    counts = await redis.mget([stats_key(s) for s in range(now - RATE_WINDOW + 1, now + 1)])
    rate = sum(int(c or 0) for c in counts) / RATE_WINDOW
    stats = [
        {"name": "connections", "value": hub.connections},
        {
            "name": "cluster_connections",
            "value": int(sum(s for _, s in await redis.zrange(PUSHERS, 0, -1, withscores=True))),
        },
        {"name": "visitors_online", "value": await presence.count_all("user")},
        {"name": "staff_online", "value": await presence.count_all("staff")},
        {"name": "messages_per_second", "value": round(rate, 2)},
        {"name": "uptime_seconds", "value": int(time.time() - STARTED)},
    ]
    return json_response(
        {
            "service_id": SERVICE_ID,
            "service_type": "horn",
            "code": 0,
            "interval": 5,
            "msg": "ok",
            "stats": stats,
            "embedded": settings.HORN_EMBEDDED,
        }
    )
