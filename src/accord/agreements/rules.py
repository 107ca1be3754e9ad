"""Who may see and change agreements. Views and API check these; selectors filter by the
same rule (`agreements_visible_to`) so lists never show what a detail page would refuse."""

from collections.abc import Iterable

import rules

from accord.core.memberships import institution_ids, staff_institution_ids
from accord.core.models import Role
from accord.core.rules import is_platform_staff

from .models import Agreement, AgreementParty, AgreementStatus


def _party_ids(agreement: Agreement) -> set[int]:
    # Uses the prefetched parties when the selector loaded them.
    return {party.institution_id for party in agreement.parties.all()}


def _former_party_ids(agreement: Agreement) -> set[int]:
    # Prefetched by the detail's selector; otherwise read once for this object, and only
    # for someone no other rule has let in already.
    ids: set[int] | None = getattr(agreement, "_former_party_ids", None)
    if ids is None:
        ids = {former.institution_id for former in agreement.former_parties.all()}
        agreement._former_party_ids = ids  # type: ignore[attr-defined]
    return ids


@rules.predicate
def is_party_staff(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at one of the agreement's parties."""
    return bool(user.is_authenticated and staff_institution_ids(user) & _party_ids(agreement))


@rules.predicate
def is_former_party_staff(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at an institution that was a party and left."""
    own = staff_institution_ids(user) if user.is_authenticated else set()
    return bool(own and own & _former_party_ids(agreement))


@rules.predicate
def is_party_officer(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    """Admin or officer at one of the parties: they drive the lifecycle."""
    held = institution_ids(user, (Role.ADMIN, Role.OFFICER)) if user.is_authenticated else set()
    return bool(held & _party_ids(agreement))


@rules.predicate
def is_own_party_staff(user, party: AgreementParty) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at the party's own institution."""
    return bool(user.is_authenticated and party.institution_id in staff_institution_ids(user))


def reads_history(user, institution_ids: Iterable[int]) -> bool:  # type: ignore[no-untyped-def]
    """`agreements.view_history` of an agreement known only by its present and former
    parties' institutions (a list's row, which holds no Agreement)."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    own = staff_institution_ids(user)
    return any(institution_id in own for institution_id in institution_ids)


@rules.predicate
def is_public_and_active(user, agreement: Agreement) -> bool:  # type: ignore[no-untyped-def]
    return agreement.is_public and agreement.status == AgreementStatus.ACTIVE


@rules.predicate
def may_create_agreements(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and institution_ids(user, (Role.ADMIN, Role.OFFICER)))


# An institution that left keeps reading what it was party to (never changing it):
# `selectors.visibility_condition` lets the same people list it.
rules.add_perm(
    "agreements.view_agreement",
    is_platform_staff | is_party_staff | is_public_and_active | is_former_party_staff,
)
# What happened to it, and who did it: the parties' staff, present and former.
rules.add_perm(
    "agreements.view_history", is_platform_staff | is_party_staff | is_former_party_staff
)
rules.add_perm("agreements.add_agreement", is_platform_staff | may_create_agreements)
# Coordinators co-edit: fields, provisions, documents, and who else is a party.
rules.add_perm("agreements.change_agreement", is_platform_staff | is_party_staff)
# A party's own part (its signature, signatory and coordinator) and its leaving the agreement
# are its own staff's to record; the other parties' staff may not decide them for it.
rules.add_perm("agreements.change_party", is_platform_staff | is_own_party_staff)
# Lifecycle transitions (activate, terminate, renew, amend) belong to the parties' officers.
rules.add_perm("agreements.transition_agreement", is_platform_staff | is_party_officer)
rules.add_perm(
    "agreements.download_document",
    is_platform_staff | is_party_staff | is_former_party_staff,
)
rules.add_perm("agreements.export_agreements", rules.is_authenticated)
