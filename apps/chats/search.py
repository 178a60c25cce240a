"""Reads for the console's History view: find an org's chats, and a chat's whole transcript.

A search finds the matching chats by one of three plans, chosen by how common
the words are (`_with_text`): the newest chats' messages checked by the
database, or the full-text index (apps/chats/searchindex.py). It reads the
page of chats (newest first, keyset paginated on (created_at, id)), then a
bounded read of those chats' recent searchable messages that hold the words,
highlighted here with the same tokeniser the index was fed
(apps/chats/searchtext.py). A token check (`holds_sql`, a binary substring
test) only ever runs on the messages of chats already chosen, a bounded read:
no query scans the message table for text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL

from apps.accounts.auth import Caller
from apps.accounts.models import Staff
from apps.core.errors import NotFound

from .actions.common import to_payload
from .models import Chat, ChatMember, Message
from .searchindex import holds_param, holds_sql, match_sql
from .searchtext import Term, match_spans, message_text, might_match, needles, segments
from .selectors import rating_of

# Per chat on a page: the searchable messages read to find snippets in (the latest ones; a hit
# further back still lists the chat, without a snippet), and the snippets shown.
SNIPPET_SCAN = 200
SNIPPETS_PER_CHAT = 3
SEARCHABLE = ("text", "note", "info", "file")


@dataclass(frozen=True, slots=True)
class ChatQuery:
    """A validated search (apps/chats/search_views.py parses it from the query string)."""

    terms: list[Term] = field(default_factory=list)
    visitor: str | None = None
    customer: str | None = None
    staff: str | None = None
    queue: str | None = None
    states: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive
    ended_from: datetime | None = None
    ended_to: datetime | None = None  # exclusive
    before: tuple[datetime, str] | None = None  # keyset cursor: (created_at, id) of the last chat shown
    limit: int = 20


def fts_expression(terms: list[Term]) -> str:
    """The engine's query for `terms`: every term must occur in one message."""
    if connection.vendor == "sqlite":
        return " AND ".join(t.fts5() for t in terms)
    return " ".join(t.innodb() for t in terms)


def search_chats(caller: Caller, q: ChatQuery) -> dict:
    chats = Chat.objects.filter(org_id=caller.org_id)
    if q.states:
        chats = chats.filter(state__in=q.states)
    if q.queue is not None:
        chats = chats.filter(queue=q.queue)
    if q.visitor:
        chats = chats.filter(creator_id=q.visitor)
    if q.customer:
        chats = chats.filter(creator__customer_id=q.customer, creator__org_id=caller.org_id)
    if q.staff:
        took_part = ChatMember.objects.filter(uid=q.staff).values("chat_id")
        chats = chats.filter(pk__in=took_part)
    if q.created_from:
        chats = chats.filter(created_at__gte=q.created_from)
    if q.created_to:
        chats = chats.filter(created_at__lt=q.created_to)
    if q.ended_from:
        chats = chats.filter(ended_at__gte=q.ended_from)
    if q.ended_to:
        chats = chats.filter(ended_at__lt=q.ended_to)
    if q.before:
        at, chat_id = q.before
        chats = chats.filter(created_at__lte=at).exclude(created_at=at, pk__gte=chat_id)
    if q.terms:
        chats = _with_text(caller.org_id, chats, q.terms, q.limit + 1)
    # The page's ids first, then its rows with their visitors: joined in one query, the visitor table
    # led MariaDB to start from the other side of a filter (all of one agent's 10,000 chats, sorted,
    # 120-190 ms) instead of reading the newest chats until the page is full (11 ms).
    ids = list(chats.order_by("-created_at", "-pk").values_list("pk", flat=True)[: q.limit + 1])
    rows = Chat.objects.select_related("creator").in_bulk(ids)
    page = [rows[pk] for pk in ids]
    more, page = len(page) > q.limit, page[: q.limit]
    staff = _staff_of([c.pk for c in page])
    hits = _hits([c.pk for c in page], q.terms) if q.terms else {}
    rows = [_chat_row(c, staff.get(c.pk, []), hits.get(c.pk)) for c in page]
    last = page[-1] if more else None
    return {"chats": rows, "next": cursor_of(last) if last else ""}


