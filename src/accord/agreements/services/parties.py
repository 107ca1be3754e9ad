"""The parties of an agreement: who they are, who signed, who coordinates."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.audit import diff, snapshot
from accord.core.models import Membership, User
from accord.institutions.models import Institution

from ..models import Agreement, AgreementParty, FormerParty
from ..selectors import forget_left_agreements
from ._base import (
    EDITABLE_STATUSES,
    PARTY_CHANGE_STATUSES,
    S,
    _locked,
    _record_change,
    _require_change,
)

# Parties -------------------------------------------------------------------------------------


def _require_own_party(actor: User, party: AgreementParty) -> None:
    """A party's signature, coordinator and leaving are its own staff's (or platform staff's)
    to record: the agreement's other parties may not decide them for it."""
    _require_change(actor, party.agreement)
    if not actor.has_perm("agreements.change_party", party):
        raise PermissionDenied(
            _("Only the staff of %(institution)s may change what %(institution)s records.")
            % {"institution": party.institution.display_name}
        )


def _require_party_changes_allowed(agreement: Agreement) -> None:
    if agreement.status not in PARTY_CHANGE_STATUSES:
        raise ValidationError(
            {
                "institution": _(
                    "Parties can change only in draft or negotiation; "
                    "this agreement is in %(status)s."
                )
                % {"status": agreement.get_status_display()}
            }
        )


def party_add(*, actor: User, agreement: Agreement, institution: Institution) -> AgreementParty:
    _require_change(actor, agreement)
    with transaction.atomic():
        current = _locked(agreement)
        _require_party_changes_allowed(current)
        if current.parties.filter(institution=institution).exists():
            raise ValidationError(
                {
                    "institution": _("%(name)s is already a party.")
                    % {"name": institution.display_name}
                }
            )
        party = AgreementParty.objects.create(agreement=current, institution=institution)
        # An institution that left and comes back is a party again, not a former one.
        FormerParty.objects.filter(agreement=current, institution=institution).delete()
        forget_left_agreements(actor)
        _record_change(
            actor=actor,
            action="agreement.party_added",
            agreement=current,
            changes={"party": party.pk, "institution": institution.name},
        )
    return party


def party_remove(*, actor: User, party: AgreementParty) -> None:
    """The party leaves the agreement, by its own staff's decision. Its staff keep reading
    the agreement and its history as a former party."""
    agreement = party.agreement
    _require_own_party(actor, party)
    with transaction.atomic():
        current = _locked(agreement)
        _require_party_changes_allowed(current)
        if current.parties.count() <= 2:
            raise ValidationError(
                {"institution": _("An agreement needs at least two parties; add one first.")}
            )
        name = party.institution.name
        party_id = party.pk
        party.delete()
        FormerParty.objects.update_or_create(
            agreement=current,
            institution_id=party.institution_id,
            defaults={"left_at": timezone.now()},
        )
        forget_left_agreements(actor)
        _record_change(
            actor=actor,
            action="agreement.party_removed",
            agreement=current,
            changes={"party": party_id, "institution": name},
        )


def party_sign(
    *,
    actor: User,
    party: AgreementParty,
    signatory_name: str,
    signed_on: dt.date,
    signatory_position: str = "",
) -> AgreementParty:
    """Record who signed for the party, and when."""
    agreement = party.agreement
    _require_own_party(actor, party)
    errors: dict[str, str] = {}
    signatory_name = " ".join((signatory_name or "").split())
    signatory_position = " ".join((signatory_position or "").split())
    if not signatory_name:
        errors["signatory_name"] = _("Give the name of the person who signed.")
    elif len(signatory_name) > 200:
        errors["signatory_name"] = _("At most 200 characters.")
    if len(signatory_position) > 200:
        errors["signatory_position"] = _("At most 200 characters.")
    if not isinstance(signed_on, dt.date):
        errors["signed_on"] = _("Give the date of signature.")
    elif signed_on > timezone.localdate():
        errors["signed_on"] = _("The date of signature cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(agreement)
        if current.status not in EDITABLE_STATUSES:
            raise ValidationError(
                {"signed_on": _("Signatures are recorded before the agreement takes effect.")}
            )
        party = AgreementParty.objects.select_for_update().get(pk=party.pk)
        fields = ("signatory_name", "signatory_position", "signed_on")
        before = snapshot(party, fields)
        party.signatory_name = signatory_name
        party.signatory_position = signatory_position
        party.signed_on = signed_on
        party.save(update_fields=list(fields))
        changes: dict[str, Any] = {"party": party.pk, "institution": party.institution.name}
        changes.update(diff(before, snapshot(party, fields)))
        _record_change(
            actor=actor, action="agreement.party_signed", agreement=current, changes=changes
        )
    return party


def party_set_coordinator(
    *, actor: User, party: AgreementParty, coordinator: User | None
) -> AgreementParty:
    """Name the person who coordinates the agreement at the party's institution (or nobody)."""
    agreement = party.agreement
    _require_own_party(actor, party)
    if (
        coordinator is not None
        and not Membership.objects.filter(
            user=coordinator, institution_id=party.institution_id
        ).exists()
    ):
        raise ValidationError(
            {
                "coordinator": _("%(user)s is not a member of %(institution)s.")
                % {"user": coordinator, "institution": party.institution.display_name}
            }
        )
    with transaction.atomic():
        current = _locked(agreement)
        if current.status in (S.EXPIRED, S.TERMINATED):
            raise ValidationError(
                {"coordinator": _("The agreement has ended; its coordinators stay as they were.")}
            )
        before = snapshot(party, ["coordinator"])
        party.coordinator = coordinator
        party.save(update_fields=["coordinator"])
        changes: dict[str, Any] = {"party": party.pk, "institution": party.institution.name}
        changes.update(diff(before, snapshot(party, ["coordinator"])))
        _record_change(
            actor=actor, action="agreement.coordinator_set", agreement=current, changes=changes
        )
    return party
