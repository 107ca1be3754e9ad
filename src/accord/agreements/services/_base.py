"""What every service shares: the lifecycle's statuses, permission checks, row locks and
the record of a change."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.audit import audit_record
from accord.core.models import User

from ..models import Agreement, AgreementStatus

S = AgreementStatus

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.NEGOTIATION},
    S.NEGOTIATION: {S.SIGNING, S.DRAFT},
    S.SIGNING: {S.ACTIVE, S.NEGOTIATION},
    S.ACTIVE: {S.EXPIRED, S.TERMINATED},
    S.EXPIRED: set(),
    S.TERMINATED: set(),
}

# Before signature everything may change; once signed, only these (the rest needs an amendment).
SIGNED_STATUSES = frozenset({S.ACTIVE, S.EXPIRED, S.TERMINATED})
EDITABLE_STATUSES = frozenset({S.DRAFT, S.NEGOTIATION, S.SIGNING})
PARTY_CHANGE_STATUSES = frozenset({S.DRAFT, S.NEGOTIATION})
UPDATABLE_FIELDS = (
    "kind",
    "title",
    "titles",
    "description",
    "valid_from",
    "valid_to",
    "auto_renew",
    "languages",
    "tags",
    "is_public",
)
SIGNED_UPDATABLE_FIELDS = frozenset({"is_public", "tags", "description", "auto_renew"})
AUDITED_FIELDS = (*UPDATABLE_FIELDS, "status")
MAX_TAGS = 20
MAX_TAG_LENGTH = 50


# Permission ----------------------------------------------------------------------------------


def _require(actor: User, permission: str, agreement: Agreement, message: str) -> None:
    if not actor.has_perm(permission, agreement):
        raise PermissionDenied(message)


def _require_change(actor: User, agreement: Agreement) -> None:
    _require(
        actor,
        "agreements.change_agreement",
        agreement,
        _("Only the parties' officers and coordinators may change this agreement."),
    )


def _require_transition(actor: User, agreement: Agreement) -> None:
    _require(
        actor,
        "agreements.transition_agreement",
        agreement,
        _("Only the parties' admins and officers may change the status of this agreement."),
    )


def _locked(agreement: Agreement) -> Agreement:
    """The agreement's row, locked until the transaction ends (serialises concurrent writes)."""
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _copy_fields(source: Agreement, target: Agreement, fields: Iterable[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _record_change(
    *, actor: User, action: str, agreement: Agreement, changes: dict[str, Any]
) -> None:
    """Audit a change to what belongs to `agreement` (its parties, provisions, documents,
    renewals, amendments) and mark the agreement changed: its `updated_at` says when
    anything of it last changed, for the lists ordered by it and for the API's readers."""
    agreement.updated_at = timezone.now()
    Agreement.objects.filter(pk=agreement.pk).update(updated_at=agreement.updated_at)
    audit_record(actor=actor, action=action, target=agreement, changes=changes)
