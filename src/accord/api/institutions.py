"""The institutions register: list and search, read, create (platform staff) and change
(platform staff and the institution's admins), on the same services and selectors as the pages."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from accord.institutions import selectors, services
from accord.institutions.models import Institution, InstitutionKind, UnitKind

from .base import Pagination

router = Router(tags=["institutions"])


class UnitOut(Schema):
    id: int
    name: str
    names: dict[str, str]
    kind: UnitKind
    parent_id: int | None = Field(None, description="The unit this one is part of.")
    description: str


class InstitutionOut(Schema):
    slug: str
    name: str
    names: dict[str, str] = Field(description="Names in other languages, by language code.")
    kind: InstitutionKind
    country: str = Field(description="ISO 3166 alpha-2 code.")
    country_name: str
    city: str
    website: str
    ror_id: str | None
    schac_code: str | None = Field(description="The internet domain, as EWP uses it.")
    erasmus_code: str | None
    parent: str | None = Field(description="Slug of the institution this one is part of.")
    description: str
    units: list[UnitOut]

    @staticmethod
    def resolve_country(obj: Institution) -> str:
        return obj.country.code

    @staticmethod
    def resolve_country_name(obj: Institution) -> str:
        return str(obj.country.name)

    @staticmethod
    def resolve_parent(obj: Institution) -> str | None:
        return obj.parent.slug if obj.parent is not None else None

    @staticmethod
    def resolve_units(obj: Institution) -> list[Any]:
        return list(obj.units.all())


class InstitutionIn(Schema):
    name: str
    country: str = Field(description="ISO 3166 alpha-2 code, e.g. KZ.")
    kind: InstitutionKind = InstitutionKind.UNIVERSITY
    names: dict[str, str] = Field(default_factory=dict)
    city: str = ""
    website: str = ""
    ror_id: str | None = Field(None, description="e.g. 04wxnsj81 or https://ror.org/04wxnsj81")
    schac_code: str | None = Field(None, description="The internet domain, e.g. kaznu.kz.")
    erasmus_code: str | None = Field(None, description="e.g. PL WARSZAW01")
    parent: str | None = Field(None, description="Slug of the institution this one is part of.")
    description: str = ""


class InstitutionPatch(Schema):
    """Only the fields given are changed; null clears an optional identifier or the parent."""

    name: str | None = None
    country: str | None = None
    kind: InstitutionKind | None = None
    names: dict[str, str] | None = None
    city: str | None = None
    website: str | None = None
    ror_id: str | None = None
    schac_code: str | None = None
    erasmus_code: str | None = None
    parent: str | None = None
    description: str | None = None


def _parent(slug: str | None) -> Institution | None:
    if not slug:
        return None
    try:
        return selectors.institution_get(slug)
    except Http404:
        raise ValidationError({"parent": f"No institution has the slug “{slug}”."}) from None


def _detail(request: HttpRequest, slug: str) -> Institution:
    queryset = selectors.institutions_visible_to(request.user, with_units=True)
    try:
        return queryset.get(slug=slug)
    except Institution.DoesNotExist:
        raise Http404("No such institution.") from None


@router.get(
    "",
    response=list[InstitutionOut],
    summary="List and search institutions",
    description=(
        "`search` finds a name in any language, or an exact SCHAC code (domain), ROR id or "
        "Erasmus code; `country` is an ISO 3166 alpha-2 code. Pages of `page_size` "
        "(50 by default, at most 200)."
    ),
)
@paginate(Pagination, page_size=50, max_page_size=200)
def list_institutions(
    request: HttpRequest,
    search: str = "",
    country: str = "",
    kind: InstitutionKind | None = None,
) -> QuerySet[Institution]:
    return selectors.institution_search(
        selectors.institutions_visible_to(request.user, with_units=True),
        search=search,
        country=country,
        kind=kind or "",
    )


@router.get("/{slug}", response=InstitutionOut, summary="One institution, with its units")
def get_institution(request: HttpRequest, slug: str) -> Institution:
    return _detail(request, slug)


@router.post(
    "",
    response={201: InstitutionOut},
    summary="Add an institution to the register (platform staff)",
)
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Status[Institution]:
    if not request.user.has_perm("institutions.add_institution"):
        raise PermissionDenied("Only platform staff may add institutions to the register.")
    values = payload.model_dump()
    values["parent"] = _parent(values["parent"])
    institution = services.institution_create(actor=request.user, **values)
    return Status(201, _detail(request, institution.slug))


@router.patch(
    "/{slug}",
    response=InstitutionOut,
    summary="Change an institution (platform staff and the institution's admins)",
)
def update_institution(request: HttpRequest, slug: str, payload: InstitutionPatch) -> Institution:
    institution = selectors.institution_get(slug)
    if not request.user.has_perm("institutions.change_institution", institution):
        raise PermissionDenied(
            "Only platform staff and the institution's own admins may change it."
        )
    changes = payload.model_dump(exclude_unset=True)
    if "parent" in changes:
        changes["parent"] = _parent(changes["parent"])
    services.institution_update(actor=request.user, institution=institution, **changes)
    return _detail(request, slug)
