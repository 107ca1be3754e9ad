"""Every change to agreements, their parties, provisions and documents.

Each function takes the acting user, checks permission, validates (ValidationError with
{field: message}), writes inside one transaction and records an audit event on the agreement.
"""

from ._base import (
    ALLOWED_TRANSITIONS,
    EDITABLE_STATUSES,
    PARTY_CHANGE_STATUSES,
    SIGNED_STATUSES,
    SIGNED_UPDATABLE_FIELDS,
    UPDATABLE_FIELDS,
)
from .agreements import (
    activation_blockers,
    agreement_allowed_transitions,
    agreement_amend,
    agreement_create,
    agreement_renew,
    agreement_transition,
    agreement_update,
)
from .expiry import agreements_expire_due, expiry_reminders_send
from .files import document_upload
from .parties import party_add, party_remove, party_set_coordinator, party_sign
from .terms import provision_add, provision_remove, provision_update

__all__ = [
    "ALLOWED_TRANSITIONS",
    "EDITABLE_STATUSES",
    "PARTY_CHANGE_STATUSES",
    "SIGNED_STATUSES",
    "SIGNED_UPDATABLE_FIELDS",
    "UPDATABLE_FIELDS",
    "activation_blockers",
    "agreement_allowed_transitions",
    "agreement_amend",
    "agreement_create",
    "agreement_renew",
    "agreement_transition",
    "agreement_update",
    "agreements_expire_due",
    "document_upload",
    "expiry_reminders_send",
    "party_add",
    "party_remove",
    "party_set_coordinator",
    "party_sign",
    "provision_add",
    "provision_remove",
    "provision_update",
]
