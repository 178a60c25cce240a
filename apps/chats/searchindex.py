"""The full-text index behind chat search, on each backend, and the SQL that asks it.

- MariaDB: an InnoDB FULLTEXT index on `chats_message.search_text`, kept in
  sync by InnoDB itself (visible at commit, like the row).
- SQLite (the embedded default): an FTS5 table with external content
  (`content='chats_message'`, so the text is stored once) kept in sync by
  triggers on the message table. Triggers, because content posts are inserted
  with raw multi-row SQL in the group commit (apps/chats/actions/content.py)
  and Django's cascade deletes bypass any Python hook.

Django rebuilds a SQLite table (copy, drop, rename) whenever a later migration
alters it, which drops its triggers and may renumber rowids: `ensure_index`
runs after every migrate and recreates and rebuilds the FTS table whenever a
trigger is missing, so such a migration can never leave search silently stale.
"""

from __future__ import annotations

# Named, not read from the model: migration 0005 imports this module and must not depend on today's model.
TABLE = "chats_message"
FTS = f"{TABLE}_fts"
MARIADB_INDEX = f"{TABLE}_search"
TRIGGERS = (f"{FTS}_ai", f"{FTS}_ad", f"{FTS}_au")

# unicode61 folds case and accents as apps/chats/searchtext.py already did; the tokens are its output.
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(search_text, content='{TABLE}', content_rowid='rowid',"
    " tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} WHEN new.search_text <> '' BEGIN"
    f" INSERT INTO {FTS}(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} WHEN old.search_text <> '' BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text ON {TABLE} BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, search_text) SELECT 'delete', old.rowid, old.search_text"
    " WHERE old.search_text <> '';"
    f" INSERT INTO {FTS}(rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text <> ''; END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS] + [f"DROP TABLE IF EXISTS {FTS}"]


def create(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_CREATE:
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
        elif connection.vendor == "mysql":
            cursor.execute(f"ALTER TABLE {TABLE} ADD FULLTEXT INDEX {MARIADB_INDEX} (search_text)")
        else:
            raise NotImplementedError(f"chat search supports SQLite and MariaDB, not {connection.vendor}")


def drop(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_DROP:
                cursor.execute(sql)
        elif connection.vendor == "mysql":
            # COPY, not in place: an in-place drop keeps InnoDB's hidden FTS_DOC_ID column, and on
            # MariaDB 10.11 rows inserted after that are then missing from a FULLTEXT index added later
            # (reproduced: docs/search.md). Copying removes the column; the next ADD rebuilds it.
            cursor.execute(f"ALTER TABLE {TABLE} DROP INDEX {MARIADB_INDEX}, ALGORITHM=COPY")


def ensure_index(using: str = "default", **_) -> None:
    """post_migrate: on SQLite, recreate the FTS table and its triggers if a table rebuild dropped them."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if not MigrationRecorder(connection).migration_qs.filter(app="chats", name="0005_search").exists():
        return  # the migration creates it
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{FTS}_a%"])
        if cursor.fetchone()[0] == len(TRIGGERS):
            return
    drop(connection)
    create(connection)


def match_sql(vendor: str, alias: str) -> str:
    """A WHERE condition on message alias `alias`: its text matches the one query parameter."""
    if vendor == "sqlite":
        return f"{alias}.rowid IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)"
    return f"MATCH({alias}.search_text) AGAINST (%s IN BOOLEAN MODE)"


def holds_sql(vendor: str, column: str) -> str:
    """A condition: `' ' || column` contains the one query parameter (made by `holds_param`), byte for byte.

    The same test as `needle in f" {text}"` in apps/chats/searchtext.py, done by the database so that
    a scan of many messages sends back only those that hold a term. Binary: the column's collation
    must not fold characters the tokeniser kept apart.
    """
    if vendor == "sqlite":
        return f"instr(' ' || {column}, %s) > 0"
    return f"CONCAT(' ', {column}) LIKE BINARY %s"


def holds_param(vendor: str, needle: str) -> str:
    if vendor == "sqlite":
        return needle
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
