"""A trigram index on `Agreement.search_text` for the list search, on PostgreSQL only."""

from django.db import migrations

from accord.core.search_index import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
    ]

    operations = [trigram_index("agreements", "Agreement", "agreement_search_trgm")]
