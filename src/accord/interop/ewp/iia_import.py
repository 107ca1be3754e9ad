"""Erasmus Without Paper IIAs (an IIAs API v7 get response) into Accord's agreements.

The file is read whole and checked against the schema first; an invalid file changes nothing.
Then each IIA:

- its `iia-hash` must be the hash of its cooperation conditions;
- one partner must be the importing institution (IIAs between other institutions are
  skipped), the other a known institution (matched by SCHAC code) whose EWP system gives the
  IIA an `iia-id`;
- an IIA seen before (same HEI and `iia-id`, kept in `EwpIiaLink`) updates its agreement; a
  new one creates a bilateral exchange agreement in negotiation (in signing when the IIA is
  in effect), with the partners' signatures and one mobility provision per mobility spec.

Everything goes through the agreements services, as `actor`. Everything happens in one
transaction: when any IIA is refused, nothing at all is written, and the report says which
IIAs were refused and why. Importing the same file again changes nothing: cooperation
conditions are replaced only when their hash changed since the last import; signatures are
only added where the agreement has none; the status only moves forward.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from accord.agreements import services as agreement_services
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    ProvisionKind,
)
from accord.agreements.provisions import STUDENT_TYPES, provision_terms_clean
from accord.agreements.services import EDITABLE_STATUSES
from accord.core.audit import audit_record
from accord.core.models import User
from accord.institutions.models import Institution

from ..models import EwpIiaLink
from .iia_hash import iia_hash
from .iia_xml import CONTACT_NS, IIAS_NS, MOBILITY_TYPES_BY_ELEMENT, iias_get_response_schema

MAX_SCHEMA_ERRORS = 5
NAMESPACE = re.compile(r"\{[^}]*\}")
TITLE_MAX_LENGTH = 300
STATUS_ORDER: list[str] = [
    AgreementStatus.DRAFT,
    AgreementStatus.NEGOTIATION,
    AgreementStatus.SIGNING,
]
TRUE = frozenset({"true", "1"})


class EwpFileError(Exception):
    """The file is not a valid IIAs v7 get response; the message names the line."""


class _IiaNotImported(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IiaRefused(_IiaNotImported):
    """The IIA cannot be imported; the whole file is refused with it."""


class IiaSkipped(_IiaNotImported):
    """The IIA is not the importing institution's; it is left out, the rest imported."""


CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
REFUSED = "refused"


