"""Report roll-ups: the figures' sums per UTC time bucket, so a long range reads a few thousand rows.

`Rollup` holds, for an org, the sums behind every report figure (`apps.reports.figures.Figures`, field
for field) of the chats that started in one UTC bucket of 15 minutes, an hour or a day, split four
ways (`dims`): per agent and queue, per agent, per queue, and in total. `StaleDay` names the UTC days
whose roll-up rows may differ from their chats: database triggers mark a day whenever a chat of it is
created, deleted or has a reported column changed (migration 0001), and the fold
(`apps.reports.rollups.fold`) recomputes a marked day from its chats and clears the mark. A report
reads roll-ups only for days without a mark, so it always equals the per-chat computation.
How and why: docs/reports.md.
"""

from __future__ import annotations

from django.db import models

# dims: which of agent and queue a row keeps (a bit each); a dropped one is stored as "".
AGENT, QUEUE = 1, 2
QUARTER, HOUR, DAY = 900, 3600, 86400  # bucket sizes, seconds


class Rollup(models.Model):
    pk = models.CompositePrimaryKey("org_id", "dims", "size", "start", "agent", "queue")
    org_id = models.IntegerField()  # no foreign key: rows of a deleted org go with their days' marks
    dims = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField()  # seconds: QUARTER, HOUR or DAY
    start = models.BigIntegerField()  # UTC, seconds since 1970; a multiple of size
    agent = models.CharField(max_length=40, blank=True)  # staff sid; "" for nobody (or dropped)
    queue = models.CharField(max_length=64, blank=True)
    chats = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    missed = models.BigIntegerField(default=0)
    abandoned = models.BigIntegerField(default=0)
    wait_sum = models.BigIntegerField(default=0)
    waited = models.BigIntegerField(default=0)
    first_response_sum = models.BigIntegerField(default=0)
    responded = models.BigIntegerField(default=0)
    resolution_sum = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    messages = models.BigIntegerField(default=0)
    ended = models.BigIntegerField(default=0)
    ratings = models.BigIntegerField(default=0)
    rating_sum = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)


class StaleDay(models.Model):
    pk = models.CompositePrimaryKey("org_id", "day")
    org_id = models.IntegerField()
    day = models.IntegerField()  # UTC days since 1970
