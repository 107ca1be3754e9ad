"""Provisions: what an agreement enables, with terms validated per kind."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core.audit import diff
from accord.core.models import User

from ..models import Agreement, Provision
from ..provisions import provision_terms_clean
from ._base import EDITABLE_STATUSES, _locked, _record_change, _require_change

# Provisions ----------------------------------------------------------------------------------


def _require_terms_editable(agreement: Agreement) -> None:
    if agreement.status not in EDITABLE_STATUSES:
        raise ValidationError(
            {
                "kind": _(
                    "A signed agreement (%(status)s) keeps its provisions; record an amendment."
                )
                % {"status": agreement.get_status_display()}
            }
        )


def provision_add(
    *, actor: User, agreement: Agreement, kind: str, terms: dict[str, Any]
) -> Provision:
    _require_change(actor, agreement)
    with transaction.atomic():
        current = _locked(agreement)
        _require_terms_editable(current)
        cleaned = provision_terms_clean(kind, terms, agreement=current)
        provision = Provision.objects.create(agreement=current, kind=kind, terms=cleaned)
        _record_change(
            actor=actor,
            action="agreement.provision_added",
            agreement=current,
            changes={"provision": provision.pk, "kind": kind, "terms": cleaned},
        )
    return provision


def provision_update(*, actor: User, provision: Provision, terms: dict[str, Any]) -> Provision:
    agreement = provision.agreement
    _require_change(actor, agreement)
    with transaction.atomic():
        current = _locked(agreement)
        _require_terms_editable(current)
        cleaned = provision_terms_clean(provision.kind, terms, agreement=current)
        before = provision.terms
        if cleaned == before:
            return provision
        provision.terms = cleaned
        provision.save(update_fields=["terms"])
        _record_change(
            actor=actor,
            action="agreement.provision_updated",
            agreement=current,
            changes={
                "provision": provision.pk,
                "kind": provision.kind,
                "terms": diff(before, cleaned),
            },
        )
    return provision


def provision_remove(*, actor: User, provision: Provision) -> None:
    agreement = provision.agreement
    _require_change(actor, agreement)
    with transaction.atomic():
        current = _locked(agreement)
        _require_terms_editable(current)
        changes = {"provision": provision.pk, "kind": provision.kind, "terms": provision.terms}
        provision.delete()
        _record_change(
            actor=actor, action="agreement.provision_removed", agreement=current, changes=changes
        )
