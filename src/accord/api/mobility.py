"""Mobilities, their return and return obligations: the same services and selectors as the
pages, so the same rules. A mobility the caller may not see answers 404, never 403."""

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status
from ninja import Query as QueryParams
from pydantic import BaseModel, ConfigDict

from accord.agreements import selectors as agreement_selectors
from accord.agreements.models import Provision
from accord.core.models import User
from accord.institutions.models import Institution, Unit
from accord.institutions.selectors import institution_by_key
from accord.mobility import selectors, services
from accord.mobility.forms import MobilityFilterForm
from accord.mobility.models import (
    Funding,
    Mobility,
    MobilityKind,
    MobilityStatus,
    ObligationStatus,
    PersonKind,
    ReturnObligation,
)

from .agreement_schemas import MAX_PAGE, MAX_PAGE_SIZE, Problem, one_of

router = Router(tags=["mobility"])

ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


# Schemas -------------------------------------------------------------------------------------


class InstitutionBrief(BaseModel):
    id: int
    slug: str
    name: str
    country: str = Field(description="ISO 3166 alpha-2 code.")


class MobilityListItem(BaseModel):
    id: int
    external_id: str | None
    person_kind: str
    given_names: str
    family_name: str
    home_institution: InstitutionBrief
    host_institution: InstitutionBrief
    home_country: str
    host_country: str
    kind: str
    eqf_level: int | None
    isced_code: str
    start_date: dt.date
    end_date: dt.date
    academic_year: str
    funding: str
    programme: str
    agreement_id: int | None
    provision_id: int | None
    status: str


class ObligationOut(BaseModel):
    id: int
    programme: str
    years_of_work: int
    return_within_months: int
    due_on: dt.date
    status: str
    resolved_on: dt.date | None
    note: str


