"""Business hours: when an organisation takes chats.

`business_hours` maps a weekday to its opening intervals, local to the org's
`timezone`: `{"mon": [["09:00", "17:00"]], "sat": [["10:00", "14:00"]]}`.
A day not listed is closed; an empty mapping means always open. An interval
may end at "24:00"; one that ends before it starts runs past midnight.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


def validate_timezone(name: str) -> None:
    if name not in _zones():
        raise ValidationError(f"unknown time zone {name!r} (an IANA name such as Europe/Stockholm)")


def validate_business_hours(hours) -> None:
    if not isinstance(hours, dict):
        raise ValidationError('business hours are an object such as {"mon": [["09:00", "17:00"]]}')
    for day, intervals in hours.items():
        if day not in DAYS:
            raise ValidationError(f"unknown day {day!r}: use {', '.join(DAYS)}")
        if not isinstance(intervals, list):
            raise ValidationError(f"{day}: a list of [open, close] pairs")
        for pair in intervals:
            clocks = isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)
            if not clocks or not all(CLOCK.fullmatch(t) for t in pair) or pair[0] == pair[1] or pair[0] == "24:00":
                raise ValidationError(f"{day}: {pair!r} is not an [open, close] pair of HH:MM times")


def is_open(hours: dict, zone: str, now: datetime) -> bool:
    """Whether `now` (aware) falls in the opening hours."""
    if not hours:
        return True
    local = now.astimezone(ZoneInfo(zone))
    return any(start <= local < end for start, end in _intervals(hours, local, days=(-1, 0)))


def next_opening(hours: dict, zone: str, now: datetime) -> datetime | None:
    """When the org opens next after `now` (None: always open, or never)."""
    if not hours:
        return None
    local = now.astimezone(ZoneInfo(zone))
    starts = [start for start, _ in _intervals(hours, local, days=range(0, 8)) if start > local]
    return min(starts) if starts else None


def _intervals(hours: dict, local: datetime, days) -> list[tuple[datetime, datetime]]:
    """The opening intervals of the days around `local` (offsets in days), as local datetimes."""
    out = []
    for offset in days:
        day = (local + timedelta(days=offset)).date()
        for opens, closes in hours.get(DAYS[day.weekday()], []):
            start = at_clock(day, opens, local.tzinfo)
            end = at_clock(day, closes, local.tzinfo)
            if end <= start:  # past midnight
                end += timedelta(days=1)
            out.append((start, end))
    return out


def at_clock(day, clock: str, zone) -> datetime:
    """The local datetime of an HH:MM clock time on `day` ("24:00": midnight at its end)."""
    if clock == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0, 0), zone)
    h, m = clock.split(":")
    return datetime.combine(day, time(int(h), int(m)), zone)


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES
