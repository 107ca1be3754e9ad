from django.db import migrations, models

from accord.core.search_index import fts_index, without_fts_index

IMPORTED_FIELDS = ("name", "country", "website")


def record_what_the_list_gave(apps, schema_editor):
    """For each institution the world list created, what that import wrote, from its
    `institution.imported` audit event. Where the list or a person changed a field since,
    the field no longer holds that value, and the next import keeps it: an edit made in
    Accord is never lost, at the cost of a change in the list being skipped once."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("core", "AuditEvent")
    Institution = apps.get_model("institutions", "Institution")
    target_type = ContentType.objects.filter(
        app_label="institutions", model="institution"
    ).first()
    if target_type is None:
        return
    events = AuditEvent.objects.filter(
        target_type=target_type, action="institution.imported"
    ).values_list("target_id", "changes")
    given = {}
    for target_id, changes in events.iterator(chunk_size=2000):
        values = {
            name: (changes.get(name) or [None, ""])[1] or "" for name in IMPORTED_FIELDS
        }
        given[int(target_id)] = values
    # An institution deleted since has no row to update: the UPDATE matches none.
    institutions = [Institution(pk=pk, imported=values) for pk, values in given.items()]
    Institution.objects.bulk_update(institutions, ["imported"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("institutions", "0003_institution_search_fts"),
    ]

    # On SQLite, adding the column copies the table, which would leave the search index's
    # triggers behind.
    operations = [
        without_fts_index("institutions", "Institution"),
        migrations.AddField(
            model_name="institution",
            name="imported",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(record_what_the_list_gave, migrations.RunPython.noop),
        fts_index("institutions", "Institution"),
    ]
