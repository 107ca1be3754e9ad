"""The institutions register: list and search, read, create (platform staff) and change
(platform staff and the institution's admins), with their units and contacts, on the same
services and selectors as the pages."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from accord.institutions import selectors, services
from accord.institutions.models import Contact, Institution, InstitutionKind, Unit, UnitKind

from .base import Pagination

router = Router(tags=["institutions"])


class UnitOut(Schema):
    id: int
    name: str
    names: dict[str, str]
    kind: UnitKind
    parent_id: int | None = Field(None, description="The unit this one is part of.")
    description: str


class UnitIn(Schema):
    name: str
    kind: UnitKind
    names: dict[str, str] = Field(default_factory=dict)
    parent_id: int | None = Field(None, description="A unit of the same institution.")
    description: str = ""


class UnitPatch(Schema):
    """Only the fields given are changed; a null `parent_id` makes the unit a top one."""

    name: str | None = None
    kind: UnitKind | None = None
    names: dict[str, str] | None = None
    parent_id: int | None = None
    description: str | None = None


class ContactOut(Schema):
    id: int
    name: str
    position: str
    email: str
    phone: str
    unit_id: int | None = Field(None, description="The unit the contact works in.")


class ContactIn(Schema):
    name: str
    position: str = ""
    email: str = Field("", description="An e-mail address or a phone number is needed.")
    phone: str = ""
    unit_id: int | None = Field(None, description="A unit of the same institution.")


class ContactPatch(Schema):
    """Only the fields given are changed; a null `unit_id` detaches the contact from its unit."""

    name: str | None = None
    position: str | None = None
    email: str | None = None
    phone: str | None = None
    unit_id: int | None = None


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


# Units and contacts --------------------------------------------------------------------------
# Everyone who may use Accord reads them, as on the institution's page; platform staff and the
# institution's admins change them.


def _changeable(request: HttpRequest, slug: str) -> Institution:
    """The institution, if the caller may change its units and contacts: 403 first, so that
    nobody else learns which of its units exist."""
    institution = selectors.institution_get(slug)
    if not request.user.has_perm("institutions.change_institution", institution):
        raise PermissionDenied(
            "Only platform staff and the institution's own admins may change its units and "
            "contacts."
        )
    return institution


def _with_unit(
    institution: Institution, values: dict[str, Any], field: str, name: str
) -> dict[str, Any]:
    """`values` with the unit id of `field`, when given, replaced by that unit of the
    institution under `name`, as the service takes it; a 422 naming `field` when the
    institution has no such unit (null stays None)."""
    if field in values:
        unit_id = values.pop(field)
        unit = None
        if unit_id is not None:
            unit = Unit.objects.filter(institution=institution, pk=unit_id).first()
            if unit is None:
                raise ValidationError({field: f"{institution.name} has no unit {unit_id}."})
        values[name] = unit
    return values


@contextmanager
def _errors_named(field: str, name: str) -> Iterator[None]:
    """A service's ValidationError about `name` answered as one about the request's `field`."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {field if key == name else key: errors for key, errors in error.error_dict.items()}
        ) from None


@router.get("/{slug}/units", response=list[UnitOut], summary="An institution's units")
def list_units(request: HttpRequest, slug: str) -> QuerySet[Unit]:
    return selectors.institution_get(slug).units.order_by("name", "id")


@router.post(
    "/{slug}/units",
    response={201: UnitOut},
    summary="Add a unit (platform staff and the institution's admins)",
)
def create_unit(request: HttpRequest, slug: str, payload: UnitIn) -> Status[Unit]:
    institution = _changeable(request, slug)
    values = _with_unit(institution, payload.model_dump(), "parent_id", "parent")
    with _errors_named("parent_id", "parent"):
        unit = services.unit_create(actor=request.user, institution=institution, **values)
    return Status(201, unit)


@router.patch(
    "/{slug}/units/{unit_id}",
    response=UnitOut,
    summary="Change a unit (platform staff and the institution's admins)",
)
def update_unit(request: HttpRequest, slug: str, unit_id: int, payload: UnitPatch) -> Unit:
    institution = _changeable(request, slug)
    unit = selectors.institution_unit_get(institution, unit_id)
    changes = _with_unit(institution, payload.model_dump(exclude_unset=True), "parent_id", "parent")
    with _errors_named("parent_id", "parent"):
        return services.unit_update(actor=request.user, unit=unit, **changes)


@router.delete(
    "/{slug}/units/{unit_id}",
    response={204: None},
    summary="Remove a unit without units of its own (platform staff and the institution's admins)",
)
def delete_unit(request: HttpRequest, slug: str, unit_id: int) -> Status[None]:
    unit = selectors.institution_unit_get(_changeable(request, slug), unit_id)
    services.unit_remove(actor=request.user, unit=unit)
    return Status(204, None)


@router.get("/{slug}/contacts", response=list[ContactOut], summary="An institution's contacts")
def list_contacts(request: HttpRequest, slug: str) -> QuerySet[Contact]:
    return selectors.institution_contacts(selectors.institution_get(slug)).order_by("name", "id")


@router.post(
    "/{slug}/contacts",
    response={201: ContactOut},
    summary="Add a contact (platform staff and the institution's admins)",
)
def create_contact(request: HttpRequest, slug: str, payload: ContactIn) -> Status[Contact]:
    institution = _changeable(request, slug)
    values = _with_unit(institution, payload.model_dump(), "unit_id", "unit")
    with _errors_named("unit_id", "unit"):
        contact = services.contact_create(actor=request.user, institution=institution, **values)
    return Status(201, contact)


@router.patch(
    "/{slug}/contacts/{contact_id}",
    response=ContactOut,
    summary="Change a contact (platform staff and the institution's admins)",
)
def update_contact(
    request: HttpRequest, slug: str, contact_id: int, payload: ContactPatch
) -> Contact:
    institution = _changeable(request, slug)
    contact = selectors.institution_contact_get(institution, contact_id)
    changes = _with_unit(institution, payload.model_dump(exclude_unset=True), "unit_id", "unit")
    with _errors_named("unit_id", "unit"):
        return services.contact_update(actor=request.user, contact=contact, **changes)


@router.delete(
    "/{slug}/contacts/{contact_id}",
    response={204: None},
    summary="Remove a contact (platform staff and the institution's admins)",
)
def delete_contact(request: HttpRequest, slug: str, contact_id: int) -> Status[None]:
    contact = selectors.institution_contact_get(_changeable(request, slug), contact_id)
    services.contact_remove(actor=request.user, contact=contact)
    return Status(204, None)
