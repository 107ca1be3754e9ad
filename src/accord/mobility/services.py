"""Every change to mobilities, their return and return obligations.

Each function takes the acting user, checks permission with the rules of rules.py, validates
every value at once (ValidationError with {field: [messages]}), writes inside one transaction
and records an audit event on the mobility.

Places: a mobility under a `mobility` provision takes one of its places for the academic year
it starts in, from `planned` on (see COUNTED_STATUSES). The provision's row is locked while the
places are counted and the mobility written, so two officers saving at the same moment cannot
both take the last place.
"""

import calendar
import datetime as dt
import logging
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from accord.agreements.models import AgreementParty, Provision, ProvisionKind
from accord.agreements.provisions import STUDENT_TYPES
from accord.core.audit import audit_record, diff
from accord.core.memberships import staff_institution_ids
from accord.core.models import Role, User
from accord.institutions.models import Institution, Unit

from .checks import academic_year_of, mobility_problems
from .models import (
    COUNTED_STATUSES,
    Funding,
    Mobility,
    MobilityKind,
    MobilityStatus,
    ObligationReminder,
    ObligationStatus,
    PersonKind,
    ReturnObligation,
)

logger = logging.getLogger(__name__)

S = MobilityStatus

ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PLANNED: (S.NOMINATED, S.CANCELLED),
    S.NOMINATED: (S.ONGOING, S.CANCELLED),
    S.ONGOING: (S.COMPLETED, S.CANCELLED),
    S.COMPLETED: (),
    S.CANCELLED: (),
}
FINAL_STATUSES = frozenset({S.COMPLETED, S.CANCELLED})

# What a caller may set; the countries and the academic year follow from these.
FIELDS = (
    "external_id",
    "person_kind",
    "given_names",
    "family_name",
    "email",
    "birth_date",
    "nationality",
    "esi",
    "user",
    "home_institution",
    "home_unit",
    "host_institution",
    "host_unit",
    "kind",
    "eqf_level",
    "isced_code",
    "start_date",
    "end_date",
    "funding",
    "programme",
    "agreement",
    "provision",
)
REQUIRED = (
    "given_names",
    "family_name",
    "home_institution",
    "host_institution",
    "kind",
    "start_date",
    "end_date",
    "funding",
)
AUDITED_FIELDS = (*FIELDS, "home_country", "host_country", "academic_year", "status")
CHOICES = {
    "person_kind": PersonKind,
    "kind": MobilityKind,
    "funding": Funding,
}
TEXT_FIELDS = ("external_id", "given_names", "family_name", "email", "esi", "programme")
RESOLUTIONS = (ObligationStatus.FULFILLED, ObligationStatus.BREACHED, ObligationStatus.WAIVED)
MAX_YEARS_OF_WORK = 50
MAX_RETURN_MONTHS = 240


# Helpers -------------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "code") and not isinstance(value, str):  # a django-countries Country
        return value.code or ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _snapshot(mobility: Mobility) -> dict[str, Any]:
    return {name: _value(getattr(mobility, name)) for name in AUDITED_FIELDS}


def _require(actor: User, permission: str, mobility: Mobility, message: str) -> None:
    if not actor.has_perm(permission, mobility):
        raise PermissionDenied(message)


