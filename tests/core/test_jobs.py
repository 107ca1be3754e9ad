"""A background job that fails is recorded, shown to platform staff and mailed to them."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import OperationalError, transaction
from django.utils import timezone

from accord.agreements import services as agreement_services
from accord.agreements.models import AgreementStatus
from accord.agreements.tasks import send_expiry_reminders
from accord.core.jobs import job_failure_record
from accord.core.models import BackgroundJob, JobFailure, User
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.django_db

REMINDERS = "accord.agreements.tasks.send_expiry_reminders"


@pytest.fixture
def staff_with_email(db):
    return UserFactory(is_staff=True, username="platform-staff", email="staff@example.org")


@pytest.fixture
def reminders_fail(monkeypatch):
    """The reminders' run writes, then fails as SQLite did with thousands of agreements."""

    def fail(**kwargs):
        with transaction.atomic():
            UserFactory(username="written-before-the-fault")
            raise OperationalError("Expression tree is too large (maximum depth 1000)")

    monkeypatch.setattr(agreement_services, "expiry_reminders_send", fail)


def ended_agreement(institution, partner):
    today = timezone.localdate()
    return AgreementFactory(
        parties=[institution, partner],
        status=AgreementStatus.ACTIVE,
        valid_from=today - dt.timedelta(days=400),
        valid_to=today - dt.timedelta(days=1),
    )


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_recorded_after_its_own_writes_are_undone(reminders_fail):
    result = send_expiry_reminders.enqueue()

    assert result.status == "FAILED"
    failure = JobFailure.objects.get()
    assert failure.job.task_path == REMINDERS
    assert failure.job.name == "send_expiry_reminders"
    assert failure.error_type == "django.db.utils.OperationalError"
    assert failure.error_message == "Expression tree is too large (maximum depth 1000)"
    assert failure.traceback.rstrip().endswith(
        "OperationalError: Expression tree is too large (maximum depth 1000)"
    )
    assert not User.objects.filter(username="written-before-the-fault").exists()
    assert failure.job.is_failing


def test_the_daily_command_runs_every_job_and_names_the_one_that_failed(
    reminders_fail, institution, partner
):
    ended = ended_agreement(institution, partner)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"These jobs failed: send_expiry_reminders\."):
        call_command("daily", stdout=out, stderr=err)

    assert "send_expiry_reminders: FAILED (django.db.utils.OperationalError)" in err.getvalue()
    assert out.getvalue().splitlines() == [
        "expire_agreements: SUCCESSFUL",
        "complete_past_bookings: SUCCESSFUL",
        "flag_bookings_of_ended_agreements: SUCCESSFUL",
        "send_obligation_reminders: SUCCESSFUL",
        "mark_stale_imports_failed: SUCCESSFUL",
    ]
    ended.refresh_from_db()
    assert ended.status == AgreementStatus.EXPIRED
    assert list(JobFailure.objects.values_list("job__task_path", flat=True)) == [REMINDERS]


def test_the_daily_command_exits_with_status_1_when_a_job_failed(reminders_fail, capsys):
    with pytest.raises(SystemExit) as exit:
        ManagementUtility(["accord", "daily"]).execute()

    assert exit.value.code == 1
    assert "These jobs failed: send_expiry_reminders." in capsys.readouterr().err


def test_the_daily_command_exits_with_status_0_when_every_job_ran(capsys):
    # A command run from the command line closes the database connections at its end, so
    # this test reads its outcome from the output alone.
    ManagementUtility(["accord", "daily"]).execute()

    output = capsys.readouterr()
    assert "send_expiry_reminders: SUCCESSFUL" in output.out
    assert "FAILED" not in output.out + output.err


def test_staff_are_mailed_of_a_failing_job_once_a_day(staff_with_email, officer, reminders_fail):
    UserFactory(is_staff=True, email="")  # no address to write to
    UserFactory(is_staff=True, is_active=False, email="former@example.org")

    send_expiry_reminders.enqueue()
    send_expiry_reminders.enqueue()

    assert JobFailure.objects.count() == 2
    assert [m.to for m in mail.outbox] == [["staff@example.org"]]
    assert "send_expiry_reminders" in mail.outbox[0].subject
    assert "Expression tree is too large" in mail.outbox[0].body
    assert "/staff/jobs/" in mail.outbox[0].body

    tomorrow = timezone.now() + dt.timedelta(days=1)
    job_failure_record(
        task_path=REMINDERS, error_type="RuntimeError", error_message="", at=tomorrow
    )

    assert [m.to for m in mail.outbox] == [["staff@example.org"], ["staff@example.org"]]


def test_a_job_that_runs_well_again_has_recovered(monkeypatch, reminders_fail):
    send_expiry_reminders.enqueue()
    assert BackgroundJob.objects.get().is_failing

    monkeypatch.undo()
    assert send_expiry_reminders.enqueue().status == "SUCCESSFUL"

    job = BackgroundJob.objects.get()
    assert not job.is_failing
    assert job.failures.count() == 1


def test_a_job_that_never_failed_writes_no_record():
    send_expiry_reminders.enqueue()

    assert not BackgroundJob.objects.exists()


def test_platform_staff_see_the_failing_jobs_on_their_dashboard(
    client, staff_user, reminders_fail, monkeypatch
):
    send_expiry_reminders.enqueue()
    client.force_login(staff_user)

    response = client.get("/")

    assert response.status_code == 200
    assert [job.name for job in response.context["failing_jobs"]] == ["send_expiry_reminders"]
    assert "Background jobs that failed" in response.text
    assert 'href="/staff/jobs/"' in response.text

    monkeypatch.undo()
    send_expiry_reminders.enqueue()

    response = client.get("/")
    assert response.context["failing_jobs"] == []
    assert "Background jobs that failed" not in response.text


def test_an_officer_sees_no_failing_jobs(client, officer, reminders_fail):
    send_expiry_reminders.enqueue()
    client.force_login(officer)

    response = client.get("/")

    assert response.context["failing_jobs"] == []
    assert "Background jobs that failed" not in response.text
    assert "send_expiry_reminders" not in response.text


def test_platform_staff_read_the_failures_and_their_errors(client, staff_user, reminders_fail):
    send_expiry_reminders.enqueue()
    client.force_login(staff_user)

    response = client.get("/staff/jobs/")

    assert response.status_code == 200
    assert [f.job.name for f in response.context["failures"]] == ["send_expiry_reminders"]
    assert "Expression tree is too large (maximum depth 1000)" in response.text
    assert "Traceback" in response.text


def test_the_failures_page_is_for_platform_staff_only(client, officer, institution_admin):
    assert client.get("/staff/jobs/").status_code == 302
    for user in (officer, institution_admin):
        client.force_login(user)
        assert client.get("/staff/jobs/").status_code == 403


def test_a_builtin_error_is_recorded_with_its_message(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("no mail server answers\nat mail.example.org")

    monkeypatch.setattr(agreement_services, "expiry_reminders_send", fail)

    send_expiry_reminders.enqueue()

    failure = JobFailure.objects.get()
    assert failure.error_type == "builtins.RuntimeError"
    assert failure.error_message == "no mail server answers\nat mail.example.org"
