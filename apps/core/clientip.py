"""The client's IP address: the socket peer, unless that peer is a proxy we trust.

`X-Forwarded-For` is a list any client can start with whatever it likes; each
proxy appends the address it received the request from. So the only entries
worth believing are those appended by our own proxies: walk the list from the
right, skip the proxies listed in HORN_TRUSTED_PROXIES, and the first address
that is not one of them is the client. With no trusted proxies (the default)
the header is ignored entirely: a direct client cannot pick its own IP and
dodge a per-IP limit or an IP ban.

Uvicorn has its own proxy-header handling, on by default for 127.0.0.1; Horn
runs it with `proxy_headers=False` so this module is the one place that decides.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def _proxies(raw: str) -> tuple[Network, ...]:
    networks = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"HORN_TRUSTED_PROXIES: {part!r} is not an IP address or CIDR") from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """Parsed once per distinct setting value (tests override the setting)."""
    return _proxies(settings.HORN_TRUSTED_PROXIES)


def parse_ip(raw: str | None) -> Address | None:
    """An address, IPv4-mapped IPv6 folded to IPv4 (a dual-stack socket reports ::ffff:a.b.c.d)."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # "[2001:db8::1]:443"
        raw = raw[1 : raw.index("]")]
    elif raw.count(":") == 1:  # "203.0.113.7:51234"
        raw = raw.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)


def resolve(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client IP for a socket peer and the X-Forwarded-For it sent (None if unknown)."""
    address = parse_ip(peer)
    proxies = trusted_proxies()
    if address is None or not proxies or not forwarded_for or not _trusted(address, proxies):
        return str(address) if address is not None else None
    for entry in reversed(forwarded_for.split(",")):
        hop = parse_ip(entry)
        if hop is None:
            # Garbage where an address should be: the proxy that passed it on is the
            # last hop we can vouch for.
            break
        address = hop
        if not _trusted(hop, proxies):
            break
    return str(address)


def client_ip(request: Any) -> str | None:
    """For an HttpRequest or the websocket's ScopeRequest (both carry META); computed once per request."""
    ip = getattr(request, "_horn_client_ip", False)
    if ip is False:
        ip = resolve(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))
        request._horn_client_ip = ip
    return ip
