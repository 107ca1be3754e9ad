"""Mobilities: create, change, move through their statuses, record the return."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, diff
from accord.core.models import User

from ..models import (
    Mobility,
    PersonKind,
)
from ._base import (
    ALLOWED_TRANSITIONS,
    FIELDS,
    S,
    _add,
    _check_record,
    _clean_values,
    _lock_provision,
    _locked,
    _max_length,
    _places_problem,
    _require,
    _require_home_staff,
    _snapshot,
    _validate,
    _value,
)


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
