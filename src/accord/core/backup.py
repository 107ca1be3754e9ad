"""Backups of the database and the uploaded files in one archive, and their restore.

An archive is a gzipped tar holding, in this order:

- `manifest.json`: the archive's format, the database engine, the Accord version, when it was
  written, the migrations applied to the database, and the size and SHA-256 of every file after;
- `database.sqlite3` (a copy made with SQLite's online backup API) or `database.pgdump`
  (`pg_dump`'s custom format): each database's own tools, so every value comes back as it was;
- `media/...`: every file of the default storage.

Both directions stream: the database goes from the engine's own tool to a file beside the
archive and from there through the tar, never whole into memory. A restore reads the whole
archive into a staging directory and checks every file against the manifest before it touches
the database or the files; a damaged or foreign archive changes nothing.
"""

import gzip
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution

FORMAT = 2
MANIFEST = "manifest.json"
MEDIA = "media/"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The archive of an Accord before FORMAT 2, which held the database as one JSON document.
JSON_MANIFEST = "accord-backup.json"
CHUNK = 1 << 20
# Level 1 writes an archive about a tenth larger than the default 6, in a third of the time
# (measured on a SQLite database of a million mobilities: 30% of its size against 27%).
COMPRESSLEVEL = 1
# How long pg_restore waits for a table that another process holds, before it gives up.
LOCK_TIMEOUT = "60s"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    media_files: int


@dataclass(frozen=True)
class RestoreResult:
    media_files: int
    created_at: str
    migrated: bool


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


def accord_version() -> str:
    try:
        return importlib.metadata.version("accord")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    migrations: dict[str, list[str]] = {}
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return migrations
    for app, name in recorder.migration_qs.order_by("app", "id").values_list("app", "name"):
        migrations.setdefault(app, []).append(name)
    return migrations


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            f"Accord backs up SQLite and PostgreSQL databases, not {connection.vendor}."
        )
    return connection.vendor


def _outside_transaction(connection: BaseDatabaseWrapper) -> None:
    # Inside a transaction, the engine's tools would wait for locks that this one holds.
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a database transaction.")


# --- files and checksums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader(io.RawIOBase):
    """Reads `handle` while adding what it reads to a SHA-256, and counts it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _storage_checksum(name: str) -> dict[str, Any]:
    with default_storage.open(name, "rb") as handle:
        reader = _HashingReader(handle)
        while reader.read(CHUNK):
            pass
    return {"size": reader.size, "sha256": reader.digest.hexdigest()}


def _safe_relative(name: str) -> PurePosixPath | None:
    """`name` as a relative path that stays inside its directory, or None."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return path


# --- PostgreSQL's tools


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found. A PostgreSQL database is backed up and restored with "
            f"pg_dump and pg_restore: install the package postgresql-client (of the server's "
            f"major version or newer) and run this again."
        )
    return found


