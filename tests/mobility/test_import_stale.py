"""Imports whose process stopped: seen as failed with the reason, their temporary files
removed, and started again; also after a real kill -9 of `accord import mobility`."""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accord.core.models import AuditEvent
from accord.mobility.importer import services, stale
from accord.mobility.models import ImportStatus, Mobility, MobilityImport
from tests.api.test_institutions_api import bearer
from tests.factories import InstitutionFactory, MembershipFactory
from tests.mobility.test_import import csv_bytes, good_row

API = "/api/v1/mobility-imports"
STOPPED = (
    "The process running the import stopped before it finished; nothing was imported. "
    "Start it again."
)


@pytest.fixture(autouse=True)
def _scratch_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University", slug="kaznu", schac_code="kaznu.kz"
    )


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", schac_code="uw.edu.pl")


@pytest.fixture
def officer(kaznu):
    return MembershipFactory(institution=kaznu, role="officer").user


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def a_gone_process() -> str:
    """The runner of a process of this host that has ended."""
    ended = subprocess.Popen(["true"])  # noqa: S607
    ended.wait()
    return f"{stale._HOST}:{ended.pid}:1"


def left_running(
    institution,
    *,
    runner: str = "another-host:4242:99",
    silent_for: dt.timedelta = dt.timedelta(minutes=10),
    data: bytes | None = None,
    created_by=None,
) -> MobilityImport:
    """An import recorded as running by a process that left a scratch file behind."""
    mobility_import = MobilityImport(
        institution=institution,
        original_name="mobilities.csv",
        status=ImportStatus.RUNNING,
        runner=runner,
        heartbeat_at=timezone.now() - silent_for,
        started_at=timezone.now() - silent_for,
        rows_total=3,
        rows_done=1,
        created_by=created_by,
    )
    if data is not None:
        mobility_import.file.save("mobilities.csv", ContentFile(data), save=False)
    mobility_import.save()
    folder = stale.scratch_dir(mobility_import.pk)
    (folder / "seen-ids.sqlite3").write_bytes(b"left by a killed process")
    return mobility_import


def test_import_silent_too_long_is_shown_failed_with_the_reason(
    officer_client, kaznu, warsaw, officer
):
    mobility_import = left_running(kaznu, created_by=officer)

    page = officer_client.get(mobility_import.get_absolute_url()).content.decode()

    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.FAILED
    assert mobility_import.report["errors"] == [{"row": None, "field": "file", "message": STOPPED}]
    assert mobility_import.finished_at is not None
    assert "Nothing was imported." in page
    assert STOPPED in page
    assert "data-hx-trigger" not in page
    assert not (stale.scratch_root() / f"import-{mobility_import.pk}").exists()
    assert AuditEvent.objects.filter(action="mobility.import_stopped").count() == 1


def test_import_whose_process_is_gone_is_stale_at_once(client, kaznu, staff_user):
    mobility_import = left_running(kaznu, runner=a_gone_process(), silent_for=dt.timedelta(0))
    client.force_login(staff_user)

    fragment = client.get(reverse("mobility:import_status", args=[mobility_import.pk]))

    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.FAILED
    assert STOPPED in fragment.content.decode()


def test_import_of_a_live_process_keeps_running(officer_client, kaznu, django_assert_num_queries):
    mobility_import = left_running(
        kaznu, runner=stale.runner_identity(), silent_for=dt.timedelta(seconds=5)
    )

    with django_assert_num_queries(0):
        assert services.mobility_imports_mark_stale([mobility_import]) == 0
    officer_client.get(mobility_import.get_absolute_url())

    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.RUNNING
    assert (stale.scratch_root() / f"import-{mobility_import.pk}").exists()


def test_list_shows_a_stopped_import_as_failed(officer_client, kaznu):
    mobility_import = left_running(kaznu)

    response = officer_client.get(reverse("mobility:import_list"))

    (listed,) = response.context["page"].object_list
    assert listed.status == ImportStatus.FAILED
    assert "Rejected" in response.content.decode()
    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.FAILED


def test_queued_import_no_process_took_fails_with_its_own_reason(kaznu):
    mobility_import = MobilityImport.objects.create(
        institution=kaznu,
        original_name="m.csv",
        heartbeat_at=timezone.now() - dt.timedelta(hours=2),
    )
    waiting = MobilityImport.objects.create(
        institution=kaznu, original_name="n.csv", heartbeat_at=timezone.now()
    )

    assert services.mark_stale_imports_failed() == 1

    mobility_import.refresh_from_db()
    waiting.refresh_from_db()
    assert mobility_import.status == ImportStatus.FAILED
    assert "is accord worker running?" in mobility_import.report["errors"][0]["message"]
    assert waiting.status == ImportStatus.QUEUED


