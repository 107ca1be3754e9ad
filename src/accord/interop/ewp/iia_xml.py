"""Accord's bilateral exchange agreements as Erasmus Without Paper IIAs (IIAs API v7).

An agreement of kind `bilateral_exchange` between exactly two institutions that both have a
SCHAC code is one IIA:

- `partner`: the local institution first (its `iia-id` is the agreement's id in Accord, or the
  id its own EWP system gave the IIA when the agreement was imported from there; its
  `iia-code` is the agreement's title), then the other party (with the `iia-id` its EWP system
  gave the IIA when Accord knows it). Each carries its signatory and signing date, and the
  party's coordinator as a contact.
- `in-effect`: the agreement is, or once was, in effect (active, expired or terminated);
  `terminated-as-a-whole` marks a terminated one.
- `cooperation-conditions`: one mobility spec per mobility provision, grouped in the order the
  schema requires (student studies, student traineeships, staff teaching, staff training), in
  the order the provisions were added within each group.
- `iia-hash`: computed by `iia_hash`.

The schema requires a recommended language skill in student-studies and staff-teaching specs;
a provision without a language gets one marked `not-yet-defined="true"` (the agreement's first
language, else English), which the hash leaves out and the import reads as no language.
ISCED-F broad and narrow fields (2 and 3 digits) are written as their detailed
"not further defined" field (4 digits), which is what the schema accepts.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from lxml import etree

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Provision,
    ProvisionKind,
)
from accord.agreements.provisions import (
    ACADEMIC_YEAR,
    STAFF_TEACHING,
    STAFF_TRAINING,
    STUDENT_STUDIES,
    STUDENT_TRAINEESHIP,
    STUDENT_TYPES,
    isced_fields,
)
from accord.institutions.models import Institution

from ..models import EwpIiaLink
from .iia_hash import iia_hash

IIAS_NS = (
    "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/"
    "get-response.xsd"
)
CONTACT_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1"
NSMAP = {None: IIAS_NS, "c": CONTACT_NS}

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
IIAS_GET_RESPONSE_XSD = SCHEMA_DIR / "ewp-specs-api-iias-v7.0.0" / "endpoints" / "get-response.xsd"

# Accord's mobility types and the spec elements they become, in the order the schema wants.
SPEC_ELEMENTS = {
    STUDENT_STUDIES: "student-studies-mobility-spec",
    STUDENT_TRAINEESHIP: "student-traineeship-mobility-spec",
    STAFF_TEACHING: "staff-teacher-mobility-spec",
    STAFF_TRAINING: "staff-training-mobility-spec",
}
MOBILITY_TYPES_BY_ELEMENT = {element: kind for kind, element in SPEC_ELEMENTS.items()}
# Spec elements whose schema requires at least one recommended language skill.
LANGUAGE_REQUIRED = frozenset({STUDENT_STUDIES, STAFF_TEACHING})
IN_EFFECT_STATUSES = frozenset(
    {AgreementStatus.ACTIVE, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED}
)
PLACEHOLDER_LANGUAGE = "en"
EWP_EMAIL = re.compile(r"^[^@]+@[^.]+\..+$")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class NotAnIia(Exception):
    """The agreement cannot be an EWP IIA; the message says why."""


@dataclass(frozen=True)
class SkippedAgreement:
    agreement_id: int
    title: str
    reason: str


@dataclass
class IiaExport:
    """A get response (`content`) and what it holds or left out."""

    content: bytes
    exported: list[Agreement] = field(default_factory=list)
    skipped: list[SkippedAgreement] = field(default_factory=list)


@cache
def iias_get_response_schema() -> etree.XMLSchema:
    """The IIAs API v7 get-response schema, read from the copy shipped with Accord (its
    imports resolve to the neighbouring copies, without any network)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(IIAS_GET_RESPONSE_XSD), parser))


def _element(tag: str, namespace: str = IIAS_NS) -> str:
    return f"{{{namespace}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: Any = None, **attributes: str) -> etree._Element:
    child = etree.SubElement(parent, _element(tag), attributes)
    if text is not None:
        child.text = NOT_XML.sub("", str(text))
    return child


def _contact_sub(parent: etree._Element, tag: str, text: str) -> etree._Element:
    child = etree.SubElement(parent, _element(tag, CONTACT_NS))
    child.text = NOT_XML.sub("", text)
    return child


def ewp_decimal(value: Any) -> str:
    """5 -> "5", 2.5 -> "2.5": the shortest plain decimal."""
    number = Decimal(str(value))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@cache
def _detailed_isced_codes() -> tuple[str, ...]:
    return tuple(code for code, _label in isced_fields() if len(code) == 4)


