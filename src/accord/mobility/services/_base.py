"""What the mobility services share: the fields a caller may set, their checks, places."""

import calendar
import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.agreements.models import AgreementParty, Provision, ProvisionKind
from accord.agreements.provisions import STUDENT_TYPES
from accord.core.memberships import staff_institution_ids
from accord.core.models import User
from accord.core.validators import normalize_country_code, validate_country_code
from accord.institutions.models import Institution, Unit

from ..checks import academic_year_of, mobility_problems
from ..models import (
    COUNTED_STATUSES,
    Funding,
    Mobility,
    MobilityKind,
    MobilityStatus,
    ObligationStatus,
    PersonKind,
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
        code = normalize_country_code(values["nationality"])
        try:
            validate_country_code(code)
        except ValidationError as error:
            _add(errors, "nationality", error.messages[0])
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
        funding=mobility.funding,
        has_agreement=mobility.agreement_id is not None or mobility.provision_id is not None,
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