class MobilityOut(MobilityListItem):
    email: str
    birth_date: dt.date | None
    nationality: str
    esi: str = Field(description="European Student Identifier.")
    account: str | None = Field(description="Username of the person's Accord account.")
    home_unit_id: int | None
    host_unit_id: int | None
    cancellation_reason: str
    returned_home: bool | None
    returned_on: dt.date | None
    employer: str
    obligations: list[ObligationOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class MobilityPage(BaseModel):
    count: int = Field(description="Mobilities matching the filters, on all pages.")
    page: int
    page_size: int
    pages: int
    has_next: bool
    results: list[MobilityListItem]


class MobilityFilters(Schema):
    search: str | None = Field(
        None, description="Words of the name, e-mail or European Student Identifier."
    )
    status: str | None = one_of(MobilityStatus.values, None)
    kind: str | None = one_of(MobilityKind.values, None)
    person_kind: str | None = one_of(PersonKind.values, None)
    academic_year: str | None = Field(None, description="Such as 2025/2026.")
    home_institution: str | None = Field(None, description="By id, slug, SCHAC code or ROR id.")
    host_institution: str | None = Field(None, description="By id, slug, SCHAC code or ROR id.")
    country: str | None = Field(None, description="Home or host country, ISO 3166 alpha-2.")
    funding: str | None = one_of(Funding.values, None)
    agreement: int | None = Field(None, description="Falls under this agreement (id).")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class MobilityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_kind: str = one_of(PersonKind.values, PersonKind.STUDENT.value)
    given_names: str
    family_name: str
    email: str = ""
    birth_date: dt.date | None = None
    nationality: str = Field("", description="ISO 3166 alpha-2 code.")
    esi: str = ""
    home_institution: str = Field(description="By id, slug, SCHAC code or ROR id.")
    home_unit: int | None = Field(None, description="A unit of the home institution (id).")
    host_institution: str = Field(description="By id, slug, SCHAC code or ROR id.")
    host_unit: int | None = Field(None, description="A unit of the host institution (id).")
    kind: str = one_of(MobilityKind.values)
    eqf_level: int | None = Field(None, description="1 to 8.")
    isced_code: str = Field("", description="ISCED-F 2013 field of education code.")
    start_date: dt.date
    end_date: dt.date
    funding: str = one_of(Funding.values)
    programme: str = ""
    agreement: int | None = Field(None, description="The agreement it falls under (id).")
    provision: int | None = Field(
        None, description="The agreement's mobility provision whose places it takes (id)."
    )
    external_id: str | None = None


class MobilityUpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_kind: str | None = one_of(PersonKind.values, None)
    given_names: str | None = None
    family_name: str | None = None
    email: str | None = None
    birth_date: dt.date | None = None
    nationality: str | None = None
    esi: str | None = None
    home_institution: str | None = None
    home_unit: int | None = None
    host_institution: str | None = None
    host_unit: int | None = None
    kind: str | None = one_of(MobilityKind.values, None)
    eqf_level: int | None = None
    isced_code: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    funding: str | None = one_of(Funding.values, None)
    programme: str | None = None
    agreement: int | None = None
    provision: int | None = None
    external_id: str | None = None


class TransitionIn(Schema):
    to: str = one_of(MobilityStatus.values)
    reason: str = Field("", description="Required to cancel.")


class ReturnIn(Schema):
    returned_home: bool | None
    returned_on: dt.date | None = None
    employer: str = ""


class ObligationIn(Schema):
    programme: str
    years_of_work: int
    return_within_months: int


class ResolveIn(Schema):
    status: str = one_of(
        [ObligationStatus.FULFILLED, ObligationStatus.BREACHED, ObligationStatus.WAIVED]
    )
    note: str = ""


# Rendering -----------------------------------------------------------------------------------


def _institution(institution: Institution) -> dict[str, Any]:
    return {
        "id": institution.pk,
        "slug": institution.slug,
        "name": institution.name,
        "country": institution.country.code,
    }


def _list_item(mobility: Mobility) -> dict[str, Any]:
    return {
        "id": mobility.pk,
        "external_id": mobility.external_id,
        "person_kind": mobility.person_kind,
        "given_names": mobility.given_names,
        "family_name": mobility.family_name,
        "home_institution": _institution(mobility.home_institution),
        "host_institution": _institution(mobility.host_institution),
        "home_country": mobility.home_country.code,
        "host_country": mobility.host_country.code,
        "kind": mobility.kind,
        "eqf_level": mobility.eqf_level,
        "isced_code": mobility.isced_code,
        "start_date": mobility.start_date,
        "end_date": mobility.end_date,
        "academic_year": mobility.academic_year,
        "funding": mobility.funding,
        "programme": mobility.programme,
        "agreement_id": mobility.agreement_id,
        "provision_id": mobility.provision_id,
        "status": mobility.status,
    }


def _obligation(obligation: ReturnObligation) -> dict[str, Any]:
    return {
        "id": obligation.pk,
        "programme": obligation.programme,
        "years_of_work": obligation.years_of_work,
        "return_within_months": obligation.return_within_months,
        "due_on": obligation.due_on,
        "status": obligation.status,
        "resolved_on": obligation.resolved_on,
        "note": obligation.note,
    }


def _detail(mobility: Mobility) -> MobilityOut:
    return MobilityOut.model_validate(
        {
            **_list_item(mobility),
            "email": mobility.email,
            "birth_date": mobility.birth_date,
            "nationality": mobility.nationality.code or "",
            "esi": mobility.esi,
            "account": mobility.user.username if mobility.user else None,
            "home_unit_id": mobility.home_unit_id,
            "host_unit_id": mobility.host_unit_id,
            "cancellation_reason": mobility.cancellation_reason,
            "returned_home": mobility.returned_home,
            "returned_on": mobility.returned_on,
            "employer": mobility.employer,
            "obligations": [_obligation(o) for o in mobility.obligations.all()],
            "created_at": mobility.created_at,
            "updated_at": mobility.updated_at,
        }
    )


def _fresh(request: HttpRequest, pk: int) -> MobilityOut:
    return _detail(selectors.mobility_for(request.user, pk))


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


# Input ---------------------------------------------------------------------------------------


def _resolve(actor: User, payload: dict[str, Any]) -> dict[str, Any]:
    """Ids and keys in the request body turned into the rows the services take; every key
    that names nothing (or nothing the caller may see) is reported at once."""
    errors: dict[str, list[str]] = {}
    values = dict(payload)
    for name in ("home_institution", "host_institution"):
        if name in values:
            key = str(values[name] or "").strip()
            institution = institution_by_key(key) if key else None
            if institution is None:
                errors[name] = [gettext("No institution %(key)s.") % {"key": key or "—"}]
            values[name] = institution
    for name in ("home_unit", "host_unit"):
        if values.get(name) is not None:
            unit = Unit.objects.filter(pk=values[name]).first()
            if unit is None:
                errors[name] = [gettext("No unit %(key)s.") % {"key": values[name]}]
            values[name] = unit
    if values.get("agreement") is not None:
        try:
            values["agreement"] = agreement_selectors.agreement_get_visible(
                actor, values["agreement"]
            )
        except Http404:
            errors["agreement"] = [gettext("No such agreement.")]
    if values.get("provision") is not None:
        provision = Provision.objects.select_related("agreement").filter(pk=values["provision"])
        found = provision.first()
        if found is None or not actor.has_perm("agreements.view_agreement", found.agreement):
            errors["provision"] = [gettext("No such provision.")]
        values["provision"] = found
    if errors:
        raise ValidationError(errors)
    return values


# Endpoints -----------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: MobilityPage, 401: Problem, 422: Problem},
    summary="List mobilities",
    description=(
        "The mobilities the caller may see (their institutions' outgoing and incoming ones, "
        "and their own), newest first, filtered like the mobility page. Invalid filters "
        "answer 422 naming the parameter."
    ),
)
def mobility_list(request: HttpRequest, filters: QueryParams[MobilityFilters]) -> MobilityPage:
    params = filters.dict(exclude={"page", "page_size"}, exclude_none=True)
    form = MobilityFilterForm(data={k: str(v) for k, v in params.items()})
    if not form.is_valid():
        raise ValidationError(
            {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        )
    queryset = selectors.mobilities_visible_to(request.user, **form.filters())
    page = selectors.mobilities_page(queryset, filters.page, filters.page_size)
    return MobilityPage.model_validate(
        {
            "count": page.paginator.count,
            "page": page.number,
            "page_size": filters.page_size,
            "pages": page.paginator.num_pages,
            "has_next": page.has_next(),
            "results": [_list_item(mobility) for mobility in page.object_list],
        }
    )


@router.post(
    "/",
    response={201: MobilityOut, **ERRORS},
    summary="Record a mobility",
    description=(
        "The caller must be an admin, officer or coordinator of the home institution. Every "
        "problem is answered at once (422), and nothing is created."
    ),
)
def mobility_create(request: HttpRequest, payload: MobilityIn) -> Status[Any]:
    actor = _actor(request)
    values = _resolve(actor, payload.dict())
    mobility = services.mobility_create(actor=actor, **values)
    return Status(201, _fresh(request, mobility.pk))


@router.get(
    "/{mobility_id}",
    response={200: MobilityOut, 401: Problem, 404: Problem},
    summary="A mobility with its return and obligations",
)
def mobility_detail(request: HttpRequest, mobility_id: int) -> MobilityOut:
    return _fresh(request, mobility_id)


@router.patch(
    "/{mobility_id}",
    response={200: MobilityOut, **ERRORS},
    summary="Change a mobility's fields",
    description="Only the fields given change; `null` clears an optional one.",
)
def mobility_update(
    request: HttpRequest, mobility_id: int, payload: MobilityUpdateIn
) -> MobilityOut:
    actor = _actor(request)
    mobility = selectors.mobility_for(actor, mobility_id)
    values = _resolve(actor, payload.dict(exclude_unset=True))
    services.mobility_update(actor=actor, mobility=mobility, **values)
    return _fresh(request, mobility_id)


@router.post(
    "/{mobility_id}/transition",
    response={200: MobilityOut, **ERRORS},
    summary="Change a mobility's status",
    description=(
        "planned -> nominated -> ongoing -> completed; planned, nominated or ongoing -> "
        "cancelled, with a reason."
    ),
)
def mobility_transition(request: HttpRequest, mobility_id: int, payload: TransitionIn) -> Any:
    actor = _actor(request)
    mobility = selectors.mobility_for(actor, mobility_id)
    services.mobility_transition(
        actor=actor, mobility=mobility, to=payload.to, reason=payload.reason
    )
    return _fresh(request, mobility_id)


@router.post(
    "/{mobility_id}/return",
    response={200: MobilityOut, **ERRORS},
    summary="Record whether the person returned home",
    description="Only once the mobility is completed.",
)
def mobility_return(request: HttpRequest, mobility_id: int, payload: ReturnIn) -> Any:
    actor = _actor(request)
    mobility = selectors.mobility_for(actor, mobility_id)
    services.mobility_record_return(
        actor=actor,
        mobility=mobility,
        returned_home=payload.returned_home,
        returned_on=payload.returned_on,
        employer=payload.employer,
    )
    return _fresh(request, mobility_id)


@router.post(
    "/{mobility_id}/obligations",
    response={201: ObligationOut, **ERRORS},
    summary="Add a return obligation",
    description="Due `return_within_months` after the mobility's end.",
)
def obligation_add(request: HttpRequest, mobility_id: int, payload: ObligationIn) -> Status[Any]:
    actor = _actor(request)
    mobility = selectors.mobility_for(actor, mobility_id)
    obligation = services.obligation_add(
        actor=actor,
        mobility=mobility,
        programme=payload.programme,
        years_of_work=payload.years_of_work,
        return_within_months=payload.return_within_months,
    )
    return Status(201, ObligationOut.model_validate(_obligation(obligation)))


@router.post(
    "/{mobility_id}/obligations/{obligation_id}/resolve",
    response={200: ObligationOut, **ERRORS},
    summary="Resolve a return obligation",
    description="pending -> fulfilled, breached or waived (a waiver needs a note).",
)
def obligation_resolve(
    request: HttpRequest, mobility_id: int, obligation_id: int, payload: ResolveIn
) -> ObligationOut:
    actor = _actor(request)
    obligation = selectors.obligation_for(actor, mobility_id, obligation_id)
    resolved = services.obligation_resolve(
        actor=actor, obligation=obligation, status=payload.status, note=payload.note
    )
    return ObligationOut.model_validate(_obligation(resolved))
