"""The report figures: one aggregate query over the chats a report covers, one row per group.

Every figure is a property of a chat, recorded on its row when it happened
(see the report fields of `apps.chats.models.Chat`); a chat counts in the
local day and hour it started. SQL sums each figure per group (a local day,
a local hour, an agent, a queue), so the database returns at most a few
hundred small rows whatever the number of chats. Local time is the UTC time
plus the zone's offset of the moment, which is fixed between DST changes, so
SQL adds it with a CASE over the period's few offsets. Long ranges read most
of their time from roll-ups, the same sums kept per UTC bucket
(apps/reports/rollups.py), and only the rest from the chats; both give the same
Figures. What each figure means exactly: docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta

from django.db import connection

from apps.chats.models import Chat

from . import rollups
from .models import AGENT, DAY, HOUR, QUEUE
from .period import Period

SATISFIED = 4  # CSAT counts ratings of 4 and 5 (of 1-5) as satisfied, as the industry does
MICROS = 1_000_000
EPOCH = date(1970, 1, 1)


@dataclass(slots=True)
class Figures:
    """The sums behind one row of a report; `as_row` turns them into the figures shown."""

    chats: int = 0
    answered: int = 0
    missed: int = 0
    abandoned: int = 0
    wait_sum: int = 0  # microseconds
    waited: int = 0
    first_response_sum: int = 0  # microseconds
    responded: int = 0
    resolution_sum: int = 0  # microseconds
    resolved: int = 0
    messages: int = 0
    ended: int = 0
    ratings: int = 0
    rating_sum: int = 0
    satisfied: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_row(self) -> dict:
        return {
            "chats": self.chats,
            "answered": self.answered,
            "missed": self.missed,
            "abandoned": self.abandoned,
            "avg_wait": _avg(self.wait_sum / MICROS, self.waited),
            "avg_first_response": _avg(self.first_response_sum / MICROS, self.responded),
            "avg_resolution": _avg(self.resolution_sum / MICROS, self.resolved),
            "messages_per_chat": _avg(self.messages, self.ended, digits=2),
            "ratings": self.ratings,
            "avg_rating": _avg(self.rating_sum, self.ratings, digits=2),
            "csat": _avg(100 * self.satisfied, self.ratings, digits=1),
        }


def _avg(total: float, n: int, digits: int = 0) -> float | None:
    """Seconds are rounded to whole seconds; an average of nothing is null, not 0."""
    if not n:
        return None
    value = round(total / n, digits)
    return int(value) if digits == 0 else value


assert tuple(f.name for f in fields(Figures)) == rollups.SUMS  # a roll-up row holds a Figures, field for field

# The columns of a report row, in order (CSV header, the page's tables).
COLUMNS = tuple(Figures().as_row())


def _micros(since: str, until: str) -> str:
    """Whole microseconds between two columns: integer sums (MariaDB's decimal division cost 3x the query)."""
    if connection.vendor == "mysql":
        return f"TIMESTAMPDIFF(MICROSECOND, {since}, {until})"
    return f"CAST(ROUND((julianday({until}) - julianday({since})) * 86400000000.0) AS INTEGER)"


def _local(period: Period, part: str) -> tuple[str, list]:
    """SQL for the local date ("day") or hour ("hour") at which a chat started, and its parameters."""
    *changes, (_, last) = period.offsets()
    case, params = str(int(last)), []
    if changes:
        case = "CASE" + " WHEN created_at < %s THEN %s" * len(changes) + f" ELSE {case} END"
        for until, seconds in changes:
            params += [_db_time(until), seconds]
    if connection.vendor == "mysql":
        local = f"created_at + INTERVAL ({case}) SECOND"
        return (f"DATE({local})" if part == "day" else f"HOUR({local})"), params
    local = f"julianday(created_at) + ({case}) / 86400.0"
    # '%%H': the query has parameters, so a literal percent sign is doubled.
    return (f"date({local})" if part == "day" else f"CAST(strftime('%%H', {local}) AS INTEGER)"), params


def sums_sql() -> str:
    """One aggregate per Figures field, in its order."""
    wait = _micros("created_at", "accepted_at")
    response = _micros("created_at", "first_response_at")
    resolution = _micros("created_at", "ended_at")
    ended = f"state = '{Chat.ENDED}'"
    return ", ".join(
        [
            "COUNT(*)",
            "SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END)",
            "SUM(CASE WHEN missed THEN 1 ELSE 0 END)",
            "SUM(CASE WHEN missed AND ended_by = 'user' THEN 1 ELSE 0 END)",
            # An offline chat (left while nobody could take chats) waited for the org to open, not in a queue.
            f"SUM(CASE WHEN accepted_at IS NOT NULL AND NOT offline THEN {wait} END)",
            "SUM(CASE WHEN accepted_at IS NOT NULL AND NOT offline THEN 1 ELSE 0 END)",
            f"SUM({response})",
            "COUNT(first_response_at)",
            f"SUM(CASE WHEN {ended} AND accepted_at IS NOT NULL THEN {resolution} END)",
            f"SUM(CASE WHEN {ended} AND accepted_at IS NOT NULL THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {ended} THEN message_count ELSE 0 END)",
            f"SUM(CASE WHEN {ended} THEN 1 ELSE 0 END)",
            "COUNT(rating)",
            "SUM(COALESCE(rating, 0))",
            f"SUM(CASE WHEN rating >= {SATISFIED} THEN 1 ELSE 0 END)",
        ]
    )


@dataclass(frozen=True, slots=True)
class Scope:
    """Which chats a report covers: the org's, started in the period (and open hours), of an agent or queue."""

    org_id: int
    period: Period
    open_intervals: tuple | None = None  # UTC intervals; None: all hours
    agent: str | None = None
    queue: str | None = None

    def where(self) -> tuple[str, list]:
        sql, params = ["org_id = %s", "created_at >= %s", "created_at < %s"], [self.org_id]
        params += [_db_time(self.period.start), _db_time(self.period.end)]
        if self.agent is not None:
            sql.append("agent_id = %s")
            params.append(self.agent)
        if self.queue is not None:
            sql.append("queue = %s")
            params.append(self.queue)
        if self.open_intervals is not None:
            if not self.open_intervals:
                sql.append("1 = 0")  # never open in the period
            else:
                each = ["(created_at >= %s AND created_at < %s)"] * len(self.open_intervals)
                sql.append("(" + " OR ".join(each) + ")")
                for start, end in self.open_intervals:
                    params += [_db_time(start), _db_time(end)]
        return " AND ".join(sql), params


def _db_time(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def grouped(scope: Scope, by: str) -> dict:
    """Figures per group: `by` is "day" (local date, ISO), "hour" (local, 0-23), "agent_id" or "queue".

    Whole UTC buckets come from the roll-ups, the rest from the chats (apps/reports/rollups.py); the two
    parts never overlap, and each group's figures are the sum of both.
    """
    p = scope.period
    intervals = [(p.start, p.end)] if scope.open_intervals is None else scope.open_intervals
    covered = [(int(a.timestamp()), int(b.timestamp())) for a, b in intervals]
    zone = [(None if until is None else int(until.timestamp()), offset) for until, offset in p.offsets()]
    found = rollups.plan(scope.org_id, covered, zone, {"day": DAY, "hour": HOUR}.get(by))
    out: dict = {}
    if found.live:
        live = tuple((_utc(a), _utc(b)) for a, b in found.live)
        _sum_into(out, by, *_chats_sql(replace(scope, open_intervals=live), by))
    if found.runs:
        _sum_into(out, by, *_rollup_sql(scope, by, found.runs, zone))
    return out


def _chats_sql(scope: Scope, by: str) -> tuple[str, list]:
    key, params = _local(scope.period, by) if by in ("day", "hour") else (by, [])
    where, where_params = scope.where()
    return f"SELECT {key} AS k, {sums_sql()} FROM {Chat._meta.db_table} WHERE {where} GROUP BY k", params + where_params


def _rollup_sql(scope: Scope, by: str, runs: list, zone: list) -> tuple[str, list]:
    """The roll-up rows of the runs, summed per group: each row lies within one group, named by its start."""
    dims = (AGENT if scope.agent is not None or by == "agent_id" else 0) | (
        QUEUE if scope.queue is not None or by == "queue" else 0
    )
    params: list = []
    if by in ("day", "hour"):
        *changes, (_, last) = zone
        case = str(int(last))
        if changes:
            case = "CASE" + " WHEN start < %s THEN %s" * len(changes) + f" ELSE {case} END"
            for until, seconds in changes:
                params += [until, seconds]
        local = f"(start + {case})"
        if by == "day":
            key = _div(local, DAY)
        else:  # local appears twice, and its parameters with it
            key, params = _div(f"{local} - {_div(local, DAY)} * {DAY}", HOUR), params * 2
    else:
        key = "agent" if by == "agent_id" else "queue"
    where = ["org_id = %s", "dims = %s"]
    params += [scope.org_id, dims]
    where.append("(" + " OR ".join(["(size = %s AND start >= %s AND start < %s)"] * len(runs)) + ")")
    for run in runs:
        params += run
    if scope.agent is not None:
        where.append("agent = %s")
        params.append(scope.agent)
    if scope.queue is not None:
        where.append("queue = %s")
        params.append(scope.queue)
    sums = ", ".join(f"SUM({name})" for name in rollups.SUMS)
    return f"SELECT {key} AS k, {sums} FROM {rollups.ROLLUP} WHERE {' AND '.join(where)} GROUP BY k", params


def _div(sql: str, n: int) -> str:
    """Integer division of a non-negative integer expression."""
    return f"({sql}) DIV {n}" if connection.vendor == "mysql" else f"(({sql}) / {n})"


def _sum_into(out: dict, by: str, sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for k, *sums in cursor.fetchall():
            # Every sum is whole; MariaDB answers SUMs as Decimal, and NULL for a sum of nothing.
            figures = Figures(*[int(v or 0) for v in sums])
            key = _key(by, k)
            if key in out:
                out[key].add(figures)
            else:
                out[key] = figures


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _key(by: str, value):
    """SQLite answers dates as text, MariaDB as dates; roll-ups as days since 1970 and "" for nobody."""
    if by == "day":
        if isinstance(value, str):
            return value
        if isinstance(value, date):
            return value.isoformat()
        return (EPOCH + timedelta(days=int(value))).isoformat()
    if by == "hour":
        return int(value)
    return None if by == "agent_id" and value == "" else value
