"""Roll-ups: folding chats into per-bucket sums, and planning which parts of a report read them.

A report covers UTC intervals (the period, or its business hours). Each part of them is read
either from roll-up rows (`Rollup`) or from the chats themselves ("live"):

- a UTC day marked stale (`StaleDay`: a chat of it changed since it was folded, or it was never
  folded, such as today) is read live;
- the rest is cut at every change of the zone's UTC offset, and each piece is covered by the largest
  whole buckets (a day, then hours, then quarters of an hour) that never cross a local midnight (days
  report) or local hour (hours report): a bucket size that divides the offset; the few minutes
  before the first and after the last whole quarter (business hours such as 09:10) are live.

Every UTC offset in use is a whole number of quarter hours (India +05:30, Nepal +05:45), so a local
day or hour is always made of whole quarters: 15 minutes is the largest bucket size that assembles
every zone exactly. Hours and days are kept too, because a year is 35,040 quarters but 8,760 hours.
Since a chat counts in the bucket it started in, a sum over buckets is exactly the sum over their
chats: the figures (all sums and counts; no medians) are the same as from the chats alone.

Folding: `fold` recomputes the marked days that ended at least SETTLE ago from their chats (one
grouped read per day) and clears their marks, in one short transaction per day: a chat change to a
day being folded waits for that day only. The marks are locked first (FOR UPDATE), so a chat change
that commits meanwhile either is seen by the read or marks the day again after the fold commits; a
report never sees a day both folded and marked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from .models import AGENT, DAY, HOUR, QUARTER, QUEUE, Rollup, StaleDay

log = logging.getLogger("horn.reports")

# A day is folded once it ended this long ago: today's chats (and yesterday's for the first hour) keep
# changing, and are few; they are read live.
SETTLE = 3600
SIZES = (DAY, HOUR, QUARTER)
KEYS = ("org_id", "dims", "size", "start", "agent", "queue")
SUMS = tuple(f.name for f in Rollup._meta.concrete_fields if f.name not in KEYS)  # Figures' fields, in order
ROLLUP, STALE = Rollup._meta.db_table, StaleDay._meta.db_table


def _epoch(column: str, size: int) -> str:
    """SQL: the start of `column`'s UTC bucket of `size` seconds, as seconds since 1970."""
    if connection.vendor == "mysql":
        return f"TIMESTAMPDIFF(SECOND, '1970-01-01', {column}) DIV {size} * {size}"
    return f"CAST(strftime('%%s', {column}) AS INTEGER) / {size} * {size}"


def db_time(seconds: int):
    return connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(seconds, UTC))


# --- folding ------------------------------------------------------------------------------------


def fold(*, settled_before: int | None = None, batch: int = 1) -> int:
    """Fold every marked day that ended before `settled_before` (seconds since 1970; default now - SETTLE),
    a batch per transaction. Returns the days folded."""
    if settled_before is None:
        settled_before = int(time.time()) - SETTLE
    cutoff, total = settled_before // DAY, 0
    while True:
        done = _fold_batch(cutoff, batch)
        total += done
        if done < batch:
            return total


def _fold_batch(cutoff: int, batch: int) -> int:
    skip = " FOR UPDATE SKIP LOCKED" if connection.vendor == "mysql" else ""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"SELECT org_id, day FROM {STALE} WHERE day < %s ORDER BY org_id, day LIMIT %s{skip}", [cutoff, batch]
        )
        marks = cur.fetchall()
        for org_id, day in marks:
            _fold_day(cur, org_id, day)
        if marks:
            cur.executemany(f"DELETE FROM {STALE} WHERE org_id = %s AND day = %s", marks)
    return len(marks)


def _fold_day(cur, org_id: int, day: int) -> None:
    """Replace the org's roll-up rows of one UTC day by the sums of its chats, every size and dims."""
    from .figures import sums_sql  # figures imports this module

    start, end = day * DAY, (day + 1) * DAY
    cur.execute(
        f"SELECT {_epoch('created_at', QUARTER)} AS b, agent_id, queue, {sums_sql()} FROM chats_chat"
        " WHERE org_id = %s AND created_at >= %s AND created_at < %s GROUP BY b, agent_id, queue",
        [org_id, db_time(start), db_time(end)],
    )
    rows: dict[tuple, list[int]] = {}
    for quarter, agent, queue, *sums in cur.fetchall():
        sums = [int(v or 0) for v in sums]
        for size in SIZES:
            bucket = int(quarter) // size * size
            for dims in range(4):
                key = (dims, size, bucket, (agent or "") if dims & AGENT else "", queue if dims & QUEUE else "")
                if key in rows:
                    rows[key] = [a + b for a, b in zip(rows[key], sums, strict=True)]
                else:
                    rows[key] = list(sums)
    # Every (dims, size) named, so the primary key's prefix bounds the delete to this day's rows.
    cur.execute(
        f"DELETE FROM {ROLLUP} WHERE org_id = %s AND dims IN (0, 1, 2, 3) AND size IN (%s, %s, %s)"
        " AND start >= %s AND start < %s",
        [org_id, *SIZES, start, end],
    )
    if rows:
        columns = ", ".join((*KEYS, *SUMS))
        marks = ", ".join(["%s"] * (6 + len(SUMS)))
        cur.executemany(
            f"INSERT INTO {ROLLUP} ({columns}) VALUES ({marks})",
            [(org_id, *key, *sums) for key, sums in rows.items()],
        )


