"""Visitor tokens: `track` hands one out; every later visitor call carries it.

A token is the org id and visitor id, signed with the server's secret, so
checking one needs no query. The result is URL-safe (`[0-9A-Za-z._-]`).
"""

from __future__ import annotations

from django.core import signing

from apps.core import ids

_signer = signing.Signer(salt="horn.visitor", sep=".")


def issue(org_id: int, vid: str) -> str:
    return _signer.sign(f"{org_id}-{vid}")


def read(token: str) -> tuple[int, str] | None:
    """(org_id, vid) if `token` is a genuine visitor token, else None."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = _signer.unsign(token)
    except signing.BadSignature:
        return None
    org, _, vid = value.partition("-")
    if not org.isdigit() or not ids.is_visitor_id(vid):
        return None
    return int(org), vid
