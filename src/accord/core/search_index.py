"""Trigram indexes that let PostgreSQL serve `search_text LIKE '%term%'`; SQLite has none.

Used by migrations: the operation does nothing on other databases, where the search reads
the rows.
"""

from django.db import migrations


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