def _pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at the configured database."""
    params = connection.settings_dict
    options = params.get("OPTIONS") or {}
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", params.get("HOST")),
        ("PGPORT", params.get("PORT")),
        ("PGUSER", params.get("USER")),
        ("PGPASSWORD", params.get("PASSWORD")),
        ("PGSSLMODE", options.get("sslmode")),
        ("PGSSLROOTCERT", options.get("sslrootcert")),
        ("PGSSLCERT", options.get("sslcert")),
        ("PGSSLKEY", options.get("sslkey")),
        ("PGPASSFILE", options.get("passfile")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    finished = subprocess.run(  # noqa: S603 - a fixed tool and arguments, no shell
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, check=False,
    )  # fmt: skip
    if finished.returncode != 0:
        detail = finished.stderr.decode(errors="replace").strip()
        raise BackupError(f"{what} failed: {detail or f'exit status {finished.returncode}'}")


# --- backup


def _dump_sqlite(connection: BaseDatabaseWrapper, path: Path) -> None:
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        # One step: the copy is one consistent snapshot, while others go on writing (WAL).
        connection.connection.backup(copy)
        # A file that opens on its own, without a -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")


def _dump_postgresql(connection: BaseDatabaseWrapper, path: Path) -> None:
    # pg_dump reads every table in one snapshot; the tar's gzip compresses it once.
    command = [
        _pg_tool("pg_dump"), "--format=custom", "--compress=0", "--no-password",
        f"--file={path}", f"--dbname={connection.settings_dict['NAME']}",
    ]  # fmt: skip
    _run(command, _pg_env(connection), "pg_dump")


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(content))


def _add_checked(
    tar: tarfile.TarFile, name: str, handle: IO[bytes], expected: dict[str, Any]
) -> None:
    """Add `handle` as `name`, failing if it is no longer what the manifest says."""
    info = tarfile.TarInfo(name)
    info.size = expected["size"]
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    reader = _HashingReader(handle)
    changed = BackupError(f"{name} changed while it was backed up; run the backup again.")
    try:
        tar.addfile(info, reader)  # type: ignore[arg-type]
    except OSError as exc:
        if reader.size < info.size:  # it ended before the size the manifest says
            raise changed from exc
        raise
    if reader.digest.hexdigest() != expected["sha256"]:
        raise changed


def backup_write(*, target: Path, database: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write the database and every file of the default storage to the archive `target`."""
    if target.is_dir():
        raise BackupError(f"{target} is a directory; name the archive file to write.")
    if not target.parent.exists():
        raise BackupError(f"The directory {target.parent} does not exist.")
    connection = connections[database]
    engine = _engine(connection)
    database_file = DATABASE_FILES[engine]
    partial = target.with_name(target.name + ".partial")
    try:
        # The database's copy waits beside the archive, where there is room for the archive.
        with tempfile.TemporaryDirectory(prefix=".accord-backup-", dir=target.parent) as tmp:
            dump = Path(tmp) / database_file
            migrations = _applied_migrations(connection)
            if engine == "sqlite":
                _dump_sqlite(connection, dump)
            else:
                _dump_postgresql(connection, dump)
            files = {database_file: {"size": dump.stat().st_size, "sha256": _sha256(dump)}}
            media = list(storage_files(default_storage))
            for name in media:
                files[MEDIA + name] = _storage_checksum(name)
            manifest = {
                "format": FORMAT,
                "engine": engine,
                "accord_version": accord_version(),
                "created_at": timezone.now().isoformat(),
                "migrations": migrations,
                "files": files,
            }
            with tarfile.open(partial, "w:gz", compresslevel=COMPRESSLEVEL) as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                with dump.open("rb") as handle:
                    _add_checked(tar, database_file, handle, files[database_file])
                for name in media:
                    with default_storage.open(name, "rb") as handle:
                        _add_checked(tar, MEDIA + name, handle, files[MEDIA + name])
            os.chmod(partial, 0o600)
            os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"Writing {target} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=target, size=target.stat().st_size, media_files=len(media))


# --- restore


def _damaged(source: Path, detail: str) -> BackupError:
    return BackupError(
        f"{source} is damaged or not an Accord backup ({detail}). Nothing was changed."
    )


def _read_manifest(source: Path, member: tarfile.TarInfo, handle: IO[bytes] | None) -> dict:
    if member.name == JSON_MANIFEST:
        raise BackupError(
            f"{source} was written by an earlier Accord, which kept the database as one JSON "
            f"document; this version cannot read it. Restore it with the version that wrote "
            f"it, then back up again. Nothing was changed."
        )
    if member.name != MANIFEST or handle is None or member.size > 64 * CHUNK:
        raise _damaged(source, f"it does not begin with {MANIFEST}")
    try:
        manifest = json.loads(handle.read())
    except ValueError as exc:
        raise _damaged(source, f"{MANIFEST} is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} is a backup in a format this Accord cannot read "
            f"(format {manifest.get('format') if isinstance(manifest, dict) else '?'}, "
            f"this Accord reads {FORMAT}). Nothing was changed."
        )
    files = manifest.get("files")
    if manifest.get("engine") not in DATABASE_FILES or not isinstance(files, dict):
        raise _damaged(source, f"{MANIFEST} names no database engine or no files")
    if DATABASE_FILES[manifest["engine"]] not in files:
        raise _damaged(source, f"{MANIFEST} lists no database")
    return manifest


def _check_engine(manifest: dict, engine: str) -> None:
    if manifest["engine"] != engine:
        theirs, ours = ENGINE_NAMES[manifest["engine"]], ENGINE_NAMES[engine]
        raise BackupError(
            f"The backup holds a {theirs} database and this Accord uses {ours}: a backup is "
            f"restored into the same engine it came from. Point DATABASE_URL at a {theirs} "
            f"database to restore it. Nothing was changed."
        )


def _check_migrations(manifest: dict, connection: BaseDatabaseWrapper) -> None:
    known = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    migrations = manifest.get("migrations") or {}
    unknown = [
        f"{app}.{name}"
        for app, names in migrations.items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "The backup comes from a newer or different Accord: this one lacks the "
            f"migrations {', '.join(unknown[:5])}. Install the version that wrote it. "
            "Nothing was changed."
        )


def _in_use(connection: BaseDatabaseWrapper) -> bool:
    # A database holding any of these has been used: restoring over it would lose its history.
    tables = set(connection.introspection.table_names())
    return any(
        model._meta.db_table in tables and model._base_manager.using(connection.alias).exists()
        for model in (User, Institution, AuditEvent)
    )


