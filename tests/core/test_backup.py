import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from accord.core import services
from accord.core.models import ApiToken, AuditEvent, Membership, User
from accord.institutions.models import Institution
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory

JOINED = dt.datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
MEMORANDUM = "agreements/2025/memorandum.pdf"
# Bytes that a text-mode copy or a re-encoding anywhere on the way would change.
SIGNED = b"%PDF-1.7\r\n\x00\xff signed \xe2\x80\x94 \r\n%%EOF"
DATABASE_FILE = "database.pgdump" if connection.vendor == "postgresql" else "database.sqlite3"
OTHER_ENGINE = "sqlite" if connection.vendor == "postgresql" else "postgresql"


def quiet(command, *args, **options):
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def state():
    return {
        "users": sorted(
            User.objects.values_list("pk", "username", "email", "password", "date_joined")
        ),
        "institutions": sorted(Institution.objects.values_list("pk", "slug", "name", "parent")),
        "memberships": sorted(Membership.objects.values_list("user__username", "role")),
        "tokens": sorted(ApiToken.objects.values_list("name", "token_hash")),
        "audit": sorted(
            AuditEvent.objects.values_list(
                "action", "target_type__model", "target_id", "actor", "created_at"
            )
        ),
        "media": {name: read(name) for name in ("agreements/2025/memorandum.pdf",)},
    }


def read(name: str) -> bytes | None:
    if not default_storage.exists(name):
        return None
    with default_storage.open(name) as handle:
        return handle.read()


@pytest.fixture
def filled(transactional_db):
    kaznu = InstitutionFactory(name="Al-Farabi Kazakh National University")
    InstitutionFactory(name="Institute of History", parent=kaznu)
    admin = MembershipFactory(institution=kaznu, role="admin").user
    services.membership_grant(
        actor=admin, institution=kaznu, user=UserFactory(username="olzhas"), role="researcher"
    )
    services.api_token_create(actor=admin, user=admin, name="export")
    User.objects.filter(username="olzhas").update(date_joined=JOINED)
    default_storage.save(MEMORANDUM, ContentFile(SIGNED))
    return kaznu


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def write_members(archive: Path, contents: dict[str, bytes]) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        for name, content in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


