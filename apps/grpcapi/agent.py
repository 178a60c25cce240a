"""ChatAgent: a staff member's stream. `accept` is join_chat (a session, or the oldest waiting one),
`msg` is text, `leave_session` is leave_chat; a customer's end_chat arrives as `session_ended`.

Credentials: metadata `authorization: Token <staff API token>`.
"""

from __future__ import annotations

from apps.accounts.auth import STAFF
from apps.core.errors import Forbidden, InvalidValue

from . import sessions
from . import support_pb2 as pb
from .calls import caller_of
from .streams import Stream, session_id

# Events by which this agent is out of its session without a leave_session on this stream (the console).
LEFT_ELSEWHERE = ("leave_chat", "transfer")


async def agent_caller(context):
    caller, ip = await caller_of(context)
    if caller.role != STAFF:
        raise Forbidden("ChatAgent is for staff: send authorization: Token <staff API token>", field="authorization")
    return caller, ip


class AgentStream(Stream):
    connect_hint = "accept a session first"
    leave_hint = "leave_session first"

    async def handle(self, request: pb.ChatAgentRequest) -> None:
        kind = request.WhichOneof("req")
        if kind == "accept":
            await self.accept(request.accept)
        elif kind == "msg":
            await self.say(request.msg)
        elif kind == "leave_session":
            chat_id = self.require_session("leave_session")
            await self.disconnect({"type": "leave_chat", "chat": {"id": chat_id}})
        else:
            raise InvalidValue("a ChatAgentRequest needs one of accept, msg, leave_session", field="req")

    async def accept(self, accept: pb.AcceptChat) -> None:
        """Join the given session, or claim the one waiting longest (two agents never claim the same one)."""
        self.require_no_session("accept")
        data = {"type": "join_chat", "event": {}}
        if accept.session_id:
            data = {"type": "join_chat", "chat": {"id": session_id(accept.session_id, "accept.session_id")}}
        await self.connect(data, lambda session: self.context.write(pb.ChatAgentResponse(accepted_session=session)))

    async def forward(self, event: dict) -> None:
        kind, sender = event["type"], event["from"]["id"]
        if kind == "text" and sender != self.caller.uid:
            await self.context.write(pb.ChatAgentResponse(msg=sessions.entry(event)))
        elif kind == "end_chat":
            self.session = None
            await self.context.write(pb.ChatAgentResponse(session_ended=pb.VOID))
        elif (kind in LEFT_ELSEWHERE and sender == self.caller.uid) or kind == "agent_done":
            self.session = None  # out of the session already: accept again to re-enter
