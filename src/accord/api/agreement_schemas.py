"""The agreements API's request and response schemas, and how agreements are rendered
into them. Endpoints live in api/agreements.py."""

import datetime as dt
from typing import Annotated, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from ninja import Field, Schema
from pydantic import BaseModel, PlainSerializer

from accord.agreements import services
from accord.agreements.filters import SORT_ORDERS
from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    DocumentKind,
    Provision,
    ProvisionKind,
)
from accord.agreements.provisions import provision_summary
from accord.agreements.selectors import MAX_PAGE, AgreementRow, ListPage
from accord.core.models import User
from accord.institutions.models import Institution

MAX_PAGE_SIZE = 200


# Schemas -------------------------------------------------------------------------------------


def one_of(values: list[str], default: Any = ..., description: str = "") -> Any:
    """A field documenting the accepted values; the services validate them, with their own
    messages."""
    extra: dict[str, Any] = {"enum": values}
    return Field(
        default,
        description=f"{description} One of: {', '.join(values)}.".strip(),
        json_schema_extra=extra,
    )


# The list's schemas are plain pydantic models: they are validated from the dicts the
# render_* functions build, natively, without ninja's attribute lookups on every field, and
# written as JSON by pydantic-core (api.base.json_response).

# A moment as every other answer of the API writes it (Django's JSON encoder: milliseconds,
# "Z" for UTC), not with pydantic's microseconds.
Moment = Annotated[dt.datetime, PlainSerializer(DjangoJSONEncoder().default, when_used="json")]


class InstitutionRef(BaseModel):
    id: int
    slug: str
    name: str
    country: str = Field(description="ISO 3166 alpha-2 code.")


class PersonRef(Schema):
    id: int
    name: str


class PartyOut(Schema):
    id: int
    institution: InstitutionRef
    signatory_name: str
    signatory_position: str
    signed_on: dt.date | None
    has_signed: bool
    coordinator: PersonRef | None = Field(
        None, description="Shown to those who may change the agreement."
    )


class PartyBrief(BaseModel):
    id: int
    institution: InstitutionRef
    has_signed: bool


class FormerPartyOut(BaseModel):
    institution: InstitutionRef
    left_at: Moment = Field(description="When the institution left the agreement.")


FORMER_PARTIES = (
    "Institutions that left the agreement: their staff still read it and its history, and "
    "change nothing. Shown to those who read its history (its parties' staff, present and "
    "former); empty for others."
)


class ProvisionOut(Schema):
    id: int
    kind: str = one_of(ProvisionKind.values)
    terms: dict[str, Any] = Field(description="The kind's own fields.")
    summary: str = Field(description="One line saying what the provision enables.")


UPDATED_AT = (
    "When anything of it last changed: its fields, status, parties, signatures, provisions, "
    "documents, renewals or amendments."
)


class AgreementListItem(BaseModel):
    id: int
    kind: str
    title: str
    titles: dict[str, str] = Field(description="Titles in other languages, by language code.")
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    auto_renew: bool
    is_public: bool
    languages: list[str]
    tags: list[str]
    parties: list[PartyBrief]
    former_parties: list[FormerPartyOut] = Field(description=FORMER_PARTIES)
    provision_kinds: list[str] = Field(description="The kinds of provision it holds, each once.")
    created_at: Moment
    updated_at: Moment = Field(description=UPDATED_AT)


class AgreementPage(BaseModel):
    count: int = Field(
        description=(
            "Agreements matching the filters, on all pages, when `count_is_exact`; otherwise "
            "more than `count` match (the API stops counting past 1,000, or past the end of "
            "the page asked for when that is further)."
        )
    )
    count_is_exact: bool = Field(
        description="False when more than `count` agreements match: `count` is a lower bound."
    )
    page: int
    page_size: int
    pages: int = Field(
        description=(
            "The number of pages when `count_is_exact`; otherwise the pages known to exist, "
            "and there are more."
        )
    )
    has_next: bool = Field(description="Whether page `page + 1` holds agreements.")
    results: list[AgreementListItem]


class AgreementRef(Schema):
    id: int
    title: str
    status: str


class Permissions(Schema):
    change: bool = Field(description="May edit fields, parties, provisions, documents.")
    transition: bool = Field(description="May change status, renew and amend.")
    download_documents: bool


