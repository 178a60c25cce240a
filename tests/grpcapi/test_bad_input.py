"""Every bad request on the Support service: a clear gRPC status with Horn's code, and nothing stored.

The seed's proto has no error message, so a refused request ends its stream with a status (the
message says what to do, trailing metadata `horn-code` / `horn-field` carry Horn's error code).
The session itself is untouched: a new stream resumes it with init or accept.
"""

import grpc
import pytest

from apps.grpcapi import support_pb2 as pb
from tests.grpcapi.client import accept, heard, init, told
from tests.helpers import join, request_chat, snapshot, track

NOT_FOUND, FAILED = grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION
INVALID, UNAUTHENTICATED = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNAUTHENTICATED


def refused(stream, code, horn_code, field=None):
    status = stream.status()
    assert (status.code, status.horn_code) == (code, str(horn_code)), status
    assert status.details  # a message for a person
    if field is not None:
        assert status.field == field, status
    return status


@pytest.fixture
def session(horn, world, support):
    """An Acme session with Alice in it: (visitor, session id, the customer's stream, Alice's stream)."""
    visitor = track(horn, world.acme.pk)
    customer = support.customer(visitor)
    session_id = init(customer).session_id
    alice = support.agent(world.alice)
    accept(alice, session_id)
    return visitor, session_id, customer, alice


@pytest.mark.parametrize(
    "metadata, code, horn_code",
    [
        ((), UNAUTHENTICATED, 2001),
        ((("x-horn-token", "not-a-token"),), UNAUTHENTICATED, 2002),
        ((("authorization", "Token 0000000000000000000000000000000000000000"),), UNAUTHENTICATED, 2002),
        ((("authorization", "Basic YWxpY2U6cHc="),), UNAUTHENTICATED, 2002),
    ],
)
def test_missing_or_wrong_credentials(horn, world, support, metadata, code, horn_code):
    before = snapshot()
    refused(support.customer(metadata=metadata).send(init=pb.InitiateChat()), code, horn_code)
    refused(support.agent(metadata=metadata).send(accept=pb.AcceptChat()), code, horn_code)
    assert snapshot() == before


def test_the_wrong_side_is_refused(horn, world, support):
    """A staff token on ChatCustomer, a visitor token on ChatAgent: PERMISSION_DENIED."""
    visitor = track(horn, world.acme.pk)
    request_chat(horn, track(horn, world.acme.pk))
    before = snapshot()
    staff_as_customer = support.customer(metadata=(("authorization", f"Token {world.alice.token}"),))
    refused(staff_as_customer.send(init=pb.InitiateChat()), grpc.StatusCode.PERMISSION_DENIED, 2004)
    visitor_as_agent = support.agent(metadata=(("x-horn-token", visitor.token),))
    refused(visitor_as_agent.send(accept=pb.AcceptChat()), grpc.StatusCode.PERMISSION_DENIED, 2004)
    assert snapshot() == before


def test_unknown_sessions_are_not_found(horn, world, support, session):
    """Another org's session, another visitor's, a malformed id and one that never existed look the same."""
    _, acme_session, _, _ = session
    globex_visitor = track(horn, world.globex.pk)
    globex_session = request_chat(horn, globex_visitor)
    other_acme_session = request_chat(horn, track(horn, world.acme.pk))
    missing = "A" * 25
    stranger = track(horn, world.acme.pk)
    before = snapshot()
    for resume in (globex_session, other_acme_session, missing, "x", "../" + acme_session, "A" * 400):
        customer = support.customer(stranger)
        refused(customer.send(init=pb.InitiateChat(resume_session_id=resume)), NOT_FOUND, 3001)
    for session_id in (globex_session, missing, "x", acme_session + "A"):
        refused(support.agent(world.bob).send(accept=pb.AcceptChat(session_id=session_id)), NOT_FOUND, 3001)
    # Charlie (Globex) cannot accept Acme's session either.
    refused(support.agent(world.charlie).send(accept=pb.AcceptChat(session_id=acme_session)), NOT_FOUND, 3001)
    assert snapshot() == before


