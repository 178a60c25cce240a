"""Support streams are connections like /ws ones: userConnected and userDisconnected on the org's event stream."""

import grpc

from tests.grpcapi.client import init
from tests.helpers import track
from tests.integrations.test_event_stream import entries, wait_for


def test_streams_opening_and_closing_are_on_the_event_stream(horn, world, stream_on, support):
    visitor = track(horn, world.acme.pk)
    customer = support.customer(visitor)
    session_id = init(customer).session_id
    customer.close()  # half-close: the client's own ending
    agent = support.agent(world.bob)
    agent.send(msg="Hello?")  # before accept: Horn ends the stream
    assert agent.status().code == grpc.StatusCode.FAILED_PRECONDITION

    def connections():
        seen = [e for _, e in entries(world.acme.pk) if e["namespace"] == "horn.user"]
        return len(seen) >= 4 and seen

    got = wait_for(connections)
    assert [(e["name"], e["userId"]) for e in got] == [
        ("userConnected", visitor.uid), ("userDisconnected", visitor.uid),
        ("userConnected", world.bob.sid), ("userDisconnected", world.bob.sid),
    ]  # fmt: skip
    assert got[0]["payload"]["userConnected"] == {"role": "user", "transport": "grpc"}
    left = got[1]["payload"]["userDisconnected"]
    assert (left["code"], left["forced"], left["transport"], got[1]["sessionId"]) == (0, False, "grpc", session_id)
    cut = got[3]["payload"]["userDisconnected"]
    assert (cut["code"], cut["forced"], cut["role"]) == (grpc.StatusCode.FAILED_PRECONDITION.value[0], True, "staff")
    assert "accept" in cut["reason"]
