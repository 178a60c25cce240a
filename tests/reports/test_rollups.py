"""Roll-ups answer exactly what the chats alone answer: random chats over a year, every report, time zones
with DST changes and :30/:45 offsets, business hours with odd minutes and past midnight, per agent and queue;
and chat changes after a fold (a late rating, a deletion, a staff member deleted) show at once."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from apps.accounts.models import Staff
from apps.chats.models import Chat
from apps.reports.models import Rollup, StaleDay
from apps.reports.period import Period
from apps.visitors.models import Visitor
from tests.helpers import join, ok, request_chat, track

from .helpers import end, online, report, set_zone

TABLES = ("days", "hours", "agents", "queues")
ZONES = ("Europe/Stockholm", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC")
# Odd minutes (whole quarters are read from roll-ups, the minutes around them from the chats) and a
# Tuesday evening running past midnight.
HOURS = {"mon": [["09:10", "17:05"]], "tue": [["08:00", "12:00"], ["22:00", "02:00"]], "fri": [["00:00", "23:45"]]}


def _fold() -> None:
    call_command("horn_rollups", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _live_only(org_id: int) -> None:
    """Mark every day stale: a report then reads nothing but chats, the computation roll-ups must equal."""
    StaleDay.objects.bulk_create([StaleDay(org_id=org_id, day=d) for d in range(19_000, 22_000)], ignore_conflicts=True)


def _tricky_moments(today: date) -> list[datetime]:
    """DST changes of the zones and local midnights, each with a second either side."""
    out = []
    for zone in ZONES:
        period = Period.of(today - timedelta(days=365), today, zone)
        edges = [until for until, _ in period.offsets()[:-1]]
        edges += [datetime.combine(d, datetime.min.time(), ZoneInfo(zone)).astimezone(UTC) for d in period.days()[::40]]
        for edge in edges:
            out += [edge - timedelta(seconds=1), edge, edge + timedelta(microseconds=1)]
    return out


def _chats(org, staff: list[str], n: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    visitor = Visitor.objects.create(org=org)
    moments = [now - timedelta(seconds=rng.uniform(0, 400 * 86400)) for _ in range(n)]
    moments += _tricky_moments(now.date())
    moments += [now - timedelta(minutes=rng.uniform(1, 600)) for _ in range(20)]  # today's, read live
    for created in moments:
        state = Chat.ENDED if rng.random() < 0.8 else rng.choice([Chat.REQUESTED, Chat.ACTIVE, Chat.AGENT_DONE])
        agent = rng.choice([*staff, None])
        after = lambda top, at=created: at + timedelta(seconds=rng.uniform(0, top))  # noqa: E731
        chat = Chat.objects.create(org=org, creator=visitor, queue=rng.choice(["", "billing", "sales"]))
        Chat.objects.filter(pk=chat.pk).update(
            created_at=created,
            state=state,
            offline=rng.random() < 0.1,
            agent_id=agent,
            accepted_at=after(600) if agent else None,
            first_response_at=after(900) if agent and rng.random() < 0.9 else None,
            ended_at=after(7200) if state == Chat.ENDED else None,
            missed=state == Chat.ENDED and agent is None,
            ended_by=rng.choice(["user", "staff"]) if state == Chat.ENDED else "",
            message_count=rng.randint(0, 30) if state == Chat.ENDED else 0,
            rating=rng.choice([None, None, 1, 2, 3, 4, 5]),
        )


def _asks(world, today: date) -> list[tuple[str, dict]]:
    year = {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}
    spring = {"from": "2026-03-01", "to": "2026-04-15"}  # DST starts in Europe and America, ends in Australia
    out = []
    for span in (year, spring):
        for table in TABLES:
            for hours in ("all", "business"):
                out.append((table, {**span, "hours": hours}))
            out.append((table, {**span, "agent": world.alice.sid}))  # Bob is deleted below
            out.append((table, {**span, "queue": "billing", "hours": "business"}))
            out.append((table, {**span, "queue": "default", "agent": world.alice.sid}))
    return out


def _answers(horn, world, today) -> dict:
    out = {}
    for zone in ZONES:
        set_zone(world.acme, zone, HOURS)
        for table, params in _asks(world, today):
            out[zone, table, tuple(sorted(params.items()))] = report(horn, world.alice, table, **params)
    return out


@pytest.fixture
def history(horn, world):
    _chats(world.acme, [world.alice.sid, world.bob.sid], 500, seed=13)
    _chats(world.globex, [world.charlie.sid], 100, seed=14)  # another org's chats change nothing
    return datetime.now(UTC).date()


def test_rollups_equal_the_chats(horn, world, history):
    live = _answers(horn, world, history)  # nothing folded yet: every day is read from its chats
    _fold()
    assert not StaleDay.objects.exists()
    assert Rollup.objects.filter(org_id=world.acme.pk, size=86400, dims=0).count() > 200
    folded = _answers(horn, world, history)
    for key, expected in live.items():
        assert folded[key] == expected, key
    assert any(a["totals"]["chats"] for a in live.values())


def test_changes_after_a_fold_show_at_once(horn, world, history):
    _fold()
    old = Chat.objects.filter(org=world.acme, created_at__lt=datetime.now(UTC) - timedelta(days=30))
    # A late rating, a retention-style deletion, a transfer's queue, a staff member deleted (agent set null).
    unrated = old.filter(rating__isnull=True, state=Chat.ENDED).first()
    Chat.objects.filter(pk=unrated.pk).update(rating=5)
    doomed = list(old.values_list("pk", flat=True)[:25])
    Chat.objects.filter(pk__in=doomed).delete()
    Chat.objects.filter(pk=old.filter(queue="").first().pk).update(queue="billing")
    Staff.objects.filter(pk=world.bob.sid).delete()
    assert StaleDay.objects.filter(org_id=world.acme.pk).exists()
    after_changes = _answers(horn, world, history)
    _live_only(world.acme.pk)
    assert _answers(horn, world, history) == after_changes
    _fold()
    assert _answers(horn, world, history) == after_changes


def test_chat_actions_mark_their_day(horn, world):
    online(horn, world.alice)
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    today = (Chat.objects.get(pk=chat_id).created_at.timestamp()) // 86400
    assert StaleDay.objects.filter(org_id=world.acme.pk, day=today).exists()  # a new chat
    _fold()
    join(horn, world.alice, chat_id)
    assert StaleDay.objects.filter(org_id=world.acme.pk, day=today).exists()  # taken
    _fold()
    ok(horn.get("/api/ping", headers=world.alice.auth))  # nothing reported changes: no mark
    assert not StaleDay.objects.exists()
    end(horn, world.alice, chat_id)
    assert StaleDay.objects.filter(org_id=world.acme.pk, day=today).exists()  # ended
    _fold()
    got = report(horn, world.alice, "days")["totals"]
    assert (got["chats"], got["answered"], got["missed"]) == (1, 1, 0)
