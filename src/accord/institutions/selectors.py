"""Every read of the institutions register. The register is public data: everyone who may use
Accord sees every institution, so the selectors take the user for the rule's sake only."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accord.core.models import User
from accord.core.validators import normalize_erasmus_code, normalize_ror_id

from .models import Contact, Institution, Unit


def institutions_visible_to(
    user: User | AnonymousUser, *, with_units: bool = False
) -> QuerySet[Institution]:
    """All institutions, with the parent loaded; `with_units` also loads their units."""
    queryset = Institution.objects.select_related("parent").order_by("name", "id")
    if with_units:
        queryset = queryset.prefetch_related(
            Prefetch("units", queryset=Unit.objects.order_by("name", "id"))
        )
    return queryset


def institution_search(
    queryset: QuerySet[Institution],
    *,
    search: str = "",
    country: str = "",
    kind: str = "",
) -> QuerySet[Institution]:
    """Narrow `queryset`: `search` finds a name in any language, or an exact SCHAC code, ROR id
    or Erasmus code; `country` is an ISO 3166 alpha-2 code; `kind` an InstitutionKind."""
    term = search.strip()
    if term:
        lowered = term.lower()
        queryset = queryset.filter(
            Q(search_text__icontains=lowered)
            | Q(schac_code=lowered.rstrip("."))
            | Q(ror_id=normalize_ror_id(term))
            | Q(erasmus_code=normalize_erasmus_code(term))
        )
    if country.strip():
        queryset = queryset.filter(country=country.strip().upper())
    if kind.strip():
        queryset = queryset.filter(kind=kind.strip())
    return queryset


def institution_by_key(key: str | int) -> Institution | None:
    """The institution a person or a file names by its id, slug, SCHAC code (internet domain)
    or ROR id (or its URL); None when there is none."""
    text = str(key).strip()
    if not text:
        return None
    if text.isdecimal():  # not isdigit(): "²" is a digit that int() refuses
        return Institution.objects.filter(pk=int(text)).first()
    lowered = text.lower()
    return (
        Institution.objects.filter(
            Q(slug=lowered) | Q(schac_code=lowered.rstrip(".")) | Q(ror_id=normalize_ror_id(text))
        )
        .order_by("pk")
        .first()
    )


def institution_get(slug: str) -> Institution:
    """The institution with this slug, or 404."""
    try:
        return Institution.objects.select_related("parent").get(slug=slug)
    except Institution.DoesNotExist:
        raise Http404("No such institution.") from None


def institution_countries() -> list[str]:
    """Country codes that have at least one institution, for filters."""
    return list(
        Institution.objects.order_by("country").values_list("country", flat=True).distinct()
    )


@dataclass(frozen=True)
class UnitNode:
    unit: Unit
    depth: int


def institution_unit_tree(institution: Institution) -> list[UnitNode]:
    """The institution's units in tree order (each followed by its parts), with their depth."""
    units = list(Unit.objects.filter(institution=institution).order_by("name", "id"))
    by_parent: dict[int | None, list[Unit]] = {}
    known = {unit.pk for unit in units}
    for unit in units:
        parent_id = unit.parent_id if unit.parent_id in known else None
        by_parent.setdefault(parent_id, []).append(unit)
    by_id = {unit.pk: unit for unit in units}
    nodes: list[UnitNode] = []
    stack = [(unit, 0) for unit in reversed(by_parent.get(None, []))]
    placed: set[int] = set()
    while stack:
        unit, depth = stack.pop()
        if unit.pk in placed:
            continue
        placed.add(unit.pk)
        if unit.parent_id in by_id:
            unit.parent = by_id[unit.parent_id]
        nodes.append(UnitNode(unit, depth))
        stack.extend((child, depth + 1) for child in reversed(by_parent.get(unit.pk, [])))
    nodes.extend(UnitNode(unit, 0) for unit in units if unit.pk not in placed)
    for node in nodes:
        node.unit.institution = institution
    return nodes


def institution_contacts(institution: Institution) -> QuerySet[Contact]:
    return Contact.objects.filter(institution=institution).select_related("unit")


def institution_unit_get(institution: Institution, pk: int) -> Unit:
    try:
        return Unit.objects.select_related("institution", "parent").get(
            institution=institution, pk=pk
        )
    except Unit.DoesNotExist:
        raise Http404("No such unit.") from None


def institution_contact_get(institution: Institution, pk: int) -> Contact:
    try:
        return Contact.objects.select_related("institution", "unit").get(
            institution=institution, pk=pk
        )
    except Contact.DoesNotExist:
        raise Http404("No such contact.") from None
