"""The background task that runs an uploaded mobility import."""

from django_tasks import task

from .importer import services


@task()
def run_mobility_import(import_id: int) -> str:
    """Check and write the import's file; its status and report say how it went."""
    return services.mobility_import_run(import_id=import_id)


@task()
def mark_stale_imports_failed() -> int:
    """Mark failed the imports whose process stopped, and remove their temporary files; run
    once a day beside the other daily jobs (and whenever an import is looked at)."""
    return services.mark_stale_imports_failed()