class AgreementOut(Schema):
    id: int
    kind: str
    title: str
    titles: dict[str, str]
    description: str
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    auto_renew: bool
    is_public: bool
    languages: list[str]
    tags: list[str]
    termination_reason: str
    renews: AgreementRef | None = Field(None, description="The agreement this one renews.")
    amends: AgreementRef | None = Field(None, description="The agreement this one amends.")
    renewals: list[AgreementRef]
    amendments: list[AgreementRef]
    parties: list[PartyOut]
    former_parties: list[FormerPartyOut] = Field(description=FORMER_PARTIES)
    provisions: list[ProvisionOut]
    allowed_transitions: list[str] = Field(description="Statuses it may go to next.")
    activation_blockers: list[str] = Field(
        description="What stands between it and `active` (while signing)."
    )
    permissions: Permissions
    created_at: dt.datetime
    updated_at: dt.datetime = Field(description=UPDATED_AT)


class ProvisionIn(Schema):
    kind: str = one_of(ProvisionKind.values)
    terms: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "The kind's fields. mobility: sending_institution, receiving_institution "
            "(institution ids of two parties), mobility_type (student_studies, "
            "student_traineeship, staff_teaching, staff_training), places_per_year, "
            "total_months (students) or total_days (staff), isced_code, isced_clarification, "
            "eqf_levels, language (ISO 639-1), cefr_level (A1..C2), academic_year_from, "
            "academic_year_to (2025/2026). center_access: center_ids (research "
            "centers of the parties), unit_ids, centers, hours_per_year, days_per_year. "
            "scholarship: programme, places_per_year, stipend_amount, currency "
            "(ISO 4217), months. joint_events: description, events_per_year. joint_research: "
            "topic, description. cultural_center: name, unit_id, description."
        ),
    )


class AgreementCreateIn(Schema):
    kind: str = one_of(AgreementKind.values)
    title: str
    titles: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    auto_renew: bool = False
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes.")
    tags: list[str] = Field(default_factory=list)
    is_public: bool = False
    parties: list[int | str] = Field(
        description="Two or more different institutions, by slug or id.", min_length=0
    )
    provisions: list[ProvisionIn] = Field(default_factory=list)
    renews: int | None = Field(None, description="Id of the agreement this one renews.")
    amends: int | None = Field(None, description="Id of the agreement this one amends.")


class AgreementUpdateIn(Schema):
    """Only the fields given change; valid_from and valid_to may be null to clear them."""

    kind: str | None = one_of(AgreementKind.values, None)
    title: str | None = None
    titles: dict[str, str] | None = None
    description: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    auto_renew: bool | None = None
    languages: list[str] | None = None
    tags: list[str] | None = None
    is_public: bool | None = None


class TransitionIn(Schema):
    to: str = one_of(AgreementStatus.values, description="The status to go to.")
    reason: str = Field("", description="Required when terminating.")


class SignatureIn(Schema):
    signatory_name: str
    signatory_position: str = ""
    signed_on: dt.date = Field(description="Not in the future.")


class PartyIn(Schema):
    institution: int | str = Field(description="Slug or id.")


class CoordinatorIn(Schema):
    coordinator: int | None = Field(
        description="User id of a member of the party's institution; null clears it."
    )


class ProvisionTermsIn(Schema):
    terms: dict[str, Any]


class RenewalIn(Schema):
    valid_from: dt.date
    valid_to: dt.date


class AmendmentIn(Schema):
    title: str
    description: str = ""


class DocumentOut(Schema):
    id: int
    kind: str = one_of(DocumentKind.values)
    version: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: PersonRef | None
    uploaded_at: dt.datetime
    download_url: str


class AuditEventOut(Schema):
    id: int
    action: str
    actor: PersonRef | None
    changes: dict[str, Any]
    created_at: dt.datetime


