"""A trigram index on `Agreement.search_text`, on PostgreSQL only.

It serves the list search, `search_text LIKE '%term%'`, for terms of three characters or more.
SQLite has no trigram index; there the migration does nothing and the search reads the rows.
"""

from django.db import migrations

INDEX = "agreement_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("agreements", "Agreement")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    # The extension stays: other indexes (the institutions' one) may use it.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