def test_start_again_imports_the_stored_file_and_it_can_be_imported_again(
    officer_client, kaznu, warsaw, officer, django_capture_on_commit_callbacks
):
    data = csv_bytes(good_row(n) for n in range(1, 4))
    mobility_import = left_running(kaznu, data=data, created_by=officer)
    page = officer_client.get(mobility_import.get_absolute_url()).content.decode()
    restart_url = reverse("mobility:import_restart", args=[mobility_import.pk])
    assert f'action="{restart_url}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(restart_url)

    assert response.status_code == 302
    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.SUCCEEDED
    assert (mobility_import.created_count, mobility_import.report["errors"]) == (3, [])
    assert AuditEvent.objects.filter(action="mobility.import_restart").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            reverse("mobility:import_create"),
            {"institution": "kaznu", "file": ContentFile(data, name="mobilities.csv")},
        )
    again = MobilityImport.objects.exclude(pk=mobility_import.pk).get()
    assert (again.status, again.unchanged_count) == (ImportStatus.SUCCEEDED, 3)
    assert Mobility.objects.count() == 3


def test_an_import_that_succeeded_cannot_be_started_again(officer_client, kaznu):
    mobility_import = MobilityImport.objects.create(
        institution=kaznu, original_name="m.csv", status=ImportStatus.SUCCEEDED, rows_total=1
    )

    response = officer_client.post(
        reverse("mobility:import_restart", args=[mobility_import.pk]), follow=True
    )

    assert "Only an import that failed can be started again" in response.content.decode()
    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.SUCCEEDED


def test_another_institution_may_not_start_an_import_again(client, kaznu, warsaw):
    mobility_import = left_running(kaznu, data=b"external_id\n")
    client.force_login(MembershipFactory(institution=warsaw, role="officer").user)

    response = client.post(reverse("mobility:import_restart", args=[mobility_import.pk]))

    assert response.status_code == 404
    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.RUNNING


def test_api_shows_the_stopped_import_and_starts_it_again(
    client, kaznu, warsaw, officer, django_capture_on_commit_callbacks
):
    headers = bearer(officer)
    data = csv_bytes(good_row(n) for n in range(1, 3))
    mobility_import = left_running(kaznu, data=data, created_by=officer)

    listed = client.get(f"{API}/", headers=headers).json()["items"]
    detail = client.get(f"{API}/{mobility_import.pk}", headers=headers).json()
    report = client.get(f"{API}/{mobility_import.pk}/report", headers=headers).json()
    with django_capture_on_commit_callbacks(execute=True):
        restarted = client.post(f"{API}/{mobility_import.pk}/restart", headers=headers)
    twice = client.post(f"{API}/{mobility_import.pk}/restart", headers=headers)

    assert [item["status"] for item in listed] == ["failed"]
    assert detail["status"] == "failed"
    assert report["errors"][0]["message"] == STOPPED
    assert restarted.status_code == 202
    assert restarted.json()["status"] == "queued"
    assert client.get(f"{API}/{mobility_import.pk}", headers=headers).json()["status"] == (
        "succeeded"
    )
    assert twice.status_code == 422
    assert Mobility.objects.count() == 2


def test_sweep_marks_stopped_imports_and_removes_orphaned_scratch_files(kaznu):
    stopped = left_running(kaznu)
    alive = left_running(kaznu, runner=stale.runner_identity(), silent_for=dt.timedelta(0))
    finished = MobilityImport.objects.create(
        institution=kaznu, original_name="done.csv", status=ImportStatus.SUCCEEDED
    )
    orphan = stale.scratch_dir(finished.pk)
    dry_run_of_a_gone_process = stale.scratch_root() / "check-999999999-abc"
    dry_run_of_a_gone_process.mkdir()

    assert services.mark_stale_imports_failed() == 1

    stopped.refresh_from_db()
    alive.refresh_from_db()
    assert (stopped.status, alive.status) == (ImportStatus.FAILED, ImportStatus.RUNNING)
    assert sorted(path.name for path in stale.scratch_root().iterdir()) == [f"import-{alive.pk}"]
    assert not orphan.exists()


