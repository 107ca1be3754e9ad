"""A trigram index on `Institution.search_text` for searches by name, on PostgreSQL only."""

from django.db import migrations

from accord.core.search_index import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0001_initial"),
    ]

    operations = [trigram_index("institutions", "Institution", "institution_search_trgm")]
