"""GET /api/reports/{days,hours,agents,queues}: an org admin's reports, as JSON or CSV."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from apps.accounts.auth import authenticate_admin
from apps.core.db import db
from apps.core.errors import InvalidValue, NoSuchEndpoint
from apps.core.http import api_view, ok, query

from . import params
from .figures import COLUMNS, Scope
from .live import live as live_figures
from .tables import KEYS, TABLES, report


@api_view("GET")
async def live(request):
    """GET /api/reports/live: the org's queue, assignments and staff now (the live page refetches it on push)."""
    caller = await authenticate_admin(request)
    return ok(live=(await live_figures(caller.org_id)).as_dict())


@api_view("GET")
async def reports(request, table: str):
    if table not in TABLES:
        raise NoSuchEndpoint(f"reports are {', '.join(TABLES)}")
    caller = await authenticate_admin(request)
    fmt = query(request, "format") or "json"
    if fmt not in ("json", "csv"):
        raise InvalidValue("format is json or csv", field="format")
    ask = params.parse(request)
    scope = await db(params.scope, caller.org_id, ask)
    result = await db(report, scope, table)
    if fmt == "csv":
        return _csv(scope, table, result)
    return ok(range=_range(scope), table=table, **result)


def _range(scope: Scope) -> dict:
    p = scope.period
    return {
        "from": p.first.isoformat(),
        "to": p.last.isoformat(),
        "timezone": p.zone,
        "hours": "all" if scope.open_intervals is None else "business",
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "agent": scope.agent,
        "queue": scope.queue,
    }


def _csv(scope: Scope, table: str, result: dict) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    keys = KEYS[table]
    writer.writerow([*keys, *COLUMNS])
    for row in result["rows"]:
        writer.writerow([_cell(row[k]) for k in keys] + [_cell(row[c]) for c in COLUMNS])
    writer.writerow(["total", *[""] * (len(keys) - 1), *[_cell(result["totals"][c]) for c in COLUMNS]])
    p = scope.period
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"horn-{table}-{p.first.isoformat()}-{p.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _cell(value) -> str:
    """Empty for no value; text that a spreadsheet would run as a formula (a visitor's queue name) is quoted."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