def database_dump(archive: Path, directory: Path) -> list[str]:
    """The archive's database as SQL, the same text for the same content."""
    directory.mkdir()
    with tarfile.open(archive) as tar:
        (name,) = [n for n in tar.getnames() if n.startswith("database.")]
        tar.extract(name, directory, filter="data")
    if name == "database.sqlite3":
        with closing(sqlite3.connect(directory / name)) as copy:
            return list(copy.iterdump())
    sql = subprocess.run(  # noqa: S603
        ["pg_restore", "--file=-", str(directory / name)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # \restrict carries a key pg_dump draws anew each time; it says nothing of the data.
    return [
        line for line in sql.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    ]


def test_backup_then_restore_with_force_brings_back_data_and_files(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"
    before = state()

    out = quiet("backup", str(archive))
    UserFactory(username="after-the-backup")
    Membership.objects.filter(role="researcher").delete()
    default_storage.delete(MEMORANDUM)
    restored = quiet("restore", str(archive), "--force")

    assert "1 files" in out
    assert "Restored the database and 1 files" in restored
    assert state() == before


def test_restored_database_is_identical_down_to_the_microsecond(filled, tmp_path):
    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    before = state()
    quiet("backup", str(first))
    quiet("flush", interactive=False)
    default_storage.delete(MEMORANDUM)

    quiet("restore", str(first))
    quiet("backup", str(second))

    assert state() == before
    assert User.objects.get(username="olzhas").date_joined == JOINED
    assert read(MEMORANDUM) == SIGNED
    assert database_dump(second, tmp_path / "second") == database_dump(first, tmp_path / "first")
    assert members(second)[f"media/{MEMORANDUM}"] == SIGNED


def test_archive_holds_a_manifest_the_database_and_the_media(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"

    quiet("backup", str(archive))

    contents = members(archive)
    manifest = json.loads(contents["manifest.json"])
    assert list(contents) == ["manifest.json", DATABASE_FILE, f"media/{MEMORANDUM}"]
    assert manifest["format"] == 2
    assert manifest["engine"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["core"]
    assert manifest["files"][f"media/{MEMORANDUM}"] == {
        "size": len(SIGNED),
        "sha256": hashlib.sha256(SIGNED).hexdigest(),
    }
    assert manifest["files"][DATABASE_FILE]["sha256"] == (
        hashlib.sha256(contents[DATABASE_FILE]).hexdigest()
    )
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


def test_restore_refuses_a_database_in_use_without_force(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"
    quiet("backup", str(archive))
    UserFactory(username="after-the-backup")

    with pytest.raises(CommandError, match="already holds users"):
        quiet("restore", str(archive))

    assert User.objects.filter(username="after-the-backup").exists()


@pytest.mark.parametrize(
    "damage",
    ["database changed", "media changed", "file missing", "file added", "cut short"],
)
def test_restore_refuses_a_damaged_archive_and_changes_nothing(filled, tmp_path, damage):
    archive = tmp_path / "accord.tar.gz"
    quiet("backup", str(archive))
    contents = members(archive)
    if damage == "database changed":
        database = bytearray(contents[DATABASE_FILE])
        database[len(database) // 2] ^= 0xFF
        contents[DATABASE_FILE] = bytes(database)
    elif damage == "media changed":
        contents[f"media/{MEMORANDUM}"] = SIGNED.replace(b"signed", b"forged")
    elif damage == "file missing":
        del contents[f"media/{MEMORANDUM}"]
    elif damage == "file added":
        contents["media/agreements/2025/extra.pdf"] = b"%PDF extra"
    write_members(archive, contents)
    if damage == "cut short":
        archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    UserFactory(username="after-the-backup")
    default_storage.delete(MEMORANDUM)
    default_storage.save(MEMORANDUM, ContentFile(b"%PDF-1.7 amended"))
    before = state()

    with pytest.raises(CommandError, match="damaged or not an Accord backup"):
        quiet("restore", str(archive), "--force")

    assert state() == before
    assert not default_storage.exists("agreements/2025/extra.pdf")


def test_restore_refuses_an_archive_of_the_other_engine_and_changes_nothing(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"
    quiet("backup", str(archive))
    contents = members(archive)
    manifest = json.loads(contents.pop("manifest.json"))
    other_file = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[OTHER_ENGINE]
    manifest["engine"] = OTHER_ENGINE
    manifest["files"][other_file] = manifest["files"].pop(DATABASE_FILE)
    contents[other_file] = contents.pop(DATABASE_FILE)
    write_members(archive, {"manifest.json": json.dumps(manifest).encode(), **contents})
    UserFactory(username="after-the-backup")
    before = state()

    with pytest.raises(CommandError, match="restored into the same engine"):
        quiet("restore", str(archive), "--force")

    assert state() == before


def test_restore_refuses_a_file_that_is_not_a_backup(transactional_db, tmp_path):
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_text("just text")
    foreign = tmp_path / "photos.tar.gz"
    write_members(foreign, {"holiday.jpg": b"\xff\xd8\xff"})

    with pytest.raises(CommandError, match="damaged or not an Accord backup"):
        quiet("restore", str(not_a_backup))
    with pytest.raises(CommandError, match=r"does not begin with manifest\.json"):
        quiet("restore", str(foreign))
    with pytest.raises(CommandError, match="No such file"):
        quiet("restore", str(tmp_path / "missing.tar.gz"))


def manifest_for(**fields) -> dict:
    return {
        "format": 2,
        "engine": connection.vendor,
        "migrations": {},
        "files": {DATABASE_FILE: {"size": 0, "sha256": hashlib.sha256(b"").hexdigest()}},
        **fields,
    }


def test_restore_refuses_a_backup_from_a_newer_accord(transactional_db, tmp_path):
    archive = tmp_path / "future.tar.gz"
    manifest = manifest_for(migrations={"core": ["0001_initial", "0099_future"]})
    write_members(archive, {"manifest.json": json.dumps(manifest).encode(), DATABASE_FILE: b""})

    with pytest.raises(CommandError, match=r"core\.0099_future"):
        quiet("restore", str(archive))


def test_restore_refuses_an_unknown_archive_format(transactional_db, tmp_path):
    archive = tmp_path / "other.tar.gz"
    write_members(archive, {"manifest.json": json.dumps(manifest_for(format=7)).encode()})

    with pytest.raises(CommandError, match="format 7"):
        quiet("restore", str(archive))


def test_restore_names_what_to_do_with_a_backup_of_the_json_format(transactional_db, tmp_path):
    archive = tmp_path / "old.tar.gz"
    write_members(archive, {"accord-backup.json": b'{"format": 1}', "data.json": b"[]"})

    with pytest.raises(CommandError, match="Restore it with the version that wrote it"):
        quiet("restore", str(archive))


def test_restore_refuses_media_paths_outside_the_storage(transactional_db, tmp_path, settings):
    archive = tmp_path / "evil.tar.gz"
    escape = "media/../../escaped.txt"
    manifest = manifest_for()
    manifest["files"][escape] = {"size": 3, "sha256": hashlib.sha256(b"bad").hexdigest()}
    write_members(
        archive,
        {"manifest.json": json.dumps(manifest).encode(), DATABASE_FILE: b"", escape: b"bad"},
    )

    with pytest.raises(CommandError, match=r"escaped\.txt"):
        quiet("restore", str(archive))

    assert not (Path(settings.MEDIA_ROOT).parent / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_backup_into_a_missing_directory_is_refused(transactional_db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        quiet("backup", str(tmp_path / "nowhere" / "accord.tar.gz"))


@pytest.mark.postgres_only
def test_restore_into_an_empty_postgresql_database(filled, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: pg_dump and pg_restore")
    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    before = state()
    quiet("backup", str(first))
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'DROP TABLE "{table}" CASCADE')
        cursor.execute("DROP EXTENSION pg_trgm")
        assert connection.introspection.table_names(cursor) == []

    quiet("restore", str(first))
    quiet("backup", str(second))

    assert state() == before
    assert database_dump(second, tmp_path / "second") == database_dump(first, tmp_path / "first")


@pytest.mark.postgres_only
def test_backup_without_pg_dump_names_the_package_to_install(
    transactional_db, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: pg_dump")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError, match="postgresql-client"):
        quiet("backup", str(tmp_path / "accord.tar.gz"))

    assert list(tmp_path.iterdir()) == []


def accord(*args: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ACCORD_") and key != "DATABASE_URL"
    }
    env.update(ACCORD_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="accord.settings")
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "accord", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


CREATE = """
import datetime as dt
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from accord.core import services
from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution
kaznu = Institution.objects.create(slug="kaznu", name="KazNU", country="KZ")
amina = User.objects.create_user("amina", "amina@kaznu.kz", "steppe-horizon-2025")
services.membership_grant(actor=None, institution=kaznu, user=amina, role="admin")
AuditEvent.objects.update(created_at=dt.datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=dt.UTC))
default_storage.save("docs/memorandum.pdf", ContentFile(b"%PDF signed"))
"""

SHOW = """
from accord.core.models import AuditEvent, Membership, User
amina = User.objects.get()
print(amina.username, amina.check_password("steppe-horizon-2025"))
print([(m.institution.slug, m.role) for m in Membership.objects.all()])
print([(e.action, e.created_at.isoformat()) for e in AuditEvent.objects.all()])
"""


def test_backup_and_restore_round_trip_on_sqlite_from_the_command_line(tmp_path):
    original, fresh = tmp_path / "original", tmp_path / "fresh"
    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    created = accord("shell", "-c", CREATE, var_dir=original)
    assert created.returncode == 0, created.stderr

    backup = accord("backup", str(first), var_dir=original)
    restore = accord("restore", str(first), var_dir=fresh)
    shown = accord("shell", "-c", SHOW, var_dir=fresh)
    again = accord("backup", str(second), var_dir=fresh)

    assert backup.returncode == 0, backup.stderr
    assert restore.returncode == 0, restore.stderr
    assert again.returncode == 0, again.stderr
    assert shown.stdout.splitlines()[-3:] == [
        "amina True",
        "[('kaznu', 'admin')]",
        "[('membership.granted', '2025-06-01T09:30:15.123456+00:00')]",
    ]
    assert (fresh / "media" / "docs" / "memorandum.pdf").read_bytes() == b"%PDF signed"
    assert database_dump(second, tmp_path / "second") == database_dump(first, tmp_path / "first")
