"""A test client of the Support service: the generated stub over a real channel, one thread reading each stream."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import grpc

from apps.grpcapi import support_pb2 as pb
from apps.grpcapi import support_pb2_grpc

WAIT = 20  # seconds a test waits for an answer it expects (a bound, not a timing)
_END = object()


@dataclass
class Status:
    """How a stream ended: the gRPC code, its message and Horn's error code."""

    code: grpc.StatusCode
    details: str
    horn_code: str
    field: str


class Stream:
    """One bidirectional stream: `send(...)` queues a request, `next()` waits for the next response."""

    def __init__(self, method, request_class, metadata):
        self.request_class = request_class
        self.requests: queue.Queue = queue.Queue()
        self.responses: queue.Queue = queue.Queue()
        self.call = method(self._requests(), metadata=metadata)
        threading.Thread(target=self._read, daemon=True).start()

    def _requests(self):
        while (request := self.requests.get()) is not None:
            yield request

    def _read(self) -> None:
        try:
            for response in self.call:
                self.responses.put(response)
            self.responses.put(_END)
        except grpc.RpcError as error:
            self.responses.put(error)

    def send(self, **fields) -> Stream:
        self.requests.put(self.request_class(**fields))
        return self

    def next(self):
        item = self.responses.get(timeout=WAIT)
        if item is _END or isinstance(item, grpc.RpcError):
            raise AssertionError(f"the stream ended instead: {item}")
        return item

    def status(self) -> Status:
        """Wait for the stream to end with an error status, and return it."""
        item = self.responses.get(timeout=WAIT)
        assert isinstance(item, grpc.RpcError), f"expected the stream to end with a status, got {item}"
        trailing = dict(item.trailing_metadata() or ())
        return Status(item.code(), item.details(), trailing.get("horn-code", ""), trailing.get("horn-field", ""))

    def close(self) -> None:
        """Half-close: the server sees the end of the requests and ends the call with OK."""
        self.requests.put(None)
        assert self.responses.get(timeout=WAIT) is _END

    def kill(self) -> None:
        """The connection breaks mid-chat: no half-close, the call is cancelled."""
        self.call.cancel()
        self.requests.put(None)


class Client:
    def __init__(self, target: str):
        self.channel = grpc.insecure_channel(target)
        self.stub = support_pb2_grpc.SupportStub(self.channel)

    def customer(self, who=None, metadata=None) -> Stream:
        """A ChatCustomer stream; `who` is a tests.helpers.VisitorUser (its visitor token goes as x-horn-token)."""
        if metadata is None:
            metadata = (("x-horn-token", who.token),)
        return Stream(self.stub.ChatCustomer, pb.ChatCustomerRequest, metadata)

    def agent(self, who=None, metadata=None) -> Stream:
        """A ChatAgent stream; `who` is a conftest StaffUser (authorization: Token <its API token>)."""
        if metadata is None:
            metadata = (("authorization", f"Token {who.token}"),)
        return Stream(self.stub.ChatAgent, pb.ChatAgentRequest, metadata)


def init(stream: Stream, resume: str = "") -> pb.Session:
    response = stream.send(init=pb.InitiateChat(resume_session_id=resume)).next()
    assert response.WhichOneof("resp") == "session", response
    return response.session


def accept(stream: Stream, session_id: str = "") -> pb.Session:
    response = stream.send(accept=pb.AcceptChat(session_id=session_id)).next()
    assert response.WhichOneof("resp") == "accepted_session", response
    return response.accepted_session


def said(history) -> list[tuple[str, str]]:
    """(who, words) of ChatEntries: "customer" or the agent's name."""
    out = []
    for entry in history:
        if entry.WhichOneof("entry") == "customer_msg":
            out.append(("customer", entry.customer_msg))
        else:
            out.append((entry.agent_msg.agent_name, entry.agent_msg.msg))
    return out


def heard(stream: Stream) -> tuple[str, str]:
    """The next message an agent stream receives, as (who, words)."""
    response = stream.next()
    assert response.WhichOneof("resp") == "msg", response
    assert response.msg.date.seconds > 0
    return said([response.msg])[0]


def told(stream: Stream) -> tuple[str, str]:
    """The next agent message a customer stream receives, as (agent name, words)."""
    response = stream.next()
    assert response.WhichOneof("resp") == "msg", response
    return response.msg.agent_name, response.msg.msg


def eventually(check, what: str) -> None:
    """Wait until `check()` holds: for the effect of a request the seed's protocol does not answer."""
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)
