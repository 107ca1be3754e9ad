"""Return obligations and the reminders before they fall due."""

import datetime as dt
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, audit_record_many
from accord.core.models import Membership, Role, User
from accord.core.reminders import nearest_threshold

from ..models import (
    Mobility,
    ObligationReminder,
    ObligationStatus,
    ReturnObligation,
)
from ._base import (
    MAX_RETURN_MONTHS,
    MAX_YEARS_OF_WORK,
    RESOLUTIONS,
    S,
    _add,
    _locked,
    _require,
    add_months,
    logger,
)


def obligation_add(
    *,
    actor: User,
    mobility: Mobility,
    programme: str,
    years_of_work: int,
    return_within_months: int,
) -> ReturnObligation:
    """A programme's condition to come home and work there; due `return_within_months` after
    the mobility's end."""
    _require(
        actor,
        "mobility.manage_obligations",
        mobility,
        _("Only the home institution's admins, officers and coordinators manage obligations."),
    )
    errors: dict[str, list[str]] = {}
    programme = " ".join(str(programme or "").split())
    if not programme:
        _add(errors, "programme", _("Name the programme that imposes the obligation."))
    elif len(programme) > 200:
        _add(errors, "programme", _("At most %(max)d characters.") % {"max": 200})
    for name, value, low, high in (
        ("years_of_work", years_of_work, 1, MAX_YEARS_OF_WORK),
        ("return_within_months", return_within_months, 0, MAX_RETURN_MONTHS),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            _add(
                errors,
                name,
                _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
            )
    with transaction.atomic():
        current = _locked(mobility)
        if current.status == S.CANCELLED:
            _add(errors, "__all__", _("A cancelled mobility has no obligations."))
        if errors:
            raise ValidationError(errors)
        obligation = ReturnObligation.objects.create(
            mobility=current,
            programme=programme,
            years_of_work=years_of_work,
            return_within_months=return_within_months,
            due_on=add_months(current.end_date, return_within_months),
        )
        audit_record(
            actor=actor,
            action="mobility.obligation_added",
            target=current,
            changes={
                "obligation": obligation.pk,
                "programme": programme,
                "years_of_work": years_of_work,
                "return_within_months": return_within_months,
                "due_on": obligation.due_on,
            },
        )
    return obligation


def obligation_resolve(
    *, actor: User, obligation: ReturnObligation, status: str, note: str = ""
) -> ReturnObligation:
    """pending -> fulfilled | breached | waived; a waiver says why."""
    mobility = obligation.mobility
    _require(
        actor,
        "mobility.manage_obligations",
        mobility,
        _("Only the home institution's admins, officers and coordinators manage obligations."),
    )
    errors: dict[str, list[str]] = {}
    note = str(note or "").strip()
    if status not in RESOLUTIONS:
        _add(
            errors,
            "status",
            _("%(value)s is not one of: %(choices)s.")
            % {"value": status or "—", "choices": ", ".join(str(s) for s in RESOLUTIONS)},
        )
    if status == ObligationStatus.WAIVED and not note:
        _add(errors, "note", _("Say why the obligation is waived."))
    with transaction.atomic():
        current = ReturnObligation.objects.select_for_update().get(pk=obligation.pk)
        if current.status != ObligationStatus.PENDING:
            _add(
                errors,
                "status",
                _("The obligation is already %(status)s.")
                % {"status": current.get_status_display().lower()},
            )
        if errors:
            raise ValidationError(errors)
        current.status = status
        current.note = note
        current.resolved_on = timezone.localdate()
        current.save(update_fields=["status", "note", "resolved_on"])
        changes: dict[str, Any] = {
            "obligation": current.pk,
            "programme": current.programme,
            "status": [ObligationStatus.PENDING.value, status],
        }
        if note:
            changes["note"] = note
        audit_record(
            actor=actor, action="mobility.obligation_resolved", target=mobility, changes=changes
        )
    obligation.status, obligation.note, obligation.resolved_on = (
        current.status,
        current.note,
        current.resolved_on,
    )
    return current


def _mobility_url(mobility: Mobility) -> str:
    return f"{settings.SITE_URL}{reverse('mobility:detail', kwargs={'pk': mobility.pk})}"


def _obligation_reminder_message(
    officer: User, obligation: ReturnObligation, today: dt.date
) -> EmailMessage:
    mobility = obligation.mobility
    with translation.override(officer.language or settings.LANGUAGE_CODE):
        subject = _("Return obligation of %(name)s falls due on %(date)s") % {
            "name": mobility.full_name,
            "date": date_format(obligation.due_on),
        }
        body = _(
            "Dear %(officer)s,\n\n"
            "%(name)s (%(institution)s) has a %(programme)s return obligation: %(years)d years "
            "of work at home, returning by %(date)s, in %(days)d days.\n"
            "Record whether it is fulfilled:\n%(url)s\n\n"
            "Accord"
        ) % {
            "officer": officer.get_full_name() or officer.username,
            "name": mobility.full_name,
            "institution": mobility.home_institution.display_name,
            "programme": obligation.programme,
            "years": obligation.years_of_work,
            "date": date_format(obligation.due_on),
            "days": (obligation.due_on - today).days,
            "url": _mobility_url(mobility),
        }
    return EmailMessage(subject, body, None, [officer.email])


# Obligations are claimed, mailed and recorded this many at a time: every query of a run has a
# fixed size, and their number grows by a handful per batch, not per obligation.
OBLIGATIONS_PER_BATCH = 100


def _reminded_already() -> Exists:
    return Exists(
        ObligationReminder.objects.filter(
            obligation=OuterRef("pk"),
            days_before=OuterRef("days_before"),
            due_on=OuterRef("due_on"),
        )
    )


def _obligations_due(today: dt.date, thresholds: list[int]) -> QuerySet[ReturnObligation]:
    """Pending obligations falling due within the largest threshold whose reminder at the
    nearest threshold reached (annotated as `days_before`) was not yet sent."""
    return (
        ReturnObligation.objects.filter(
            status=ObligationStatus.PENDING,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=thresholds[-1]),
        )
        .exclude(mobility__status=S.CANCELLED)
        .annotate(days_before=nearest_threshold("due_on", today, thresholds))
        .exclude(_reminded_already())
        .order_by("pk")
    )


