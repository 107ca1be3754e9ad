"""`accord backup FILE`: the database and the uploaded files, in one .tar.gz archive.

The database is copied with its own engine's tools (SQLite's online backup, PostgreSQL's
pg_dump) in one consistent snapshot while Accord keeps serving; `accord.core.backup` says what
the archive holds. `accord restore FILE` puts it back.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from accord.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write the database and the uploaded files to FILE, a .tar.gz archive, from one "
        "consistent snapshot. Restore it with `accord restore FILE`. A PostgreSQL database "
        "is read with pg_dump (package postgresql-client)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The archive to write, e.g. accord-2025-06-01.tar.gz.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_write(target=Path(options["file"]), database=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Backed up the database and {result.media_files} files to {result.path} "
                f"({result.size:,} bytes)."
            )
