"""Server-side id generation (seed 004 id forms), from a cryptographic RNG.

Clients may send ids for lookup only; `is_*` checks reject malformed ones before
any query runs.
"""

from __future__ import annotations

import os
import re
import secrets
import string
import threading
import time
from datetime import UTC, datetime

ALNUM = string.digits + string.ascii_letters

STAFF_LEN, VISITOR_LEN, CHAT_LEN, MID_LEN, TRACK_LEN = 19, 23, 25, 20, 53


def random_alnum(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


def new_staff_id() -> str:
    return random_alnum(STAFF_LEN)


def new_visitor_id() -> str:
    return random_alnum(VISITOR_LEN)


# A chat id starts with the second it was made, in 7 lowercase base-36 digits (good until the year
# 4453), then 18 random characters (107 bits). MariaDB keeps a chat's messages together, keyed by
# (chat id, seq) (chats migration 0007): with the time first, the chats that are busy now lie together
# at the end of that key too, so sending writes to few pages and the newest chats, which search reads
# first, are read from few pages. Lowercase and digits only: they sort the same in any collation.
CHAT_STAMP_LEN = 7
_BASE36 = string.digits + string.ascii_lowercase


def new_chat_id() -> str:
    n, stamp = int(time.time()), ""
    for _ in range(CHAT_STAMP_LEN):
        n, digit = divmod(n, 36)
        stamp = _BASE36[digit] + stamp
    return stamp + random_alnum(CHAT_LEN - CHAT_STAMP_LEN)


def new_track_id(uid: str) -> str:
    """14-digit UTC timestamp + the user's id + random tail, 53 chars in all."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return stamp + uid + random_alnum(TRACK_LEN - 14 - len(uid))


# --- xid: 4-byte time, 3-byte machine, 2-byte pid, 3-byte counter, base32hex ---
_B32HEX = "0123456789abcdefghijklmnopqrstuv"
_machine = secrets.token_bytes(3)
_counter_lock = threading.Lock()
_counter = secrets.randbelow(1 << 24)


def new_mid() -> str:
    """A 20-char xid. Time-sortable to the second only: never used as a cursor."""
    global _counter
    with _counter_lock:
        _counter = (_counter + 1) & 0xFFFFFF
        count = _counter
    raw = (
        int(time.time()).to_bytes(4, "big")
        + _machine
        + (os.getpid() & 0xFFFF).to_bytes(2, "big")
        + count.to_bytes(3, "big")
    )
    n = int.from_bytes(raw, "big") << 4  # 96 bits -> 100 bits = 20 base32 digits
    return "".join(_B32HEX[(n >> (5 * i)) & 31] for i in range(19, -1, -1))


_ALNUM_RE = {n: re.compile(rf"[0-9A-Za-z]{{{n}}}") for n in (STAFF_LEN, VISITOR_LEN, CHAT_LEN)}
_MID_RE = re.compile(r"[0-9a-v]{20}")
_TRACK_RE = re.compile(r"\d{14}[0-9A-Za-z]{39}")


def _is(pattern: re.Pattern, value) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def is_staff_id(v) -> bool:
    return _is(_ALNUM_RE[STAFF_LEN], v)


def is_visitor_id(v) -> bool:
    return _is(_ALNUM_RE[VISITOR_LEN], v)


def is_user_id(v) -> bool:
    return is_staff_id(v) or is_visitor_id(v)


def is_chat_id(v) -> bool:
    return _is(_ALNUM_RE[CHAT_LEN], v)


def is_mid(v) -> bool:
    return _is(_MID_RE, v)


is_mid_id = is_mid  # the name validation.IdField("mid") looks up
is_bot_id = is_staff_id  # bots have staff-form ids


def is_track_id(v) -> bool:
    return _is(_TRACK_RE, v)
