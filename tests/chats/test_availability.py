"""Availability: business hours, platform_closed and offline chats (issue 5)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.accounts import orgs
from apps.accounts.hours import DAYS, is_open, next_opening, validate_business_hours, validate_timezone
from apps.accounts.models import Organisation
from apps.chats.models import Chat
from tests.helpers import join, ok, send, text, track
from tests.realtime.wsclient import frames, open_ws


def online(client, *staff):
    for s in staff:
        ok(client.get("/api/ping", headers=s.auth))


def ask(client, visitor) -> dict:
    body = {"type": "request_chat", "from": {"id": visitor.uid}, "event": {"uids": [visitor.uid]}}
    return ok(send(client, visitor, body))


def hours(org, business_hours, zone="UTC"):
    Organisation.objects.filter(pk=org.pk).update(business_hours=business_hours, timezone=zone)
    orgs.forget_all()


def visitor_state(client, visitor) -> dict:
    return ok(client.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth))["state"]


def test_with_nobody_available_the_visitor_is_told_and_leaves_a_message_for_staff(horn, world, server):
    visitor = track(horn, world.acme.pk)
    assert visitor_state(horn, visitor)["available"] == {"open": False, "reason": "nobody_available"}
    with open_ws(server, visitor) as v_ws:
        asked = ask(horn, visitor)
        got = frames(v_ws)
    chat_id = asked["chat"]["id"]
    assert asked["available"] == {"open": False, "reason": "nobody_available"}
    assert [f["type"] for f in got] == ["request_chat", "platform_closed"]  # no queue_number: nobody to wait for
    closed = got[1]
    assert (closed["from"]["role"], closed["chat"]["id"], closed["event"]["open"]) == ("system", chat_id, False)
    assert got[0]["event"]["offline"] is True
    ok(text(horn, visitor, chat_id, "Please call me back on 555-0100"))

    # Staff find an offline chat in the queue, with the message waiting for them.
    queue = ok(horn.get("/api/state/init", headers=world.alice.auth))["state"]["queue"]
    assert [(q["id"], q["offline"]) for q in queue] == [(chat_id, True)]
    joined = join(horn, world.alice, chat_id)
    assert [m.get("text") for m in joined["chat"]["msgs"] if m["type"] == "text"] == ["Please call me back on 555-0100"]
    assert Chat.objects.get(pk=chat_id).offline is True  # it stays marked as such


def test_staff_away_count_as_nobody_and_an_online_agent_opens_the_platform(horn, world, server):
    online(horn, world.alice)
    ok(horn.post("/api/staff/status", json={"status": "away"}, headers=world.alice.auth))
    assert ask(horn, track(horn, world.acme.pk))["available"]["open"] is False
    ok(horn.post("/api/staff/status", json={"status": "online"}, headers=world.alice.auth))
    visitor = track(horn, world.acme.pk)
    with open_ws(server, visitor) as v_ws:
        asked = ask(horn, visitor)
        got = frames(v_ws)
    assert asked["available"] == {"open": True}
    assert [f["type"] for f in got] == ["request_chat", "queue_number"]  # a normal wait: no platform_closed
    assert Chat.objects.get(pk=asked["chat"]["id"]).offline is False
    assert visitor_state(horn, visitor)["available"] == {"open": True}


def test_outside_business_hours_the_visitor_learns_when_the_org_opens(horn, world):
    online(horn, world.alice)  # someone is there, but the hours say closed
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).date()
    hours(world.acme, {DAYS[tomorrow.weekday()]: [["09:00", "17:00"]]})
    asked = ask(horn, track(horn, world.acme.pk))
    opens = int(datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=UTC).timestamp())
    assert asked["available"] == {"open": False, "reason": "outside_hours", "next_open": opens}
    assert Chat.objects.get(pk=asked["chat"]["id"]).offline is True

    hours(world.acme, {DAYS[now.weekday()]: [["00:00", "24:00"]]})
    assert ask(horn, track(horn, world.acme.pk))["available"] == {"open": True}


def test_business_hours_follow_the_orgs_time_zone_and_may_run_past_midnight():
    night = {"fri": [["22:00", "02:00"]]}  # Friday night into Saturday, Stockholm time
    friday_23 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 23:00 in Stockholm (UTC+1 in November)
    saturday_01 = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)  # 01:30 Saturday in Stockholm
    saturday_03 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 03:00
    assert is_open(night, "Europe/Stockholm", friday_23) and is_open(night, "Europe/Stockholm", saturday_01)
    assert not is_open(night, "Europe/Stockholm", saturday_03)
    assert not is_open(night, "UTC", friday_23 - timedelta(hours=1))  # 21:00 UTC on Friday
    assert next_opening(night, "Europe/Stockholm", saturday_03) == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    assert is_open({}, "UTC", saturday_03) and next_opening({}, "UTC", saturday_03) is None  # no hours: always open


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"monday": [["09:00", "17:00"]]},
        {"mon": ["09:00", "17:00"]},
        {"mon": [["9:00", "17:00"]]},
        {"mon": [["09:00", "25:00"]]},
        {"mon": [["09:00", "09:00"]]},
        {"mon": [["24:00", "09:00"]]},
        {"mon": "09:00-17:00"},
    ],
)
def test_business_hours_are_validated(bad):
    with pytest.raises(ValidationError):
        validate_business_hours(bad)


def test_time_zones_are_validated():
    validate_timezone("Europe/Stockholm")
    with pytest.raises(ValidationError):
        validate_timezone("Mars/Olympus_Mons")


def test_the_admin_refuses_bad_business_hours_and_saves_good_ones(horn, world, admin_client):
    url = f"/admin/accounts/organisation/{world.acme.pk}/change/"
    form = {
        "name": "Acme",
        "allowed_origins": '["https://shop.example"]',
        "secret": world.acme.secret,
        "timezone": "Europe/Stockholm",
        "business_hours": '{"mon": [["09:00", "25:00"]]}',
        "offline_chats": "requeue",
    }
    page = admin_client.post(url, form)
    assert page.status_code == 200 and b"is not an [open, close] pair" in page.content
    assert Organisation.objects.get(pk=world.acme.pk).business_hours == {}
    page = admin_client.post(url, {**form, "timezone": "Mars/Olympus_Mons", "business_hours": "{}"})
    assert page.status_code == 200 and b"unknown time zone" in page.content
    page = admin_client.post(url, {**form, "business_hours": '{"mon": [["09:00", "17:00"]]}'})
    assert page.status_code == 302
    saved = Organisation.objects.get(pk=world.acme.pk)
    assert (saved.timezone, saved.business_hours) == ("Europe/Stockholm", {"mon": [["09:00", "17:00"]]})


def test_a_customer_returning_while_nobody_is_available_is_told_too(horn, world, server, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": chat_id}}))
    with open_ws(server, visitor) as v_ws:
        ok(text(horn, visitor, chat_id, "One more thing"))
        got = frames(v_ws)
    assert [f["type"] for f in got] == ["request_chat", "text", "platform_closed"]
    assert got[2]["event"] == {"open": False, "reason": "nobody_available"}
    queue = ok(horn.get("/api/state/init", headers=world.bob.auth))["state"]["queue"]
    assert [(q["id"], q["offline"]) for q in queue] == [(chat_id, True)]

    # With someone available, a return is a normal wait with a place in the queue.
    online(horn, world.bob)
    join(horn, world.bob, chat_id)
    ok(send(horn, world.bob, {"type": "agent_done", "chat": {"id": chat_id}}))
    with open_ws(server, visitor) as v_ws:
        ok(text(horn, visitor, chat_id, "And another"))
        got = frames(v_ws)
    assert [f["type"] for f in got] == ["request_chat", "text", "queue_number"]
    assert Chat.objects.get(pk=chat_id).offline is False
