from __future__ import annotations

from django.db import models

from apps.accounts.models import Organisation, Staff
from apps.core import ids
from apps.visitors.models import Visitor

# The columns of the reports' covering index: the range, then every column a report reads.
REPORT_INDEX = (
    "org",
    "created_at",
    "agent",
    "queue",
    "state",
    "offline",
    "missed",
    "ended_by",
    "accepted_at",
    "first_response_at",
    "ended_at",
    "message_count",
    "rating",
)


class Chat(models.Model):
    """A conversation between one visitor and any number of staff (seed 004 `chats`)."""

    REQUESTED, ACTIVE, AGENT_DONE, ENDED = "requested", "active", "agent_done", "ended"
    STATES = [(s, s) for s in (REQUESTED, ACTIVE, AGENT_DONE, ENDED)]

    id = models.CharField(primary_key=True, max_length=ids.CHAT_LEN, default=ids.new_chat_id, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="chats")
    creator = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="chats")
    owner = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=STATES, default=REQUESTED)
    queue = models.CharField(max_length=64, blank=True, default="")
    # FIFO key of the queue: when the chat (last) started waiting.
    waiting_since = models.DateTimeField(null=True, blank=True)
    # Opened while nobody could take chats (platform_closed): the visitor left a message for later.
    offline = models.BooleanField(default=False)
    # The visitor closed the chat window (client_left); cleared when they write again.
    visitor_left_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The visitor's rating (`rate`, 1-5), given once after agent_done or the end: a set `rating` is what
    # makes "once" a fact of the locked row (apps/chats/actions/rate.py).
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=1000, blank=True, default="")
    rated_at = models.DateTimeField(null=True, blank=True)
    # Facts for reports (apps/reports), each written once by the action that makes it true, so a report
    # reads one row per chat instead of the chat's messages. `accepted_at`/`agent`: the first staff
    # member to take the chat (join, assignment or transfer); the chat counts as theirs in reports.
    accepted_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The first text, file or image a staff member sent into the chat (apps/chats/actions/content.py).
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Set by end_chat: who ended it (user, staff or bot), whether it was still waiting for staff then
    # (missed), and its text, file and image messages (notes and events left out).
    # (Defaults in the database too: bulk loaders that write chats in SQL need not know these columns.)
    ended_by = models.CharField(max_length=8, blank=True, default="", db_default="")
    missed = models.BooleanField(default=False, db_default=False)
    message_count = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        indexes = [
            models.Index(fields=["org", "state", "waiting_since"]),
            models.Index(fields=["creator", "state"]),
            # History, search and reports read an org's chats by creation time (apps/chats/search.py).
            models.Index(fields=["org", "created_at"]),
            # Reports (apps/reports): one agent's, one queue's, and every chat of a range read from the index
            # alone. Each column a report sums is in `chat_report`: a year of 100,000 chats is then one index
            # range read instead of 100,000 row lookups (benchmark: 3x faster). These columns change a few
            # times in a chat's life, so the index costs little to keep.
            models.Index(fields=["org", "agent", "created_at"]),
            models.Index(fields=["org", "queue", "created_at"]),
            models.Index(fields=[*REPORT_INDEX], name="chat_report"),
        ]


class ChatMember(models.Model):
    """Who is in a chat (seed 004 `chat_user`); a left member keeps its row with `left_at`."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="members")
    uid = models.CharField(max_length=ids.VISITOR_LEN)
    role = models.CharField(max_length=8)  # user | staff | bot
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    # Read receipt: the member has read the chat up to this org sequence number (`read`).
    read_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chat", "uid"], name="chat_member_once")]
        indexes = [models.Index(fields=["uid", "left_at"])]


class Message(models.Model):
    """Every stored message and event: the durable log that push replays from.

    `seq` is the organisation's event sequence (see `apps.chats.sequence`): it
    is gapless and commits in order, so it is the resume cursor; `mid` (an
    xid) is only the public id.
    """

    PUBLIC, INTERNAL = "public", "internal"

    mid = models.CharField(primary_key=True, max_length=ids.MID_LEN, default=ids.new_mid, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    type = models.CharField(max_length=32)
    sender_id = models.CharField(max_length=ids.VISITOR_LEN)
    sender_role = models.CharField(max_length=8)
    sender_name = models.CharField(max_length=100, blank=True, default="")
    body = models.JSONField(default=dict)  # the type-specific fields: text, file, image, event...
    # public: every chat member; internal: staff and bots only.
    visibility = models.CharField(max_length=8, default=PUBLIC)
    # Also delivered to every staff member of the org (queue changes).
    to_staff = models.BooleanField(default=False)
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    client_msg_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # What the full-text index holds (apps/chats/searchtext.py): filled when a content message is
    # inserted, empty for events. A column of its own, not the JSON body, because MariaDB's FULLTEXT
    # indexes columns only and because extracting JSON in triggers would cost every insert.
    search_text = models.TextField(default="", db_default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "seq"], name="message_org_seq"),
            models.UniqueConstraint(fields=["org", "sender_id", "client_msg_id"], name="message_idempotency"),
            # On MariaDB this is the table's PRIMARY KEY, not an index of this name (migration 0007): InnoDB
            # stores rows in primary-key order, so a chat's messages lie together and reading a chat (its
            # history, a transcript, search's scan of the newest chats) reads a few pages, not a row each.
            # `mid`, the public id, is a unique key there. A later migration that alters this constraint
            # must do so by hand on MariaDB.
            models.UniqueConstraint(fields=["chat", "seq"], name="message_chat_seq"),
        ]
        indexes = [models.Index(fields=["org", "to_staff", "seq"])]


class OrgSequence(models.Model):
    """The per-organisation event counter. Deliberately no foreign key: a row
    lock here must not interact with FK share-locks on `Organisation`."""

    org_id = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