def test_failed_and_succeeded_imports_leave_no_temporary_files(
    officer_client, kaznu, warsaw, django_capture_on_commit_callbacks
):
    for rows in ([good_row(1)], [good_row(2, end_date="2020-01-01")]):
        with django_capture_on_commit_callbacks(execute=True):
            officer_client.post(
                reverse("mobility:import_create"),
                {"institution": "kaznu", "file": ContentFile(csv_bytes(rows), name="m.csv")},
            )

    statuses = sorted(MobilityImport.objects.values_list("status", flat=True))
    assert statuses == [ImportStatus.FAILED, ImportStatus.SUCCEEDED]
    assert list(stale.scratch_root().iterdir()) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_import_writing_its_rows_is_not_taken_for_stopped(kaznu):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a second connection holding the row's lock")
    # Silent for long (its write runs in one transaction) but its row is locked: alive.
    mobility_import = left_running(kaznu, runner="another-host:1:1")
    locked, release = threading.Event(), threading.Event()

    def writing() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                list(MobilityImport.objects.select_for_update().filter(pk=mobility_import.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=writing)
    writer.start()
    try:
        assert locked.wait(10)
        assert services.mobility_imports_mark_stale([mobility_import]) == 0
    finally:
        release.set()
        writer.join()
    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.RUNNING
    assert services.mobility_imports_mark_stale([mobility_import]) == 1


# A real kill -9 ----------------------------------------------------------------------------

SETUP = """
import django
django.setup()
from django.core.management import call_command
from accord.institutions.models import Institution
call_command("migrate", verbosity=0)
Institution.objects.get_or_create(
    slug="kaznu", defaults={"name": "KazNU", "country": "KZ", "schac_code": "kaznu.kz"})
Institution.objects.get_or_create(
    slug="uw", defaults={"name": "University of Warsaw", "country": "PL",
                         "schac_code": "uw.edu.pl"})
"""

SWEEP = """
import django, json
django.setup()
from accord.mobility.importer.services import mark_stale_imports_failed
from accord.mobility.models import MobilityImport, Mobility
marked = mark_stale_imports_failed()
print(json.dumps({"marked": marked, "mobilities": Mobility.objects.count(), "imports": [
    [i.status, i.report.get("errors")] for i in MobilityImport.objects.order_by("pk")]}))
"""


def _environment(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ACCORD_") and key != "DATABASE_URL"
    }
    env.update(ACCORD_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="accord.settings")
    if connection.vendor == "postgresql":
        # The test database itself, which the processes share with the test.
        settings = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    return env


def _python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(  # noqa: S603 - this interpreter, with code of the test's own
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_killed_command_line_import_is_found_failed_and_the_file_imports_again(tmp_path):
    import json

    var_dir = tmp_path / "accord-var"
    env = _environment(var_dir)
    _python(env, SETUP)
    path = tmp_path / "mobilities.csv"
    path.write_bytes(
        csv_bytes(
            good_row(n, host_institution="uw.edu.pl", returned_on="2026-02-20")
            for n in range(1, 20_001)
        )
    )
    command = [sys.executable, "-m", "accord", "import", "mobility", str(path)]
    command += ["--institution", "kaznu"]
    scratch = var_dir / "tmp" / "mobility-imports"

    importing = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # Waits as long as the import runs: an import that ends first fails the test.
        while not list(scratch.glob("import-*/seen-ids.sqlite3")):
            assert importing.poll() is None, "the import ended before it could be killed"
            time.sleep(0.005)
    finally:
        os.kill(importing.pid, signal.SIGKILL)
        importing.wait()
    assert list(scratch.glob("import-*/seen-ids.sqlite3")), "the kill leaves the file behind"

    swept = json.loads(_python(env, SWEEP).strip().splitlines()[-1])
    again = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=600
    )
    after = json.loads(_python(env, SWEEP).strip().splitlines()[-1])

    assert swept["marked"] == 1
    assert swept["imports"] == [["failed", [{"row": None, "field": "file", "message": STOPPED}]]]
    assert swept["mobilities"] == 0
    assert again.returncode == 0, again.stderr
    assert "20000 rows: 20000 added" in again.stdout
    assert [status for status, _errors in after["imports"]] == ["failed", "succeeded"]
    assert after["mobilities"] == 20_000
    assert list(scratch.iterdir()) == []


def _row_locked(import_id: int) -> bool:
    """Whether another transaction holds the import's row (its write phase, PostgreSQL)."""
    from django.db import OperationalError, transaction

    try:
        with transaction.atomic():
            list(
                MobilityImport.objects.select_for_update(nowait=True)
                .filter(pk=import_id)
                .values("pk")
            )
    except OperationalError:
        return True
    return False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_import_killed_while_writing_holds_no_lock_and_commits_nothing(tmp_path):
    import json

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the row and institution locks of the write")
    var_dir = tmp_path / "accord-var"
    env = _environment(var_dir)
    _python(env, SETUP)
    path = tmp_path / "mobilities.csv"
    path.write_bytes(csv_bytes(good_row(n, host_institution="uw.edu.pl") for n in range(1, 20_001)))
    command = [sys.executable, "-m", "accord", "import", "mobility", str(path)]
    command += ["--institution", "kaznu"]

    importing = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:  # as long as the import runs, as above
            assert importing.poll() is None, "the import ended before it could be killed"
            running = MobilityImport.objects.values_list("pk", flat=True).first()
            if running is not None and _row_locked(running):
                break
            time.sleep(0.01)
    finally:
        os.kill(importing.pid, signal.SIGKILL)
        importing.wait()

    swept = json.loads(_python(env, SWEEP).strip().splitlines()[-1])
    again = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=600
    )

    assert swept["marked"] == 1
    assert swept["mobilities"] == 0
    assert again.returncode == 0, again.stderr
    assert "20000 rows: 20000 added" in again.stdout


def test_the_daily_jobs_mark_an_import_whose_process_stopped_failed(kaznu):
    stopped = left_running(kaznu)

    call_command("daily", stdout=io.StringIO())

    stopped.refresh_from_db()
    assert stopped.status == ImportStatus.FAILED
    assert list(stale.scratch_root().iterdir()) == []