# Three plans, chosen by how common the words are, all giving the same pages (tests force each):
# 1. Read the newest chats (that pass the other filters) in growing batches, and have the database
#    check their messages' indexed tokens. A common word fills a page within a few dozen chats.
#    Asking InnoDB first would not: it decodes a word's whole doclist before the first row (88 ms
#    for a word in 10% of 1,000,000 messages, even with a LIMIT). Once SCAN_BEFORE_PROBE chats are
#    read, the hits so far tell how many chats the page needs: if that is at most SCAN_MAX, reading
#    on is cheaper than any probe (the newest messages lie together and stay cached; a probe's
#    matches are spread over the whole table), so the reading goes on in batches sized to finish.
# 2. Otherwise (no hit yet, or too few) ask the index for up to PROBE messages with the rarest word:
#    if that is all of them, their chats are the whole answer (a short IN list; cheap, because the
#    word is rare).
# 3. Otherwise keep reading newest chats, up to SCAN_MAX, and past that ask the index for every
#    match after all (a common word that the other filters make rare).
SCAN_FIRST, SCAN_BEFORE_PROBE, PROBE, SCAN_MAX = 50, 250, 2000, 2000
SCAN_BATCH_MAX = 1000  # chats per read: the IN list stays short enough for any SQLite build
# Once there are hits, a batch is this share of the chats that the hits so far say are still needed:
# an extra read costs about a millisecond, reading past the page costs every row read.
SCAN_STEP = 0.5


def _with_text(org_id: int, chats, terms: list[Term], want: int):
    """`chats` narrowed to those with a message matching `terms` (as a queryset, still unordered)."""
    scan = _NewestScan(chats, terms, want)
    if scan.run(SCAN_BEFORE_PROBE):
        return chats.filter(pk__in=scan.found)
    if scan.found and scan.projected() <= SCAN_MAX and scan.run(SCAN_MAX):
        return chats.filter(pk__in=scan.found)
    # The index is asked for the rarest word only (rarest in the chats just read): InnoDB decodes the
    # whole doclist of every word it is given, so "refund order" must not make it read "order"'s.
    rarest = min(terms, key=lambda t: scan.seen[t])
    rows = _probe(org_id, rarest)
    if len(rows) <= PROBE:  # every message with the rarest word: those with all words are the answer
        return chats.filter(pk__in={chat_id for chat_id, text in rows if might_match(text, terms)})
    if scan.run(SCAN_MAX):
        return chats.filter(pk__in=scan.found)
    match = match_sql(connection.vendor, "m")
    sql = f"SELECT m.chat_id FROM {Message._meta.db_table} m WHERE m.org_id = %s AND {match}"
    # Complete, and as slow as the words are common.
    return chats.filter(pk__in=RawSQL(sql, [org_id, fts_expression(terms)]))


def _probe(org_id: int, term: Term) -> list[tuple[str, str]]:
    """Up to PROBE + 1 messages holding `term`, from the full-text index: (chat id, indexed text)."""
    match = match_sql(connection.vendor, "m")
    probe = f"SELECT m.chat_id, m.search_text FROM {Message._meta.db_table} m WHERE m.org_id = %s AND {match}"
    with connection.cursor() as cursor:
        cursor.execute(f"{probe} LIMIT {PROBE + 1}", [org_id, fts_expression([term])])
        return cursor.fetchall()


class _NewestScan:
    """The newest chats with a message whose indexed tokens hold every term, read in growing batches."""

    def __init__(self, chats, terms: list[Term], want: int):
        self.after, self.terms, self.want = chats.order_by("-created_at", "-pk"), terms, want
        self.found: list[str] = []
        self.scanned, self.batch = 0, SCAN_FIRST
        self.seen = dict.fromkeys(terms, 0)  # messages read holding each term: which word is rarest
        # One read per batch: the database tests the tokens. While the chats read are still few enough
        # for a probe to follow (SCAN_BEFORE_PROBE), it sends back the messages that hold some term,
        # with which terms they hold, so that the probe can ask for the rarest word; after that, and
        # for one word, only the chats with a message that holds them all.
        holds = [_holds_all([t], "m.search_text") for t in terms]
        self.held_params = [p for _, params in holds for p in params]
        held = [sql for sql, _ in holds]
        kinds = ", ".join(f"'{t}'" for t in SEARCHABLE)
        scope = (
            f"FROM {Message._meta.db_table} m"
            f" WHERE m.chat_id IN ({{ids}}) AND m.type IN ({kinds}) AND m.search_text <> ''"
        )
        self.counting_sql = f"SELECT m.chat_id, {', '.join(held)} {scope} AND ({' OR '.join(held)})"
        self.matching_sql = f"SELECT DISTINCT m.chat_id {scope} AND {' AND '.join(held)}"

    def projected(self) -> float:
        """How many chats in all the page is expected to need, at the rate of hits so far."""
        return self.scanned * self.want / len(self.found) if self.found else float("inf")

    def run(self, budget: int) -> bool:
        """Read on until `budget` chats in all; True once the answer is known (a page, or every chat read)."""
        while self.scanned < budget:
            if self.found:  # the hits so far tell how many more chats the page needs
                needed = (self.want - len(self.found)) * self.scanned / len(self.found)
                self.batch = max(SCAN_FIRST, int(needed * SCAN_STEP))
            rows = list(
                self.after.values_list("pk", "created_at")[: min(self.batch, budget - self.scanned, SCAN_BATCH_MAX)]
            )
            if not rows:
                return True
            ids = [pk for pk, _ in rows]
            marks = ", ".join(["%s"] * len(ids))
            with connection.cursor() as cursor:
                if len(self.terms) > 1 and self.scanned < SCAN_BEFORE_PROBE:
                    cursor.execute(self.counting_sql.format(ids=marks), [*self.held_params, *ids, *self.held_params])
                    hit = set()
                    for chat_id, *held in cursor.fetchall():
                        for term, holds in zip(self.terms, held, strict=True):
                            self.seen[term] += bool(holds)
                        if all(held):
                            hit.add(chat_id)
                else:
                    cursor.execute(self.matching_sql.format(ids=marks), [*ids, *self.held_params])
                    hit = {chat_id for (chat_id,) in cursor.fetchall()}
            self.found += [pk for pk in ids if pk in hit]
            if len(self.found) >= self.want:
                self.found = self.found[: self.want]
                return True
            self.scanned += len(rows)
            pk, at = rows[-1]
            self.after = self.after.filter(created_at__lte=at).exclude(created_at=at, pk__gte=pk)
            self.batch *= 2
        return False