def test_accept_with_nothing_waiting(horn, world, support, session):
    request_chat(horn, track(horn, world.globex.pk))  # another org's queue does not count
    before = snapshot()
    status = refused(support.agent(world.bob).send(accept=pb.AcceptChat()), FAILED, 4004)
    assert "waiting" in status.details
    assert snapshot() == before


@pytest.mark.parametrize("words", ["", "x" * 1_000_000])
def test_empty_or_huge_msg(horn, world, support, session, words):
    """An empty or 1 MB msg: INVALID_ARGUMENT, nothing stored, and the session goes on."""
    visitor, session_id, customer, alice = session
    before = snapshot()
    refused(customer.send(msg=words), INVALID, 1004 if not words else 1005, "text")
    refused(alice.send(msg=words), INVALID, 1004 if not words else 1005, "text")
    assert snapshot() == before
    again, bob = support.customer(visitor), support.agent(world.bob)
    init(again, session_id)
    accept(bob, session_id)
    again.send(msg="Fine now")
    assert heard(bob) == ("customer", "Fine now")


def test_customer_requests_out_of_order(horn, world, support, session):
    """msg or hang_up before init, init while connected: FAILED_PRECONDITION saying what to send first."""
    visitor, session_id, customer, _ = session
    before = snapshot()
    status = refused(support.customer(visitor).send(msg="Hello?"), FAILED, 4020, "req")
    assert "init" in status.details
    refused(support.customer(visitor).send(hang_up=pb.VOID), FAILED, 4020, "req")
    status = refused(customer.send(init=pb.InitiateChat()), FAILED, 4020, "req")
    assert "hang_up" in status.details
    refused(support.customer(visitor).send(), INVALID, 1004)  # a request with none of the three
    assert snapshot() == before


def test_agent_requests_out_of_order(horn, world, support, session):
    """msg or leave_session with no session, accept while connected: FAILED_PRECONDITION."""
    _, session_id, customer, alice = session
    before = snapshot()
    status = refused(support.agent(world.bob).send(msg="Hello?"), FAILED, 4020, "req")
    assert "accept" in status.details
    refused(support.agent(world.bob).send(leave_session=pb.VOID), FAILED, 4020, "req")
    status = refused(alice.send(accept=pb.AcceptChat(session_id=session_id)), FAILED, 4020, "req")
    assert "leave_session" in status.details
    refused(support.agent(world.bob).send(), INVALID, 1004)
    assert snapshot() == before
    # The session goes on: Alice comes back on a new stream.
    alice2 = support.agent(world.alice)
    accept(alice2, session_id)
    alice2.send(msg="Back")
    assert told(customer) == ("Alice", "Back")


def test_ended_sessions_cannot_be_resumed_or_accepted(horn, world, support, session):
    visitor, session_id, customer, alice = session
    customer.send(hang_up=pb.VOID)
    assert alice.next().WhichOneof("resp") == "session_ended"
    before = snapshot()
    refused(support.customer(visitor).send(init=pb.InitiateChat(resume_session_id=session_id)), FAILED, 4001)
    refused(support.agent(world.bob).send(accept=pb.AcceptChat(session_id=session_id)), FAILED, 4001)
    assert snapshot() == before


def test_accepting_a_session_one_is_in_stores_nothing(horn, world, support, session):
    """Joined over HTTP, then accepted over gRPC: one membership, nothing new stored."""
    _, session_id, _, _ = session
    join(horn, world.bob, session_id)
    before = snapshot()
    accept(support.agent(world.bob), session_id)
    assert snapshot() == before


def test_a_ban_ends_the_customers_stream_and_refuses_new_ones(horn, world, support, session):
    """Banned on the console: the open stream ends (as a /ws closes), a new one is refused; agents are told."""
    visitor, _, customer, alice = session
    assert horn.post("/api/visitors/ban", json={"uid": visitor.uid}, headers=world.alice.auth).status_code == 200
    refused(customer, grpc.StatusCode.PERMISSION_DENIED, 2007)
    assert alice.next().WhichOneof("resp") == "session_ended"  # the ban ends the chat
    refused(support.customer(visitor).send(init=pb.InitiateChat()), grpc.StatusCode.PERMISSION_DENIED, 2007)
