"""One Support stream: its caller, the session it is connected to, and the events it forwards.

A stream subscribes to the process's push hub for its whole life (as a /ws
connection does) and forwards the events of its current session. Connecting
(`init`, `accept`) runs under the stream's lock, which the forwarding task also
takes, so the `session` answer always goes out before the session's first live
message, and the history and the live events meet without a gap or a repeat:
the history holds the session's messages up to sequence number `floor`, the
live side drops what is at or below it (see `connect`).
"""

from __future__ import annotations

import asyncio
import logging

import grpc
import orjson
from django.db import OperationalError
from redis.exceptions import RedisError

from apps.accounts.auth import Caller
from apps.chats.actions import send_message
from apps.chats.actions.common import Sent
from apps.core import ids
from apps.core.db import db
from apps.core.errors import HornError, NotFound, ServiceUnavailable
from apps.guard import ratelimit
from apps.integrations.emit import emit
from apps.realtime import pushers
from apps.realtime.hub import hub
from apps.realtime.subscribe import subscribe

from . import sessions
from .calls import OutOfOrder, ReceiverTooSlow, status_of, trailers

log = logging.getLogger("horn.grpc")


class Stream:
    """The state machine both methods share; `handle` and `forward` are each method's own."""

    connect_hint = ""  # how to connect, for the error of a request that needs a session
    leave_hint = ""  # how to disconnect, for the error of a connect while connected

    def __init__(self, context: grpc.aio.ServicerContext, caller: Caller, ip: str | None):
        self.context, self.caller, self.ip = context, caller, ip
        self.session: str | None = None  # the chat id, while connected
        self.floor = 0  # the session's events at or below this sequence number were in its history
        self.lock = asyncio.Lock()
        self.sub = None
        self.stop: asyncio.Future | None = None  # set with an error when the hub cuts the stream

    async def run(self) -> None:
        """Serve until the client half-closes; a HornError ends the stream with its status."""
        loop = asyncio.get_running_loop()
        self.stop = loop.create_future()
        self.sub = await subscribe(self.caller, None, on_overflow=self._too_slow, on_kick=self._cut)
        forwarder = asyncio.create_task(self._forward_loop())
        # How it ended, for the event stream's userDisconnected (as /ws): gRPC status code, why, whether Horn ended it.
        ended = (grpc.StatusCode.CANCELLED, "connection lost", False)
        try:
            await pushers.connected(self.caller)
            self._emit("userConnected", {})
            while True:
                read = asyncio.ensure_future(self.context.read())
                await asyncio.wait({read, self.stop, forwarder}, return_when=asyncio.FIRST_COMPLETED)
                if not read.done():
                    read.cancel()
                    if self.stop.done():
                        self.stop.result()  # raises the hub's reason
                    forwarder.result()  # raises what broke forwarding
                request = read.result()
                if request is grpc.aio.EOF:
                    ended = (grpc.StatusCode.OK, "client closed the stream", False)
                    return
                await self.handle(request)
        except HornError as error:
            ended = (status_of(error), error.msg, True)
            raise
        finally:
            forwarder.cancel()
            hub.detach(self.sub)
            status, reason, forced = ended
            self._emit("userDisconnected", {"reason": reason, "code": status.value[0], "forced": forced})
            await pushers.disconnected(self.caller)

    def _emit(self, name: str, body: dict) -> None:
        """Seed 002's connection events on the org's event stream, as /ws sends them, marked as gRPC."""
        body = {**body, "role": self.caller.role, "transport": "grpc"}
        emit(self.caller.org_id, name, body, user_id=self.caller.uid, session_id=self.session or "")

    # --- requests ---
    async def handle(self, request) -> None:
        raise NotImplementedError

    def require_session(self, what: str) -> str:
        if self.session is None:
            raise OutOfOrder(f"{what} needs a session: {self.connect_hint}", field="req")
        return self.session

    def require_no_session(self, what: str) -> None:
        if self.session is not None:
            raise OutOfOrder(f"{what} while connected to session {self.session}: {self.leave_hint}", field="req")

    async def send(self, data: dict) -> Sent:
        """One domain action, under the same per-caller budget as POST /api/message and /ws."""
        await ratelimit.hit(ratelimit.message_kind(data), caller=self.caller, ip=self.ip)
        return await send_message(self.caller, data)

    async def say(self, text: str) -> None:
        chat_id = self.require_session("msg")
        await self.send({"type": "text", "chat": {"id": chat_id}, "text": text})

    async def connect(self, data: dict, write) -> None:
        """Open or join a session with `data` (request_chat, join_chat) and answer with it; under the lock.

        The history goes up to the later of the action's own message and what
        the forwarder has already taken from the hub: everything after that is
        still to come from the hub (the caller is a member by then), so it is
        forwarded live, and nothing the history holds is forwarded again.
        """
        async with self.lock:
            sent = await self.send(data)
            if sent.message is None:  # in the chat already, with no join of its own (a transfer brought them)
                chat_id, floor = data["chat"]["id"], self.sub.cursor
            else:
                chat_id, floor = sent.message.chat_id, max(sent.message.seq, self.sub.cursor)
            session = await db(sessions.session, self.caller.org_id, chat_id, floor)
            await write(session)
            self.session, self.floor = chat_id, floor

    async def disconnect(self, data: dict) -> None:
        """Hang up or leave (`data`), then forward nothing more of that session."""
        async with self.lock:
            await self.send(data)
            self.session = None

    # --- events ---
    async def forward(self, event: dict) -> None:
        raise NotImplementedError

    async def _forward_loop(self) -> None:
        while True:
            await self.sub.wakeup.wait()
            async with self.lock:
                for frame in self.sub.take():
                    event = orjson.loads(frame)
                    version = event.get("version")
                    if (
                        version is not None  # a stored event, not typing or a notice
                        and event.get("chat", {}).get("id") == self.session
                        and int(version) > self.floor
                    ):
                        await self.forward(event)

    def _too_slow(self) -> None:
        self._cut(ReceiverTooSlow())

    def _cut(self, error: HornError) -> None:
        if not self.stop.done():
            self.stop.set_exception(error)


def session_id(value: str, field: str) -> str:
    """A session id from the client: a malformed one is 'not found', like one of another org."""
    if not ids.is_chat_id(value):
        raise NotFound("session not found", field=field)
    return value


async def serve(stream_class, context: grpc.aio.ServicerContext, authenticate) -> None:
    """Run one stream of `stream_class` for the caller `authenticate(context)` admits; errors become statuses."""
    stream = None
    try:
        caller, ip = await authenticate(context)
        stream = stream_class(context, caller, ip)
        await stream.run()
    except (HornError, RedisError, OperationalError) as error:
        if not isinstance(error, HornError):  # as apps.core.http does for HTTP: say so, the client retries
            log.exception("a backing service failed during a Support stream")
            error = ServiceUnavailable()
        await context.abort(status_of(error), error.msg, trailing_metadata=trailers(error))
    except asyncio.CancelledError:
        raise  # the client went away: the session stays, as seed 000 says
    except Exception:
        log.exception("Support stream failed")
        await context.abort(grpc.StatusCode.INTERNAL, "internal error", trailing_metadata=(("horn-code", "5000"),))