def _holds_all(terms: list[Term], column: str) -> tuple[str, list[str]]:
    """A condition that `column` (a message's search_text) holds every term's tokens, as `might_match`
    checks in Python, and its parameters (apps/chats/searchindex.py `holds_sql`)."""
    vendor = connection.vendor
    tokens = [needle for term in terms for needle in needles(term)]
    return "(" + " AND ".join(holds_sql(vendor, column) for _ in tokens) + ")", [holds_param(vendor, n) for n in tokens]


def cursor_of(chat: Chat) -> str:
    # Exact integer microseconds (a float timestamp can be off by one and skip or repeat a chat).
    micros = (chat.created_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return f"{micros}.{chat.pk}"


def _staff_of(chat_ids: list[str]) -> dict[str, list[dict]]:
    """Who of the staff took part in each chat, in the order they joined, with their names."""
    found: dict[str, list[str]] = {}
    members = ChatMember.objects.filter(chat_id__in=chat_ids, role="staff").order_by("joined_at", "pk")
    for chat_id, uid in members.values_list("chat_id", "uid"):
        if uid not in found.setdefault(chat_id, []):
            found[chat_id].append(uid)
    sids = {sid for sids in found.values() for sid in sids}
    names = dict(Staff.objects.filter(sid__in=sids).values_list("sid", "name"))
    return {chat_id: [{"id": sid, "name": names.get(sid, "")} for sid in sids] for chat_id, sids in found.items()}


def _hits(chat_ids: list[str], terms: list[Term]) -> dict[str, tuple[list[dict], bool]]:
    """The matching messages among each chat's latest SNIPPET_SCAN searchable ones, newest first."""
    if not chat_ids:
        return {}
    table = Message._meta.db_table
    kinds = ", ".join(f"'{t}'" for t in SEARCHABLE)
    # One backward range read of the (chat, seq) index per chat, as recent_messages does, keeping only
    # the ids of messages whose tokens hold every term; then those rows, plain, not models: this runs
    # for every search. Two reads, because a derived table with the TEXT columns would be written to
    # disk by MariaDB (about 35 ms for a page of 20 chats; a few ms this way).
    holds, params = _holds_all(terms, "search_text")
    branch = (
        f"SELECT mid FROM (SELECT mid, {holds} AS hit FROM {table} WHERE chat_id = %s AND type IN ({kinds})"
        f" AND search_text <> '' ORDER BY seq DESC LIMIT {SNIPPET_SCAN}) AS s{{n}} WHERE hit = 1"
    )
    sql = " UNION ALL ".join(branch.format(n=n) for n in range(len(chat_ids)))
    columns = "chat_id, seq, mid, type, sender_id, sender_role, sender_name, body, visibility, created_at"
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for chat_id in chat_ids for p in (*params, chat_id)])
        mids = [mid for (mid,) in cursor.fetchall()]
        if not mids:
            return {}
        cursor.execute(f"SELECT {columns} FROM {table} WHERE mid IN ({', '.join(['%s'] * len(mids))})", mids)
        rows = cursor.fetchall()
    found: dict[str, list[dict]] = {}
    convert, field = connection.ops.convert_datetimefield_value, Message._meta.get_field("created_at")
    for chat_id, _, mid, type_, sender_id, role, name, body, visibility, created_at in sorted(
        rows, key=lambda r: -r[1]
    ):
        if len(found.get(chat_id, ())) > SNIPPETS_PER_CHAT:
            continue  # enough to show, and to know there are more: the rest are not highlighted
        text = message_text(type_, orjson.loads(body) if isinstance(body, str | bytes) else body)
        spans = match_spans(text, terms)
        if spans is None:
            continue
        created_at = convert(created_at, field, connection)  # raw rows: naive on MariaDB, text on SQLite
        hit = {
            "mid": mid,
            "type": type_,
            "from": {"id": sender_id, "name": name, "role": role},
            "internal": visibility == Message.INTERNAL,
            "t": int(created_at.timestamp()),
            "segments": segments(text, spans),
        }
        found.setdefault(chat_id, []).append(hit)
    return {chat_id: (hits[:SNIPPETS_PER_CHAT], len(hits) > SNIPPETS_PER_CHAT) for chat_id, hits in found.items()}