async def loop() -> None:
    """Every server process folds settled days every HORN_REPORT_FOLD_INTERVAL seconds (horn/asgi.py's
    lifespan); processes skip each other's locked marks."""
    from apps.core.db import db

    while settings.HORN_REPORT_FOLD_INTERVAL:
        await asyncio.sleep(settings.HORN_REPORT_FOLD_INTERVAL)
        try:
            await db(fold)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("folding report roll-ups failed; the next round retries")


# --- planning a report ----------------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    runs: list[list[int]]  # [size, first start, end]: roll-up rows of that size with first <= start < end
    live: list[list[int]]  # [start, end): read from the chats (UTC seconds)


def plan(org_id: int, covered: list[tuple[int, int]], zone: list[tuple[int | None, int]], key: int | None) -> Plan:
    """Split the covered UTC intervals (seconds since 1970) into roll-up runs and live intervals.

    `zone`: the zone's UTC offsets over the period, [(until, seconds)], the last one's until None
    (`Period.offsets`); `key`: 86400 (a row per local day), 3600 (per local hour) or None (per agent,
    per queue: no cut but the intervals' own ends).
    """
    out = Plan([], [])
    if not covered:
        return out
    first, last = covered[0][0] // DAY, (covered[-1][1] - 1) // DAY
    stale = set(StaleDay.objects.filter(org_id=org_id, day__gte=first, day__lte=last).values_list("day", flat=True))
    for s, e in covered:
        for day in range(s // DAY, (e - 1) // DAY + 1):
            u, v = max(s, day * DAY), min(e, (day + 1) * DAY)
            if day in stale:
                _add(out.live, u, v)
                continue
            for a, b, top in _pieces(u, v, zone, key):
                _cover(out, a, b, top)
    return out


def _pieces(u: int, v: int, zone: list[tuple[int | None, int]], key: int | None):
    """[u, v) cut at every offset change, each piece with the largest bucket size that never crosses a
    multiple of `key` in local time: one that divides both the key and the offset (a whole-hour zone's
    local days are whole UTC hours, Nepal's are quarters). None: no bucket fits (an offset in seconds)."""
    if key is None:
        yield u, v, DAY
        return
    a = u
    for until, offset in zone:
        b = v if until is None else min(v, until)
        if b > a:
            yield a, b, next((size for size in SIZES if size <= key and offset % size == 0), None)
            a = b
        if a >= v:
            return


def _cover(out: Plan, u: int, v: int, top: int | None) -> None:
    """[u, v) by the largest aligned buckets up to `top`: quarters up to an hour, hours up to a day, days;
    what no whole quarter covers is live."""
    q1, q2 = -(-u // QUARTER) * QUARTER, v // QUARTER * QUARTER
    if top is None or q1 >= q2:
        _add(out.live, u, v)
        return
    _add(out.live, u, q1)
    h1, h2 = -(-q1 // HOUR) * HOUR, q2 // HOUR * HOUR
    if top == QUARTER or h1 >= h2:
        _run(out, QUARTER, q1, q2)
    else:
        _run(out, QUARTER, q1, h1)
        d1, d2 = -(-h1 // DAY) * DAY, h2 // DAY * DAY
        if top == HOUR or d1 >= d2:
            _run(out, HOUR, h1, h2)
        else:
            _run(out, HOUR, h1, d1)
            _run(out, DAY, d1, d2)
            _run(out, HOUR, d2, h2)
        _run(out, QUARTER, h2, q2)
    _add(out.live, q2, v)


def _run(out: Plan, size: int, a: int, b: int) -> None:
    if a >= b:
        return
    for run in reversed(out.runs[-3:]):  # runs of the other sizes interleave within a piece
        if run[0] == size and run[2] == a:
            run[2] = b
            return
    out.runs.append([size, a, b])


def _add(intervals: list[list[int]], a: int, b: int) -> None:
    if a >= b:
        return
    if intervals and intervals[-1][1] == a:
        intervals[-1][1] = b
    else:
        intervals.append([a, b])