def _stage(source: Path, manifest: dict, tar: tarfile.TarFile, directory: Path) -> None:
    """Copy every file after the manifest into `directory`, checking each against it."""
    files: dict[str, dict[str, Any]] = manifest["files"]
    seen: set[str] = set()
    while (member := tar.next()) is not None:
        name = member.name
        relative = _safe_relative(name)
        expected = files.get(name)
        if relative is None or expected is None or name in seen or not member.isfile():
            raise _damaged(source, f"it holds {name!r}, which its manifest does not list")
        if name != DATABASE_FILES[manifest["engine"]] and not name.startswith(MEDIA):
            raise _damaged(source, f"it holds {name!r}, which is not a database or media file")
        seen.add(name)
        handle = tar.extractfile(member)
        assert handle is not None  # a regular file always has contents
        staged = directory / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        reader = _HashingReader(handle)
        with staged.open("wb") as out:
            while chunk := reader.read(CHUNK):
                out.write(chunk)
        if reader.size != expected.get("size") or reader.digest.hexdigest() != expected.get(
            "sha256"
        ):
            raise _damaged(source, f"{name} does not match its checksum")
    missing = sorted(set(files) - seen)
    if missing:
        raise _damaged(source, f"{missing[0]} is missing")


def _restore_sqlite(connection: BaseDatabaseWrapper, staged: Path) -> None:
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(f"file:{staged}?mode=ro", uri=True)) as copy:
            # One step is one transaction on the live database: all of it, or nothing.
            copy.backup(connection.connection)
        # The whole database went through the write-ahead log; give its room back.
        connection.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(
            f"Restoring the database failed, and left it as it was: {exc}. Stop the web and "
            f"worker processes while restoring."
        ) from exc


def _restore_postgresql(connection: BaseDatabaseWrapper, staged: Path) -> None:
    command = [
        _pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
        "--single-transaction", "--exit-on-error", "--no-password",
        f"--dbname={connection.settings_dict['NAME']}", str(staged),
    ]  # fmt: skip
    env = _pg_env(connection)
    # A table held by a running web or worker process fails the restore instead of waiting.
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}".strip()
    # Our own connection holds no lock, but pg_restore replaces what it has cached.
    connection.close()
    _run(command, env, "pg_restore (the database was left as it was)")


def _restore_media(directory: Path) -> int:
    restored = 0
    if not directory.exists():
        return restored
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(directory).as_posix()
        if default_storage.exists(name):
            default_storage.delete(name)
        with path.open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"The file storage saved {name} as {saved}.")
        restored += 1
    return restored


def _migrate_if_behind(connection: BaseDatabaseWrapper) -> bool:
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", database=connection.alias, interactive=False, verbosity=0)
    return True


def backup_restore(
    *, source: Path, database: str = DEFAULT_DB_ALIAS, force: bool = False
) -> RestoreResult:
    """Restore the archive `source` written by `backup_write` into the database and the
    default storage. Refuses a database in use unless `force`; refuses a damaged archive, one
    of another engine or of a newer Accord, having changed nothing."""
    if not source.is_file():
        raise BackupError(f"No such file: {source}")
    connection = connections[database]
    engine = _engine(connection)
    _outside_transaction(connection)
    try:
        with (
            tempfile.TemporaryDirectory(prefix=".accord-restore-", dir=settings.VAR_DIR) as tmp,
            tarfile.open(source, "r|gz") as tar,
        ):
            first = tar.next()
            if first is None:
                raise _damaged(source, "it is empty")
            manifest = _read_manifest(source, first, tar.extractfile(first))
            _check_engine(manifest, engine)
            _check_migrations(manifest, connection)
            if _in_use(connection) and not force:
                raise BackupError(
                    "The database already holds users, institutions or audit events. "
                    "Restore into an empty database, or give --force to replace everything "
                    "in this one. Nothing was changed."
                )
            staging = Path(tmp)
            _stage(source, manifest, tar, staging)
            dump = staging / DATABASE_FILES[engine]
            if engine == "sqlite":
                _restore_sqlite(connection, dump)
            else:
                _restore_postgresql(connection, dump)
            restored = _restore_media(staging / MEDIA)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _damaged(source, str(exc) or type(exc).__name__) from exc
    except OSError as exc:
        raise BackupError(f"Restoring from {source} failed: {exc}") from exc
    return RestoreResult(
        media_files=restored,
        created_at=str(manifest.get("created_at", "?")),
        migrated=_migrate_if_behind(connection),
    )
