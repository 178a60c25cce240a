"""Messages stored in (chat, seq) order on MariaDB.

InnoDB stores a table's rows in primary-key order. With `mid` as the primary
key, a chat's messages were spread among every other chat's, so reading one
chat's messages through the (chat, seq) index cost a primary-key lookup per
message: most of a search's time (docs/search.md). The primary key is now
(chat_id, seq), which the (chat, seq) index it replaces already was in effect
(seq is unique in the org, so in the chat); `mid` stays the model's primary key
for Django and gets a unique key. Every message has a chat (nothing stores one
without), so `chat_id` becomes NOT NULL.

The table is copied once (about 30 s per million messages on a small machine);
message writes wait meanwhile. ALGORITHM=COPY also rebuilds the FULLTEXT
index cleanly (apps/chats/searchindex.py `drop` says why in place is unsafe).

SQLite has no clustered tables worth the change: there the operations below
run as written (a unique index replaces the index).
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "chats_message"
OLD_INDEX = "chats_messa_chat_id_28b40a_idx"  # 0001's Index(fields=["chat", "seq"])

TO_CLUSTERED = (
    f"ALTER TABLE {TABLE} MODIFY chat_id varchar(25) NOT NULL, DROP PRIMARY KEY, ADD PRIMARY KEY (chat_id, seq),"
    f" ADD UNIQUE KEY {TABLE}_mid (mid), DROP INDEX {OLD_INDEX}, ALGORITHM=COPY"
)
FROM_CLUSTERED = (
    f"ALTER TABLE {TABLE} DROP PRIMARY KEY, ADD PRIMARY KEY (mid), DROP INDEX {TABLE}_mid,"
    f" ADD INDEX {OLD_INDEX} (chat_id, seq), MODIFY chat_id varchar(25) NULL, ALGORITHM=COPY"
)


class UnlessMariaDB(migrations.SeparateDatabaseAndState):
    """`operations` for Django's state everywhere and for the schema on other databases; on MariaDB
    (and MySQL) the schema changes by one hand-written ALTER instead."""

    def __init__(self, sql, reverse_sql, operations):
        super().__init__(database_operations=operations, state_operations=operations)
        self.sql, self.reverse_sql, self.operations = sql, reverse_sql, operations

    def deconstruct(self):
        return (
            self.__class__.__name__,
            [],
            {"sql": self.sql, "reverse_sql": self.reverse_sql, "operations": self.operations},
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(self.sql)
        else:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(self.reverse_sql)
        else:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Store messages in (chat, seq) order (MariaDB's primary key)"


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0006_report_facts"),
    ]

    operations = [
        UnlessMariaDB(
            sql=TO_CLUSTERED,
            reverse_sql=FROM_CLUSTERED,
            operations=[
                migrations.RemoveIndex(model_name="message", name=OLD_INDEX),
                migrations.AlterField(
                    model_name="message",
                    name="chat",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="chats.chat"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="message",
                    constraint=models.UniqueConstraint(fields=("chat", "seq"), name="message_chat_seq"),
                ),
            ],
        ),
    ]
