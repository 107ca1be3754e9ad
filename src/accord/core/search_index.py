"""Trigram indexes that serve substring searches of `search_text`.

PostgreSQL: a GIN `pg_trgm` index, which serves `search_text LIKE '%term%'` itself.
SQLite (3.34 or later, with FTS5): an FTS5 table with the trigram tokenizer next to the
model's table, kept in step with it by triggers (whatever writes the rows: services, bulk
imports, `accord generate`), which a search asks for the ids of the rows whose `search_text`
contains the term (`fts_matches`).

Used by migrations: each operation does nothing on the other databases.
"""

import sqlite3
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import migrations
from django.db.models.expressions import RawSQL

# The trigram tokenizer indexes every run of three characters: shorter terms have none.
FTS_MIN_LENGTH = 3


def trigram_index(app_label: str, model_name: str, index_name: str) -> migrations.RunPython:
    """A migration operation creating (and, reversed, dropping) a GIN trigram index on the
    model's `search_text`, on PostgreSQL only."""

    def create(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model(app_label, model_name)._meta.db_table
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name} ON {schema_editor.quote_name(table)}"
            " USING gin (search_text gin_trgm_ops)"
        )

    def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
        # The extension stays: another app's index may use it.
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {index_name}")

    return migrations.RunPython(create, drop, elidable=False)


@cache
def sqlite_has_trigram_fts() -> bool:
    """Whether this process's SQLite has FTS5 with the trigram tokenizer (3.34 or later)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    try:
        with sqlite3.connect(":memory:") as probe:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text, tokenize='trigram')")
    except sqlite3.Error:
        return False
    return True


def fts_table(table: str) -> str:
    return f"{table}_fts"


def fts_index(app_label: str, model_name: str) -> migrations.RunPython:
    """A migration operation creating (and, reversed, dropping) the FTS5 trigram table of
    the model's `search_text`, with the triggers that keep it in step, on SQLite only.

    The table holds no copy of the text (`content=` the model's table). Its tokenizer is
    case-sensitive: `search_text` and the terms are lower-cased already, so that a phrase
    matches exactly the rows `LIKE '%term%'` does."""
    create, drop = _fts_create_and_drop(app_label, model_name)
    return migrations.RunPython(create, drop, elidable=False)


def without_fts_index(app_label: str, model_name: str) -> migrations.RunPython:
    """`fts_index` reversed: drops the FTS5 table and its triggers (and, reversed, creates
    them). SQLite adds most columns by copying the model's table into a new one, which
    leaves the triggers behind: a migration that alters the table drops the index first
    and ends with `fts_index`, which builds it again from the rows."""
    create, drop = _fts_create_and_drop(app_label, model_name)
    return migrations.RunPython(drop, create, elidable=False)


# What a RunPython operation runs: (apps, schema_editor) -> None.
_Step = Callable[[Any, Any], None]


def _fts_create_and_drop(app_label: str, model_name: str) -> tuple[_Step, _Step]:
    """The two steps of the model's FTS5 index: build it from the rows, and drop it."""

    def create(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "sqlite" or not sqlite_has_trigram_fts():
            return
        table = apps.get_model(app_label, model_name)._meta.db_table
        fts, quote = fts_table(table), schema_editor.quote_name
        # Only quoted table names go into the SQL, never a value.
        remove = "INSERT INTO {0}({0}, rowid, search_text) VALUES ('delete', old.id, {1});"
        remove = remove.format(quote(fts), "old.search_text")
        add = "INSERT INTO {}(rowid, search_text) VALUES (new.id, new.search_text);"
        add = add.format(quote(fts))
        for statement in (
            f"CREATE VIRTUAL TABLE {quote(fts)} USING fts5(search_text, content={quote(table)},"
            " content_rowid='id', tokenize='trigram case_sensitive 1')",
            f"CREATE TRIGGER {quote(fts + '_insert')} AFTER INSERT ON {quote(table)}"
            f" BEGIN {add} END",
            f"CREATE TRIGGER {quote(fts + '_delete')} AFTER DELETE ON {quote(table)}"
            f" BEGIN {remove} END",
            f"CREATE TRIGGER {quote(fts + '_update')} AFTER UPDATE OF id, search_text"
            f" ON {quote(table)} BEGIN {remove} {add} END",
            "INSERT INTO {0}({0}) VALUES ('rebuild')".format(quote(fts)),  # noqa: S608
        ):
            schema_editor.execute(statement)

    def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "sqlite":
            return
        table = apps.get_model(app_label, model_name)._meta.db_table
        fts, quote = fts_table(table), schema_editor.quote_name
        for suffix in ("_insert", "_delete", "_update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(fts + suffix)}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {quote(fts)}")

    return create, drop


def fts_usable(vendor: str, term: str) -> bool:
    """Whether `fts_matches` can answer for `term` on a database of `vendor`."""
    return vendor == "sqlite" and len(term) >= FTS_MIN_LENGTH and sqlite_has_trigram_fts()


def fts_matches(table: str, term: str) -> RawSQL:
    """The ids of the rows of `table` whose `search_text` contains `term` (at least three
    characters), read from its FTS5 trigram table: a subquery for `pk__in`."""
    fts = '"' + fts_table(table).replace('"', '""') + '"'
    # The term is a parameter, a phrase of FTS5's query syntax: matched as it is written.
    phrase = '"' + term.replace('"', '""') + '"'
    return RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", (phrase,))  # noqa: S608, S611
