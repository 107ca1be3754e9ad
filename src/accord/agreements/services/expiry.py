"""The daily work: expiry, automatic renewal and reminders before the end."""

import datetime as dt
import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accord.centers.services import bookings_flag_for_ended_agreement
from accord.core.audit import audit_record

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
            bookings_flag_for_ended_agreement(agreement=current)
            expired.append(pk)
    return expired


def _agreement_url(agreement: Agreement) -> str:
    try:
        path = reverse("agreements:detail", args=[agreement.pk])
    except NoReverseMatch:
        path = f"/agreements/{agreement.pk}/"
    return f"{settings.SITE_URL}{path}"


def _send_reminder(party: AgreementParty, agreement: Agreement, days_left: int) -> None:
    coordinator = party.coordinator
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
            "days": days_left,
            "date": date_format(agreement.valid_to),
            "url": _agreement_url(agreement),
        }
    send_mail(subject, body, None, [coordinator.email])


def expiry_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each party's coordinator of an active agreement's end, once per threshold
    (settings.ACCORD_REMINDER_DAYS). Only the nearest threshold reached is sent. A row is
    written before each mail, in the mail's transaction, so no run sends anything twice."""
    today = today or timezone.localdate()
    thresholds = sorted(set(settings.ACCORD_REMINDER_DAYS))
    if not thresholds:
        return 0
    agreements = (
        Agreement.objects.filter(
            status=S.ACTIVE,
            valid_to__gte=today,
            valid_to__lte=today + dt.timedelta(days=thresholds[-1]),
        )
        .prefetch_related("parties__coordinator", "parties__institution")
        .order_by("valid_to", "pk")
    )
    sent = 0
    for agreement in agreements:
        assert agreement.valid_to is not None
        days_left = (agreement.valid_to - today).days
        days_before = min(n for n in thresholds if days_left <= n)
        for party in agreement.parties.all():
            coordinator = party.coordinator
            if coordinator is None or not coordinator.email or not coordinator.is_active:
                continue
            key = {"party": party, "days_before": days_before, "valid_to": agreement.valid_to}
            if ExpiryReminder.objects.filter(**key).exists():
                continue
            try:
                with transaction.atomic():
                    ExpiryReminder.objects.create(agreement=agreement, **key)
                    audit_record(
                        actor=None,
                        action="agreement.reminder_sent",
                        target=agreement,
                        changes={
                            "party": party.pk,
                            "institution": party.institution.name,
                            "days_before": days_before,
                            "to": coordinator.email,
                        },
                    )
                    _send_reminder(party, agreement, days_left)
            except IntegrityError:
                continue  # another run sent this one
            except (SMTPException, OSError):
                logger.exception(
                    "Expiry reminder for party %s not sent; retried next run", party.pk
                )
                continue
            sent += 1
    return sent
