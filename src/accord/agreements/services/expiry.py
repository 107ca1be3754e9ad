"""The daily work: expiry, automatic renewal and reminders before the end."""

import datetime as dt
import logging
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, audit_record_many
from accord.core.reminders import nearest_threshold

from .. import hub
from ..models import Agreement, AgreementParty, ExpiryReminder
from ._base import S

logger = logging.getLogger(__name__)


# Expiry and reminders ------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    return day.replace(year=day.year + month_index // 12, month=month_index % 12 + 1)


def _next_period_end(agreement: Agreement) -> dt.date:
    """valid_to extended by the length of the agreement's first period: whole months when the
    period is whole months (2025-01-01..2029-12-31 -> 2034-12-31), else days."""
    assert agreement.valid_to is not None
    start = agreement.valid_from or agreement.valid_to
    end_exclusive = agreement.valid_to + dt.timedelta(days=1)
    periods = agreement.auto_renewals + 1
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    if start.day <= 28 and end_exclusive.day == start.day and months > 0 and months % periods == 0:
        return _add_months(end_exclusive, months // periods) - dt.timedelta(days=1)
    days = (end_exclusive - start).days
    return agreement.valid_to + dt.timedelta(days=max(days // periods, 1))


def agreements_expire_due(*, today: dt.date | None = None) -> list[int]:
    """Expire every active agreement that ended before `today`; one that renews automatically
    gets a further period instead. Returns the ids of the agreements that expired."""
    today = today or timezone.localdate()
    due = list(
        Agreement.objects.filter(status=S.ACTIVE, valid_to__lt=today).values_list("pk", flat=True)
    )
    expired = []
    for pk in due:
        with transaction.atomic():
            current = Agreement.objects.select_for_update().filter(pk=pk).first()
            if current is None or current.status != S.ACTIVE or current.valid_to is None:
                continue
            if current.valid_to >= today:
                continue
            if current.auto_renew:
                before = end = current.valid_to
                while end < today:
                    end = current.valid_to = _next_period_end(current)
                    current.auto_renewals += 1
                current.save(update_fields=["valid_to", "auto_renewals", "updated_at"])
                audit_record(
                    actor=None,
                    action="agreement.auto_renewed",
                    target=current,
                    changes={"valid_to": [before.isoformat(), end.isoformat()]},
                )
                continue
            current.status = S.EXPIRED
            current.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=None,
                action="agreement.expired",
                target=current,
                changes={"status": [S.ACTIVE.value, S.EXPIRED.value]},
            )
            hub.agreement_ended(current)
            expired.append(pk)
    return expired


def _agreement_url(agreement: Agreement) -> str:
    try:
        path = reverse("agreements:detail", args=[agreement.pk])
    except NoReverseMatch:
        path = f"/agreements/{agreement.pk}/"
    return f"{settings.SITE_URL}{path}"


def _reminder_message(party: AgreementParty, today: dt.date) -> EmailMessage:
    agreement, coordinator = party.agreement, party.coordinator
    assert coordinator is not None and agreement.valid_to is not None
    with translation.override(coordinator.language or settings.LANGUAGE_CODE):
        title = agreement.title_in(translation.get_language() or "en")
        subject = _("Agreement “%(title)s” ends on %(date)s") % {
            "title": title,
            "date": date_format(agreement.valid_to),
        }
        body = _(
            "Dear %(name)s,\n\n"
            "the agreement “%(title)s”, which %(institution)s is party to and you coordinate, "
            "ends in %(days)d days, on %(date)s.\n"
            "If the partners mean to continue, start its renewal now:\n%(url)s\n\n"
            "Accord"
        ) % {
            "name": coordinator.get_full_name() or coordinator.username,
            "title": title,
            "institution": party.institution.name_in(translation.get_language() or "en"),
            "days": (agreement.valid_to - today).days,
            "date": date_format(agreement.valid_to),
            "url": _agreement_url(agreement),
        }
    return EmailMessage(subject, body, None, [coordinator.email])


# Reminders are claimed, mailed and recorded this many at a time: every query of a run has a
# fixed size, and their number grows by a handful per batch, not per reminder.
REMINDERS_PER_BATCH = 100


def _reminded_already() -> Exists:
    return Exists(
        ExpiryReminder.objects.filter(
            party=OuterRef("pk"),
            days_before=OuterRef("days_before"),
            valid_to=OuterRef("agreement__valid_to"),
        )
    )


def _reminders_due(today: dt.date, thresholds: list[int]) -> QuerySet[AgreementParty]:
    """The parties of active agreements ending within the largest threshold, whose coordinator
    can be written to and was not yet reminded at the nearest threshold reached (annotated as
    `days_before`): one query whatever their number."""
    return (
        AgreementParty.objects.filter(
            agreement__status=S.ACTIVE,
            agreement__valid_to__gte=today,
            agreement__valid_to__lte=today + dt.timedelta(days=thresholds[-1]),
            coordinator__is_active=True,
        )
        .exclude(coordinator__email="")
        .annotate(days_before=nearest_threshold("agreement__valid_to", today, thresholds))
        .exclude(_reminded_already())
        .order_by("pk")
    )


def _batch_of(party_ids: list[int], today: dt.date, thresholds: list[int]) -> list[AgreementParty]:
    """The parties named, read by their ids with their agreement, institution and coordinator
    joined, less those reminded since they were found (by another run) or no longer due. The
    window's conditions are checked here rather than in the query, which then reads the
    parties by their ids instead of the window again."""
    parties = (
        AgreementParty.objects.filter(pk__in=party_ids)
        .annotate(days_before=nearest_threshold("agreement__valid_to", today, thresholds))
        .exclude(_reminded_already())
        .select_related("agreement", "institution", "coordinator")
        .order_by("pk")
    )
    return [
        party
        for party in parties
        if party.days_before is not None  # type: ignore[attr-defined]
        and party.agreement.status == S.ACTIVE
        and party.agreement.valid_to is not None
        and party.agreement.valid_to >= today
        and party.coordinator is not None
        and party.coordinator.is_active
        and party.coordinator.email
    ]


def _reminder_changes(party: AgreementParty) -> dict[str, Any]:
    assert party.coordinator is not None
    return {
        "party": party.pk,
        "institution": party.institution.name,
        "days_before": party.days_before,  # type: ignore[attr-defined]
        "to": party.coordinator.email,
    }


def _claim(party: AgreementParty) -> ExpiryReminder:
    """The row that says this party's reminder went; its unique key makes sending idempotent."""
    assert party.agreement.valid_to is not None
    return ExpiryReminder(
        agreement=party.agreement,
        party=party,
        days_before=party.days_before,  # type: ignore[attr-defined]
        valid_to=party.agreement.valid_to,
    )


def _remind_batch(parties: list[AgreementParty], today: dt.date) -> int:
    """Claim the batch's reminders, mail them and record them in one transaction; a mail that
    fails gives its claim back, to be sent by the next run. Returns how many were sent."""
    with transaction.atomic():
        claims = ExpiryReminder.objects.bulk_create(_claim(party) for party in parties)
        mailer = get_connection()
        unsent = []
        try:
            for party, claim in zip(parties, claims, strict=True):
                try:
                    mailer.send_messages([_reminder_message(party, today)])
                except (SMTPException, OSError):
                    logger.exception(
                        "Expiry reminder for party %s not sent; retried next run", party.pk
                    )
                    unsent.append(claim.pk)
        finally:
            mailer.close()
        if unsent:
            ExpiryReminder.objects.filter(pk__in=unsent).delete()
        sent = [claim.party for claim in claims if claim.pk not in unsent]
        audit_record_many(
            actor=None,
            action="agreement.reminder_sent",
            entries=((party.agreement, _reminder_changes(party)) for party in sent),
        )
    return len(sent)


def _remind_one_by_one(parties: list[AgreementParty], today: dt.date) -> int:
    """The batch again, a reminder at a time, when another run claimed some of it first."""
    sent = 0
    for party in parties:
        try:
            with transaction.atomic():
                _claim(party).save()
                audit_record(
                    actor=None,
                    action="agreement.reminder_sent",
                    target=party.agreement,
                    changes=_reminder_changes(party),
                )
                _reminder_message(party, today).send()
        except IntegrityError:
            continue  # another run sent this one
        except (SMTPException, OSError):
            logger.exception("Expiry reminder for party %s not sent; retried next run", party.pk)
            continue
        sent += 1
    return sent


def expiry_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each party's coordinator of an active agreement's end, once per threshold
    (settings.ACCORD_REMINDER_DAYS). Only the nearest threshold reached is sent. A reminder's
    row is written in its mail's transaction, so no run sends anything twice, also when
    several runs overlap. Returns how many reminders were sent."""
    today = today or timezone.localdate()
    thresholds = sorted(set(settings.ACCORD_REMINDER_DAYS))
    if not thresholds:
        return 0
    due = _reminders_due(today, thresholds)
    # The window is searched once; each batch is then read again by its ids, so that a run
    # takes time in proportion to its reminders (and leaves out any another run just sent).
    party_ids = list(due.values_list("pk", flat=True))
    sent = 0
    for start in range(0, len(party_ids), REMINDERS_PER_BATCH):
        batch = _batch_of(party_ids[start : start + REMINDERS_PER_BATCH], today, thresholds)
        if not batch:
            continue
        try:
            sent += _remind_batch(batch, today)
        except IntegrityError:
            sent += _remind_one_by_one(batch, today)
    return sent