def _batch_of(ids: list[int], today: dt.date, thresholds: list[int]) -> list[ReturnObligation]:
    """The obligations named, read by their ids with their mobility and its home institution,
    less those reminded since they were found (by another run) or no longer due."""
    obligations = (
        ReturnObligation.objects.filter(pk__in=ids)
        .annotate(days_before=nearest_threshold("due_on", today, thresholds))
        .exclude(_reminded_already())
        .select_related("mobility__home_institution")
        .order_by("pk")
    )
    return [
        obligation
        for obligation in obligations
        if obligation.days_before is not None  # type: ignore[attr-defined]
        and obligation.status == ObligationStatus.PENDING
        and obligation.due_on >= today
        and obligation.mobility.status != S.CANCELLED
    ]


def _officers_of(institution_ids: set[int]) -> dict[int, list[User]]:
    """The active admins and officers with an address of each institution, in one query."""
    officers: dict[int, dict[int, User]] = {pk: {} for pk in institution_ids}
    memberships = (
        Membership.objects.filter(
            institution_id__in=institution_ids,
            role__in=(Role.ADMIN, Role.OFFICER),
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    for membership in memberships:
        officers[membership.institution_id].setdefault(membership.user_id, membership.user)
    return {pk: list(users.values()) for pk, users in officers.items()}


def _reminder_changes(obligation: ReturnObligation, officers: list[User]) -> dict[str, Any]:
    return {
        "obligation": obligation.pk,
        "programme": obligation.programme,
        "days_before": obligation.days_before,  # type: ignore[attr-defined]
        "to": [officer.email for officer in officers],
    }


def _claim(obligation: ReturnObligation) -> ObligationReminder:
    return ObligationReminder(
        obligation=obligation,
        days_before=obligation.days_before,  # type: ignore[attr-defined]
        due_on=obligation.due_on,
    )


def _remind_batch(batch: list[tuple[ReturnObligation, list[User]]], today: dt.date) -> int:
    """Claim the batch's reminders, mail them and record them in one transaction; an
    obligation whose mail fails gives its claim back, to be sent by the next run."""
    with transaction.atomic():
        claims = ObligationReminder.objects.bulk_create(_claim(o) for o, _officers in batch)
        mailer = get_connection()
        unsent = []
        try:
            for (obligation, officers), claim in zip(batch, claims, strict=True):
                try:
                    for officer in officers:
                        mailer.send_messages(
                            [_obligation_reminder_message(officer, obligation, today)]
                        )
                except (SMTPException, OSError):
                    logger.exception(
                        "Obligation reminder for %s not sent; retried next run", obligation.pk
                    )
                    unsent.append(claim.pk)
        finally:
            mailer.close()
        if unsent:
            ObligationReminder.objects.filter(pk__in=unsent).delete()
        sent = [
            (obligation, officers)
            for (obligation, officers), claim in zip(batch, claims, strict=True)
            if claim.pk not in unsent
        ]
        audit_record_many(
            actor=None,
            action="mobility.reminder_sent",
            entries=(
                (obligation.mobility, _reminder_changes(obligation, officers))
                for obligation, officers in sent
            ),
        )
    return len(sent)


def _remind_one_by_one(batch: list[tuple[ReturnObligation, list[User]]], today: dt.date) -> int:
    """The batch again, an obligation at a time, when another run claimed some of it first."""
    sent = 0
    for obligation, officers in batch:
        try:
            with transaction.atomic():
                _claim(obligation).save()
                audit_record(
                    actor=None,
                    action="mobility.reminder_sent",
                    target=obligation.mobility,
                    changes=_reminder_changes(obligation, officers),
                )
                for officer in officers:
                    _obligation_reminder_message(officer, obligation, today).send()
        except IntegrityError:
            continue  # another run sent this one
        except (SMTPException, OSError):
            logger.exception("Obligation reminder for %s not sent; retried next run", obligation.pk)
            continue
        sent += 1
    return sent


def obligation_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind the home institution's admins and officers of a pending obligation's due date,
    once per threshold (settings.ACCORD_REMINDER_DAYS; the nearest reached). The reminder's
    row is written in the mails' transaction, so no run sends anything twice. Returns the
    number of obligations reminded of."""
    today = today or timezone.localdate()
    thresholds = sorted(set(settings.ACCORD_REMINDER_DAYS))
    if not thresholds:
        return 0
    # The window is searched once; each batch is then read again by its ids, so that a run
    # takes time in proportion to its reminders (and leaves out any another run just sent).
    due_ids = list(_obligations_due(today, thresholds).values_list("pk", flat=True))
    officers_by_institution: dict[int, list[User]] = {}
    sent = 0
    for start in range(0, len(due_ids), OBLIGATIONS_PER_BATCH):
        obligations = _batch_of(due_ids[start : start + OBLIGATIONS_PER_BATCH], today, thresholds)
        institutions = {o.mobility.home_institution_id for o in obligations}
        officers_by_institution.update(_officers_of(institutions - set(officers_by_institution)))
        batch = [
            (obligation, officers)
            for obligation in obligations
            if (officers := officers_by_institution[obligation.mobility.home_institution_id])
        ]
        if not batch:
            continue
        try:
            sent += _remind_batch(batch, today)
        except IntegrityError:
            sent += _remind_one_by_one(batch, today)
    return sent
