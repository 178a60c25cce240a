"""GET /monitor/api/ping: liveness and real statistics."""

from tests.helpers import join, ok, request_chat, text, track


def stats(client) -> dict:
    r = client.get("/monitor/api/ping")
    assert r.status_code == 200
    data = r.json()
    assert (data["code"], data["msg"], data["service_type"], data["interval"]) == (0, "ok", "horn", 5)
    assert data["service_id"]
    return {s["name"]: s["value"] for s in data["stats"]}


def test_it_reports_online_counts_and_message_rate(horn, world):
    empty = stats(horn)
    assert (empty["visitors_online"], empty["staff_online"], empty["messages_per_second"]) == (0, 0, 0)
    assert empty["uptime_seconds"] >= 0 and empty["connections"] == 0
    visitor = track(horn, world.acme.pk)
    track(horn, world.globex.pk)
    ok(horn.get("/api/ping", headers=world.alice.auth))
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    for i in range(8):
        ok(text(horn, visitor, chat_id, f"m{i}"))
    now = stats(horn)
    assert (now["visitors_online"], now["staff_online"]) == (2, 1)
    assert now["messages_per_second"] == 1.0  # 10 messages over the 10-second window
