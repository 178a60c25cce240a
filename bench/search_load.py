"""Bulk-load an organisation's chat history for the search scenario (run inside Horn: `manage.py shell -c`).

Chats of `per_chat` messages spread over the past year, written with multi-row
INSERTs (as the growth scenario does) in transactions of a few thousand rows.
The text is drawn from a Zipf-distributed made-up vocabulary, so word
frequencies look like a real support desk's (a few words everywhere, most
words rare), plus planted words of known frequency that the searches ask for:

    order      ~10% of messages     (a very common word)
    refund     ~1%                  (a common word)
    invoice    ~0.2%                (an uncommon word)
    zebracorn  20 messages in all   (a rare word)
    退款        ~1% (Chinese, no spaces)

The FULLTEXT index is dropped while loading and built once at the end: InnoDB
builds it in one sort far faster than it maintains it row by row, which is
what an operator importing history would do too. Its build time is reported.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import orjson
from django.db import connection, transaction
from django.utils import timezone

from apps.chats import searchindex
from apps.chats.models import OrgSequence
from apps.chats.searchtext import index_text
from apps.core import ids

PLANTED = [("order", 0.10), ("refund", 0.01), ("invoice", 0.002)]
CJK = "我想申请退款，订单号"
RARE = "zebracorn"
RARE_COUNT = 20
BATCH_CHATS = 500  # x per_chat messages per transaction: big enough to be quick, small enough for the redo log


def vocabulary(rng: random.Random, n: int = 5000) -> tuple[list[str], list[float]]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "dra", "qui", "ben", "hol", "mar"]
    words: list[str] = []
    seen = {w for w, _ in PLANTED} | {RARE}
    while len(words) < n:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    weights = [1 / (i + 1) for i in range(n)]  # Zipf: the k-th word is 1/k as frequent as the first
    total, cum = 0.0, []
    for w in weights:
        total += w
        cum.append(total)
    return words, cum


def sentence(rng: random.Random, words: list[str], cum: list[float], rare: bool) -> str:
    if rare:
        return f"the {RARE} pattern again"
    if rng.random() < 0.01:
        return f"{CJK}{rng.randint(10000, 99999)}"
    picked = rng.choices(words, cum_weights=cum, k=rng.randint(5, 14))
    for word, p in PLANTED:
        if rng.random() < p:
            picked.insert(rng.randrange(len(picked) + 1), word)
    return " ".join(picked).capitalize() + "."


CHAT_SQL = (
    "INSERT INTO chats_chat (id, org_id, creator_id, owner_id, state, queue, offline, created_at, ended_at,"
    " rating, rating_comment, rated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
VISITOR_SQL = (
    "INSERT INTO visitors_visitor (vid, org_id, fp, name, created_at, last_seen_at, visit_started_at, customer_id,"
    " customer_email, customer_name, customer_verified) VALUES (%s, %s, '', '', %s, %s, %s, %s, '', '', 0)"
)
MEMBER_SQL = (
    "INSERT INTO chats_chatmember (chat_id, uid, role, joined_at, left_at, read_seq) VALUES (%s, %s, %s, %s, %s, 0)"
)
MESSAGE_SQL = (
    "INSERT INTO chats_message (mid, org_id, seq, chat_id, type, sender_id, sender_role, sender_name, body,"
    " visibility, to_staff, client_msg_id, client_msg_hash, created_at, search_text)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, NULL, '', %s, %s)"
)


def load(
    org_id: int, staff_ids: list[str], messages: int, per_chat: int = 20, seed: int = 7, fulltext: bool = True
) -> dict:
    """Load `messages` messages in chats of `per_chat`; returns counts and timings.

    `fulltext=False` leaves the search index dropped (a scenario that never searches saves its build).
    """
    rng = random.Random(seed)
    words, cum = vocabulary(rng)
    rare_every = max(1, messages // RARE_COUNT)
    chats = max(1, messages // per_chat)
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    span = timedelta(days=365)
    started = time.perf_counter()
    mysql = connection.vendor == "mysql"
    if mysql:
        searchindex.drop(connection)
    n = 0
    for start in range(0, chats, BATCH_CHATS):
        k = min(BATCH_CHATS, chats - start)
        visitors, chat_rows, members, rows = [], [], [], []
        with transaction.atomic():
            seq = OrgSequence.objects.select_for_update().get(org_id=org_id)
            for c in range(start, start + k):
                vid, chat_id, sid = ids.new_visitor_id(), ids.new_chat_id(), rng.choice(staff_ids)
                at = now - span + span * (c / chats)
                ended = at + timedelta(seconds=per_chat * 30)
                customer = f"cust-{c % 5000}" if c % 3 == 0 else ""  # a third are identified customers
                rated = rng.random() < 0.3
                visitors.append((vid, org_id, adapt(at), adapt(at), adapt(at), customer))
                chat_rows.append(
                    (
                        chat_id,
                        org_id,
                        vid,
                        sid,
                        "ended",
                        rng.choice(["", "sales", "support", "billing"]),
                        False,
                        adapt(at),
                        adapt(ended),
                        rng.randint(1, 5) if rated else None,
                        "",
                        adapt(ended) if rated else None,
                    )
                )
                members += [
                    (chat_id, vid, "user", adapt(at), adapt(ended)),
                    (chat_id, sid, "staff", adapt(at), adapt(ended)),
                ]
                for j in range(per_chat):
                    n += 1
                    seq.seq += 1
                    text = sentence(rng, words, cum, n % rare_every == 0)
                    staff_side = j % 2 == 1
                    kind = "note" if staff_side and rng.random() < 0.05 else "text"
                    sender = (sid, "staff", "Agent") if staff_side else (vid, "user", "")
                    rows.append(
                        (
                            ids.new_mid(),
                            org_id,
                            seq.seq,
                            chat_id,
                            kind,
                            *sender,
                            orjson.dumps({"text": text}).decode(),
                            "internal" if kind == "note" else "public",
                            adapt(at + timedelta(seconds=j * 30)),
                            index_text(text),
                        )
                    )
            with connection.cursor() as cur:
                cur.executemany(VISITOR_SQL, visitors)
                cur.executemany(CHAT_SQL, chat_rows)
                cur.executemany(MEMBER_SQL, members)
                for i in range(0, len(rows), 2000):  # one statement stays under max_allowed_packet
                    cur.executemany(MESSAGE_SQL, rows[i : i + 2000])
            seq.save()
    loaded = time.perf_counter()
    if mysql and fulltext:
        searchindex.create(connection)
    # Fresh statistics for every table loaded, as an operator would after an import: with the chat and
    # member tables' still from before the load, MariaDB chose a plan for the staff filter that read all
    # of one agent's 10,000 chats (186 ms instead of 11).
    with connection.cursor() as cur:
        cur.execute(
            "ANALYZE TABLE chats_message, chats_chat, chats_chatmember, visitors_visitor" if mysql else "ANALYZE"
        )
        cur.fetchall()
    return {
        "messages": n,
        "chats": chats,
        "load_s": round(loaded - started, 1),
        "index_build_s": round(time.perf_counter() - loaded, 1),
    }
