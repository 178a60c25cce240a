"""ChatCustomer: a visitor's stream. `init` is request_chat, `msg` is text, `hang_up` is end_chat.

Credentials: metadata `x-horn-token`, the visitor token from `POST /api/user/track`.
"""

from __future__ import annotations

from apps.accounts.auth import USER
from apps.core.db import db
from apps.core.errors import Forbidden, InvalidValue

from . import sessions
from . import support_pb2 as pb
from .calls import caller_of
from .streams import Stream, session_id


async def customer_caller(context):
    caller, ip = await caller_of(context)
    if caller.role != USER:
        raise Forbidden("ChatCustomer is for customers: send the visitor token as x-horn-token", field="x-horn-token")
    return caller, ip


class CustomerStream(Stream):
    connect_hint = "send init first (the session may have ended)"
    leave_hint = "hang_up first"

    async def handle(self, request: pb.ChatCustomerRequest) -> None:
        kind = request.WhichOneof("req")
        if kind == "init":
            await self.init(request.init)
        elif kind == "msg":
            await self.say(request.msg)
        elif kind == "hang_up":
            chat_id = self.require_session("hang_up")
            await self.disconnect({"type": "end_chat", "chat": {"id": chat_id}})
        else:
            raise InvalidValue("a ChatCustomerRequest needs one of init, msg, hang_up", field="req")

    async def init(self, init: pb.InitiateChat) -> None:
        """A new session, or the visitor's open one; with `resume_session_id`, that one (it must be open)."""
        self.require_no_session("init")
        data = {"type": "request_chat", "event": {"uids": [self.caller.uid]}}
        if init.resume_session_id:
            chat_id = session_id(init.resume_session_id, "init.resume_session_id")
            await db(sessions.check_resumable, self.caller, chat_id)
            data["chat"] = {"id": chat_id}
        await self.connect(data, lambda session: self.context.write(pb.ChatCustomerResponse(session=session)))

    async def forward(self, event: dict) -> None:
        if event["type"] == "text" and event["from"]["role"] != USER:
            await self.context.write(pb.ChatCustomerResponse(msg=sessions.entry(event).agent_msg))
        elif event["type"] == "end_chat":
            # Support ended it (seed 000 has only the customer's hang-up): the stream is disconnected
            # and the next init starts a new session.
            self.session = None
