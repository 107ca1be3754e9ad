"""An FTS5 trigram table for `Agreement.search_text`, for the list search, on SQLite only."""

from django.db import migrations

from accord.core.search_index import fts_index


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_agreement_search_trigram_index"),
    ]

    operations = [fts_index("agreements", "Agreement")]
