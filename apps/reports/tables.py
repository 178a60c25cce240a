"""The four reports (by day, by hour of day, by agent, by queue), each with its totals.

A report's totals are the sum of its rows: chats nobody took have their own
row in the agents report, so every chat of the scope is counted exactly once.
"""

from __future__ import annotations

from apps.accounts.models import Staff

from .figures import Figures, Scope, grouped

# Each report's key columns, before the figures (apps/reports/figures.py COLUMNS).
KEYS = {"days": ("date",), "hours": ("hour",), "agents": ("agent", "name"), "queues": ("queue",)}
TABLES = tuple(KEYS)
DEFAULT_QUEUE = "default"  # how the unnamed queue ("") is shown and asked for, as in the console


def report(scope: Scope, table: str) -> dict:
    rows = {"days": _days, "hours": _hours, "agents": _agents, "queues": _queues}[table](scope)
    total = Figures()
    for _, figures in rows:
        total.add(figures)
    return {"totals": total.as_row(), "rows": [{**key, **figures.as_row()} for key, figures in rows]}


def _days(scope: Scope) -> list[tuple[dict, Figures]]:
    found = grouped(scope, "day")
    return [({"date": day.isoformat()}, found.get(day.isoformat(), Figures())) for day in scope.period.days()]


def _hours(scope: Scope) -> list[tuple[dict, Figures]]:
    found = grouped(scope, "hour")
    return [({"hour": hour}, found.get(hour, Figures())) for hour in range(24)]


def _agents(scope: Scope) -> list[tuple[dict, Figures]]:
    found = grouped(scope, "agent_id")
    staff = Staff.objects.filter(org_id=scope.org_id).order_by("name", "sid")
    if scope.agent is not None:
        staff = staff.filter(sid=scope.agent)
    rows = [({"agent": sid, "name": name}, found.pop(sid, Figures())) for sid, name in staff.values_list("sid", "name")]
    if None in found:
        # Chats no staff member took (missed, still waiting, handled by bots alone), and those of staff
        # deleted since (deleting a staff member sets their chats' agent to null).
        rows.append(({"agent": None, "name": "nobody"}, found.pop(None)))
    return rows


def _queues(scope: Scope) -> list[tuple[dict, Figures]]:
    found = grouped(scope, "queue")
    return [({"queue": name or DEFAULT_QUEUE}, found[name]) for name in sorted(found)]
