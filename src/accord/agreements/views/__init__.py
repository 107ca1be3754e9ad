"""The agreements pages: parse the request, call one service or selector, render."""

from .detail import (
    agreement_amend,
    agreement_detail,
    agreement_renew,
    agreement_transition,
    document_download,
    document_upload,
    party_add,
    party_coordinator,
    party_remove,
    party_sign,
    provision_add,
    provision_edit,
    provision_form,
    provision_remove,
)
from .pages import (
    agreement_create,
    agreement_edit,
    agreement_export,
    agreement_list,
    institution_options,
)

__all__ = [
    "agreement_amend",
    "agreement_create",
    "agreement_detail",
    "agreement_edit",
    "agreement_export",
    "agreement_list",
    "agreement_renew",
    "agreement_transition",
    "document_download",
    "document_upload",
    "institution_options",
    "party_add",
    "party_coordinator",
    "party_remove",
    "party_sign",
    "provision_add",
    "provision_edit",
    "provision_form",
    "provision_remove",
]
