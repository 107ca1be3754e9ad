"""`accord restore FILE`: load an archive written by `accord backup` into an empty database."""

import json
import tarfile
import tempfile
import warnings
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader

from accord.core.management.commands.backup import DATA, FORMAT, MANIFEST, MEDIA
from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution

# A database holding any of these has been used: restoring over it would mix two histories.
IN_USE = (User, Institution, AuditEvent)


def _safe_media_name(name: str) -> str | None:
    """The storage name of an archive member under media/, or None if it points elsewhere."""
    relative = PurePosixPath(name[len(MEDIA) :])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return str(relative)


class Command(BaseCommand):
    help = (
        "Restore an archive written by `accord backup`: migrates the database, loads the data "
        "and puts back the uploaded files. Refuses to write over a database that holds users, "
        "institutions or audit events unless --force is given, which first deletes everything "
        "in it. Restore with the same Accord version that wrote the backup, then upgrade."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="An archive written by `accord backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete everything in the database before restoring into it.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into."
        )

    def handle(self, *args: str, **options: object) -> None:
        source = Path(str(options["file"]))
        database = str(options["database"])
        verbose = int(options.get("verbosity", 1)) > 0  # type: ignore[call-overload]
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        try:
            with (
                tarfile.open(source, "r:gz") as tar,
                tempfile.TemporaryDirectory(prefix="accord-restore-") as tmp,
            ):
                manifest = self._manifest(tar, source)
                call_command("migrate", database=database, interactive=False, verbosity=0)
                self._check_migrations(manifest, database)
                if self._in_use(database) and not options["force"]:
                    raise CommandError(
                        "The database already holds users, institutions or audit events. "
                        "Restore into an empty database, or give --force to delete "
                        "everything in this one first."
                    )
                fixture = self._extract_data(tar, Path(tmp), source)
                # One transaction: if loading fails, the database is as it was.
                with transaction.atomic(using=database), warnings.catch_warnings():
                    # The backup of an empty database holds no rows: nothing to warn about.
                    warnings.filterwarnings("ignore", "No fixture data found", RuntimeWarning)
                    call_command("flush", database=database, interactive=False, verbosity=0)
                    call_command("loaddata", str(fixture), database=database, verbosity=0)
                restored = self._restore_media(tar)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise CommandError(f"Restoring from {source} failed: {exc}") from exc
        if verbose:
            self.stdout.write(
                f"Restored the database and {restored} files from {source} "
                f"(written {manifest.get('created_at', '?')})."
            )

    def _manifest(self, tar: tarfile.TarFile, source: Path) -> dict:
        try:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member is not None else None
        except (KeyError, ValueError, tarfile.TarError) as exc:
            raise CommandError(f"{source} is not an Accord backup (no {MANIFEST}).") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise CommandError(f"{source} is a backup in a format this Accord cannot read.")
        return manifest

    def _extract_data(self, tar: tarfile.TarFile, directory: Path, source: Path) -> Path:
        try:
            data = tar.extractfile(DATA)
        except KeyError:
            data = None
        if data is None:
            raise CommandError(f"{source} has no {DATA}: it is not an Accord backup.")
        fixture = directory / DATA
        with fixture.open("wb") as out:
            while chunk := data.read(1 << 20):
                out.write(chunk)
        return fixture

    def _check_migrations(self, manifest: dict, database: str) -> None:
        known = set(
            MigrationLoader(connections[database], ignore_no_migrations=True).disk_migrations
        )
        unknown = [
            f"{app}.{name}"
            for app, names in manifest.get("migrations", {}).items()
            for name in names
            if (app, name) not in known
        ]
        if unknown:
            raise CommandError(
                "The backup comes from a newer or different Accord: this one lacks the "
                f"migrations {', '.join(unknown[:5])}. Install the version that wrote it."
            )

    def _in_use(self, database: str) -> bool:
        return any(model._base_manager.using(database).exists() for model in IN_USE)

    def _restore_media(self, tar: tarfile.TarFile) -> int:
        restored = 0
        for member in tar:
            if not member.isfile() or not member.name.startswith(MEDIA):
                continue
            name = _safe_media_name(member.name)
            handle = tar.extractfile(member)
            if name is None or handle is None:
                continue
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, File(handle, name=name))
            restored += 1
        return restored