def ewp_isced_code(code: str) -> str:
    """The 4-digit ISCED-F code the schema accepts: a broad or narrow field becomes its
    detailed field "not further defined" (031 -> 0310, 06 -> 0610)."""
    if len(code) >= 4:
        return code
    detailed = _detailed_isced_codes()
    padded = code.ljust(4, "0")
    if padded in detailed:
        return padded
    candidates = [c for c in detailed if c.startswith(code) and c.endswith("0")]
    return candidates[0] if candidates else padded


# Selection -----------------------------------------------------------------------------------


def bilateral_agreements_of(
    institution: Institution, ids: Sequence[int] | None = None
) -> QuerySet[Agreement]:
    """The bilateral exchange agreements `institution` is party to (those of `ids` only,
    when given), with what an IIA shows loaded in a constant number of queries."""
    queryset = Agreement.objects.filter(
        kind=AgreementKind.BILATERAL_EXCHANGE, parties__institution=institution
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return (
        queryset.prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related(
                    "institution", "coordinator"
                ).order_by("id"),
            ),
            Prefetch(
                "provisions",
                queryset=Provision.objects.filter(kind=ProvisionKind.MOBILITY).order_by("id"),
                to_attr="mobility_provisions",
            ),
            Prefetch("ewp_links", to_attr="ewp_link_list"),
        )
        .distinct()
        .order_by("pk")
    )


# One IIA -------------------------------------------------------------------------------------


def _partner(
    iia: etree._Element,
    party: AgreementParty,
    *,
    iia_id: str | None,
    iia_code: str | None,
) -> None:
    partner = _sub(iia, "partner")
    _sub(partner, "hei-id", party.institution.schac_code)
    if iia_id:
        _sub(partner, "iia-id", iia_id)
    if iia_code:
        _sub(partner, "iia-code", iia_code)
    if party.signatory_name:
        contact = _sub(partner, "signing-contact")
        _contact_sub(contact, "contact-name", party.signatory_name)
        if party.signatory_position:
            _contact_sub(contact, "role-description", party.signatory_position)
    if party.signed_on:
        _sub(partner, "signing-date", party.signed_on.isoformat())
    coordinator = party.coordinator
    if coordinator is not None:
        contact = etree.SubElement(partner, _element("contact", CONTACT_NS))
        _contact_sub(contact, "contact-name", coordinator.get_full_name() or coordinator.username)
        if coordinator.first_name:
            _contact_sub(contact, "person-given-names", coordinator.first_name)
        if coordinator.last_name:
            _contact_sub(contact, "person-family-name", coordinator.last_name)
        if coordinator.email and EWP_EMAIL.match(coordinator.email):
            _contact_sub(contact, "email", coordinator.email)
        _contact_sub(contact, "role-description", "Coordinator")


def _checked_terms(provision: Provision, hei_ids: dict[int, str]) -> dict[str, Any]:
    terms = provision.terms or {}
    problem = None
    if terms.get("mobility_type") not in SPEC_ELEMENTS:
        problem = _("its type of mobility is not one EWP knows")
    elif terms.get("sending_institution") not in hei_ids:
        problem = _("its sending institution is not a party")
    elif terms.get("receiving_institution") not in hei_ids:
        problem = _("its receiving institution is not a party")
    elif terms["sending_institution"] == terms["receiving_institution"]:
        problem = _("it sends to the institution it sends from")
    elif not all(
        ACADEMIC_YEAR.match(str(terms.get(name) or ""))
        for name in ("academic_year_from", "academic_year_to")
    ):
        problem = _("its academic years are missing")
    elif not isinstance(terms.get("places_per_year"), int) or terms["places_per_year"] < 1:
        problem = _("its places per year are missing")
    if problem:
        raise NotAnIia(
            _("mobility provision %(id)s cannot be an EWP cooperation condition: %(problem)s.")
            % {"id": provision.pk, "problem": problem}
        )
    return terms


def _spec(
    conditions: etree._Element,
    terms: dict[str, Any],
    hei_ids: dict[int, str],
    placeholder_language: str,
) -> None:
    kind = terms["mobility_type"]
    spec = _sub(conditions, SPEC_ELEMENTS[kind])
    _sub(spec, "sending-hei-id", hei_ids[terms["sending_institution"]])
    _sub(spec, "receiving-hei-id", hei_ids[terms["receiving_institution"]])
    _sub(spec, "receiving-first-academic-year-id", terms["academic_year_from"])
    _sub(spec, "receiving-last-academic-year-id", terms["academic_year_to"])
    _sub(spec, "mobilities-per-year", terms["places_per_year"])
    if terms.get("language"):
        skill = _sub(spec, "recommended-language-skill")
        _sub(skill, "language", terms["language"])
        if terms.get("cefr_level"):
            _sub(skill, "cefr-level", terms["cefr_level"])
    elif kind in LANGUAGE_REQUIRED:
        skill = _sub(spec, "recommended-language-skill", **{"not-yet-defined": "true"})
        _sub(skill, "language", placeholder_language)
    if terms.get("isced_code"):
        area = _sub(spec, "subject-area")
        _sub(area, "isced-f-code", ewp_isced_code(str(terms["isced_code"])))
        if terms.get("isced_clarification"):
            _sub(area, "isced-clarification", terms["isced_clarification"])
    if kind in STUDENT_TYPES:
        if terms.get("total_months") is not None:
            _sub(spec, "total-months-per-year", ewp_decimal(terms["total_months"]))
        _sub(spec, "blended", "true" if terms.get("blended") else "false")
        for level in sorted({int(level) for level in terms.get("eqf_levels") or []}):
            _sub(spec, "eqf-level", level)
    elif terms.get("total_days") is not None:
        _sub(spec, "total-days-per-year", ewp_decimal(terms["total_days"]))


