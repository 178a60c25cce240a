"""The bot protocol (seed 001 semantics) on the websocket /bot?apiKey=KEY.

    bot -> {"type": "hello", "backend_id": "faq-bot-1", "tags"?: {...}, "version"?: "<cursor>"}
    horn -> {"type": "welcome", "backend_id", "bot": {"id", "name"}, "org"}
    bot -> {"type": "send", "id": "r1", "message": {<any POST /api/message body>}, "tags"?: {...}}
    horn -> {"type": "success", "id": "r1", "mid", "version", "chat": {...}, "tags"?}
         or {"type": "failed", "id": "r1", "reason", "code"}
    bot -> {"type": "metadata", "id": "r2", "chat": "<chat id>"}
    horn -> {"type": "success", "id": "r2", "metadata": {"chat", "visitor"}}
    bot -> {"type": "application_heartbeat", "id": "r3", "available": true}

- The first frame must be `hello` with a `backend_id` unique among the org's live
  bot connections (across processes: a Redis key held while connected); anything
  else is refused with a `failed` frame saying why, and the socket is closed.
- Every later request carries an `id` and gets exactly one reply, `success` or
  `failed` (with `reason` and Horn's error `code`).
- `tags` of a request ride along: on its reply and on the events it caused when
  they reach this connection. `hello`'s tags ride along on everything.
- The bot receives the events of the chats it is in, as on /ws (the same
  frames; resumable from `version` given in hello).
- Requests go through the same domain actions as POST /api/message; a bot key that
  is revoked (the bot deactivated or deleted) closes the socket at once (4401).
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from django.conf import settings

from apps.accounts.auth import BOT, _bot_key_caller
from apps.chats.actions import send_message
from apps.chats.models import Chat, ChatMember
from apps.console.selectors import visitor_details
from apps.core.db import db
from apps.core.errors import (
    BackendTaken,
    BadJSON,
    BadToken,
    HornError,
    InvalidValue,
    MissingField,
    NotFound,
    UnknownType,
)
from apps.core.redis import get_redis
from apps.guard import ratelimit
from apps.realtime import presence
from apps.realtime.consumers import CLOSE_BAD_REQUEST, CLOSE_UNAUTHENTICATED, PushSocket, ScopeRequest
from apps.realtime.subscribe import parse_cursor, subscribe

from .emit import emit

log = logging.getLogger("horn.bot")

CLOSE_DUPLICATE = 4409
HELLO_TIMEOUT = 10.0
MAX_REQUEST_ID = 64
MAX_TAGS = 20


def backend_key(org_id: int, backend_id: str) -> str:
    return f"horn:bot-backend:{org_id}:{backend_id}"


def _tags(value, field: str) -> dict:
    if value is None:
        return {}
    if (
        not isinstance(value, dict)
        or len(value) > MAX_TAGS
        or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 256 for k, v in value.items()
        )
    ):
        raise InvalidValue(f"tags must be an object of at most {MAX_TAGS} string values", field=field)
    return value


def chat_metadata(org_id: int, chat_id) -> dict:
    """What a bot may ask about a chat of its org: the chat, its members, the visitor with pages and customer."""
    if not isinstance(chat_id, str) or len(chat_id) > 64:
        raise InvalidValue("chat must be a chat id", field="chat")
    chat = Chat.objects.filter(org_id=org_id, pk=chat_id).first()
    if chat is None:
        raise NotFound("chat not found", field="chat")
    members = ChatMember.objects.filter(chat=chat, left_at__isnull=True).values_list("uid", "role")
    return {
        "chat": {
            "id": chat.id,
            "state": chat.state,
            "queue": chat.queue,
            "owner": chat.owner_id,
            "offline": chat.offline,
            "created_at": int(chat.created_at.timestamp()),
            "members": [{"id": uid, "role": role} for uid, role in members],
        },
        "visitor": visitor_details(org_id, chat.creator_id),
    }


class BotSocket(PushSocket):
    """/bot: a PushSocket whose first frame is hello and whose frames are requests with ids."""

    __slots__ = ("backend_id", "hello_tags", "caused", "current_tags", "claimed", "renewer")

    def __init__(self, scope, receive, send):
        super().__init__(scope, receive, send)
        self.backend_id = ""
        self.hello_tags: dict = {}
        self.caused: dict[int, dict] = {}  # seq of an event a request caused -> that request's tags
        # Requests are handled one at a time, so an event of this bot's that comes while one is
        # being handled is that request's, even before its sequence numbers are known.
        self.current_tags: dict = {}
        self.claimed = False
        self.renewer: asyncio.Task | None = None

    async def _connect(self) -> bool:
        await self._send({"type": "websocket.accept"})
        request = ScopeRequest(self.scope)
        key = request.GET.get("apiKey", "").strip()
        self.caller = await _bot_key_caller(key) if key and len(key) <= 256 else None
        if self.caller is None:
            await self._refuse(
                self._failed(None, BadToken("unknown or revoked API key", field="apiKey")), CLOSE_UNAUTHENTICATED
            )
            return False
        try:
            message = await asyncio.wait_for(self._receive(), HELLO_TIMEOUT)
        except TimeoutError:
            await self._refuse(self._failed(None, MissingField("say hello first", field="type")), CLOSE_BAD_REQUEST)
            return False
        if message["type"] != "websocket.receive":
            return False
        try:
            hello = self._hello(message.get("text") or message.get("bytes") or "")
            cursor = parse_cursor(hello.get("version"))
            if not await get_redis().set(
                backend_key(self.caller.org_id, self.backend_id), self.caller.uid, nx=True,
                ex=2 * settings.HORN_HEARTBEAT_INTERVAL,
            ):  # fmt: skip
                taken = BackendTaken(f"backend_id {self.backend_id!r} is already connected for this organisation")
                await self._refuse(self._failed(None, taken), CLOSE_DUPLICATE)
                return False
            self.claimed = True
            self.sub = await subscribe(self.caller, cursor, on_overflow=self._too_slow, on_kick=self._kicked)
        except HornError as exc:
            await self._refuse(self._failed(None, exc), CLOSE_BAD_REQUEST)
            return False
        # Welcome first: what the subscription queued meanwhile (replay, presence) follows it.
        welcome = {"type": "welcome", "backend_id": self.backend_id, "org": self.caller.org_id,
                   "bot": {"id": self.caller.uid, "name": self.caller.name}}  # fmt: skip
        await self._send_text(orjson.dumps(welcome).decode())
        self.writer = asyncio.create_task(self._write())
        self.renewer = asyncio.create_task(self._renew())
        await presence.touch(self.caller.org_id, BOT, self.caller.uid)
        emit(self.caller.org_id, "userConnected", {"role": BOT, "backend_id": self.backend_id}, user_id=self.caller.uid)
        return True

    def _hello(self, raw) -> dict:
        try:
            hello = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BadJSON("the first frame must be a JSON hello") from None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise MissingField('the first frame must be {"type": "hello", "backend_id": ...}', field="type")
        backend_id = hello.get("backend_id")
        if not isinstance(backend_id, str) or not 1 <= len(backend_id) <= 64 or not backend_id.isprintable():
            raise MissingField("hello needs a backend_id of 1-64 characters", field="backend_id")
        self.backend_id = backend_id
        self.hello_tags = _tags(hello.get("tags"), "tags")
        return hello

    async def _renew(self) -> None:
        """Keep the backend id claimed while connected (its key expires if this process dies)."""
        while True:
            await asyncio.sleep(settings.HORN_HEARTBEAT_INTERVAL / 2)
            try:
                await get_redis().expire(
                    backend_key(self.caller.org_id, self.backend_id), 2 * settings.HORN_HEARTBEAT_INTERVAL
                )
                await presence.touch(self.caller.org_id, BOT, self.caller.uid)
            except Exception:
                log.exception("renewing bot backend %s failed", self.backend_id)

    async def _release(self) -> None:
        if self.renewer is not None:
            self.renewer.cancel()
        if self.claimed:
            self.claimed = False
            try:
                key = backend_key(self.caller.org_id, self.backend_id)
                if await get_redis().get(key) == self.caller.uid:
                    await get_redis().delete(key)
                await presence.bot_available(self.caller.org_id, self.caller.uid, False)
            except Exception:
                log.exception("releasing bot backend %s failed", self.backend_id)
        await super()._release()

    async def _write(self) -> None:
        """As /ws, with the tags of the request that caused an event (and hello's) added to it."""
        sub = self.sub
        try:
            while True:
                await sub.wakeup.wait()
                for frame in sub.take():
                    await self._send_text(self._tagged(frame))
        except asyncio.CancelledError:
            raise
        except Exception:
            return

    def _tagged(self, frame: bytes) -> str:
        if not self.caused and not self.current_tags and not self.hello_tags:
            return frame.decode()
        event = orjson.loads(frame)
        version = event.get("version")
        tags = dict(self.hello_tags)
        if isinstance(version, str) and version.isdigit():
            mine = (event.get("from") or {}).get("id") == self.caller.uid
            tags.update(self.caused.pop(int(version), None) or (self.current_tags if mine else {}))
        if tags:
            event["tags"] = tags
        return orjson.dumps(event).decode()

    def _failed(self, request_id, error: HornError) -> dict:
        return {"type": "failed", "id": request_id, "reason": error.msg, "code": error.code, "field": error.field}

    async def _on_frame(self, raw: str | bytes) -> None:
        if len(raw) > settings.HORN_WS_MAX_FRAME:
            await self._refuse({"type": "failed", "id": None, "code": 1009,
                                "reason": f"frame over {settings.HORN_WS_MAX_FRAME} bytes"}, 4413)  # fmt: skip
            return
        request_id = None
        try:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise BadJSON("frame is not valid JSON") from None
            if not isinstance(data, dict):
                raise BadJSON("a request is a JSON object")
            request_id = data.get("id")
            if (
                not isinstance(request_id, str | int)
                or isinstance(request_id, bool)
                or not str(request_id)
                or len(str(request_id)) > MAX_REQUEST_ID
            ):
                request_id = None
                raise MissingField(
                    f"every request needs an id (a string or number, at most {MAX_REQUEST_ID} characters)", field="id"
                )
            reply = await self._handle(data)
            reply = {"type": "success", "id": request_id, **reply}
        except HornError as exc:
            reply = self._failed(request_id, exc)
        except Exception:
            log.exception("bot request failed")
            reply = {"type": "failed", "id": request_id, "reason": "internal error", "code": 5000}
        await self._send_text(orjson.dumps(reply).decode())

    async def _handle(self, data: dict) -> dict:
        kind = data.get("type")
        tags = _tags(data.get("tags"), "tags")
        if kind == "send":
            message = data.get("message")
            if not isinstance(message, dict):
                raise MissingField("send needs a message: the body of POST /api/message", field="message")
            await ratelimit.hit(ratelimit.message_kind(message), caller=self.caller, ip=None)
            self.current_tags = tags
            try:
                sent = await send_message(self.caller, message)
            finally:
                self.current_tags = {}
            if tags:
                self.caused.update((event.seq, tags) for event in sent.events if event.seq > self.sub.cursor)
            reply = sent.reply(message.get("chat", {}).get("id", "") if isinstance(message.get("chat"), dict) else "")
            return {**reply, **({"tags": tags} if tags else {})}
        if kind == "metadata":
            return {"metadata": await db(chat_metadata, self.caller.org_id, data.get("chat"))}
        if kind == "application_heartbeat":
            available = data.get("available")
            if not isinstance(available, bool):
                raise InvalidValue("available must be true or false", field="available")
            await presence.bot_available(self.caller.org_id, self.caller.uid, available)
            return {"available": available}
        if kind == "hello":
            raise InvalidValue("hello was already said", field="type")
        raise UnknownType(
            f"unknown request type {str(kind)[:40]!r}: send, metadata or application_heartbeat", field="type"
        )


async def bot_socket(scope, receive, send) -> None:
    """The ASGI application of /bot."""
    await BotSocket(scope, receive, send).run()
