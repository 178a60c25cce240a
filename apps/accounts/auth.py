"""Who is calling: one function for every API request, visitor or staff.

The hot API paths skip Django's middleware (horn/asgi.py), so this module does
what the middleware would for them: it reads the session for console staff and
enforces CSRF on their unsafe requests. Visitors are checked without a query
(signed token + cached org allow-list).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework.authtoken.models import Token

from apps.core import ids
from apps.core.db import db
from apps.core.errors import (
    AuthRequired,
    BadId,
    BadToken,
    CsrfFailed,
    Forbidden,
    InvalidValue,
    NotFound,
    OriginNotAllowed,
)

from . import visitor_tokens
from .models import KEY_PREFIX, Bot, Staff, hash_api_key
from .orgs import get_org

USER, STAFF, BOT = "user", "staff", "bot"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True, slots=True)
class Caller:
    uid: str
    role: str  # "user" (a visitor), "staff" or "bot"
    org_id: int
    name: str = ""
    admin: bool = False  # a staff member with the org's admin role

    @property
    def is_staff(self) -> bool:
        """Staff-side: staff and bots see the staff view (queue, internal events)."""
        return self.role in (STAFF, BOT)


def request_origin(request) -> str | None:
    origin = request.headers.get("Origin")
    return origin.rstrip("/") if origin and origin != "null" else origin


def own_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


async def check_visitor_origin(request, org_id: int) -> None:
    """Browsers always send Origin on these calls; servers and curl send none."""
    origin = request_origin(request)
    if origin is None:
        return
    org = await get_org(org_id)
    if origin in org.allowed_origins or origin in (settings.HORN_PUBLIC_URL, own_origin(request)):
        request.horn_cors_ok = True
        return
    raise OriginNotAllowed(field="Origin")


def _staff_by_token(key: str) -> Staff | None:
    token = Token.objects.filter(key=key).select_related("user__staff").first()
    if token is None or not token.user.is_active:
        return None
    return getattr(token.user, "staff", None)


# Staff API tokens are looked up on every request of a console or bot; a few
# seconds of grace after a token is deleted or its user deactivated is the
# price of not querying each time. Only hits are kept, and only so many.
TOKEN_TTL = 5.0
LAST_USED_EVERY = timedelta(minutes=1)
TOKEN_CACHE_MAX = 10_000
_token_cache: dict[str, tuple[float, Caller]] = {}


def _bot_by_key(key: str) -> Caller | None:
    if not key.startswith(KEY_PREFIX) and len(key) != 40:  # neither a key nor one from before the prefix
        return None
    rows = Bot.objects.filter(key_hash=hash_api_key(key), is_active=True)
    bot = rows.values_list("bid", "org_id", "name", "last_used_at").first()
    if bot is None:
        return None
    now = timezone.now()
    if bot[3] is None or now - bot[3] > LAST_USED_EVERY:  # shown to admins; a write a minute at most
        Bot.objects.filter(pk=bot[0]).update(last_used_at=now)
    return Caller(uid=bot[0], role=BOT, org_id=bot[1], name=bot[2])


def _staff_by_token_caller(key: str) -> Caller | None:
    staff = _staff_by_token(key)
    return _staff_caller(staff) if staff is not None else None


async def _cached_caller(key: str, load) -> Caller | None:
    now = time.monotonic()
    hit = _token_cache.get(key)
    if hit is not None and hit[0] >= now:
        return hit[1]
    caller = await db(load, key)
    if caller is None:
        _token_cache.pop(key, None)
        return None
    if len(_token_cache) >= TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[key] = (now + TOKEN_TTL, caller)
    return caller


async def _staff_token_caller(key: str) -> Caller | None:
    return await _cached_caller(key, _staff_by_token_caller)


async def _bot_key_caller(key: str) -> Caller | None:
    return await _cached_caller(key, _bot_by_key)


def forget_tokens() -> None:
    _token_cache.clear()


def forget_caller(uid: str) -> None:
    """Drop the cached tokens of one staff member (deactivated: apps.guard.staffkick)."""
    for key, (_, caller) in list(_token_cache.items()):
        if caller.uid == uid:
            _token_cache.pop(key, None)


def _staff_by_session(session_key: str) -> Staff | None:
    session = SessionStore(session_key)
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return None
    staff = Staff.objects.select_related("user").filter(user_id=user_id).first()
    if staff is None or not staff.user.is_active:
        return None
    # Same check as django.contrib.auth.get_user: a password change ends old sessions.
    if not constant_time_compare(session.get(HASH_SESSION_KEY, ""), staff.user.get_session_auth_hash()):
        return None
    return staff


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _enforce_csrf(request) -> None:
    check = _CsrfCheck(lambda req: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise CsrfFailed(f"CSRF check failed: {reason}")


def _staff_caller(staff: Staff) -> Caller:
    return Caller(uid=staff.sid, role=STAFF, org_id=staff.org_id, name=staff.name, admin=staff.role == Staff.ADMIN)


async def _visitor_caller(request, token: str) -> Caller | None:
    parsed = visitor_tokens.read(token)
    if parsed is None:
        return None
    org_id, vid = parsed
    await check_visitor_origin(request, org_id)
    caller = Caller(uid=vid, role=USER, org_id=org_id)
    for gate in _visitor_gates:
        await gate(request, caller)
    return caller


# Checks every authenticated visitor call must pass, registered at start-up by the apps that
# own them (apps.guard: bans). A registry rather than an import keeps accounts below them.
VisitorGate = Callable[[Any, Caller], Awaitable[None]]
_visitor_gates: list[VisitorGate] = []


def add_visitor_gate(gate: VisitorGate) -> None:
    if gate not in _visitor_gates:
        _visitor_gates.append(gate)


async def authenticate(request, *, uid: str | None = None, query_token: bool = False) -> Caller:
    """The authenticated caller, or an AuthRequired/BadToken/Forbidden error.

    `uid`, when the request names one, must be the caller's own id.
    `query_token` also accepts `?token=` (visitor or staff API token), for /ws and /pull.
    """
    caller = await _resolve(request, query_token)
    if uid is not None and uid != caller.uid:
        raise BadToken("token does not belong to this uid", field="uid")
    return caller


async def _resolve(request, query_token: bool) -> Caller:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme:
        if scheme.lower() == "bearer" and key.strip():
            caller = await _bot_key_caller(key.strip())
            if caller is None:
                raise BadToken("unknown bot key", field="Authorization")
            return caller
        if scheme.lower() != "token" or not key.strip():
            raise BadToken("Authorization must be 'Token <key>' (staff) or 'Bearer <key>' (bot)", field="Authorization")
        caller = await _staff_token_caller(key.strip())
        if caller is None:
            raise BadToken("unknown staff token", field="Authorization")
        return caller

    token = request.headers.get("X-Horn-Token")
    field = "X-Horn-Token"
    if token is None and query_token:
        token, field = request.GET.get("token") or None, "token"
    if token is not None:
        caller = await _visitor_caller(request, token)
        if caller is None and field == "token" and len(token) == 40:  # a staff token (or a key from before 0010)
            caller = await _staff_token_caller(token) or await _bot_key_caller(token)
        elif caller is None and field == "token" and token.startswith(KEY_PREFIX) and len(token) <= 256:
            caller = await _bot_key_caller(token)
        if caller is None:
            raise BadToken(field=field)
        return caller

    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        staff = await db(_staff_by_session, session_key)
        if staff is not None:
            origin = request_origin(request)
            if origin is not None and origin not in (settings.HORN_PUBLIC_URL, own_origin(request)):
                raise OriginNotAllowed(field="Origin")
            if request.method not in SAFE_METHODS:
                _enforce_csrf(request)
            return _staff_caller(staff)
    raise AuthRequired()


async def authenticate_staff(request) -> Caller:
    """A staff caller; `?cid=`, when given, must be their own org."""
    caller = await authenticate(request)
    require_staff(caller)
    cid = request.GET.get("cid") or None
    if cid is not None and len(cid) > 20:
        raise InvalidValue("cid is too long", field="cid")
    require_own_org(caller, cid)
    return caller


async def authenticate_admin(request) -> Caller:
    """An admin of the org (admin pages' APIs): anyone else gets 401, or 403 2004."""
    caller = await authenticate_staff(request)
    require_admin(caller)
    return caller


def require_staff(caller: Caller) -> None:
    if not caller.is_staff:
        raise Forbidden("only staff may call this")


def require_admin(caller: Caller) -> None:
    """Admin pages and APIs: staff of the org with the admin role (an agent or bot gets 403 2004)."""
    if not (caller.role == STAFF and caller.admin):
        raise Forbidden("only an admin of this organisation may do this")


def require_own_org(caller: Caller, cid) -> None:
    """`cid` (query or body) must name the caller's own org; any other is 'not found'."""
    if cid is None:
        return
    if isinstance(cid, str) and cid.isdigit():
        cid = int(cid)
    if not isinstance(cid, int) or isinstance(cid, bool):
        raise InvalidValue("cid must be an organisation id (integer)", field="cid")
    if cid != caller.org_id:
        raise NotFound("organisation not found", field="cid")


def check_uid_form(uid) -> str | None:
    if uid is None:
        return None
    if not ids.is_user_id(uid):
        raise BadId("uid is not a visitor or staff id", field="uid")
    return uid


async def authenticate_bot(request) -> Caller:
    """A bot by its key: `?apiKey=<key>` (seed 003's /images) or `Authorization: Bearer <key>`."""
    key = request.GET.get("apiKey")
    if key is None:
        caller = await authenticate(request)
        if caller.role != BOT:
            raise Forbidden("only a bot key may call this (?apiKey= or Authorization: Bearer)")
        return caller
    caller = await _bot_key_caller(key.strip()) if key.strip() and len(key) <= 256 else None
    if caller is None:
        raise BadToken("unknown bot key", field="apiKey")
    return caller
