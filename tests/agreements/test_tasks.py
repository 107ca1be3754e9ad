"""The daily tasks: expiry of agreements and reminders to coordinators."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accord.agreements import services
from accord.agreements.models import AgreementStatus, ExpiryReminder
from accord.agreements.tasks import expire_agreements, send_expiry_reminders
from tests.factories import AgreementFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.ACCORD_REMINDER_DAYS = [90, 30]


def active_agreement(institution, partner, days_left, **fields):
    today = timezone.localdate()
    values = {
        "status": AgreementStatus.ACTIVE,
        "valid_from": today - dt.timedelta(days=700),
        "valid_to": today + dt.timedelta(days=days_left),
        **fields,
    }
    return AgreementFactory(parties=[institution, partner], **values)


def with_coordinators(agreement, *, language="en"):
    coordinators = []
    for party in agreement.parties.all():
        user = MembershipFactory(
            institution=party.institution,
            role="coordinator",
            user=UserFactory(language=language),
        ).user
        party.coordinator = user
        party.save()
        coordinators.append(user)
    return coordinators


def test_each_coordinator_is_reminded_once_however_often_the_task_runs(institution, partner):
    agreement = active_agreement(institution, partner, days_left=60)
    coordinators = with_coordinators(agreement)

    send_expiry_reminders.enqueue()
    send_expiry_reminders.enqueue()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in coordinators)
    assert ExpiryReminder.objects.filter(days_before=90).count() == 2
    assert agreement.title in mail.outbox[0].subject
    assert f"/agreements/{agreement.pk}/" in mail.outbox[0].body


def test_the_30_day_reminder_follows_the_90_day_one(institution, partner):
    agreement = active_agreement(institution, partner, days_left=90)
    with_coordinators(agreement)
    today = timezone.localdate()

    assert services.expiry_reminders_send(today=today) == 2
    assert services.expiry_reminders_send(today=today + dt.timedelta(days=30)) == 0
    assert services.expiry_reminders_send(today=today + dt.timedelta(days=60)) == 2
    assert services.expiry_reminders_send(today=today + dt.timedelta(days=61)) == 0

    assert len(mail.outbox) == 4
    assert sorted(ExpiryReminder.objects.values_list("days_before", flat=True)) == [30, 30, 90, 90]


def test_only_the_nearest_threshold_is_sent(institution, partner):
    agreement = active_agreement(institution, partner, days_left=20)
    with_coordinators(agreement)

    assert services.expiry_reminders_send() == 2
    assert services.expiry_reminders_send() == 0
    assert set(ExpiryReminder.objects.values_list("days_before", flat=True)) == {30}


def test_agreements_far_from_their_end_or_not_active_remind_nobody(institution, partner):
    with_coordinators(active_agreement(institution, partner, days_left=91))
    with_coordinators(active_agreement(institution, partner, days_left=-1))
    with_coordinators(
        active_agreement(institution, partner, days_left=10, status=AgreementStatus.SIGNING)
    )

    assert services.expiry_reminders_send() == 0
    assert mail.outbox == []


def test_parties_without_a_coordinator_or_email_are_skipped(institution, partner):
    agreement = active_agreement(institution, partner, days_left=10)
    first, second = with_coordinators(agreement)
    second.email = ""
    second.save()
    agreement.parties.filter(coordinator=first).update(coordinator=None)

    assert services.expiry_reminders_send() == 0
    assert mail.outbox == []


def test_the_reminder_is_written_in_the_coordinators_language(institution, partner):
    agreement = active_agreement(institution, partner, days_left=10, titles={"ru": "Меморандум"})
    agreement.valid_to = dt.date(2027, 5, 4)
    agreement.save()
    with_coordinators(agreement, language="ru")

    services.expiry_reminders_send(today=dt.date(2027, 4, 24))

    assert mail.outbox[0].subject == "Срок действия соглашения «Меморандум» истекает 4 мая 2027"
    assert "через 10 дн., 4 мая 2027.\n" in mail.outbox[0].body


def test_the_reminder_writes_the_end_date_as_a_reader_does(institution, partner):
    agreement = active_agreement(institution, partner, days_left=10, title="Exchange")
    agreement.valid_to = dt.date(2027, 5, 4)
    agreement.save()
    with_coordinators(agreement)

    services.expiry_reminders_send(today=dt.date(2027, 4, 24))

    assert mail.outbox[0].subject == "Agreement “Exchange” ends on May 4, 2027"
    assert "ends in 10 days, on May 4, 2027." in mail.outbox[0].body


def test_a_renewed_end_date_starts_the_reminders_afresh(institution, partner):
    agreement = active_agreement(institution, partner, days_left=10)
    with_coordinators(agreement)
    services.expiry_reminders_send()
    agreement.valid_to = agreement.valid_to + dt.timedelta(days=10)
    agreement.save()

    assert services.expiry_reminders_send() == 2


def test_the_expiry_task_expires_agreements_past_their_end(institution, partner):
    ended = active_agreement(institution, partner, days_left=-1)
    running = active_agreement(institution, partner, days_left=1)

    result = expire_agreements.enqueue()

    assert result.return_value == [ended.pk]
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.status, running.status) == (AgreementStatus.EXPIRED, AgreementStatus.ACTIVE)


def test_the_daily_command_runs_both_tasks(institution, partner):
    ended = active_agreement(institution, partner, days_left=-1)
    ending = active_agreement(institution, partner, days_left=5)
    with_coordinators(ending)
    out = StringIO()

    call_command("daily", stdout=out)

    ended.refresh_from_db()
    assert ended.status == AgreementStatus.EXPIRED
    assert len(mail.outbox) == 2
    assert "expire_agreements" in out.getvalue()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_reminder_once(institution, partner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    agreement = active_agreement(institution, partner, days_left=10)
    with_coordinators(agreement)
    barrier = threading.Barrier(4)
    results: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(services.expiry_reminders_send())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 2
    assert len(mail.outbox) == 2
    assert ExpiryReminder.objects.count() == 2


def test_repeated_daily_runs_until_its_parent_is_gone(monkeypatch):
    from accord.agreements.management.commands import daily

    runs = []
    parent_alive = iter([True, True, False])
    monkeypatch.setattr(daily.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(daily, "DAY_SECONDS", 0)

    daily.repeat_daily(lambda: runs.append(1), keep_going=lambda: next(parent_alive, False))

    assert runs == [1]