def _mobility_provisions(agreement: Agreement) -> list[Provision]:
    prefetched = getattr(agreement, "mobility_provisions", None)
    if prefetched is not None:
        return list(prefetched)
    return list(agreement.provisions.filter(kind=ProvisionKind.MOBILITY).order_by("id"))


def _ewp_ids(agreement: Agreement) -> dict[str, str]:
    """HEI id -> the iia-id that HEI's EWP system gives the agreement, where Accord knows it."""
    links = getattr(agreement, "ewp_link_list", None)
    if links is None:
        links = EwpIiaLink.objects.filter(agreement=agreement)
    return {link.hei_id: link.iia_id for link in links}


def iia_element_for(agreement: Agreement, *, local_institution: Institution) -> etree._Element:
    """The `iia` element of an IIAs v7 get response for `agreement`, seen from
    `local_institution`; NotAnIia when the agreement cannot be one."""
    if agreement.kind != AgreementKind.BILATERAL_EXCHANGE:
        raise NotAnIia(
            _("it is a %(kind)s, not a bilateral exchange.")
            % {"kind": agreement.get_kind_display().lower()}
        )
    parties = list(agreement.parties.all())
    if len(parties) != 2:
        raise NotAnIia(
            _("it has %(count)d parties; an EWP IIA is between exactly two.")
            % {"count": len(parties)}
        )
    local = next((p for p in parties if p.institution_id == local_institution.pk), None)
    if local is None:
        raise NotAnIia(
            _("%(institution)s is not a party to it.") % {"institution": local_institution.name}
        )
    remote = next(p for p in parties if p is not local)
    for party in (local, remote):
        if not party.institution.schac_code:
            raise NotAnIia(
                _("%(institution)s has no SCHAC code, which EWP identifies institutions by.")
                % {"institution": party.institution.name}
            )
    hei_ids = {party.institution_id: str(party.institution.schac_code) for party in parties}
    links = _ewp_ids(agreement)
    provisions = _mobility_provisions(agreement)
    all_terms = [_checked_terms(provision, hei_ids) for provision in provisions]

    iia = etree.Element(_element("iia"), nsmap=NSMAP)
    local_hei = hei_ids[local.institution_id]
    _partner(iia, local, iia_id=links.get(local_hei, str(agreement.pk)), iia_code=agreement.title)
    _partner(iia, remote, iia_id=links.get(hei_ids[remote.institution_id]), iia_code=None)
    _sub(iia, "in-effect", "true" if agreement.status in IN_EFFECT_STATUSES else "false")
    conditions = _sub(iia, "cooperation-conditions")
    if agreement.status == AgreementStatus.TERMINATED:
        conditions.set("terminated-as-a-whole", "true")
    placeholder = (agreement.languages or [PLACEHOLDER_LANGUAGE])[0]
    for kind in SPEC_ELEMENTS:
        for terms in all_terms:
            if terms["mobility_type"] == kind:
                _spec(conditions, terms, hei_ids, placeholder)
    _sub(iia, "iia-hash", iia_hash(iia))
    return iia


# A whole response ----------------------------------------------------------------------------


def iias_export(agreements: Iterable[Agreement], *, local_institution: Institution) -> IiaExport:
    """A get response holding every agreement that can be an IIA, and the reasons the others
    were left out."""
    root = etree.Element(_element("iias-get-response"), nsmap=NSMAP)
    result = IiaExport(content=b"")
    for agreement in agreements:
        try:
            iia = iia_element_for(agreement, local_institution=local_institution)
        except NotAnIia as reason:
            result.skipped.append(SkippedAgreement(agreement.pk, agreement.title, str(reason)))
            continue
        root.append(iia)
        result.exported.append(agreement)
    etree.cleanup_namespaces(root)
    result.content = XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return result


def iias_get_response(agreements: Iterable[Agreement], *, local_institution: Institution) -> bytes:
    """The bytes of an IIAs v7 get response for `agreements` as `local_institution` serves
    them; agreements that cannot be IIAs are left out (see `iias_export` for why)."""
    return iias_export(agreements, local_institution=local_institution).content
