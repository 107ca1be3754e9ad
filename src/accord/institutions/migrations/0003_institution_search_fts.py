"""An FTS5 trigram table for `Institution.search_text`, for searches by name, on SQLite only."""

from django.db import migrations

from accord.core.search_index import fts_index


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0002_institution_search_trigram_index"),
    ]

    operations = [fts_index("institutions", "Institution")]
