"""The report figures: one aggregate query over the chats a report covers, one row per group.

Every figure is a property of a chat, recorded on its row when it happened
(see the report fields of `apps.chats.models.Chat`); a chat counts in the
local day and hour it started. SQL sums each figure per group (a local day,
a local hour, an agent, a queue), so the database returns at most a few
hundred small rows whatever the number of chats. Local time is the UTC time
plus the zone's offset of the moment, which is fixed between DST changes, so
SQL adds it with a CASE over the period's few offsets. What each figure means
exactly: docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import connection

from apps.chats.models import Chat

from .period import Period

SATISFIED = 4  # CSAT counts ratings of 4 and 5 (of 1-5) as satisfied, as the industry does
MICROS = 1_000_000


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


def _sums() -> str:
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
    """Figures per group: `by` is "day" (local date, ISO), "hour" (local, 0-23), "agent_id" or "queue"."""
    key, params = _local(scope.period, by) if by in ("day", "hour") else (by, [])
    where, where_params = scope.where()
    sql = f"SELECT {key} AS k, {_sums()} FROM {Chat._meta.db_table} WHERE {where} GROUP BY k"
    out: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        for k, *sums in cursor.fetchall():
            # Every sum is whole; MariaDB answers SUMs as Decimal, and NULL for a sum of nothing.
            out[_key(by, k)] = Figures(*[int(v or 0) for v in sums])
    return out


def _key(by: str, value):
    """SQLite answers dates as text; MariaDB as dates."""
    if by == "day":
        return value if isinstance(value, str) else value.isoformat()
    return int(value) if by == "hour" else value
