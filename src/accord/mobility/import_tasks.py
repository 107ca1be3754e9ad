"""The background task that runs an uploaded mobility import."""

from django_tasks import task

from .importer.services import mobility_import_run


@task()
def run_mobility_import(import_id: int) -> str:
    """Check and write the import's file; its status and report say how it went."""
    return mobility_import_run(import_id=import_id)