def _locked(mobility: Mobility) -> Mobility:
    """The mobility's row, locked until the transaction ends."""
    return Mobility.objects.select_for_update().get(pk=mobility.pk)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` later, on the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    messages = errors.setdefault(field, [])
    if message not in messages:
        messages.append(message)


def _max_length(name: str) -> int | None:
    return getattr(Mobility._meta.get_field(name), "max_length", None)


# Validation ----------------------------------------------------------------------------------


def _clean_values(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Normalised values; every problem of a single field added to `errors`."""
    cleaned = dict(values)
    for name in TEXT_FIELDS:
        if name in values:
            text = " ".join(str(values[name] or "").split())
            limit = _max_length(name)
            if limit and len(text) > limit:
                _add(
                    errors,
                    name,
                    _("At most %(max)d characters (this has %(length)d).")
                    % {"max": limit, "length": len(text)},
                )
            cleaned[name] = text
    if "external_id" in cleaned:
        cleaned["external_id"] = cleaned["external_id"] or None
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            _add(errors, "email", _("Enter a valid e-mail address."))
    if "nationality" in values:
        code = str(values["nationality"] or "").strip().upper()
        if code and code not in dict(countries):
            _add(
                errors,
                "nationality",
                _("%(code)s is not an ISO 3166 country code (such as KZ, PL).") % {"code": code},
            )
        cleaned["nationality"] = code
    if "isced_code" in values:
        cleaned["isced_code"] = str(values["isced_code"] or "").strip()
    for name, choices in CHOICES.items():
        if name in values and values[name] not in choices.values:
            _add(
                errors,
                name,
                _("%(value)s is not one of: %(choices)s.")
                % {"value": values[name] or "—", "choices": ", ".join(choices.values)},
            )
    if values.get("eqf_level") in ("", None):
        if "eqf_level" in values:
            cleaned["eqf_level"] = None
    elif "eqf_level" in values:
        try:
            cleaned["eqf_level"] = int(values["eqf_level"])
        except (TypeError, ValueError):
            _add(
                errors,
                "eqf_level",
                _("EQF levels are 1 to 8; %(value)s is not one.") % {"value": values["eqf_level"]},
            )
    for name in ("start_date", "end_date", "birth_date"):
        value = values.get(name)
        if value is not None and not isinstance(value, dt.date):
            _add(errors, name, _("Enter a valid date."))
    return cleaned


def _check_record(
    mobility: Mobility, errors: dict[str, list[str]], *, today: dt.date
) -> Provision | None:
    """Checks across fields: required values, dates, codes, units, agreement and provision.
    Returns the provision whose places the mobility would take, if any."""
    for name in REQUIRED:
        if name in errors:
            continue
        attname = f"{name}_id" if name.endswith("_institution") else name
        if getattr(mobility, attname) in (None, ""):
            _add(errors, name, _("This field is required."))
    for name, message in mobility_problems(
        start_date=mobility.start_date if isinstance(mobility.start_date, dt.date) else None,
        end_date=mobility.end_date if isinstance(mobility.end_date, dt.date) else None,
        home_institution_id=mobility.home_institution_id,
        host_institution_id=mobility.host_institution_id,
        eqf_level=mobility.eqf_level if isinstance(mobility.eqf_level, int) else None,
        isced_code=mobility.isced_code,
        birth_date=mobility.birth_date if isinstance(mobility.birth_date, dt.date) else None,
        today=today,
    ).items():
        _add(errors, name, message)
    for side in ("home", "host"):
        unit: Unit | None = getattr(mobility, f"{side}_unit")
        institution_id = getattr(mobility, f"{side}_institution_id")
        if unit is not None and institution_id and unit.institution_id != institution_id:
            _add(
                errors,
                f"{side}_unit",
                _("%(unit)s is not a unit of the %(side)s institution.")
                % {"unit": unit.name, "side": _("home") if side == "home" else _("host")},
            )
    provision: Provision | None = mobility.provision
    agreement = mobility.agreement
    if provision is not None and agreement is None:
        agreement = mobility.agreement = provision.agreement
    if agreement is not None and mobility.home_institution_id and mobility.host_institution_id:
        parties = set(
            AgreementParty.objects.filter(agreement=agreement).values_list(
                "institution_id", flat=True
            )
        )
        missing = [
            institution
            for institution in (mobility.home_institution, mobility.host_institution)
            if institution.pk not in parties
        ]
        if len(missing) == 2:
            _add(
                errors,
                "agreement",
                _("Neither %(home)s nor %(host)s is a party to the agreement “%(agreement)s”.")
                % {"home": missing[0], "host": missing[1], "agreement": agreement},
            )
        elif missing:
            _add(
                errors,
                "agreement",
                _("%(institution)s is not a party to the agreement “%(agreement)s”.")
                % {"institution": missing[0], "agreement": agreement},
            )
    if provision is None:
        return None
    if agreement is not None and provision.agreement_id != agreement.pk:
        _add(errors, "provision", _("This provision belongs to another agreement."))
        return None
    if provision.kind != ProvisionKind.MOBILITY:
        _add(
            errors,
            "provision",
            _("A mobility falls under a mobility provision, not “%(kind)s”.")
            % {"kind": provision.get_kind_display()},
        )
        return None
    terms = provision.terms or {}
    if (
        mobility.home_institution_id
        and terms.get("sending_institution") != mobility.home_institution_id
    ) or (
        mobility.host_institution_id
        and terms.get("receiving_institution") != mobility.host_institution_id
    ):
        _add(
            errors,
            "provision",
            _(
                "The provision sends people from another institution or to another one; "
                "its direction must be the mobility's home to its host."
            ),
        )
    mobility_type = terms.get("mobility_type")
    if mobility_type:
        for_students = mobility_type in STUDENT_TYPES
        if for_students != (mobility.person_kind == PersonKind.STUDENT):
            _add(
                errors,
                "provision",
                _("The provision is for students.")
                if for_students
                else _("The provision is for staff."),
            )
    return provision


def _places_problem(provision: Provision, mobility: Mobility) -> str:
    """Why the mobility cannot take one of the provision's places, or "" when it can. Call
    with the provision's row locked."""
    terms = provision.terms or {}
    year = mobility.academic_year
    first, last = terms.get("academic_year_from"), terms.get("academic_year_to")
    if first and last and not (first <= year <= last):
        return _(
            "The provision “%(provision)s” covers the academic years %(first)s to %(last)s; "
            "this mobility starts in %(year)s."
        ) % {"provision": provision, "first": first, "last": last, "year": year}
    places = terms.get("places_per_year")
    if not isinstance(places, int):
        return ""
    taken = (
        Mobility.objects.filter(
            provision=provision, academic_year=year, status__in=COUNTED_STATUSES
        )
        .exclude(pk=mobility.pk)
        .count()
    )
    if taken >= places:
        return _(
            "The provision “%(provision)s” has %(places)d places in %(year)s and all "
            "%(taken)d are taken."
        ) % {"provision": provision, "places": places, "year": year, "taken": taken}
    return ""


def _lock_provision(provision: Provision | None) -> Provision | None:
    if provision is None or provision.pk is None:
        return provision
    locked = Provision.objects.select_for_update().select_related("agreement").get(pk=provision.pk)
    return locked


def _validate(
    mobility: Mobility,
    errors: dict[str, list[str]],
    *,
    previous: tuple[int | None, str] | None = None,
) -> None:
    """Every check on a mobility about to be written, the places included; raises them all.
    Call inside the transaction: the provision's row is locked while places are counted.
    `previous`: the (provision id, academic year) it had; the places are counted again only
    when one of them changes."""
    today = timezone.localdate()
    if isinstance(mobility.start_date, dt.date):
        mobility.academic_year = academic_year_of(mobility.start_date)
    if mobility.provision_id is not None:
        mobility.provision = _lock_provision(mobility.provision)
    provision = _check_record(mobility, errors, today=today)
    moved = previous is None or previous != (mobility.provision_id, mobility.academic_year)
    if provision is not None and moved and not errors and mobility.status in COUNTED_STATUSES:
        problem = _places_problem(provision, mobility)
        if problem:
            _add(errors, "provision", problem)
    if errors:
        raise ValidationError(errors)
    mobility.home_country = mobility.home_institution.country
    mobility.host_country = mobility.host_institution.country


def _require_home_staff(actor: User, institution: Institution | None) -> None:
    if institution is None:
        return
    allowed = actor.is_authenticated and (
        actor.is_staff or institution.pk in staff_institution_ids(actor)
    )
    if not allowed:
        raise PermissionDenied(
            _(
                "Only the home institution's admins, officers and coordinators record its "
                "mobilities."
            )
        )


# Mobilities ----------------------------------------------------------------------------------


def mobility_create(*, actor: User, **values: Any) -> Mobility:
    """A new mobility, `planned` unless `status` says otherwise (an import of past records)."""
    if not actor.has_perm("mobility.add_mobility"):
        raise PermissionDenied(
            _("Only an institution's admins, officers and coordinators record mobilities.")
        )
    status = values.pop("status", S.PLANNED)
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    if status not in S.values:
        _add(errors, "status", _("Unknown status: %(status)s.") % {"status": status})
    cleaned = _clean_values(values, errors)
    _require_home_staff(actor, cleaned.get("home_institution"))
    if not cleaned.get("person_kind"):
        cleaned["person_kind"] = PersonKind.STUDENT
    for name in FIELDS:
        if cleaned.get(name) is None and name not in _NULLABLE:
            cleaned[name] = ""
        cleaned.setdefault(name, None)
    if errors:
        # Report the problems across fields too, on the values that could be read.
        probe = Mobility(**{k: v for k, v in cleaned.items() if k not in errors})
        _check_record(probe, errors, today=timezone.localdate())
        raise ValidationError(errors)
    with transaction.atomic():
        mobility = Mobility(
            **cleaned,
            status=status,
            created_by=actor if actor.is_authenticated else None,
        )
        _validate(mobility, errors)
        try:
            with transaction.atomic():
                mobility.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "external_id": [
                        _("The home institution already has a mobility with this external id.")
                    ]
                }
            ) from None
        audit_record(
            actor=actor, action="mobility.created", target=mobility, changes=_snapshot(mobility)
        )
    return mobility


_NULLABLE = frozenset(
    {
        "external_id",
        "birth_date",
        "user",
        "home_institution",
        "home_unit",
        "host_institution",
        "host_unit",
        "eqf_level",
        "start_date",
        "end_date",
        "agreement",
        "provision",
    }
)


def mobility_update(*, actor: User, mobility: Mobility, **values: Any) -> Mobility:
    """Change the given fields. A cancelled mobility stays as it was."""
    _require(
        actor,
        "mobility.change_mobility",
        mobility,
        _("Only the home institution's admins, officers and coordinators change this mobility."),
    )
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    cleaned = _clean_values(values, errors)
    if errors:
        raise ValidationError(errors)
    if "home_institution" in cleaned and cleaned["home_institution"] != mobility.home_institution:
        _require_home_staff(actor, cleaned["home_institution"])
    with transaction.atomic():
        current = _locked(mobility)
        if current.status == S.CANCELLED:
            raise ValidationError({"__all__": [_("A cancelled mobility no longer changes.")]})
        before = _snapshot(current)
        previous = (current.provision_id, current.academic_year)
        for name, value in cleaned.items():
            if value is None and name not in _NULLABLE:
                value = ""
            setattr(current, name, value)
        if "agreement" in cleaned and cleaned["agreement"] is None and "provision" not in cleaned:
            current.provision = None
        _validate(current, errors, previous=previous)
        changes = diff(before, _snapshot(current))
        if not changes:
            return current
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "external_id": [
                        _("The home institution already has a mobility with this external id.")
                    ]
                }
            ) from None
        audit_record(actor=actor, action="mobility.updated", target=current, changes=changes)
    return current


def mobility_allowed_transitions(mobility: Mobility) -> tuple[str, ...]:
    """The statuses the mobility may go to next, in lifecycle order."""
    return ALLOWED_TRANSITIONS.get(mobility.status, ())


def mobility_transition(*, actor: User, mobility: Mobility, to: str, reason: str = "") -> Mobility:
    """planned -> nominated -> ongoing -> completed; any of the first three -> cancelled, with
    a reason. A nomination re-checks the provision's places under its lock."""
    _require(
        actor,
        "mobility.transition_mobility",
        mobility,
        _("Only the home institution's admins, officers and coordinators change its status."),
    )
    reason = str(reason or "").strip()
    with transaction.atomic():
        current = _locked(mobility)
        if to not in mobility_allowed_transitions(current):
            raise ValidationError(
                {
                    "status": [
                        _("A mobility cannot go from %(from)s to %(to)s.")
                        % {
                            "from": current.get_status_display(),
                            "to": dict(S.choices).get(to, to),
                        }
                    ]
                }
            )
        if to == S.CANCELLED and not reason:
            raise ValidationError({"reason": [_("Say why the mobility is cancelled.")]})
        if to == S.NOMINATED and current.provision_id is not None:
            provision = _lock_provision(current.provision)
            assert provision is not None
            problem = _places_problem(provision, current)
            if problem:
                raise ValidationError({"status": [problem]})
        before = current.status
        current.status = to
        fields = ["status", "updated_at"]
        if to == S.CANCELLED:
            current.cancellation_reason = reason
            fields.append("cancellation_reason")
        current.save(update_fields=fields)
        changes: dict[str, Any] = {"status": [before, to]}
        if reason:
            changes["reason"] = reason
        audit_record(actor=actor, action="mobility.status_changed", target=current, changes=changes)
    mobility.status = current.status
    mobility.cancellation_reason = current.cancellation_reason
    return current


def mobility_record_return(
    *,
    actor: User,
    mobility: Mobility,
    returned_home: bool | None,
    returned_on: dt.date | None = None,
    employer: str = "",
) -> Mobility:
    """Whether the person came back to the home country after a completed mobility, when,
    and where they work."""
    _require(
        actor,
        "mobility.record_return",
        mobility,
        _("Only the home institution's admins, officers and coordinators record a return."),
    )
    errors: dict[str, list[str]] = {}
    employer = " ".join(str(employer or "").split())
    if returned_home is None:
        _add(errors, "returned_home", _("Say whether the person returned home."))
    if returned_on is not None and not isinstance(returned_on, dt.date):
        _add(errors, "returned_on", _("Enter a valid date."))
        returned_on = None
    if returned_on is not None:
        if returned_on > timezone.localdate():
            _add(errors, "returned_on", _("The return cannot be in the future."))
        if returned_on < mobility.start_date:
            _add(errors, "returned_on", _("The return cannot be before the mobility started."))
        if returned_home is False:
            _add(errors, "returned_on", _("Someone who did not return has no date of return."))
    if len(employer) > (_max_length("employer") or 300):
        _add(errors, "employer", _("At most %(max)d characters.") % {"max": 300})
    with transaction.atomic():
        current = _locked(mobility)
        if current.status != S.COMPLETED:
            _add(
                errors,
                "__all__",
                _("A return is recorded once the mobility is completed (it is %(status)s).")
                % {"status": current.get_status_display().lower()},
            )
        if errors:
            raise ValidationError(errors)
        before = _snapshot_return(current)
        current.returned_home = returned_home
        current.returned_on = returned_on
        current.employer = employer
        changes = diff(before, _snapshot_return(current))
        if not changes:
            return current
        current.save(update_fields=["returned_home", "returned_on", "employer", "updated_at"])
        audit_record(
            actor=actor, action="mobility.return_recorded", target=current, changes=changes
        )
    mobility.returned_home, mobility.returned_on, mobility.employer = (
        returned_home,
        returned_on,
        employer,
    )
    return current


def _snapshot_return(mobility: Mobility) -> dict[str, Any]:
    return {
        name: _value(getattr(mobility, name))
        for name in ("returned_home", "returned_on", "employer")
    }


# Return obligations --------------------------------------------------------------------------


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


def _send_obligation_reminder(officer: User, obligation: ReturnObligation, days_left: int) -> None:
    mobility = obligation.mobility
    with translation.override(officer.language or settings.LANGUAGE_CODE):
        subject = _("Return obligation of %(name)s falls due on %(date)s") % {
            "name": mobility.full_name,
            "date": obligation.due_on.isoformat(),
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
            "institution": mobility.home_institution.name,
            "programme": obligation.programme,
            "years": obligation.years_of_work,
            "date": obligation.due_on.isoformat(),
            "days": days_left,
            "url": _mobility_url(mobility),
        }
    send_mail(subject, body, None, [officer.email])


def obligation_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind the home institution's admins and officers of a pending obligation's due date,
    once per threshold (settings.ACCORD_REMINDER_DAYS; the nearest reached). The reminder's
    row is written in the mails' transaction, so no run sends anything twice. Returns the
    number of obligations reminded of."""
    today = today or timezone.localdate()
    thresholds = sorted(set(settings.ACCORD_REMINDER_DAYS))
    if not thresholds:
        return 0
    obligations = (
        ReturnObligation.objects.filter(
            status=ObligationStatus.PENDING,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=thresholds[-1]),
        )
        .exclude(mobility__status=S.CANCELLED)
        .select_related("mobility__home_institution")
        .order_by("due_on", "pk")
    )
    officers_by_institution: dict[int, list[User]] = {}
    sent = 0
    for obligation in obligations:
        days_left = (obligation.due_on - today).days
        days_before = min(n for n in thresholds if days_left <= n)
        key = {"obligation": obligation, "days_before": days_before, "due_on": obligation.due_on}
        if ObligationReminder.objects.filter(**key).exists():
            continue
        institution_id = obligation.mobility.home_institution_id
        if institution_id not in officers_by_institution:
            officers_by_institution[institution_id] = list(
                User.objects.filter(
                    memberships__institution_id=institution_id,
                    memberships__role__in=(Role.ADMIN, Role.OFFICER),
                    is_active=True,
                )
                .exclude(email="")
                .distinct()
                .order_by("pk")
            )
        officers = officers_by_institution[institution_id]
        if not officers:
            continue
        try:
            with transaction.atomic():
                ObligationReminder.objects.create(**key)
                audit_record(
                    actor=None,
                    action="mobility.reminder_sent",
                    target=obligation.mobility,
                    changes={
                        "obligation": obligation.pk,
                        "programme": obligation.programme,
                        "days_before": days_before,
                        "to": [officer.email for officer in officers],
                    },
                )
                for officer in officers:
                    _send_obligation_reminder(officer, obligation, days_left)
        except IntegrityError:
            continue  # another run sent this one
        except (SMTPException, OSError):
            logger.exception("Obligation reminder for %s not sent; retried next run", obligation.pk)
            continue
        sent += 1
    return sent
