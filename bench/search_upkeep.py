"""What keeping the search index costs the message path, on the database Horn is configured for.

    python manage.py shell -c "from bench.search_upkeep import main; main()"

Stores the same batches of text messages (the group commit's multi-row INSERT,
as apps/chats/actions/content.py writes them, one transaction per batch) into
a scratch organisation twice: with the full-text index in place, and with it
removed (SQLite: the FTS triggers; MariaDB: the FULLTEXT index). Prints the
mean time per batch and per message of each, and the text preparation's own
cost. Run it on a scratch database: it drops and recreates the index.
"""

from __future__ import annotations

import json
import time

import orjson
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.actions import create_organisation
from apps.chats import searchindex
from apps.chats.actions.content import _COLUMNS
from apps.chats.models import Chat, Message
from apps.chats.searchtext import index_text
from apps.core import ids
from apps.visitors.models import Visitor

TEXT = "Hello, I would like a refund for my order 12345 please, it arrived broken"
BATCH, ROUNDS = 20, 200  # a busy org's group commit holds a few to a few dozen posts


def _rows(org_id: int, chat_id: str, seq: int) -> list[tuple]:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    body = orjson.dumps({"text": TEXT}).decode()
    head = (org_id,)
    tail = (chat_id, "text", "v", "user", "", body, "public", False, None, "", now)
    return [(ids.new_mid(), *head, seq + i, *tail, index_text(TEXT)) for i in range(BATCH)]


def _timed(org_id: int, chat_id: str, start: int) -> float:
    sql = f"INSERT INTO chats_message ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    t = time.perf_counter()
    for r in range(ROUNDS):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, _rows(org_id, chat_id, start + r * BATCH))
    return (time.perf_counter() - t) / ROUNDS * 1000


def main() -> None:
    org = create_organisation(name=f"upkeep-{ids.random_alnum(6)}")
    visitor = Visitor.objects.create(org=org)
    chat = Chat.objects.create(org=org, creator=visitor)
    prep = time.perf_counter()
    for _ in range(10_000):
        index_text(TEXT)
    prep_us = (time.perf_counter() - prep) / 10_000 * 1e6
    _timed(org.pk, chat.pk, 10**9)  # warm
    with_index = _timed(org.pk, chat.pk, 2 * 10**9)
    searchindex.drop(connection)
    try:
        without = _timed(org.pk, chat.pk, 3 * 10**9)
    finally:
        searchindex.create(connection)
    Message.objects.filter(org=org).delete()
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "batch": BATCH,
                "ms_per_batch_with_index": round(with_index, 3),
                "ms_per_batch_without": round(without, 3),
                "us_per_message_index_upkeep": round((with_index - without) / BATCH * 1000, 1),
                "us_per_message_text_preparation": round(prep_us, 1),
            }
        )
    )