@dataclass
class IiaOutcome:
    """What happened to one IIA of the file."""

    label: str
    status: str = UNCHANGED
    agreement_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class IiaImportReport:
    outcomes: list[IiaOutcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def refused(self) -> list[IiaOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == REFUSED]

    @property
    def committed(self) -> bool:
        return not self.dry_run and not self.refused

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


# Reading the file ----------------------------------------------------------------------------


def iias_document_parse(data: bytes) -> etree._Element:
    """The root of the IIAs get response in `data`; EwpFileError naming the line when it is
    not well-formed XML or not valid against the IIAs v7 get-response schema."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else error.lineno
        raise EwpFileError(
            _("The file is not well-formed XML: line %(line)s: %(message)s")
            % {"line": line, "message": error.msg}
        ) from None
    schema = iias_get_response_schema()
    if not schema.validate(root):
        problems = [
            _("line %(line)s: %(message)s")
            % {"line": entry.line, "message": NAMESPACE.sub("", entry.message)}
            for entry in list(schema.error_log)[:MAX_SCHEMA_ERRORS]
        ]
        raise EwpFileError(
            _("The file is not a valid EWP IIAs v7 get response: %(problems)s")
            % {"problems": "; ".join(problems)}
        )
    return root


def _q(tag: str) -> str:
    return f"{{{IIAS_NS}}}{tag}"


def _text(node: etree._Element | None, tag: str) -> str:
    if node is None:
        return ""
    child = node.find(_q(tag))
    return (child.text or "").strip() if child is not None else ""


def _defined(node: etree._Element) -> bool:
    return node.get("not-yet-defined") not in TRUE


@dataclass
class _Partner:
    hei_id: str
    iia_id: str
    iia_code: str
    signatory_name: str
    signatory_position: str
    signed_on: dt.date | None


def _partner(node: etree._Element) -> _Partner:
    contact = node.find(_q("signing-contact"))
    name = position = ""
    if contact is not None:
        name = " ".join((contact.findtext(f"{{{CONTACT_NS}}}contact-name") or "").split())
        position = " ".join((contact.findtext(f"{{{CONTACT_NS}}}role-description") or "").split())
    signed = _text(node, "signing-date")
    try:
        signed_on = dt.date.fromisoformat(signed[:10]) if signed else None
    except ValueError:
        signed_on = None
    return _Partner(
        hei_id=_text(node, "hei-id").lower(),
        iia_id=_text(node, "iia-id"),
        iia_code=" ".join(_text(node, "iia-code").split()),
        signatory_name=name,
        signatory_position=position,
        signed_on=signed_on,
    )


def _spec_terms(
    spec: etree._Element, institutions: dict[str, Institution], notes: list[str], label: str
) -> dict[str, Any]:
    """The terms of the mobility provision `spec` describes, as the mobility form reads them."""
    kind = MOBILITY_TYPES_BY_ELEMENT[etree.QName(spec).localname]
    terms: dict[str, Any] = {"mobility_type": kind}
    for side in ("sending", "receiving"):
        hei_id = _text(spec, f"{side}-hei-id").lower()
        if hei_id not in institutions:
            raise IiaRefused(
                _("%(spec)s: %(side)s-hei-id %(hei)s is not one of the IIA's partners.")
                % {"spec": label, "side": side, "hei": hei_id}
            )
        terms[f"{side}_institution"] = institutions[hei_id].pk
        if spec.find(_q(f"{side}-ounit-id")) is not None:
            notes.append(
                _("%(spec)s: the %(side)s organisational unit is not kept.")
                % {"spec": label, "side": side}
            )
    terms["academic_year_from"] = _text(spec, "receiving-first-academic-year-id")
    terms["academic_year_to"] = _text(spec, "receiving-last-academic-year-id")
    terms["places_per_year"] = _text(spec, "mobilities-per-year")
    skills = [s for s in spec.findall(_q("recommended-language-skill")) if _defined(s)]
    if skills:
        language = _text(skills[0], "language")
        terms["language"] = language.split("-")[0].lower()
        terms["cefr_level"] = _text(skills[0], "cefr-level")
        if len(skills) > 1:
            notes.append(
                _("%(spec)s: only the first of %(count)d recommended languages is kept.")
                % {"spec": label, "count": len(skills)}
            )
    areas = spec.findall(_q("subject-area"))
    if areas:
        terms["isced_code"] = _text(areas[0], "isced-f-code")
        terms["isced_clarification"] = _text(areas[0], "isced-clarification")
        if len(areas) > 1:
            notes.append(
                _("%(spec)s: only the first of %(count)d subject areas is kept.")
                % {"spec": label, "count": len(areas)}
            )
    if spec.find(_q("other-info-terms")) is not None:
        notes.append(_("%(spec)s: the other information terms are not kept.") % {"spec": label})
    if kind in STUDENT_TYPES:
        if months := _text(spec, "total-months-per-year"):
            terms["total_months"] = months
        terms["blended"] = _text(spec, "blended") in TRUE
        terms["eqf_levels"] = [level.text.strip() for level in spec.findall(_q("eqf-level"))]
    elif days := _text(spec, "total-days-per-year"):
        terms["total_days"] = days
    return terms


@dataclass
class _Iia:
    """One IIA of the file, read and checked against Accord's register."""

    label: str
    partners: list[_Partner]
    institutions: dict[str, Institution]
    local: _Partner
    remote: _Partner
    in_effect: bool
    terminated: bool
    specs: list[tuple[str, dict[str, Any]]]
    iia_hash: str
    notes: list[str]


def _read_iia(node: etree._Element, label: str, institution: Institution, notes: list[str]) -> _Iia:
    stated = _text(node, "iia-hash")
    computed = iia_hash(node)
    if stated != computed:
        raise IiaRefused(
            _(
                "its iia-hash %(stated)s is not the hash of its cooperation conditions "
                "(%(computed)s): the IIA was changed after it was hashed."
            )
            % {"stated": stated, "computed": computed}
        )
    partners = [_partner(p) for p in node.findall(_q("partner"))]
    local_hei = (institution.schac_code or "").lower()
    locals_ = [p for p in partners if p.hei_id == local_hei]
    if len(locals_) != 1 or len({p.hei_id for p in partners}) != len(partners):
        raise IiaSkipped(
            _("%(institution)s (%(hei)s) is not one of its two partners.")
            % {"institution": institution.name, "hei": local_hei}
        )
    local = locals_[0]
    remote = next(p for p in partners if p is not local)
    known = {
        str(i.schac_code).lower(): i
        for i in Institution.objects.filter(schac_code__in=[p.hei_id for p in partners])
    }
    if remote.hei_id not in known:
        raise IiaRefused(
            _("unknown HEI %(hei)s: no institution in Accord has this SCHAC code.")
            % {"hei": remote.hei_id}
        )
    if not remote.iia_id:
        raise IiaRefused(
            _("the partner %(hei)s gives it no iia-id, so it could not be recognised again.")
            % {"hei": remote.hei_id}
        )
    conditions = node.find(_q("cooperation-conditions"))
    assert conditions is not None
    specs = []
    counts: dict[str, int] = {}
    for spec in conditions.iterchildren(etree.Element):
        name = etree.QName(spec).localname
        counts[name] = counts.get(name, 0) + 1
        spec_label = f"{name} {counts[name]}"
        specs.append((spec_label, _spec_terms(spec, known, notes, spec_label)))
    return _Iia(
        label=label,
        partners=partners,
        institutions=known,
        local=local,
        remote=remote,
        in_effect=_text(node, "in-effect") in TRUE,
        terminated=conditions.get("terminated-as-a-whole") in TRUE,
        specs=specs,
        iia_hash=computed,
        notes=notes,
    )


# Writing -------------------------------------------------------------------------------------


def _clean_specs(iia: _Iia, agreement: Agreement) -> list[dict[str, Any]]:
    """The specs' terms as the mobility form cleans them; IiaRefused naming the spec and the
    field when one is not a valid mobility provision."""
    cleaned = []
    for label, terms in iia.specs:
        try:
            cleaned.append(
                provision_terms_clean(ProvisionKind.MOBILITY, terms, agreement=agreement)
            )
        except ValidationError as error:
            raise IiaRefused(f"{label}: {_messages(error)}") from None
    return cleaned


def _title(iia: _Iia) -> str:
    title = iia.remote.iia_code or iia.local.iia_code
    if not title:
        title = _("EWP IIA %(hei)s %(id)s") % {"hei": iia.remote.hei_id, "id": iia.remote.iia_id}
    return title[:TITLE_MAX_LENGTH]


def _sign_missing(actor: User, agreement: Agreement, iia: _Iia) -> bool:
    """Record the partners' signatures the agreement does not have yet."""
    changed = False
    parties = {p.institution_id: p for p in AgreementParty.objects.filter(agreement=agreement)}
    for partner in iia.partners:
        party = parties.get(iia.institutions[partner.hei_id].pk)
        if party is None or not (partner.signatory_name and partner.signed_on):
            continue
        if party.signatory_name or party.signed_on:
            continue
        if agreement.status not in EDITABLE_STATUSES:
            continue
        party.agreement = agreement
        agreement_services.party_sign(
            actor=actor,
            party=party,
            signatory_name=partner.signatory_name,
            signatory_position=partner.signatory_position,
            signed_on=partner.signed_on,
        )
        changed = True
    return changed


def _move_forward(actor: User, agreement: Agreement, iia: _Iia) -> bool:
    """Take a draft to negotiation, and to signing when the IIA is in effect; terminate an
    active agreement whose IIA was terminated as a whole."""
    changed = False
    if iia.terminated:
        if agreement.status == AgreementStatus.ACTIVE:
            agreement_services.agreement_transition(
                actor=actor,
                agreement=agreement,
                to_status=AgreementStatus.TERMINATED,
                reason=_("Terminated as a whole by %(hei)s in Erasmus Without Paper.")
                % {"hei": iia.remote.hei_id},
            )
            changed = True
        return changed
    target = AgreementStatus.SIGNING if iia.in_effect else AgreementStatus.NEGOTIATION
    while agreement.status in STATUS_ORDER and STATUS_ORDER.index(
        agreement.status
    ) < STATUS_ORDER.index(target):
        next_status = STATUS_ORDER[STATUS_ORDER.index(agreement.status) + 1]
        agreement_services.agreement_transition(
            actor=actor, agreement=agreement, to_status=next_status
        )
        changed = True
    return changed


def _replace_conditions(actor: User, agreement: Agreement, iia: _Iia) -> bool:
    current = list(agreement.provisions.filter(kind=ProvisionKind.MOBILITY).order_by("id"))
    wanted = _clean_specs(iia, agreement)
    if [provision.terms for provision in current] == wanted:
        return False
    if agreement.status not in EDITABLE_STATUSES:
        raise IiaRefused(
            _(
                "its cooperation conditions changed, but agreement %(id)s is %(status)s in "
                "Accord: a signed agreement changes only through an amendment."
            )
            % {"id": agreement.pk, "status": agreement.get_status_display().lower()}
        )
    for provision in current:
        provision.agreement = agreement
        agreement_services.provision_remove(actor=actor, provision=provision)
    for terms in wanted:
        agreement_services.provision_add(
            actor=actor, agreement=agreement, kind=ProvisionKind.MOBILITY, terms=terms
        )
    return True


def _create(actor: User, iia: _Iia) -> Agreement:
    agreement = agreement_services.agreement_create(
        actor=actor,
        kind=AgreementKind.BILATERAL_EXCHANGE,
        title=_title(iia),
        institutions=[iia.institutions[partner.hei_id] for partner in iia.partners],
    )
    for terms in _clean_specs(iia, agreement):
        agreement_services.provision_add(
            actor=actor, agreement=agreement, kind=ProvisionKind.MOBILITY, terms=terms
        )
    _sign_missing(actor, agreement, iia)
    _move_forward(actor, agreement, iia)
    EwpIiaLink.objects.create(
        agreement=agreement,
        hei_id=iia.remote.hei_id,
        iia_id=iia.remote.iia_id,
        iia_hash=iia.iia_hash,
        last_imported_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="agreement.ewp_imported",
        target=agreement,
        changes={
            "hei_id": iia.remote.hei_id,
            "iia_id": iia.remote.iia_id,
            "iia_hash": iia.iia_hash,
        },
    )
    return agreement


def _update(actor: User, link: EwpIiaLink, iia: _Iia) -> bool:
    agreement = link.agreement
    parties = set(
        AgreementParty.objects.filter(agreement=agreement).values_list("institution_id", flat=True)
    )
    if parties != {institution.pk for institution in iia.institutions.values()}:
        raise IiaRefused(
            _("agreement %(id)s, which this IIA was imported as, is between other parties.")
            % {"id": agreement.pk}
        )
    changed = False
    if link.iia_hash != iia.iia_hash:
        changed |= _replace_conditions(actor, agreement, iia)
    changed |= _sign_missing(actor, agreement, iia)
    changed |= _move_forward(actor, agreement, iia)
    if link.iia_hash != iia.iia_hash:
        before = link.iia_hash
        link.iia_hash = iia.iia_hash
        link.last_imported_at = timezone.now()
        link.save(update_fields=["iia_hash", "last_imported_at"])
        audit_record(
            actor=actor,
            action="agreement.ewp_imported",
            target=agreement,
            changes={
                "hei_id": link.hei_id,
                "iia_id": link.iia_id,
                "iia_hash": [before, iia.iia_hash],
            },
        )
        changed = True
    return changed


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(str(message) for message in error.messages)


def _import_one(
    node: etree._Element, outcome: IiaOutcome, *, actor: User, institution: Institution
) -> None:
    iia = _read_iia(node, outcome.label, institution, outcome.notes)
    link = (
        EwpIiaLink.objects.select_for_update()
        .select_related("agreement")
        .filter(hei_id=iia.remote.hei_id, iia_id=iia.remote.iia_id)
        .first()
    )
    if link is None:
        if iia.terminated:
            outcome.status = SKIPPED
            outcome.reasons.append(_("it was terminated as a whole before Accord knew it."))
            return
        agreement = _create(actor, iia)
        outcome.status = CREATED
    else:
        agreement = link.agreement
        outcome.status = UPDATED if _update(actor, link, iia) else UNCHANGED
    outcome.agreement_id = agreement.pk


def _label(node: etree._Element, position: int) -> str:
    first = node.find(_q("partner"))
    return _("IIA %(n)d (%(hei)s %(id)s)") % {
        "n": position,
        "hei": _text(first, "hei-id"),
        "id": _text(first, "iia-id") or "-",
    }


def iias_import(
    *, actor: User, data: bytes, institution: Institution, dry_run: bool = False
) -> IiaImportReport:
    """Import the IIAs of the get response `data` into `institution`'s agreements, as
    `actor`. EwpFileError when the file is not a valid get response. When any IIA is refused
    (or `dry_run`), nothing is written; the report says what happened, or would have, to each.
    """
    root = iias_document_parse(data)
    report = IiaImportReport(dry_run=dry_run)
    with transaction.atomic():
        for position, node in enumerate(root.findall(_q("iia")), start=1):
            outcome = IiaOutcome(label=_label(node, position))
            report.outcomes.append(outcome)
            try:
                with transaction.atomic():
                    _import_one(node, outcome, actor=actor, institution=institution)
            except IiaSkipped as error:
                outcome.status = SKIPPED
                outcome.reasons.append(error.reason)
            except IiaRefused as error:
                outcome.status = REFUSED
                outcome.reasons.append(error.reason)
            except ValidationError as error:
                outcome.status = REFUSED
                outcome.reasons.append(_messages(error))
            except PermissionDenied as error:
                outcome.status = REFUSED
                outcome.reasons.append(str(error))
            except IntegrityError:
                outcome.status = REFUSED
                outcome.reasons.append(
                    _("another import wrote it at the same time; import the file again.")
                )
            if outcome.status == REFUSED:
                outcome.agreement_id = None
        if not report.committed:
            transaction.set_rollback(True)
            for outcome in report.outcomes:
                if outcome.status == CREATED:
                    outcome.agreement_id = None
    return report
