"""Reads for the Support service: a session's history and its customer's name, and whether it can be resumed.

Only text messages travel on the seed's wire (`ChatEntry` holds a customer's
or an agent's words); joins, typing, files and notes stay Horn's own. Live
events and the history are turned into `ChatEntry`s by one function, from the
same message payload (`to_payload`), so a client sees one message one way.
"""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from apps.accounts.auth import USER, Caller
from apps.chats.actions.common import to_payload
from apps.chats.customers import verified_customer, visible_chats
from apps.chats.models import Chat, Message
from apps.core.errors import ChatEnded, NotFound
from apps.visitors.models import Visitor

from . import support_pb2 as pb


def check_resumable(caller: Caller, chat_id: str) -> None:
    """A visitor's `init` with `resume_session_id`: its own open session, else NOT_FOUND or FAILED_PRECONDITION.

    Another visitor's or another org's session is "not found", like one that never existed.
    """
    visible = Chat.objects.filter(
        visible_chats(caller.org_id, caller.uid, verified_customer(caller.org_id, caller.uid))
    )
    state = visible.filter(pk=chat_id).values_list("state", flat=True).first()
    if state is None:
        raise NotFound("session not found", field="init.resume_session_id")
    if state == Chat.ENDED:
        raise ChatEnded(
            "this session has ended; init without resume_session_id starts a new one", field="init.resume_session_id"
        )


def session(org_id: int, chat_id: str, upto: int) -> pb.Session:
    """The session as seed 000 sends it: id, customer name and every text message up to sequence `upto`."""
    creator = Chat.objects.filter(pk=chat_id, org_id=org_id).values_list("creator_id", flat=True).first()
    visitor = Visitor.objects.filter(pk=creator).values_list("customer_name", "name").first() or ("", "")
    texts = Message.objects.filter(
        chat_id=chat_id, org_id=org_id, type="text", visibility=Message.PUBLIC, seq__lte=upto
    )
    history = [entry(to_payload(m)) for m in texts.order_by("seq")]
    return pb.Session(session_id=chat_id, customer_name=visitor[0] or visitor[1], history=history)


def entry(payload: dict) -> pb.ChatEntry:
    """A text message's payload as a ChatEntry: the customer's words, or an agent's with their name."""
    sender = payload["from"]
    date = Timestamp(seconds=payload["t"]["t0"])
    if sender["role"] == USER:
        return pb.ChatEntry(date=date, customer_msg=payload["text"])
    return pb.ChatEntry(date=date, agent_msg=pb.AgentMessage(agent_name=sender["name"], msg=payload["text"]))
