"""WS /ws?uid&track_id[&version][&token]: push to visitors and staff; clients may send on it too.

Frames out: a message object (with `version`, the cursor after it), a notice
(`{"type": "presence" | "visitors_changed", "event": {...}}`, staff only), or
a control frame `{"code": ..., "msg": ...}` (replies to client frames carry
their `ref`). Every refusal closes with its own code (see CLOSE_CODES).
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from django.conf import settings
from django.http import QueryDict, parse_cookie
from django.utils.datastructures import CaseInsensitiveMapping

from apps.accounts.auth import Caller, authenticate
from apps.chats.actions import send_message
from apps.core import ids
from apps.core.clientip import client_ip
from apps.core.errors import BadId, BadJSON, HornError, ServiceUnavailable
from apps.guard import ratelimit
from apps.integrations.emit import emit

from . import presence, pushers
from .hub import hub
from .subscribe import ReinitRequired, parse_cursor, subscribe

log = logging.getLogger("horn.ws")

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 4408
CLOSE_REINIT = 4409
CLOSE_TOO_LARGE = 4413
CLOSE_RATE_LIMITED = 4429
CLOSE_UNAVAILABLE = 4503


def close_code_for(exc: HornError) -> int:
    if isinstance(exc, ReinitRequired):
        return CLOSE_REINIT
    if exc.status == 401:
        return CLOSE_UNAUTHENTICATED
    if exc.status in (403, 404):
        return CLOSE_FORBIDDEN
    if exc.status >= 500:
        return CLOSE_UNAVAILABLE
    return CLOSE_BAD_REQUEST


class ScopeRequest:
    """Just enough of an HttpRequest for apps.accounts.auth to authenticate a websocket handshake."""

    method = "GET"

    def __init__(self, scope):
        raw = [(k.decode("latin1"), v.decode("latin1")) for k, v in scope.get("headers", [])]
        self.headers = CaseInsensitiveMapping(dict(raw))
        client = scope.get("client")
        forwarded = [v for k, v in raw if k.lower() == "x-forwarded-for"]
        # What apps.core.clientip reads from an HttpRequest: the peer and X-Forwarded-For (all of them).
        self.META = {"REMOTE_ADDR": client[0] if client else None, "HTTP_X_FORWARDED_FOR": ",".join(forwarded)}
        self.GET = QueryDict(scope.get("query_string", b"").decode("latin1"))
        self.COOKIES = parse_cookie(self.headers.get("cookie", ""))
        self.scheme = "https" if scope.get("scheme") == "wss" else "http"

    def get_host(self) -> str:
        return self.headers.get("host", "")


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "at")

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst, self.tokens, self.at = rate, burst, float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


async def authenticate_push(request) -> tuple[Caller, int | None, bool]:
    """Shared by /ws and /pull: the caller (query `uid` must be theirs), the resume cursor, and whether
    the connection counts the caller as online (query `presence`, presence.counts)."""
    uid = request.GET.get("uid") or None
    if uid is not None and not ids.is_user_id(uid):
        raise BadId("uid is not a visitor or staff id", field="uid")
    track_id = request.GET.get("track_id") or None
    if track_id is not None and not ids.is_track_id(track_id):
        raise BadId("track_id is not a track id", field="track_id")
    cursor = parse_cursor(request.GET.get("version"))
    present = presence.counts(request.GET.get("presence"))
    caller = await authenticate(request, uid=uid, query_token=True)
    return caller, cursor, present


class PushSocket:
    """One /ws connection, as a plain ASGI application.

    Not a Channels consumer: the hub delivers to it directly, so it needs no
    channel, and a consumer's dispatch loop costs a task and several futures
    per connection (about 5 KB of the ~30 KB an idle connection takes). Two
    tasks per connection: this one reads client frames, `_write` sends what
    the hub queued.
    """

    __slots__ = ("scope", "_receive", "_send", "caller", "sub", "writer", "closing", "bucket", "ip", "ended")

    def __init__(self, scope, receive, send):
        self.scope, self._receive, self._send = scope, receive, send
        self.caller: Caller | None = None
        self.sub = None
        self.writer: asyncio.Task | None = None
        self.closing = False
        self.bucket: TokenBucket | None = None
        self.ip: str | None = None
        # How it ended, for the event stream's userDisconnected: the close code, why, and whether we closed it.
        self.ended: tuple[int, str, bool] = (1006, "connection lost", False)

    async def run(self) -> None:
        if (await self._receive())["type"] != "websocket.connect":
            return
        # However the connection ends (a handler raising included), its subscription ends with it.
        try:
            if await self._connect():
                while not self.closing:
                    message = await self._receive()
                    if message["type"] == "websocket.disconnect":
                        if not self.closing:
                            self.ended = (message.get("code", 1005), "client closed the connection", False)
                        break
                    if message["type"] == "websocket.receive":
                        await self._on_frame(message.get("text") or message.get("bytes") or "")
        finally:
            await self._release()

    async def _connect(self) -> bool:
        # Subscribed before the handshake completes: a client that acts as soon as its socket is
        # open cannot miss what its action causes. A refusal completes the handshake too, so the
        # client can read why (browsers never see the HTTP status of a refused handshake).
        try:
            request = ScopeRequest(self.scope)
            self.caller, cursor, present = await authenticate_push(request)
            self.ip = client_ip(request)
            self.sub = await subscribe(
                self.caller, cursor, on_overflow=self._too_slow, on_kick=self._kicked, ip=self.ip, present=present
            )
        except HornError as exc:
            await self._send({"type": "websocket.accept"})
            await self._refuse(exc.body(), close_code_for(exc))
            return False
        except Exception:  # DB or Redis failed mid-handshake: say so, the client retries
            log.exception("websocket handshake failed")
            await self._send({"type": "websocket.accept"})
            await self._refuse(ServiceUnavailable().body(), CLOSE_UNAVAILABLE)
            return False
        await self._send({"type": "websocket.accept"})
        self.bucket = TokenBucket(settings.HORN_WS_RATE, settings.HORN_WS_BURST)
        self.writer = asyncio.create_task(self._write())
        if self.sub.present:
            await pushers.connected(self.caller)
        emit(self.caller.org_id, "userConnected", {"role": self.caller.role}, user_id=self.caller.uid)
        return True

    async def _release(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
        sub, self.sub = self.sub, None
        if sub is not None:
            hub.detach(sub)
            code, reason, forced = self.ended
            body = {"reason": reason, "code": code, "forced": forced, "role": self.caller.role}
            emit(self.caller.org_id, "userDisconnected", body, user_id=self.caller.uid)
            await pushers.disconnected(self.caller)

    async def _send_text(self, text: str) -> None:
        await self._send({"type": "websocket.send", "text": text})

    async def _write(self) -> None:
        sub = self.sub
        try:
            while True:
                await sub.wakeup.wait()
                for frame in sub.take():
                    await self._send_text(frame.decode())
        except asyncio.CancelledError:
            raise
        except Exception:  # the client is gone; the reading side cleans up
            return

    def _too_slow(self) -> None:
        asyncio.create_task(
            self._refuse({"code": 4011, "msg": "receiver too far behind; reconnect with your version"}, CLOSE_TOO_SLOW)
        )

    def _kicked(self, error: HornError) -> None:
        """Banned while connected (apps.guard.banlist): the reason as a control frame, then close."""
        asyncio.create_task(self._refuse(error.body(), close_code_for(error)))

    async def _refuse(self, body: dict, code: int) -> None:
        if self.closing:
            return
        self.closing = True  # frames already queued behind this one are ignored
        self.ended = (code, body.get("msg") or "", True)
        if self.writer is not None:
            self.writer.cancel()
        try:
            await self._send_text(orjson.dumps(body).decode())
        finally:
            await self._send({"type": "websocket.close", "code": code})

    async def _on_frame(self, raw: str | bytes) -> None:
        if len(raw) > settings.HORN_WS_MAX_FRAME:
            await self._refuse({"code": 1009, "msg": f"frame over {settings.HORN_WS_MAX_FRAME} bytes"}, CLOSE_TOO_LARGE)
            return
        if not self.bucket.take():
            await self._refuse({"code": 4012, "msg": "too many frames; slow down"}, CLOSE_RATE_LIMITED)
            return
        ref = None
        try:
            data = orjson.loads(raw)
            if not isinstance(data, dict):
                raise BadJSON()
            ref = data.pop("ref", None)
            reply = await self._handle(data)
        except orjson.JSONDecodeError:
            reply = BadJSON("frame is not valid JSON").body()
        except HornError as exc:
            reply = exc.body()
        except Exception:
            log.exception("websocket frame failed")
            reply = {"code": 5000, "msg": "internal error", "field": None}
        if ref is not None:
            reply["ref"] = ref
        await self._send_text(orjson.dumps(reply).decode())

    async def _handle(self, data: dict) -> dict:
        if data.get("type") == "ping":
            if self.sub.present:
                await presence.touch(self.caller.org_id, self.caller.role, self.caller.uid)
            return {"code": 0, "msg": "pong", "interval": settings.HORN_HEARTBEAT_INTERVAL}
        # The same per-caller budget as POST /api/message: a refusal is this frame's reply
        # (the 429 body with retry_after), the socket stays open.
        await ratelimit.hit(ratelimit.message_kind(data), caller=self.caller, ip=self.ip)
        sent = await send_message(self.caller, data)
        return {"code": 0, "msg": "ok", **sent.reply(data.get("chat", {}).get("id", ""))}


async def push_socket(scope, receive, send) -> None:
    """The ASGI application of /ws."""
    await PushSocket(scope, receive, send).run()
