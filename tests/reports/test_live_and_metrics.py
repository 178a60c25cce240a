"""GET /api/reports/live (the live page's figures) and GET /metrics (the same for Prometheus, token-protected)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.chats.models import Chat
from tests.helpers import error, join, ok, request_chat, track

from .helpers import end, online


def live(client, who) -> dict:
    return ok(client.get("/api/reports/live", headers=who.auth))["live"]


def busy_morning(horn, world) -> dict:
    """Acme: Alice online, Bob connected but away; three chats today: one taken, one waiting 2 minutes, one missed."""
    online(horn, world.alice, world.bob)
    ok(horn.post("/api/staff/status", json={"status": "away"}, headers=world.bob.auth))
    taken = request_chat(horn, track(horn, world.acme.pk))
    join(horn, world.alice, taken)
    waiting = request_chat(horn, track(horn, world.acme.pk))
    Chat.objects.filter(pk=waiting).update(waiting_since=timezone.now() - timedelta(minutes=2))
    gave_up = track(horn, world.acme.pk)
    end(horn, gave_up, request_chat(horn, gave_up))
    return {"taken": taken, "waiting": waiting}


def test_live_figures_count_the_queue_assignments_and_staff(horn, world):
    assert live(horn, world.alice)["waiting"] == 0
    busy_morning(horn, world)
    now = live(horn, world.alice)
    assert (now["incoming_today"], now["waiting"], now["assigned"], now["missed_today"]) == (3, 1, 1, 1)
    assert 120 <= now["longest_wait"] < 180 and now["avg_wait"] == now["longest_wait"]
    assert (now["agents_online"], now["agents_away"], now["offline_waiting"]) == (1, 1, 0)
    # Globex's admin sees Globex: nothing.
    theirs = live(horn, world.charlie)
    assert (theirs["incoming_today"], theirs["waiting"], theirs["assigned"], theirs["agents_online"]) == (0, 0, 0, 0)


def test_metrics_do_not_exist_without_a_token(horn, world, settings):
    settings.HORN_METRICS_TOKEN = ""
    error(horn.get("/metrics", headers={"Authorization": "Bearer anything"}), 404, 3002)


def test_metrics_need_the_token(horn, world, settings):
    settings.HORN_METRICS_TOKEN = "s3cret-metrics-token"
    error(horn.get("/metrics"), 401, 2001)
    error(horn.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401, 2002)
    error(horn.get("/metrics", headers={"Authorization": "s3cret-metrics-token"}), 401, 2002)
    error(horn.get("/metrics", headers=world.alice.auth), 401, 2002)  # an admin's token is not the metrics token


def test_metrics_export_each_orgs_live_figures_and_the_process(horn, world, settings):
    settings.HORN_METRICS_TOKEN = "s3cret-metrics-token"
    busy_morning(horn, world)
    r = horn.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = set(r.text.splitlines())
    acme, globex = f'org="Acme",org_id="{world.acme.pk}"', f'org="Globex",org_id="{world.globex.pk}"'
    for line in (
        f"horn_chats_waiting{{{acme}}} 1.0",
        f"horn_chats_assigned{{{acme}}} 1.0",
        f"horn_chats_incoming_today{{{acme}}} 3.0",
        f"horn_chats_missed_today{{{acme}}} 1.0",
        f"horn_agents_online{{{acme}}} 1.0",
        f"horn_agents_away{{{acme}}} 1.0",
        f"horn_chats_waiting{{{globex}}} 0.0",
    ):
        assert line in lines, line
    assert any(line.startswith(f"horn_wait_longest_seconds{{{acme}}} 1") for line in lines)
    assert any(line.startswith("process_resident_memory_bytes ") for line in lines)
    assert any(line.startswith("python_info{") for line in lines)
