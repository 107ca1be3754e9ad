"""The daily tasks: expiry of agreements and reminders to coordinators."""

import datetime as dt
import math
import threading
from io import StringIO
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accord.agreements import services
from accord.agreements.models import Agreement, AgreementParty, AgreementStatus, ExpiryReminder
from accord.agreements.services.expiry import REMINDERS_PER_BATCH
from accord.agreements.tasks import expire_agreements, send_expiry_reminders
from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution
from tests.factories import AgreementFactory, MembershipFactory, UserFactory
from tests.queries import insert_queries

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


def ending_agreements_with_their_own_partners(count, *, label):
    """`count` active agreements ending within 90 days, each between a new institution and a
    new partner with a coordinator of their own: as many coordinators and institutions as a
    national register has in its reminder window, written in bulk."""
    today = timezone.localdate()
    institutions = Institution.objects.bulk_create(
        Institution(
            name=f"{label} institution {i}",
            slug=f"{label}-institution-{i}",
            search_text=f"{label} institution {i}",
            country="AZ",
            schac_code=f"{label}-{i}.example.edu",
        )
        for i in range(2 * count)
    )
    coordinators = User.objects.bulk_create(
        User(username=f"{label}-coordinator-{i}", email=f"{label}-coordinator-{i}@example.org")
        for i in range(2 * count)
    )
    agreements = Agreement.objects.bulk_create(
        Agreement(
            kind="mou",
            title=f"{label} memorandum {i}",
            search_text=f"{label} memorandum {i}",
            status=AgreementStatus.ACTIVE,
            valid_from=today - dt.timedelta(days=700),
            valid_to=today + dt.timedelta(days=i % 91),
        )
        for i in range(count)
    )
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, institution=institution, coordinator=coordinator)
        for i, agreement in enumerate(agreements)
        for institution, coordinator in (
            (institutions[2 * i], coordinators[2 * i]),
            (institutions[2 * i + 1], coordinators[2 * i + 1]),
        )
    )
    return coordinators


def most_queries_to_send(reminders):
    """A run finds the due reminders in one query, then reads, claims, mails and records them
    a batch at a time, each batch in one transaction: a fixed number of queries per batch,
    none per reminder."""
    batches = math.ceil(reminders / REMINDERS_PER_BATCH)
    per_batch = (
        1  # the batch's parties, their agreements and coordinators
        + 2  # its transaction
        + insert_queries(ExpiryReminder, REMINDERS_PER_BATCH)
        + insert_queries(AuditEvent, REMINDERS_PER_BATCH)
    )
    return 1 + batches * per_batch + 1  # the due reminders; the content type, once


def test_reminders_reach_every_coordinator_of_a_large_register_in_a_fixed_number_of_queries(
    count_queries,
):
    # Over a thousand coordinators used to be read with one condition each, joined by OR,
    # which SQLite refuses to parse ("Expression tree is too large").
    queries = {}
    for label, count in (("first", 600), ("second", 1200)):
        coordinators = ending_agreements_with_their_own_partners(count, label=label)
        mail.outbox.clear()

        with count_queries() as run:
            assert services.expiry_reminders_send() == 2 * count

        assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in coordinators)
        queries[count] = len(run.captured_queries)
        assert queries[count] <= most_queries_to_send(2 * count)
        assert max(query["sql"].count(" OR ") for query in run.captured_queries) == 0

    assert services.expiry_reminders_send() == 0
    assert ExpiryReminder.objects.count() == 2 * (600 + 1200)
    assert AuditEvent.objects.filter(action="agreement.reminder_sent").count() == 3600


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


def test_a_reminder_whose_mail_fails_is_sent_by_the_next_run(institution, partner, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    agreement = active_agreement(institution, partner, days_left=10)
    refused, accepted = with_coordinators(agreement)
    send = EmailBackend.send_messages

    def refuse_one(self, messages):
        if messages[0].to == [refused.email]:
            raise SMTPRecipientsRefused({refused.email: (550, b"mailbox unavailable")})
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_one)
    assert services.expiry_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[accepted.email]]
    assert list(ExpiryReminder.objects.values_list("party__coordinator", flat=True)) == [
        accepted.pk
    ]
    assert AuditEvent.objects.filter(action="agreement.reminder_sent").count() == 1

    monkeypatch.setattr(EmailBackend, "send_messages", send)
    assert services.expiry_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[accepted.email], [refused.email]]
