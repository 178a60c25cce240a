"""A report's time frame: whole local days of the organisation, turned into UTC instants.

Chats are stored with UTC times; a report asks for days as the organisation
lives them (`Organisation.timezone`). The first and last day are local dates,
both included; each is turned into the UTC instant of its local midnight, so a
day of a DST change is 23 or 25 hours long, as it was. Business hours become
the UTC intervals they covered on each of those days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.accounts.hours import DAYS, at_clock

# A report reads up to a year of chats: enough for year-on-year questions by month, and it bounds what one
# request scans (the benchmark's 100,000 chats in a year). Longer ranges: ask one year at a time.
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # included
    zone: str
    start: datetime  # UTC: local midnight of `first`
    end: datetime  # UTC: local midnight after `last`

    @classmethod
    def of(cls, first: date, last: date, zone: str) -> Period:
        tz = ZoneInfo(zone)
        start = datetime.combine(first, time.min, tz).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time.min, tz).astimezone(UTC)
        return cls(first, last, zone, start, end)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def offsets(self) -> list[tuple[datetime | None, int]]:
        """The zone's UTC offsets over the period: [(until, seconds)], the last one's `until` None.

        Between two changes (DST), local time is UTC plus one fixed offset, which SQL can add; a year has
        at most a few changes. Found by probing day by day, then to the second around each change.
        """
        tz = ZoneInfo(self.zone)

        def offset(moment: datetime) -> int:
            return int(moment.astimezone(tz).utcoffset().total_seconds())

        out: list[tuple[datetime | None, int]] = []
        at, current = self.start, offset(self.start)
        while at < self.end:
            probe = min(at + timedelta(days=1), self.end)
            if offset(probe) == current:
                at = probe
                continue
            # In whole seconds, as the rules are: offset(low) == current != offset(high).
            low, high = int(at.timestamp()), int(probe.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(_utc(middle)) == current else (low, middle)
            out.append((_utc(high), current))
            at, current = _utc(high), offset(_utc(high))
        return [*out, (None, current)]

    def open_intervals(self, hours: dict) -> list[tuple[datetime, datetime]]:
        """The business hours within the period, as merged UTC [start, end) intervals."""
        tz = ZoneInfo(self.zone)
        out: list[tuple[datetime, datetime]] = []
        # The day before the first counts too: its late interval may run past midnight into the period.
        for day in [self.first - timedelta(days=1), *self.days()]:
            for opens, closes in hours.get(DAYS[day.weekday()], []):
                start, end = at_clock(day, opens, tz), at_clock(day, closes, tz)
                if end <= start:  # past midnight
                    end = at_clock(day + timedelta(days=1), closes, tz)
                start, end = max(start.astimezone(UTC), self.start), min(end.astimezone(UTC), self.end)
                if start < end:
                    out.append((start, end))
        out.sort()
        merged: list[tuple[datetime, datetime]] = []
        for start, end in out:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
