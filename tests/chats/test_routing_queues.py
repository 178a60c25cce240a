"""Automatic assignment respects each agent's queues (departments), set by an admin on /api/org/staff."""

from __future__ import annotations

from tests.chats.test_routing import auto, capacity, online, owner  # noqa: F401 (auto is a fixture)
from tests.helpers import ok, request_chat, track


def queues(horn, admin, staff, names):
    ok(horn.patch(f"/api/org/staff/{staff.sid}", json={"queues": names}, headers=admin.auth))


def test_an_agent_with_queues_gets_only_chats_of_those_queues(horn, world, auto):  # noqa: F811
    queues(horn, world.alice, world.bob, ["billing"])
    capacity(**{world.alice.sid: 1, world.bob.sid: 5})
    online(horn, world.alice, world.bob)
    sales = request_chat(horn, track(horn, world.acme.pk), queue="sales")
    assert owner(sales)[0] == world.alice.sid  # Bob has more room, but not for sales
    second_sales = request_chat(horn, track(horn, world.acme.pk), queue="sales")
    assert owner(second_sales) == (None, "requested")  # Alice is full: the chat waits for her queue
    billing = request_chat(horn, track(horn, world.acme.pk), queue="billing")
    assert owner(billing)[0] == world.bob.sid  # a younger chat of another queue goes past it
    default = request_chat(horn, track(horn, world.acme.pk))
    assert owner(default) == (None, "requested")  # the default queue "" is not among Bob's


def test_no_queues_means_every_queue_and_a_new_queue_list_assigns_at_once(horn, world, auto):  # noqa: F811
    queues(horn, world.alice, world.bob, ["billing"])
    ok(horn.post("/api/staff/status", json={"status": "away"}, headers=world.alice.auth))
    online(horn, world.alice, world.bob)
    sales = request_chat(horn, track(horn, world.acme.pk), queue="sales")
    assert owner(sales) == (None, "requested")
    queues(horn, world.alice, world.bob, ["billing", "sales"])  # the admin's change settles the queue
    assert owner(sales)[0] == world.bob.sid
    queues(horn, world.alice, world.bob, [])
    assert owner(request_chat(horn, track(horn, world.acme.pk), queue="anything"))[0] == world.bob.sid
