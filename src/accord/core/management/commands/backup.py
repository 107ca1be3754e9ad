"""`accord backup FILE`: the database and the uploaded files, in one .tar.gz archive.

The archive holds `accord-backup.json` (what it is, and the database's migrations), `data.json`
(Django's `dumpdata`, with natural keys for content types and permissions) and `media/` (every
file in the default storage). It is read in one consistent snapshot of the database on SQLite and
PostgreSQL alike; `accord restore FILE` loads it into an empty database of the same Accord version.
"""

import importlib.metadata
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "accord-backup.json"
DATA = "data.json"
MEDIA = "media/"
# Rows that migrate recreates, or that mean nothing once restored elsewhere.
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "core.loginfailure",
]


def storage_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in `storage`, walking its directories."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for name in sorted(directories):
        yield from storage_files(storage, f"{directory}/{name}" if directory else name)


def _accord_version() -> str:
    try:
        return importlib.metadata.version("accord")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _modified(name: str) -> int:
    try:
        return int(default_storage.get_modified_time(name).timestamp())
    except (NotImplementedError, OSError):
        return int(timezone.now().timestamp())


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(content))


class Command(BaseCommand):
    help = (
        "Write the database and the uploaded files to FILE, a .tar.gz archive, from one "
        "consistent snapshot. Restore it with `accord restore FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The archive to write, e.g. accord-2025-06-01.tar.gz.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args: str, **options: object) -> None:
        target = Path(str(options["file"]))
        database = str(options["database"])
        if target.is_dir():
            raise CommandError(f"{target} is a directory; name the archive file to write.")
        if not target.parent.exists():
            raise CommandError(f"The directory {target.parent} does not exist.")
        connection = connections[database]
        partial = target.with_name(target.name + ".partial")
        with tempfile.TemporaryDirectory(prefix="accord-backup-") as tmp:
            data = Path(tmp) / DATA
            started_outside = not connection.in_atomic_block
            with transaction.atomic(using=database):
                if connection.vendor == "postgresql" and started_outside:
                    # Every table read from the same snapshot, while others keep writing.
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                migrations: dict[str, list[str]] = {}
                for app, name in (
                    MigrationRecorder(connection)
                    .migration_qs.order_by("app", "id")
                    .values_list("app", "name")
                ):
                    migrations.setdefault(app, []).append(name)
                call_command(
                    "dumpdata",
                    database=database,
                    natural_foreign=True,
                    exclude=EXCLUDED,
                    output=str(data),
                    verbosity=0,
                )
            files = list(storage_files(default_storage))
            manifest = {
                "format": FORMAT,
                "accord_version": _accord_version(),
                "created_at": timezone.now().isoformat(),
                "database_vendor": connection.vendor,
                "migrations": migrations,
                "media_files": len(files),
            }
            try:
                with tarfile.open(partial, "w:gz") as tar:
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                    tar.add(data, arcname=DATA)
                    for name in files:
                        info = tarfile.TarInfo(MEDIA + name)
                        info.size = default_storage.size(name)
                        info.mode = 0o600
                        info.mtime = _modified(name)
                        with default_storage.open(name, "rb") as handle:
                            tar.addfile(info, handle)
                os.chmod(partial, 0o600)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        if int(options.get("verbosity", 1)) > 0:  # type: ignore[call-overload]
            size = target.stat().st_size
            self.stdout.write(
                f"Backed up the database and {len(files)} files to {target} ({size:,} bytes)."
            )
