"""GET /api/reports/{days,hours,agents,queues}: known answers from chats built through the API, time zones,
business hours, CSV, every role check and bad input."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.chats.models import Chat
from tests.helpers import error, join, ok, request_chat, send, snapshot, track

from .helpers import answered_chat, end, move, online, rate, report, set_zone

TABLES = ("days", "hours", "agents", "queues")


def local_today(zone: str = "UTC") -> str:
    return datetime.now(ZoneInfo(zone)).date().isoformat()


@pytest.fixture
def desk(horn, world):
    """A day at Acme, through the API: four chats, one of them missed.

    A: billing, Bob answers (1 reply), the visitor writes twice, Bob notes it, Bob ends it; rated 5.
    B: default queue, the visitor gives up while waiting (missed, abandoned).
    C: billing, Alice answers, the visitor writes once and ends it; rated 2.
    D: default queue, Bob takes it and has not answered yet (still open).
    """
    online(horn, world.alice, world.bob)
    visitor_a, a = answered_chat(horn, world.acme.pk, world.bob, queue="billing", visitor_lines=2)
    ok(send(horn, world.bob, {"type": "note", "chat": {"id": a}, "text": "wants a refund"}))
    end(horn, world.bob, a)
    rate(horn, visitor_a, a, 5)
    visitor_b = track(horn, world.acme.pk)
    b = request_chat(horn, visitor_b)
    end(horn, visitor_b, b)
    visitor_c, c = answered_chat(horn, world.acme.pk, world.alice, queue="billing")
    end(horn, visitor_c, c)
    rate(horn, visitor_c, c, 2)
    visitor_d = track(horn, world.acme.pk)
    d = request_chat(horn, visitor_d)
    join(horn, world.bob, d)
    return {"a": a, "b": b, "c": c, "d": d}


def test_it_counts_a_day_of_chats(horn, world, desk):
    got = report(horn, world.alice, "days")
    totals = got["totals"]
    assert (totals["chats"], totals["answered"], totals["missed"], totals["abandoned"]) == (4, 3, 1, 1)
    # Ended chats A, B, C hold 3 + 0 + 2 texts and files (notes and events are not messages).
    assert totals["messages_per_chat"] == round(5 / 3, 2)
    assert (totals["ratings"], totals["avg_rating"], totals["csat"]) == (2, 3.5, 50.0)
    assert got["range"]["to"] == local_today() and len(got["rows"]) == 7  # the default: the last week
    assert [r["chats"] for r in got["rows"]] == [0, 0, 0, 0, 0, 0, 4]
    hours = report(horn, world.alice, "hours")["rows"]
    assert len(hours) == 24 and sum(r["chats"] for r in hours) == 4
    assert [r["hour"] for r in hours if r["chats"]] == [datetime.now(UTC).hour]


def test_each_chat_counts_for_the_agent_who_took_it_and_its_queue(horn, world, desk):
    agents = {r["name"]: r for r in report(horn, world.alice, "agents")["rows"]}
    assert set(agents) == {"Alice", "Bob", "nobody"}  # Acme's staff only, and the chat nobody took
    assert (agents["Bob"]["chats"], agents["Bob"]["answered"], agents["Bob"]["ratings"]) == (2, 2, 1)
    assert (agents["Alice"]["chats"], agents["Alice"]["avg_rating"]) == (1, 2.0)
    assert (agents["nobody"]["chats"], agents["nobody"]["missed"], agents["nobody"]["agent"]) == (1, 1, None)
    queues = {r["queue"]: r["chats"] for r in report(horn, world.alice, "queues")["rows"]}
    assert queues == {"billing": 2, "default": 2}
    only_bob = report(horn, world.alice, "days", agent=world.bob.sid)
    assert only_bob["totals"]["chats"] == 2 and only_bob["range"]["agent"] == world.bob.sid
    billing = report(horn, world.alice, "agents", queue="billing")["rows"]
    assert {r["name"]: r["chats"] for r in billing} == {"Alice": 1, "Bob": 1}
    assert report(horn, world.alice, "days", queue="default")["totals"]["missed"] == 1


def test_it_measures_wait_first_response_and_resolution(horn, world):
    online(horn, world.bob)
    day = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    _, quick = answered_chat(horn, world.acme.pk, world.bob)
    end(horn, world.bob, quick)
    move(quick, day, accepted=30, responded=60, ended=600)
    _, slow = answered_chat(horn, world.acme.pk, world.bob)
    end(horn, world.bob, slow)
    move(slow, day + timedelta(hours=1), accepted=90, responded=180, ended=1800)
    # Taken but not answered yet (a note is not an answer): it has waited, not responded or resolved.
    visitor = track(horn, world.acme.pk)
    open_chat = request_chat(horn, visitor)
    join(horn, world.bob, open_chat)
    ok(send(horn, world.bob, {"type": "note", "chat": {"id": open_chat}, "text": "looking into it"}))
    move(open_chat, day + timedelta(hours=2), accepted=300)
    totals = report(horn, world.alice, "days", **{"from": "2026-11-02", "to": "2026-11-02"})["totals"]
    assert totals["avg_wait"] == (30 + 90 + 300) // 3
    assert totals["avg_first_response"] == (60 + 180) // 2
    assert totals["avg_resolution"] == (600 + 1800) // 2


def test_an_offline_chat_does_not_count_as_waiting_in_a_queue(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)  # nobody online: an offline chat
    join(horn, world.bob, chat_id)
    move(chat_id, datetime(2026, 11, 2, 1, 0, tzinfo=UTC), accepted=8 * 3600)
    totals = report(horn, world.alice, "days", **{"from": "2026-11-02", "to": "2026-11-02"})["totals"]
    assert (totals["answered"], totals["avg_wait"]) == (1, None)


def test_a_chat_at_23_30_utc_counts_on_the_next_day_in_shanghai(horn, world):
    online(horn, world.bob)
    _, chat_id = answered_chat(horn, world.acme.pk, world.bob)
    move(chat_id, datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    week = {"from": "2026-03-09", "to": "2026-03-12"}
    in_utc = report(horn, world.alice, "days", **week)
    assert {r["date"]: r["chats"] for r in in_utc["rows"] if r["chats"]} == {"2026-03-10": 1}
    assert [r["hour"] for r in report(horn, world.alice, "hours", **week)["rows"] if r["chats"]] == [23]
    set_zone(world.acme, "Asia/Shanghai")
    in_shanghai = report(horn, world.alice, "days", **week)
    assert {r["date"]: r["chats"] for r in in_shanghai["rows"] if r["chats"]} == {"2026-03-11": 1}
    assert [r["hour"] for r in report(horn, world.alice, "hours", **week)["rows"] if r["chats"]] == [7]
    assert in_shanghai["range"]["timezone"] == "Asia/Shanghai"
    assert in_shanghai["range"]["start"] == "2026-03-08T16:00:00+00:00"  # local midnight of the 9th


def test_a_zone_45_minutes_off_the_hour_splits_days_at_its_own_midnight(horn, world):
    online(horn, world.bob)
    set_zone(world.acme, "Asia/Kathmandu")  # UTC+5:45
    for at in (datetime(2026, 3, 10, 18, 10, tzinfo=UTC), datetime(2026, 3, 10, 18, 20, tzinfo=UTC)):
        _, chat_id = answered_chat(horn, world.acme.pk, world.bob)
        move(chat_id, at)  # 23:55 on the 10th, 00:05 on the 11th
    days = report(horn, world.alice, "days", **{"from": "2026-03-10", "to": "2026-03-11"})["rows"]
    assert [r["chats"] for r in days] == [1, 1]
    hours = report(horn, world.alice, "hours", **{"from": "2026-03-10", "to": "2026-03-11"})["rows"]
    assert {r["hour"]: r["chats"] for r in hours if r["chats"]} == {23: 1, 0: 1}


def test_days_follow_daylight_saving_time(horn, world):
    """New York springs forward on 2026-03-08: that day has 23 hours, from 05:00 to 04:00 UTC."""
    online(horn, world.bob)
    set_zone(world.acme, "America/New_York")
    times = {
        datetime(2026, 3, 8, 4, 30, tzinfo=UTC): "2026-03-07",  # 23:30 EST
        datetime(2026, 3, 8, 5, 30, tzinfo=UTC): "2026-03-08",  # 00:30 EST
        datetime(2026, 3, 9, 3, 30, tzinfo=UTC): "2026-03-08",  # 23:30 EDT
        datetime(2026, 3, 9, 4, 30, tzinfo=UTC): "2026-03-09",  # 00:30 EDT
    }
    for at in times:
        _, chat_id = answered_chat(horn, world.acme.pk, world.bob)
        move(chat_id, at)
    got = report(horn, world.alice, "days", **{"from": "2026-03-07", "to": "2026-03-09"})
    assert {r["date"]: r["chats"] for r in got["rows"]} == {"2026-03-07": 1, "2026-03-08": 2, "2026-03-09": 1}
    one_day = report(horn, world.alice, "days", **{"from": "2026-03-08", "to": "2026-03-08"})
    assert one_day["totals"]["chats"] == 2
    assert (one_day["range"]["start"], one_day["range"]["end"]) == (
        "2026-03-08T05:00:00+00:00",
        "2026-03-09T04:00:00+00:00",
    )
    hours = report(horn, world.alice, "hours", **{"from": "2026-03-07", "to": "2026-03-09"})["rows"]
    assert {r["hour"]: r["chats"] for r in hours if r["chats"]} == {23: 2, 0: 2}


def test_the_hour_changes_at_the_second_the_clocks_do(horn, world):
    online(horn, world.bob)
    set_zone(world.acme, "America/New_York")  # 2026-03-08 02:00 EST (07:00 UTC) becomes 03:00 EDT
    for at in (
        datetime(2026, 3, 8, 6, 59, 59, 900000, tzinfo=UTC),  # 01:59:59.9 EST
        datetime(2026, 3, 8, 7, 0, 0, 100000, tzinfo=UTC),  # 03:00:00.1 EDT
    ):
        _, chat_id = answered_chat(horn, world.acme.pk, world.bob)
        move(chat_id, at)
    hours = report(horn, world.alice, "hours", **{"from": "2026-03-08", "to": "2026-03-08"})["rows"]
    assert {r["hour"]: r["chats"] for r in hours if r["chats"]} == {1: 1, 3: 1}


def test_business_hours_only_counts_chats_started_while_open(horn, world):
    online(horn, world.bob)
    # Mondays 09:00-17:00 and a late shift past midnight on Fridays, in Stockholm (UTC+1 in November).
    set_zone(world.acme, "Europe/Stockholm", {"mon": [["09:00", "17:00"]], "fri": [["22:00", "02:00"]]})
    for at in (
        datetime(2026, 11, 2, 7, 30, tzinfo=UTC),  # Monday 08:30: closed
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC),  # Monday 09:00: open
        datetime(2026, 11, 2, 15, 59, tzinfo=UTC),  # Monday 16:59: open
        datetime(2026, 11, 7, 0, 30, tzinfo=UTC),  # Saturday 01:30, the Friday shift: open
        datetime(2026, 11, 7, 2, 0, tzinfo=UTC),  # Saturday 03:00: closed
    ):
        _, chat_id = answered_chat(horn, world.acme.pk, world.bob)
        move(chat_id, at)
    week = {"from": "2026-11-02", "to": "2026-11-08"}
    assert report(horn, world.alice, "days", **week)["totals"]["chats"] == 5
    business = report(horn, world.alice, "days", hours="business", **week)
    assert business["totals"]["chats"] == 3 and business["range"]["hours"] == "business"
    assert report(horn, world.alice, "agents", hours="business", **week)["totals"]["chats"] == 3


def test_csv_export_has_every_row_and_the_totals(horn, world):
    online(horn, world.bob)
    # A visitor picks the queue name: a spreadsheet must not run it as a formula.
    visitor, chat_id = answered_chat(horn, world.acme.pk, world.bob, queue="=HYPERLINK(1)")
    r = horn.get("/api/reports/queues", params={"format": "csv"}, headers=world.alice.auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="horn-queues-')
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["queue", "chats", "answered"]
    assert rows[1][:3] == ["'=HYPERLINK(1)", "1", "1"]
    assert rows[-1][:2] == ["total", "1"]
    days = list(csv.reader(io.StringIO(horn.get("/api/reports/days?format=csv", headers=world.alice.auth).text)))
    assert len(days) == 1 + 7 + 1 and days[-2][0] == local_today() and days[-2][1] == "1"


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"from": "2016-01-01", "to": "2025-12-31"}, 400, 7020, "to"),  # ten years
        ({"from": "2025-01-01", "to": "2026-01-02"}, 400, 7020, "to"),  # 367 days
        ({"from": "2026-03-10", "to": "2026-03-09"}, 400, 7021, "to"),
        ({"from": "2026-13-01"}, 400, 1004, "from"),
        ({"to": "yesterday"}, 400, 1004, "to"),
        ({"from": "2026-03-10T00:00:00"}, 400, 1004, "from"),
        ({"hours": "night"}, 400, 1004, "hours"),
        ({"format": "xml"}, 400, 1004, "format"),
        ({"agent": "not-a-sid"}, 400, 1007, "agent"),
        ({"agent": "A" * 19}, 404, 3001, "agent"),
        ({"queue": "nowhere"}, 404, 3001, "queue"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(horn, world, params, status, code, field):
    before = snapshot()
    error(horn.get("/api/reports/days", params=params, headers=world.alice.auth), status, code, field)
    assert snapshot() == before


def test_a_year_is_the_longest_range(horn, world):
    got = report(horn, world.alice, "days", **{"from": "2025-01-01", "to": "2026-01-01"})  # 366 days
    assert len(got["rows"]) == 366


def test_an_unknown_report_is_404(horn, world):
    error(horn.get("/api/reports/weeks", headers=world.alice.auth), 404, 3002)


@pytest.mark.parametrize("table", [*TABLES, "live"])
def test_only_admins_read_reports(horn, world, table):
    error(horn.get(f"/api/reports/{table}", headers=world.bob.auth), 403, 2004)
    error(horn.get(f"/api/reports/{table}"), 401, 2001)
    visitor = track(horn, world.acme.pk)
    error(horn.get(f"/api/reports/{table}", params={"uid": visitor.uid}, headers=visitor.auth), 403, 2004)


def test_another_orgs_admin_sees_only_their_own_numbers(horn, world, desk):
    for table in TABLES:
        got = report(horn, world.charlie, table)
        assert got["totals"]["chats"] == 0, table
    assert [r["name"] for r in report(horn, world.charlie, "agents")["rows"]] == ["Charlie"]
    assert report(horn, world.charlie, "queues")["rows"] == []
    # Acme's agent and queue do not exist for Globex: the same 404 as a missing one.
    error(
        horn.get("/api/reports/days", params={"agent": world.bob.sid}, headers=world.charlie.auth), 404, 3001, "agent"
    )
    error(horn.get("/api/reports/days", params={"queue": "billing"}, headers=world.charlie.auth), 404, 3001, "queue")
    # Naming Acme's org id is no way in: the same 404 as for an org that does not exist, as everywhere.
    error(horn.get("/api/reports/days", params={"cid": world.acme.pk}, headers=world.charlie.auth), 404, 3001, "cid")
    assert Chat.objects.filter(org=world.acme).count() == 4


def test_reports_default_to_the_last_week_in_the_orgs_time_zone(horn, world):
    set_zone(world.acme, "Pacific/Kiritimati")  # UTC+14: often already tomorrow
    got = report(horn, world.alice, "days")
    assert got["range"]["to"] == local_today("Pacific/Kiritimati")
    assert date.fromisoformat(got["range"]["from"]) == date.fromisoformat(got["range"]["to"]) - timedelta(days=6)


def test_chats_from_before_the_report_fields_get_their_facts_from_their_messages(horn, world, desk):
    """Migration chats 0006 reads the facts of existing chats back from their messages."""
    import importlib

    from django.apps import apps

    fields = ("accepted_at", "agent_id", "first_response_at", "ended_by", "missed", "message_count")
    recorded = {c["id"]: c for c in Chat.objects.values("id", *fields)}
    Chat.objects.update(
        accepted_at=None, agent_id=None, first_response_at=None, ended_by="", missed=False, message_count=0
    )
    importlib.import_module("apps.chats.migrations.0006_report_facts").record_past_facts(apps, None)
    again = {c["id"]: c for c in Chat.objects.values("id", *fields)}
    for chat_id, facts in recorded.items():
        # Taken: the join's message, stored a moment after the action noted the time.
        if facts["accepted_at"] is not None:
            assert timedelta(0) <= again[chat_id].pop("accepted_at") - facts.pop("accepted_at") < timedelta(seconds=1)
        assert again[chat_id] == facts
