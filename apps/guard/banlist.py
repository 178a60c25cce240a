"""Is this visitor or address banned? Answered from a per-process cache of each org's active bans.

Every visitor request asks (apps.accounts.auth for visitor callers, track,
the /ws and /pull handshakes), so the answer must cost no query: each process
keeps an org's active bans for HORN_BAN_CACHE_TTL seconds, and a ban or an
unban drops that copy in *every* process at once through a broadcast to each
process's hub (apps.realtime.publish.broadcast). The hub also closes the
banned visitor's open sockets there (4403 + a `{code: 2007, msg}` frame) and
answers its pending long-polls with the same error. The TTL only bounds how
long a lost broadcast (Redis down) can leave a process behind.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from apps.core.clientip import Network, client_ip, parse_ip
from apps.core.db import db
from apps.core.errors import Banned

log = logging.getLogger("horn.guard")

NOTICE = "horn.ban"  # the broadcast message type (Hub.on)
USER = "user"


def now() -> float:
    """The clock bans expire by; one function so tests can move it."""
    return time.time()


def now_dt() -> datetime:
    return datetime.fromtimestamp(now(), tz=UTC)


@dataclass(frozen=True, slots=True)
class OrgBans:
    loaded_at: float  # time.monotonic()
    visitors: dict[str, float | None]  # vid -> until (epoch seconds) or None for good
    networks: tuple[tuple[Network, float | None], ...]

    def match(self, vid: str | None, ip: str | None, at: float) -> bool:
        if vid is not None and vid in self.visitors:
            until = self.visitors[vid]
            if until is None or until > at:
                return True
        if ip is not None and self.networks:
            address = parse_ip(ip)
            for network, until in self.networks:
                if address is not None and address.version == network.version and address in network:
                    if until is None or until > at:
                        return True
        return False


_cache: dict[int, OrgBans] = {}
# Bumped by every invalidation: a load that started before a ban was committed
# must not store its (stale) answer after the ban's notice dropped the cache.
_generation: dict[int, int] = {}
_loading: dict[int, asyncio.Task] = {}


def _load(org_id: int) -> OrgBans:
    from django.db.models import Q

    from .models import Ban

    rows = (
        Ban.objects.filter(org_id=org_id, lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gt=now_dt()))
        .values_list("visitor_id", "network", "until")
    )
    visitors: dict[str, float | None] = {}
    networks = []
    for vid, network, until in rows:
        end = until.timestamp() if until is not None else None
        if vid:
            previous = visitors.get(vid, 0.0)
            visitors[vid] = None if end is None or previous is None else max(previous, end)
        if network:
            networks.append((ipaddress.ip_network(network), end))
    return OrgBans(time.monotonic(), visitors, tuple(networks))


async def bans_of(org_id: int) -> OrgBans:
    found = _cache.get(org_id)
    if found is not None and time.monotonic() - found.loaded_at < settings.HORN_BAN_CACHE_TTL:
        return found
    # One load per org however many requests want it; its own task, so a request
    # cancelled meanwhile (a long-poll whose client hung up) cancels no one else's.
    task = _loading.get(org_id)
    if task is None:
        task = _loading[org_id] = asyncio.get_running_loop().create_task(_refresh(org_id, found))
    return await asyncio.shield(task)


async def _refresh(org_id: int, found: OrgBans | None) -> OrgBans:
    generation = _generation.get(org_id, 0)
    try:
        loaded = await db(_load, org_id)
    except Exception:
        # The DB is down: calls that need no DB (ping, a socket's frames) keep working on the
        # last list known, or none; everything that writes fails on the DB anyway.
        log.warning("cannot load the bans of org %d; using the last list known", org_id, exc_info=True)
        return found or OrgBans(time.monotonic(), {}, ())
    finally:
        _loading.pop(org_id, None)
    if _generation.get(org_id, 0) == generation:
        _cache[org_id] = loaded
    return loaded


async def is_banned(org_id: int, vid: str | None, ip: str | None) -> bool:
    return (await bans_of(org_id)).match(vid, ip, now())


async def check(org_id: int, vid: str | None, ip: str | None) -> None:
    """Banned (403, code 2007) if the visitor or its address is banned by the org."""
    if await is_banned(org_id, vid, ip):
        raise Banned()


async def gate(request, caller) -> None:
    """The ban check on every authenticated visitor call (registered with apps.accounts.auth at start-up)."""
    await check(caller.org_id, caller.uid, client_ip(request))


def forget(org_id: int | None = None) -> None:
    """Drop cached bans (one org's, or all: tests)."""
    if org_id is None:
        for key in list(_cache):
            _generation[key] = _generation.get(key, 0) + 1
        _cache.clear()
        return
    _generation[org_id] = _generation.get(org_id, 0) + 1
    _cache.pop(org_id, None)


def notice(org_id: int, *, banned: bool, vid: str | None = None, network: str = "") -> dict:
    """The broadcast message of a ban (banned=True) or an unban."""
    return {"type": NOTICE, "org": org_id, "banned": banned, "uid": vid, "network": network}


def on_notice(message: dict) -> None:
    """In every process: forget the org's bans; on a ban, refuse the matching local connections at once."""
    org_id = message["org"]
    forget(org_id)
    if not message["banned"]:
        return
    from apps.realtime.hub import hub

    network = ipaddress.ip_network(message["network"]) if message["network"] else None
    bans = OrgBans(0.0, {message["uid"]: None} if message["uid"] else {}, ((network, None),) if network else ())
    for sub in hub.subscribers(org_id):
        if sub.caller.role == USER and bans.match(sub.caller.uid, sub.ip, 0.0):
            sub.kick(Banned())


def register() -> None:
    from apps.realtime.hub import hub

    hub.on(NOTICE, on_notice)
