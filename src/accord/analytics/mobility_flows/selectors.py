"""The aggregate queries behind the mobility flows: counts grouped by country, year,
institution and outcome, never a person.

`mobility_flows` runs the same six queries whatever the data and the filters: every figure of
the page is summed in Python from their few grouped rows (at most a few thousand, however many
mobilities there are). Cancelled mobilities do not count.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from accord.institutions.models import Institution
from accord.mobility.checks import ACADEMIC_YEAR_FIRST_MONTH
from accord.mobility.models import Mobility, MobilityStatus, ReturnObligation

from .filters import FlowFilters

TOP_PARTNERS = 10
# Degrees last up to four years: cohorts run that far past the last academic year offered.
COHORT_YEARS_AHEAD = 6


@dataclass(frozen=True)
class FlowCell:
    """The mobilities of one academic year from one country to another; `outgoing` tells,
    from an institution's point of view, whether they leave it (else they arrive)."""

    year: str
    home: str
    host: str
    count: int
    under_agreement: int
    outgoing: bool | None = None


@dataclass(frozen=True)
class PartnerCount:
    institution: Institution
    count: int


@dataclass(frozen=True)
class ReturnCell:
    """Completed mobilities of one cohort (academic year of the end) in one country of study
    whose return is known, and how many of them came home."""

    cohort: str
    country: str
    known: int
    returned: int


@dataclass
class FlowData:
    filters: FlowFilters
    cells: list[FlowCell] = field(default_factory=list)
    destinations: list[PartnerCount] = field(default_factory=list)
    origins: list[PartnerCount] = field(default_factory=list)
    returns: list[ReturnCell] = field(default_factory=list)
    obligations: dict[str, int] = field(default_factory=dict)


def _conditions(filters: FlowFilters, prefix: str = "") -> Q:
    """The filters as one condition on mobilities, reached through `prefix` (e.g. "mobility__")."""

    def q(**lookups: object) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    condition = ~q(status=MobilityStatus.CANCELLED)
    if filters.year_from:
        condition &= q(academic_year__gte=filters.year_from)
    if filters.year_to:
        condition &= q(academic_year__lte=filters.year_to)
    if filters.eqf_level:
        condition &= q(eqf_level=filters.eqf_level)
    if filters.isced:
        condition &= q(isced_code__startswith=filters.isced)
    if filters.kind:
        condition &= q(kind=filters.kind)
    if filters.funding:
        condition &= q(funding=filters.funding)
    if filters.institution is not None:
        pk = filters.institution.pk
        condition &= q(home_institution_id=pk) | q(host_institution_id=pk)
    if filters.country:
        condition &= q(home_country=filters.country) | q(host_country=filters.country)
    return condition


def _outgoing(filters: FlowFilters, prefix: str = "") -> Q:
    """Mobilities leaving the point of view (all of them when there is none)."""
    if filters.institution is not None:
        return Q(**{f"{prefix}home_institution_id": filters.institution.pk})
    if filters.country:
        return Q(**{f"{prefix}home_country": filters.country})
    return Q()


def _incoming(filters: FlowFilters) -> Q:
    if filters.institution is not None:
        return Q(host_institution_id=filters.institution.pk)
    if filters.country:
        return Q(host_country=filters.country)
    return Q()


def mobilities_matching(filters: FlowFilters) -> QuerySet[Mobility]:
    return Mobility.objects.filter(_conditions(filters)).order_by()


def _cells(filters: FlowFilters) -> list[FlowCell]:
    columns = ["academic_year", "home_country", "host_country"]
    queryset = mobilities_matching(filters)
    if filters.institution is not None:
        queryset = queryset.annotate(
            leaving=Case(
                When(home_institution_id=filters.institution.pk, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        columns.append("leaving")
    rows = queryset.values(*columns).annotate(
        n=Count("pk"), agreed=Count("pk", filter=Q(agreement__isnull=False))
    )
    return [
        FlowCell(
            year=row["academic_year"],
            home=str(row["home_country"]),
            host=str(row["host_country"]),
            count=row["n"],
            under_agreement=row["agreed"],
            outgoing=bool(row["leaving"]) if "leaving" in row else None,
        )
        for row in rows
    ]


def _top(queryset: QuerySet[Mobility], column: str) -> list[tuple[int, int]]:
    # Grouped by `column + 0`, not the column: SQLite would otherwise walk an index on the
    # institution in its order and read every row of the table from it, ten times slower
    # than scanning the covering index (mobility_flows_idx) and sorting its groups.
    rows = (
        queryset.annotate(partner=F(column) + 0)
        .values_list("partner")
        .annotate(n=Count("pk"))
        .order_by("-n", "partner")[:TOP_PARTNERS]
    )
    return [(institution_id, n) for institution_id, n in rows]


def _cohort(years: list[str]) -> Case:
    """The academic year a mobility ended in, by its first calendar year: comparisons of the
    end with each year's first day, which the database does without a function per row."""
    first = int(years[0][:4]) if years else 2000
    last = (int(years[-1][:4]) if years else first) + COHORT_YEARS_AHEAD
    return Case(
        *(
            When(end_date__lt=dt.date(year + 1, ACADEMIC_YEAR_FIRST_MONTH, 1), then=Value(year))
            for year in range(first - 1, last)
        ),
        default=Value(last),
        output_field=IntegerField(),
    )


def _returns(filters: FlowFilters, years: list[str]) -> list[ReturnCell]:
    cohort = _cohort(years)
    rows = (
        mobilities_matching(filters)
        .filter(_outgoing(filters), status=MobilityStatus.COMPLETED)
        .annotate(cohort=cohort)
        .values("cohort", "host_country")
        .annotate(
            known=Count("pk", filter=Q(returned_home__isnull=False)),
            returned=Count("pk", filter=Q(returned_home=True)),
        )
    )
    return [
        ReturnCell(
            cohort=f"{row['cohort']}/{row['cohort'] + 1}",
            country=str(row["host_country"]),
            known=row["known"],
            returned=row["returned"],
        )
        for row in rows
        if row["known"]
    ]


def _obligations(filters: FlowFilters) -> dict[str, int]:
    rows = (
        ReturnObligation.objects.filter(
            _conditions(filters, "mobility__"), _outgoing(filters, "mobility__")
        )
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _institutions(ids: Iterable[int]) -> dict[int, Institution]:
    return {
        institution.pk: institution
        for institution in Institution.objects.filter(pk__in=set(ids)).only(
            "pk", "slug", "name", "names", "country"
        )
    }


def mobility_flows(filters: FlowFilters, years: list[str]) -> FlowData:
    """Every aggregate of the flows page for `filters`, in six queries; `years` are the
    academic years on offer, which bound the cohorts."""
    matching = mobilities_matching(filters)
    destinations = _top(matching.filter(_outgoing(filters)), "host_institution_id")
    origins = _top(matching.filter(_incoming(filters)), "home_institution_id")
    named = _institutions(pk for pk, _ in [*destinations, *origins])
    return FlowData(
        filters=filters,
        cells=_cells(filters),
        destinations=[PartnerCount(named[pk], n) for pk, n in destinations if pk in named],
        origins=[PartnerCount(named[pk], n) for pk, n in origins if pk in named],
        returns=_returns(filters, years),
        obligations=_obligations(filters),
    )


def first_academic_year() -> str | None:
    """The earliest academic year of any mobility, through the index that starts with it."""
    return (
        Mobility.objects.order_by("academic_year").values_list("academic_year", flat=True).first()
    )
