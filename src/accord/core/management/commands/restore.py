"""`accord restore FILE`: put back the database and the files of an `accord backup` archive."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from accord.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `accord backup`: the database as it was (into the same "
        "engine) and the uploaded files. The whole archive is checked first; a damaged one, "
        "or one of another engine or a newer Accord, is refused and nothing changes. Refuses "
        "a database that holds users, institutions or audit events unless --force is given, "
        "which replaces everything in it. A PostgreSQL database is restored with pg_restore "
        "(package postgresql-client). Stop the web and worker processes while restoring."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="An archive written by `accord backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace everything in a database that is already in use.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        try:
            result = backup_restore(
                source=source, database=options["database"], force=options["force"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Restored the database and {result.media_files} files from {source} "
                f"(written {result.created_at})."
            )
            if result.migrated:
                self.stdout.write("Then applied the migrations this Accord adds to it.")
