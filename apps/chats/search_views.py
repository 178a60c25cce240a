"""GET /api/chats/search and GET /api/chats/{id}/transcript: the console's History view, for staff."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import orjson
from django.http import HttpResponse
from django.utils.dateparse import parse_date, parse_datetime

from apps.accounts.auth import Caller, authenticate
from apps.core import ids
from apps.core.db import db
from apps.core.errors import BadId, Forbidden, InvalidValue, TooLong
from apps.core.http import api_view, ok, query

from .models import Chat
from .search import ChatQuery, search_chats, transcript, transcript_text
from .searchtext import query_terms

SEARCH_MAX_LIMIT = 50  # a page of results is read by a person; more is what `next` is for
Q_MAX = 200  # a search is a few words; a pasted page of text is not a query


async def _staff(request) -> Caller:
    caller = await authenticate(request)
    if not caller.is_staff:
        raise Forbidden("history and search are for staff")
    return caller


@api_view("GET")
async def search(request):
    """GET /api/chats/search?q=&visitor=&customer=&staff=&queue=&state=&created_from=&…&before=&limit="""
    q = parse_search(request)
    caller = await _staff(request)
    return ok(**await db(search_chats, caller, q))


@api_view("GET")
async def chat_transcript(request, chat_id: str):
    """GET /api/chats/{id}/transcript?format=text|json: the whole chat, as a download."""
    if not ids.is_chat_id(chat_id):
        raise BadId("not a chat id", field="chat")
    fmt = query(request, "format") or "text"
    if fmt not in ("text", "json"):
        raise InvalidValue("format is text or json", field="format")
    caller = await _staff(request)
    chat, msgs, cut = await db(transcript, caller, chat_id)
    if fmt == "json":
        body = {"code": 0, "msg": "ok", "chat": chat, "msgs": msgs, "cut": cut}  # the API's shape, also as a file
        data = orjson.dumps(body, option=orjson.OPT_INDENT_2)
        response = HttpResponse(data, content_type="application/json")
    else:
        response = HttpResponse(transcript_text(chat, msgs, cut), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="horn-chat-{chat_id}.{"json" if fmt == "json" else "txt"}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def parse_search(request) -> ChatQuery:
    """Every parameter checked before anything is read; each error names its field."""
    text = request.GET.get("q", "")
    if len(text) > Q_MAX:
        raise TooLong(f"q is limited to {Q_MAX} characters", field="q")
    terms = query_terms(text)
    if text.strip() and not terms:
        raise InvalidValue("q has no searchable word (3+ letters, not a stop word, or a CJK character)", field="q")
    visitor = query(request, "visitor")
    if visitor is not None and not ids.is_visitor_id(visitor):
        raise BadId("visitor is not a visitor id", field="visitor")
    staff = query(request, "staff")
    if staff is not None and not ids.is_staff_id(staff):
        raise BadId("staff is not a staff id", field="staff")
    states = tuple(s for s in (query(request, "state") or "").split(",") if s)
    known = {s for s, _ in Chat.STATES}
    if any(s not in known for s in states):
        raise InvalidValue(f"state is a comma-separated list of {', '.join(sorted(known))}", field="state")
    created = _range(request, "created_from", "created_to")
    ended = _range(request, "ended_from", "ended_to")
    limit = query(request, "limit") or "20"
    if not limit.isdigit() or not 1 <= int(limit) <= SEARCH_MAX_LIMIT:
        raise InvalidValue(f"limit must be 1-{SEARCH_MAX_LIMIT}", field="limit")
    return ChatQuery(
        terms=terms,
        visitor=visitor,
        customer=query(request, "customer", max_length=128),
        staff=staff,
        queue=query(request, "queue", max_length=64),
        states=states,
        created_from=created[0],
        created_to=created[1],
        ended_from=ended[0],
        ended_to=ended[1],
        before=_cursor(query(request, "before", max_length=64)),
        limit=int(limit),
    )


def _range(request, low: str, high: str) -> tuple[datetime | None, datetime | None]:
    start, end = _when(request, low, end=False), _when(request, high, end=True)
    if start and end and start >= end:
        raise InvalidValue(f"{low} must be before {high}", field=high)
    return start, end


def _when(request, name: str, *, end: bool) -> datetime | None:
    """A date (YYYY-MM-DD, a whole UTC day: `_to` includes it) or an ISO 8601 datetime (UTC if no offset)."""
    raw = query(request, name, max_length=40)
    if raw is None:
        return None
    try:
        day = parse_date(raw)
        moment = None if day else parse_datetime(raw)
    except ValueError:
        day = moment = None
    if day is not None:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    if moment is None:
        raise InvalidValue(f"{name} must be a date (2026-12-31) or an ISO 8601 datetime", field=name)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cursor(raw: str | None) -> tuple[datetime, str] | None:
    """`next` of the previous page: microseconds since the epoch, a dot, a chat id."""
    if raw is None:
        return None
    micros, _, chat_id = raw.partition(".")
    if not micros.isdigit() or len(micros) > 18 or not ids.is_chat_id(chat_id):
        raise BadId("before must be the `next` of a previous page", field="before")
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros)), chat_id
