"""Retention runs: only what is old goes (ended chats with messages and files, page views), in batches,
one run at a time across processes, by the command and by the schedule."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.chats.models import Chat, ChatMember, Message
from apps.files.models import Upload
from apps.privacy import schedule
from apps.privacy.models import AuditEntry
from apps.visitors.models import Visit, Visitor
from tests.conftest import _sync_redis
from tests.helpers import join, ok, request_chat, send, text, track

from .helpers import audit, set_retention, tell_story


def days_ago(n: int):
    return timezone.now() - timedelta(days=n)


def age_chat(chat_id: str, days: int) -> None:
    """Make an ended chat, its messages and its page views `days` old (the test DB, written directly)."""
    then = days_ago(days)
    chat = Chat.objects.get(pk=chat_id)
    Chat.objects.filter(pk=chat_id).update(created_at=then, ended_at=then if chat.ended_at else None)
    Message.objects.filter(chat_id=chat_id).update(created_at=then)
    Visit.objects.filter(visitor_id=chat.creator_id).update(created_at=then)
    Visitor.objects.filter(pk=chat.creator_id).update(created_at=then, last_seen_at=then)


def open_chat(client, org_id: int, staff, *lines: str) -> str:
    visitor = track(client, org_id)
    chat_id = request_chat(client, visitor)
    join(client, staff, chat_id)
    for line in lines:
        ok(text(client, visitor, chat_id, line))
    return chat_id


def counts(chat_id: str) -> tuple[int, int, int, int]:
    return (
        Chat.objects.filter(pk=chat_id).count(),
        Message.objects.filter(chat_id=chat_id).count(),
        ChatMember.objects.filter(chat_id=chat_id).count(),
        Upload.objects.filter(chat_id=chat_id).count(),
    )


def test_a_run_deletes_only_ended_chats_and_page_views_older_than_the_retention(horn, world):
    ok(set_retention(horn, world.alice, 30))
    old = tell_story(horn, world.acme.pk, world.alice)  # ended 40 days ago: goes
    recent = tell_story(horn, world.acme.pk, world.alice)  # ended 20 days ago: stays
    open_old = open_chat(horn, world.acme.pk, world.alice, "started long ago, still open")  # never touched
    globex = tell_story(horn, world.globex.pk, world.charlie)  # Globex keeps everything
    age_chat(old.chat_id, 40)
    age_chat(recent.chat_id, 20)
    age_chat(open_old, 40)
    age_chat(globex.chat_id, 400)
    kept = {c: counts(c) for c in (recent.chat_id, open_old, globex.chat_id)}
    open_visits = Visit.objects.filter(visitor__chats__pk=open_old).count()

    call_command("horn_retention")

    assert counts(old.chat_id) == (0, 0, 0, 0)
    assert horn.get(old.file_src).status_code == 404
    assert not Visit.objects.filter(visitor_id=old.visitor.uid).exists()
    assert {c: counts(c) for c in kept} == kept
    assert horn.get(recent.file_src).status_code == 200 and horn.get(globex.file_src).status_code == 200
    assert Visit.objects.filter(visitor_id=recent.visitor.uid).count() == 2
    # The open chat's page views are as old as any (40 days): page views go by their own age.
    assert open_visits == 1 and not Visit.objects.filter(visitor__chats__pk=open_old).exists()
    assert Visit.objects.filter(visitor_id=globex.visitor.uid).count() == 2
    # Ann of the old chat is anonymous now; Ann of the recent one (and Globex's) still known.
    customers = dict(Visitor.objects.values_list("vid", "customer_email"))
    assert customers[old.visitor.uid] == "" and Visitor.objects.get(pk=old.visitor.uid).fp == ""
    assert customers[recent.visitor.uid] == customers[globex.visitor.uid] == "ann@example.com"
    ok(text(horn, world.alice, open_old, "still here"))  # the open chat works on

    [entry] = ok(audit(horn, world.alice))["entries"][:1]
    assert entry["action"] == "retention_run" and entry["actor"] == {"id": "system", "name": ""}
    assert {k: entry["details"][k] for k in ("days", "chats", "files", "visits", "visitors")} == {
        "days": 30,
        "chats": 1,
        "files": 1,
        "visits": 3,
        "visitors": 1,
    }
    assert entry["details"]["messages"] == kept[recent.chat_id][1]  # the same story, told twice
    assert not AuditEntry.objects.filter(org_id=world.globex.pk).exists()


def test_a_run_with_batches_of_two_deletes_everything_old(horn, world):
    ok(set_retention(horn, world.alice, 1))
    chats = []
    for n in range(3):
        chat_id = open_chat(horn, world.acme.pk, world.alice, *[f"line {i} of chat {n}" for i in range(5)])
        ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
        age_chat(chat_id, 2)
        chats.append(chat_id)
    fresh = open_chat(horn, world.acme.pk, world.alice, "today")
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": fresh}}))
    messages = Message.objects.filter(chat_id__in=chats).count()
    assert messages > 2 * 3  # several batches per chat and per run

    call_command("horn_retention", batch_size=2, org=world.acme.pk)

    assert not Chat.objects.filter(pk__in=chats).exists()
    assert not Message.objects.filter(chat_id__in=chats).exists()
    assert not Visit.objects.filter(org_id=world.acme.pk, created_at__lt=days_ago(1)).exists()
    assert Chat.objects.filter(pk=fresh).exists() and Message.objects.filter(chat_id=fresh).exists()
    details = AuditEntry.objects.get(action=AuditEntry.RETENTION_RUN).details
    assert (details["chats"], details["messages"], details["visits"], details["visitors"]) == (3, messages, 3, 3)


def test_a_second_run_waits_for_the_first_across_processes(horn, world):
    ok(set_retention(horn, world.alice, 1))
    chat_id = open_chat(horn, world.acme.pk, world.alice, "old news")
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
    age_chat(chat_id, 5)
    redis = _sync_redis()
    redis.set(schedule.LOCK, "another-process", ex=60)  # another process is running retention

    with pytest.raises(CommandError, match="another retention run is in progress"):
        call_command("horn_retention")
    assert asyncio.run(schedule.tick(interval=3600)) is False
    assert Chat.objects.filter(pk=chat_id).exists()
    assert redis.get(schedule.LOCK) == "another-process"  # a run never frees a lock it does not hold

    redis.delete(schedule.LOCK)
    assert asyncio.run(schedule.tick(interval=3600)) is True  # due: no run recorded yet
    assert not Chat.objects.filter(pk=chat_id).exists()
    assert redis.get(schedule.LOCK) is None and redis.get(schedule.LAST) is not None
    assert asyncio.run(schedule.tick(interval=3600)) is False  # not due again for an hour
    assert asyncio.run(schedule.tick(interval=0)) is False  # 0: the schedule is off


def test_a_run_without_any_retention_set_deletes_nothing(horn, world):
    story = tell_story(horn, world.acme.pk, world.alice)
    age_chat(story.chat_id, 3000)
    call_command("horn_retention")
    assert counts(story.chat_id)[0] == 1 and not AuditEntry.objects.exists()
