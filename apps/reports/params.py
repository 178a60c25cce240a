"""A report request's parameters, each checked (and named in its error) before anything is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.accounts.models import Organisation, Staff
from apps.chats.models import Chat
from apps.core import ids
from apps.core.errors import BadId, InvalidValue, NotFound, ReportRangeReversed, ReportRangeTooLong
from apps.core.http import query

from .figures import Scope
from .period import MAX_DAYS, Period
from .tables import DEFAULT_QUEUE

DEFAULT_DAYS = 7  # no range given: the last week, today included


@dataclass(frozen=True, slots=True)
class Ask:
    """What the query string asks for, before it is checked against the org's data."""

    first: date | None
    last: date | None
    business_hours: bool
    agent: str | None
    queue: str | None


def parse(request) -> Ask:
    hours = query(request, "hours") or "all"
    if hours not in ("all", "business"):
        raise InvalidValue("hours is all or business", field="hours")
    agent = query(request, "agent", max_length=40)
    if agent is not None and not ids.is_staff_id(agent):
        raise BadId("agent is not a staff id", field="agent")
    queue = query(request, "queue", max_length=64)
    return Ask(_date(request, "from"), _date(request, "to"), hours == "business", agent, queue)


def _date(request, name: str) -> date | None:
    raw = query(request, name, max_length=20)
    if raw is None:
        return None
    try:
        if len(raw) == 10:  # fromisoformat also takes 20261231 and week dates: only YYYY-MM-DD is meant
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise InvalidValue(f"{name} must be a date such as 2026-12-31", field=name)


def scope(org_id: int, ask: Ask) -> Scope:
    """The chats the report covers, in the org's time zone; unknown agents and queues are 404s."""
    org = Organisation.objects.filter(pk=org_id).values("timezone", "business_hours").get()
    last = ask.last or datetime.now(ZoneInfo(org["timezone"])).date()
    first = ask.first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise ReportRangeReversed(f"to ({last}) is before from ({first})", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise ReportRangeTooLong(f"a report covers at most {MAX_DAYS} days; ask for one year at a time", field="to")
    if ask.agent is not None and not Staff.objects.filter(org_id=org_id, sid=ask.agent).exists():
        raise NotFound("no such staff member", field="agent")
    queue = None if ask.queue is None else ("" if ask.queue == DEFAULT_QUEUE else ask.queue)
    if queue and not Chat.objects.filter(org_id=org_id, queue=queue).exists():
        raise NotFound(f"no chat was ever in queue {ask.queue!r}", field="queue")
    period = Period.of(first, last, org["timezone"])
    intervals = None
    if ask.business_hours and org["business_hours"]:
        intervals = tuple(period.open_intervals(org["business_hours"]))
    return Scope(org_id, period, intervals, ask.agent, queue)
