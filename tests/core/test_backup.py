import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accord.core import services
from accord.core.models import ApiToken, AuditEvent, Membership, User
from accord.institutions.models import Institution
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory


def quiet(command, *args, **options):
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def state():
    return {
        "users": sorted(User.objects.values_list("pk", "username", "email", "password")),
        "institutions": sorted(Institution.objects.values_list("pk", "slug", "name", "parent")),
        "memberships": sorted(Membership.objects.values_list("user__username", "role")),
        "tokens": sorted(ApiToken.objects.values_list("name", "token_hash")),
        "audit": sorted(
            AuditEvent.objects.values_list("action", "target_type__model", "target_id", "actor")
        ),
    }


@pytest.fixture
def filled(transactional_db):
    kaznu = InstitutionFactory(name="Al-Farabi Kazakh National University")
    InstitutionFactory(name="Institute of History", parent=kaznu)
    admin = MembershipFactory(institution=kaznu, role="admin").user
    services.membership_grant(
        actor=admin, institution=kaznu, user=UserFactory(username="olzhas"), role="researcher"
    )
    services.api_token_create(actor=admin, user=admin, name="export")
    default_storage.save("agreements/2025/memorandum.pdf", ContentFile(b"%PDF-1.7 signed"))
    return kaznu


def test_backup_then_restore_with_force_brings_back_data_and_files(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"
    before = state()

    out = quiet("backup", str(archive))
    UserFactory(username="after-the-backup")
    Membership.objects.filter(role="researcher").delete()
    default_storage.delete("agreements/2025/memorandum.pdf")
    restored = quiet("restore", str(archive), "--force")

    assert "1 files" in out
    assert "Restored the database and 1 files" in restored
    assert state() == before
    with default_storage.open("agreements/2025/memorandum.pdf") as handle:
        assert handle.read() == b"%PDF-1.7 signed"


def test_archive_holds_a_manifest_the_data_and_the_media(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"

    quiet("backup", str(archive))

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("accord-backup.json").read())
    assert names[:2] == ["accord-backup.json", "data.json"]
    assert "media/agreements/2025/memorandum.pdf" in names
    assert manifest["format"] == 1
    assert "0001_initial" in manifest["migrations"]["core"]
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


def test_restore_refuses_a_database_in_use_without_force(filled, tmp_path):
    archive = tmp_path / "accord.tar.gz"
    quiet("backup", str(archive))
    UserFactory(username="after-the-backup")

    with pytest.raises(CommandError, match="already holds users"):
        quiet("restore", str(archive))

    assert User.objects.filter(username="after-the-backup").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(transactional_db, tmp_path):
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_text("just text")

    with pytest.raises(CommandError, match="failed"):
        quiet("restore", str(not_a_backup))
    with pytest.raises(CommandError, match="No such file"):
        quiet("restore", str(tmp_path / "missing.tar.gz"))


def write_archive(path: Path, manifest: dict) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, content in {
            "accord-backup.json": json.dumps(manifest).encode(),
            "data.json": b"[]",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


def test_restore_refuses_a_backup_from_a_newer_accord(transactional_db, tmp_path):
    archive = tmp_path / "future.tar.gz"
    write_archive(archive, {"format": 1, "migrations": {"core": ["0001_initial", "0099_future"]}})

    with pytest.raises(CommandError, match=r"core\.0099_future"):
        quiet("restore", str(archive))


def test_restore_refuses_an_unknown_archive_format(transactional_db, tmp_path):
    archive = tmp_path / "other.tar.gz"
    write_archive(archive, {"format": 7})

    with pytest.raises(CommandError, match="format"):
        quiet("restore", str(archive))


def test_restore_ignores_media_paths_outside_the_storage(transactional_db, tmp_path, settings):
    archive = tmp_path / "evil.tar.gz"
    write_archive(archive, {"format": 1, "migrations": {}})
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in members:
            tar.addfile(member, io.BytesIO(content))
        escape = tarfile.TarInfo("media/../../escaped.txt")
        escape.size = 3
        tar.addfile(escape, io.BytesIO(b"bad"))

    quiet("restore", str(archive))

    assert not (Path(settings.MEDIA_ROOT).parent / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_backup_into_a_missing_directory_is_refused(transactional_db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        quiet("backup", str(tmp_path / "nowhere" / "accord.tar.gz"))


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
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from accord.core import services
from accord.core.models import User
from accord.institutions.models import Institution
kaznu = Institution.objects.create(slug="kaznu", name="KazNU", country="KZ")
amina = User.objects.create_user("amina", "amina@kaznu.kz", "steppe-horizon-2025")
services.membership_grant(actor=None, institution=kaznu, user=amina, role="admin")
default_storage.save("docs/memorandum.pdf", ContentFile(b"%PDF signed"))
"""

SHOW = """
from accord.core.models import AuditEvent, Membership, User
amina = User.objects.get()
print(amina.username, amina.check_password("steppe-horizon-2025"))
print([(m.institution.slug, m.role) for m in Membership.objects.all()])
print(list(AuditEvent.objects.values_list("action", flat=True)))
"""


def test_backup_and_restore_round_trip_on_sqlite_from_the_command_line(tmp_path):
    original, fresh = tmp_path / "original", tmp_path / "fresh"
    archive = tmp_path / "accord.tar.gz"
    created = accord("shell", "-c", CREATE, var_dir=original)
    assert created.returncode == 0, created.stderr

    backup = accord("backup", str(archive), var_dir=original)
    restore = accord("restore", str(archive), var_dir=fresh)
    shown = accord("shell", "-c", SHOW, var_dir=fresh)

    assert backup.returncode == 0, backup.stderr
    assert restore.returncode == 0, restore.stderr
    assert shown.stdout.splitlines()[-3:] == [
        "amina True",
        "[('kaznu', 'admin')]",
        "['membership.granted']",
    ]
    assert (fresh / "media" / "docs" / "memorandum.pdf").read_bytes() == b"%PDF signed"
