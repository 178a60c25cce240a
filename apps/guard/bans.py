"""The two domain actions of bans: `ban` and `unban`.

`ban` writes the Ban row and ends the banned visitor's open chats (the
lifecycle's `end_chat`, sent in the visitor's name with the reason
"banned: <reason>", so staff in the chat see why) in one transaction; after
commit it broadcasts the ban, which drops every process's cached ban list and
closes the visitor's open sockets there, and publishes the chats' end events.
`unban` marks the rows lifted and broadcasts the same way.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from apps.accounts.auth import USER, Caller
from apps.chats.actions.common import payload_hash
from apps.chats.actions.lifecycle import end_chat
from apps.chats.actions.routing import settle
from apps.chats.models import Chat
from apps.core.db import db
from apps.core.errors import ChatEnded, InvalidValue, NotFound, NotMember
from apps.realtime.events import Event
from apps.realtime.publish import broadcast, publish
from apps.visitors.models import Visitor

from . import banlist
from .models import Ban

# Widest networks a ban may cover: an IPv4 /16 is 65,536 addresses (a
# provider's block), an IPv6 /48 one site. Anything wider (0.0.0.0/0, a /8)
# would lock out whole countries by one slip of a keyboard.
MIN_PREFIX = {4: 16, 6: 48}


@dataclass(frozen=True, slots=True)
class BanDone:
    ban: Ban
    events: list[Event]


def parse_network(raw: str) -> str:
    """A normalised CIDR ("203.0.113.7" -> "203.0.113.7/32"), or InvalidValue on field `ip`."""
    try:
        network = ipaddress.ip_network(raw.strip(), strict=True)
    except ValueError:
        msg = "ip must be an IPv4/IPv6 address or a CIDR network with no host bits set"
        raise InvalidValue(msg, field="ip") from None
    if network.version == 6 and network.network_address.ipv4_mapped is not None:
        raise InvalidValue("give an IPv4-mapped address as plain IPv4", field="ip")
    widest = MIN_PREFIX[network.version]
    if network.prefixlen < widest:
        raise InvalidValue(f"an IPv{network.version} ban may cover at most a /{widest}", field="ip")
    return str(network)


def _end_open_chats(org_id: int, vid: str, reason: str) -> list[Event]:
    visitor = Caller(uid=vid, role=USER, org_id=org_id)
    events: list[Event] = []
    chat_ids = Chat.objects.filter(org_id=org_id, creator_id=vid).exclude(state=Chat.ENDED).values_list("pk", flat=True)
    for chat_id in list(chat_ids):
        data = {"type": "end_chat", "chat": {"id": chat_id}, "event": {"reason": reason}}
        try:
            events += end_chat(visitor, data, None, payload_hash(data)).events
        except (ChatEnded, NotMember):  # ended meanwhile, or the visitor is no longer in it
            continue
    return events


def _ban(staff: Caller, vid: str | None, network: str, reason: str, minutes: int | None) -> BanDone:
    with transaction.atomic():
        if vid is not None and not Visitor.objects.filter(pk=vid, org_id=staff.org_id).exists():
            raise NotFound("visitor not found", field="uid")
        ban = Ban.objects.create(
            org_id=staff.org_id,
            visitor_id=vid,
            network=network,
            reason=reason,
            created_by=staff.uid,
            created_by_name=staff.name,
            until=banlist.now_dt() + timedelta(minutes=minutes) if minutes else None,
        )
        events = _end_open_chats(staff.org_id, vid, f"banned: {reason}" if reason else "banned") if vid else []
    return BanDone(ban, events)


async def ban(staff: Caller, *, vid: str | None, ip: str | None, reason: str = "", minutes: int | None = None) -> Ban:
    """Ban a visitor of the staff member's org, an address or a network, or both; for `minutes` or for good."""
    if vid is None and ip is None:
        raise InvalidValue("give uid, ip or both", field="uid")
    network = parse_network(ip) if ip is not None else ""
    done = await db(_ban, staff, vid, network, reason, minutes)
    # The ban first: the visitor's connections are refused before the chat's end reaches
    # them (staff get the end_chat either way; the visitor gets 2007).
    await banlist_broadcast(staff.org_id, banned=True, vid=vid, network=network)
    await publish(done.events)
    if done.events:
        await settle(staff.org_id, done.events)
    return done.ban


def _unban(staff: Caller, ban_id: int | None, vid: str | None, network: str) -> int:
    rows = Ban.objects.filter(org_id=staff.org_id, lifted_at__isnull=True)
    if ban_id is not None:
        rows = rows.filter(pk=ban_id)
    if vid is not None:
        rows = rows.filter(visitor_id=vid)
    if network:
        rows = rows.filter(network=network)
    lifted = rows.update(lifted_at=banlist.now_dt(), lifted_by=staff.uid)
    if not lifted:
        raise NotFound("no active ban matches", field="id" if ban_id is not None else "uid" if vid else "ip")
    return lifted


async def unban(staff: Caller, *, ban_id: int | None, vid: str | None, ip: str | None) -> int:
    """Lift the org's active bans that match every given key (a ban id, a visitor, an exact address/network)."""
    if ban_id is None and vid is None and ip is None:
        raise InvalidValue("give id, uid or ip", field="id")
    network = parse_network(ip) if ip is not None else ""
    lifted = await db(_unban, staff, ban_id, vid, network)
    await banlist_broadcast(staff.org_id, banned=False)
    return lifted


async def banlist_broadcast(org_id: int, *, banned: bool, vid: str | None = None, network: str = "") -> None:
    await broadcast(banlist.notice(org_id, banned=banned, vid=vid, network=network))
