"""Who may see and change agreements. Views and API check these; selectors filter by the
same rule (`agreements_visible_to`) so lists never show what a detail page would refuse."""

import rules

from accord.core.memberships import institution_ids, staff_institution_ids
from accord.core.models import Role
from accord.core.rules import is_platform_staff

from .models import Agreement, AgreementStatus


def _party_ids(agreement: Agreement) -> set[int]:
    # Uses the prefetched parties when the selector loaded them.
    return {party.institution_id for party in agreement.parties.all()}


@rules.predicate
def is_party_staff(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at one of the agreement's parties."""
    return bool(user.is_authenticated and staff_institution_ids(user) & _party_ids(agreement))


@rules.predicate
def is_party_officer(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    """Admin or officer at one of the parties: they drive the lifecycle."""
    held = institution_ids(user, (Role.ADMIN, Role.OFFICER)) if user.is_authenticated else set()
    return bool(held & _party_ids(agreement))


@rules.predicate
def is_public_and_active(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    return agreement.is_public and agreement.status == AgreementStatus.ACTIVE


@rules.predicate
def may_create_agreements(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and institution_ids(user, (Role.ADMIN, Role.OFFICER)))


rules.add_perm(
    "agreements.view_agreement", is_platform_staff | is_party_staff | is_public_and_active
)
rules.add_perm("agreements.add_agreement", is_platform_staff | may_create_agreements)
# Coordinators co-edit: fields, parties' signatures, provisions and documents.
rules.add_perm("agreements.change_agreement", is_platform_staff | is_party_staff)
# Lifecycle transitions (activate, terminate, renew, amend) belong to the parties' officers.
rules.add_perm("agreements.transition_agreement", is_platform_staff | is_party_officer)
rules.add_perm("agreements.download_document", is_platform_staff | is_party_staff)
rules.add_perm("agreements.export_agreements", rules.is_authenticated)