class AgreementFilters(Schema):
    search: str | None = Field(
        None, description="Words of the title or of a party's name, in any language."
    )
    country: str | None = Field(None, description="A party's country, ISO 3166 alpha-2.")
    institution: str | None = Field(None, description="A party, by slug or id.")
    kind: str | None = one_of(AgreementKind.values, None)
    status: str | None = one_of(AgreementStatus.values, None)
    provision: str | None = one_of(
        ProvisionKind.values, None, description="Holds a provision of this kind."
    )
    ending_within_days: int | None = Field(
        None, description="Active and ending within this many days (0 to 3650)."
    )
    scope: str | None = one_of(
        ["all"],
        None,
        description=(
            "Unset: only the agreements of the caller's own institutions (for their admins, "
            "officers and coordinators). `all`: also other institutions' active public ones. "
            "Platform staff always get all, anonymous callers the public ones."
        ),
    )
    sort: str | None = one_of(
        list(SORT_ORDERS),
        None,
        description=(
            "The order: `newest` (the default) the latest added first; `ending` by end date, "
            "earliest first, those without an end date last; `changed` the most recently "
            "changed first (by `updated_at`)."
        ),
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


# Rendering -----------------------------------------------------------------------------------


def render_person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def render_institution(institution: Institution) -> dict[str, Any]:
    return {
        "id": institution.pk,
        "slug": institution.slug,
        "name": institution.name,
        "country": str(institution.country),
    }


def render_ref(agreement: Agreement) -> dict[str, Any]:
    return {"id": agreement.pk, "title": agreement.title, "status": agreement.status}


def render_list_item(row: AgreementRow) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in _PLAIN_FIELDS},
        "parties": [
            {
                "id": party.id,
                "institution": {
                    "id": party.institution_id,
                    "slug": party.slug,
                    "name": party.name,
                    "country": party.country,
                },
                "has_signed": party.has_signed,
            }
            for party in row.parties
        ],
        "former_parties": [
            {
                "institution": {
                    "id": party.institution_id,
                    "slug": party.slug,
                    "name": party.name,
                    "country": party.country,
                },
                "left_at": party.left_at,
            }
            for party in row.former_parties
        ],
        "provision_kinds": row.provision_kinds,
    }


def render_page(page: ListPage) -> AgreementPage:
    return AgreementPage.model_validate(
        {
            "count": page.count,
            "count_is_exact": page.count_is_exact,
            "page": page.number,
            "page_size": page.page_size,
            "pages": page.pages,
            "has_next": page.has_next,
            "results": [render_list_item(row) for row in page.object_list],
        }
    )


_PLAIN_FIELDS = (
    "id",
    "kind",
    "title",
    "titles",
    "status",
    "valid_from",
    "valid_to",
    "auto_renew",
    "is_public",
    "languages",
    "tags",
    "created_at",
    "updated_at",
)


def render_provision(provision: Provision) -> dict[str, Any]:
    return {
        "id": provision.pk,
        "kind": provision.kind,
        "terms": provision.terms,
        "summary": provision_summary(provision),
    }


def render_party(party: AgreementParty, *, show_coordinator: bool) -> dict[str, Any]:
    return {
        "id": party.pk,
        "institution": render_institution(party.institution),
        "signatory_name": party.signatory_name,
        "signatory_position": party.signatory_position,
        "signed_on": party.signed_on,
        "has_signed": party.has_signed,
        "coordinator": render_person(party.coordinator) if show_coordinator else None,
    }


def render_detail(user: Any, agreement: Agreement) -> dict[str, Any]:
    may_change = user.has_perm("agreements.change_agreement", agreement)
    may_transition = user.has_perm("agreements.transition_agreement", agreement)
    blockers = (
        services.activation_blockers(agreement)
        if may_transition and agreement.status == AgreementStatus.SIGNING
        else []
    )
    return {
        **{name: getattr(agreement, name) for name in _PLAIN_FIELDS},
        "description": agreement.description,
        "termination_reason": agreement.termination_reason,
        "renews": render_ref(agreement.renews) if agreement.renews else None,
        "amends": render_ref(agreement.amends) if agreement.amends else None,
        "renewals": [render_ref(a) for a in agreement.renewals.all()],
        "amendments": [render_ref(a) for a in agreement.amendments.all()],
        "parties": [render_party(p, show_coordinator=may_change) for p in agreement.parties.all()],
        "former_parties": [
            {"institution": render_institution(former.institution), "left_at": former.left_at}
            for former in agreement.former_parties.all()
        ]
        if user.has_perm("agreements.view_history", agreement)
        else [],
        "provisions": [render_provision(p) for p in agreement.provisions.all()],
        "allowed_transitions": services.agreement_allowed_transitions(agreement)
        if may_transition
        else [],
        "activation_blockers": blockers,
        "permissions": {
            "change": may_change,
            "transition": may_transition,
            "download_documents": user.has_perm("agreements.download_document", agreement),
        },
    }


def render_document(document: AgreementDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "version": document.version,
        "original_name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_by": render_person(document.uploaded_by),
        "uploaded_at": document.uploaded_at,
        "download_url": reverse(
            "api:agreement_document_download",
            kwargs={"agreement_id": document.agreement_id, "document_id": document.pk},
        ),
    }


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages by field or query parameter."
    )