def _chat_row(chat: Chat, staff: list[dict], hits: tuple[list[dict], bool] | None) -> dict:
    row = {
        "id": chat.pk,
        "visitor": {"id": chat.creator_id, "customer_id": chat.creator.customer_id},
        "staff": staff,
        "owner": chat.owner_id or "",
        "queue": chat.queue,
        "state": chat.state,
        "offline": chat.offline,
        "created_at": int(chat.created_at.timestamp()),
        "ended_at": int(chat.ended_at.timestamp()) if chat.ended_at else None,
        "hits": hits[0] if hits else [],
        "more_hits": hits[1] if hits else False,
    }
    if chat.rating is not None:
        row["rating"] = rating_of(chat)
    return row


# --- transcript -------------------------------------------------------------------------------


def transcript(caller: Caller, chat_id: str) -> tuple[dict, list[dict], bool]:
    """A chat of the caller's org with every message, oldest first (notes marked internal), and
    whether it was cut at HORN_TRANSCRIPT_MAX_MESSAGES."""
    chat = Chat.objects.filter(pk=chat_id, org_id=caller.org_id).select_related("creator").first()
    if chat is None:
        raise NotFound("chat not found", field="chat")
    cap = settings.HORN_TRANSCRIPT_MAX_MESSAGES
    rows = list(Message.objects.filter(chat_id=chat_id).order_by("seq")[: cap + 1])
    msgs = [{**to_payload(m), "internal": m.visibility == Message.INTERNAL} for m in rows[:cap]]
    return _chat_row(chat, _staff_of([chat_id]).get(chat_id, []), None), msgs, len(rows) > cap


def transcript_text(chat: dict, msgs: list[dict], cut: bool) -> str:
    """The plain-text transcript: one line per message, times in UTC, notes marked [internal note]."""
    lines = [
        f"Chat {chat['id']}",
        f"Visitor: {chat['visitor']['id']}"
        + (f" (customer {chat['visitor']['customer_id']})" if chat["visitor"]["customer_id"] else ""),
        f"Queue: {chat['queue'] or 'default'}    State: {chat['state']}",
        f"Started: {_utc(chat['created_at'])}" + (f"    Ended: {_utc(chat['ended_at'])}" if chat["ended_at"] else ""),
    ]
    if "rating" in chat:
        comment = chat["rating"]["comment"]
        lines.append(f"Rating: {chat['rating']['score']}/5" + (f" — {comment}" if comment else ""))
    lines.append("")
    for m in msgs:
        who = m["from"]["name"] or m["from"]["id"]
        stamp = f"[{_utc(m['t']['t0'])}] {who} ({m['from']['role']})"
        lines.append(f"{stamp}: {_describe(m)}")
    if cut:
        lines.append(f"(cut at {len(msgs)} messages)")
    return "\n".join(lines) + "\n"


def _describe(m: dict) -> str:
    kind = m["type"]
    if kind in ("text", "info"):
        return m.get("text", "")
    if kind == "note":
        return f"[internal note] {m.get('text', '')}"
    if kind == "file":
        f = m.get("file") or {}
        return f"sent a file: {f.get('name', '')} {f.get('src', '')}".rstrip()
    if kind == "image":
        return f"sent an image: {(m.get('image') or {}).get('src', '')}"
    return f"* {kind.replace('_', ' ')}"


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
