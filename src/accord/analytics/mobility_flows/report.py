"""The figures of the mobility flows as named tables, each with the data of its chart.

The page, its CSV downloads and the API all show these tables, so small-count suppression is
applied here, once: a count from 1 to SUPPRESSION_THRESHOLD - 1 is shown as "<5", and a rate is
shown only when every count it is computed from is shown and its denominator is at least the
threshold. Where counts add up to a total that is shown (a row's total, a country's total in
another table), hiding a single one of them would not hide it: the total minus the others gives
it. There one more count is hidden, shown as "≥5" (`Protection`).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries
from django_countries.fields import Country

from accord.institutions.models import Institution
from accord.mobility.models import ObligationStatus

from ..charts import _numeric
from .selectors import FlowCell, FlowData, PartnerCount, ReturnCell

# Counts below this are never shown, nor used for a rate that is.
SUPPRESSION_THRESHOLD = 5
SUPPRESSED = f"<{SUPPRESSION_THRESHOLD}"
# A count of at least the threshold, hidden so that a suppressed one cannot be worked out.
PROTECTING = f"≥{SUPPRESSION_THRESHOLD}"
# Lines of the country-to-country chart and destination series of the trends chart.
SANKEY_FLOWS = 30
# The key of a row's or a column's total among the counts a Protection guards.
TOTAL = "total"
TREND_COUNTRIES = 5

Cell = int | float | str | None


def shown(count: int) -> int | str:
    """`count`, or "<5" when it is small enough to point at people."""
    return SUPPRESSED if 0 < count < SUPPRESSION_THRESHOLD else count


def is_suppressed(count: int) -> bool:
    return 0 < count < SUPPRESSION_THRESHOLD


def rate(part: int, whole: int, *others: int) -> float | None:
    """`part` of `whole` in per cent, or None when the rate would reveal a suppressed count:
    `whole` below the threshold, or `part` or any of `others` (the complement) suppressed."""
    if whole < SUPPRESSION_THRESHOLD or any(is_suppressed(n) for n in (part, *others)):
        return None
    return round(100 * part / whole, 1)


# What a hidden small count and the count hiding it should add up to at least: the total
# minus the shown counts is then their sum, and with one of them "<5" and the other "≥5",
# each value from 1 to 4 stays possible for the small one.
ENOUGH_HIDDEN = 2 * SUPPRESSION_THRESHOLD - 1


class Protection:
    """Which counts of a table to hide: those below the threshold, and, in each group of
    counts whose sum is shown somewhere, one more wherever only one would be hidden, until
    no group has a single hidden count that another count of it could hide. The one more
    is the smallest other count that brings the hidden sum to ENOUGH_HIDDEN, or the largest
    when none does."""

    def __init__(self, counts: dict[Any, int], groups: Iterable[Iterable[Any]] = ()) -> None:
        self.counts = counts
        self.small = {key for key, n in counts.items() if is_suppressed(n)}
        self.protecting: set[Any] = set()
        groups = [list(group) for group in groups]
        changed = True
        while changed:
            changed = False
            for group in groups:
                hidden = [key for key in group if self.hides(key)]
                if len(hidden) != 1:
                    continue
                others = [key for key in group if not self.hides(key) and counts.get(key, 0)]
                if others:
                    self.protecting.add(self._protector(others, counts[hidden[0]]))
                    changed = True

    def _protector(self, others: list[Any], hidden_sum: int) -> Any:
        def size(key: Any) -> tuple[int, str]:
            return (self.counts[key], str(key))

        enough = [key for key in others if hidden_sum + self.counts[key] >= ENOUGH_HIDDEN]
        return min(enough, key=size) if enough else max(others, key=size)

    def hides(self, key: Any) -> bool:
        return key in self.small or key in self.protecting

    def cell(self, key: Any) -> int | str:
        """The count as a table shows it."""
        if key in self.small:
            return SUPPRESSED
        return PROTECTING if key in self.protecting else self.counts.get(key, 0)

    def value(self, key: Any) -> int | None:
        """The count as a chart draws it: None when hidden."""
        return None if self.hides(key) else self.counts.get(key, 0)

    def mark(self, key: Any) -> str | None:
        """What a chart's tooltip says of a hidden count."""
        return str(self.cell(key)) if self.hides(key) else None

    def rate(self, part: Any, whole: int, *others: Any) -> float | None:
        """`part` of `whole` in per cent, or None when it would reveal a hidden count."""
        if whole < SUPPRESSION_THRESHOLD or any(self.hides(key) for key in (part, *others)):
            return None
        return round(100 * self.counts.get(part, 0) / whole, 1)


# Country names by language and code: looking one up translates it anew, and a report names
# the same few countries thousands of times.
_COUNTRY_NAMES: dict[tuple[str, str], str] = {}


def country_name(code: str) -> str:
    key = (get_language() or "", code)
    name = _COUNTRY_NAMES.get(key)
    if name is None:
        name = _COUNTRY_NAMES[key] = str(countries.name(code) or code)
    return name


@dataclass
class Table:
    """One chart's figures: `columns` headings, `rows` of shown cells (counts already
    suppressed, rates None when hidden), `chart` the JSON the page's script draws."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    chart: dict[str, Any] = field(default_factory=dict)
    # Which columns are numbers (right-aligned on the page) and which are rates.
    numeric: set[int] = field(default_factory=set)
    rates: set[int] = field(default_factory=set)
    links: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass
class Summary:
    total: int | str
    countries: int
    agreement_share: float | None
    return_rate: float | None


@dataclass
class FlowReport:
    point_of_view: str
    summary: Summary
    tables: dict[str, Table]

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]


def _groups(keys: Iterable[Any], by: Callable[[Any], Any]) -> list[list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for key in keys:
        grouped[by(key)].append(key)
    return list(grouped.values())


def _sum(pairs: Iterable[tuple[Any, int]]) -> Counter[Any]:
    totals: Counter[Any] = Counter()
    for key, n in pairs:
        totals[key] += n
    return totals


def _country_table(name: str, title: str, heading: str, counts: Counter[str]) -> Table:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], country_name(item[0])))
    # Their sum is shown: the summary's total, or a column of the trends.
    hidden = Protection(counts, [counts])
    items = [
        {
            "code": code,
            "id": _numeric(code),
            "name": country_name(code),
            "flag": Country(code=code).flag,
            "value": hidden.value(code),
            "display": str(hidden.cell(code)),
        }
        for code, _n in ordered
    ]
    return Table(
        name=name,
        title=title,
        columns=[_("Country"), heading],
        rows=[[country_name(code), hidden.cell(code)] for code, _n in ordered],
        chart={"label": heading, "items": items, "suppressed": SUPPRESSED},
        numeric={1},
        links=[code for code, _n in ordered],
    )


def _sankey(cells: list[FlowCell]) -> Table:
    pairs = _sum(((cell.home, cell.host), cell.count) for cell in cells)
    ordered = sorted(
        pairs.items(),
        key=lambda item: (-item[1], country_name(item[0][0]), country_name(item[0][1])),
    )
    # A country's flows add up to its count in the country tables, and all of them to the total.
    hidden = Protection(
        pairs,
        [
            *_groups(pairs, lambda pair: pair[0]),
            *_groups(pairs, lambda pair: pair[1]),
            pairs,
        ],
    )
    drawn = [(pair, n) for pair, n in ordered if not hidden.hides(pair)][:SANKEY_FLOWS]
    labels: dict[str, str] = {}
    flows = []
    for (home, host), n in drawn:
        labels[f"from:{home}"] = country_name(home)
        labels[f"to:{host}"] = country_name(host)
        flows.append({"from": f"from:{home}", "to": f"to:{host}", "flow": n})
    return Table(
        name="flows",
        title=_("Flows from country to country"),
        columns=[_("From"), _("To"), _("Mobilities")],
        rows=[
            [country_name(home), country_name(host), hidden.cell((home, host))]
            for (home, host), _n in ordered
        ],
        chart={"label": _("Mobilities"), "flows": flows, "labels": labels},
        numeric={2},
    )


def _trends(outgoing: list[FlowCell], incoming: list[FlowCell] | None, years: list[str]) -> Table:
    by_country = _sum((cell.host, cell.count) for cell in outgoing)
    top = [code for code, _n in by_country.most_common(TREND_COUNTRIES)]
    per_year: dict[str, Counter[str]] = defaultdict(Counter)
    for cell in outgoing:
        per_year[cell.year][cell.host if cell.host in top else ""] += cell.count
    incoming_per_year = _sum((cell.year, cell.count) for cell in incoming or [])
    columns = [_("Academic year"), *(country_name(code) for code in top)]
    series_codes = list(top)
    if len(by_country) > len(top):
        columns.append(_("Other countries"))
        series_codes.append("")
    columns.append(_("Outgoing") if incoming is not None else _("All mobilities"))
    if incoming is not None:
        columns.append(_("Incoming"))
    # A year's counts add up to its total, shown in the row; a country's, to its count in the
    # country tables; the years' totals, to the summary's.
    counts = {(year, code): per_year[year][code] for year in years for code in series_codes}
    counts.update({(year, TOTAL): sum(per_year[year].values()) for year in years})
    hidden = Protection(
        counts,
        [
            *([*((year, code) for code in series_codes), (year, TOTAL)] for year in years),
            *([(year, code) for year in years] for code in series_codes),
            [(year, TOTAL) for year in years],
        ],
    )
    # The incoming counts add up to the origins table's total.
    hidden_incoming = Protection(incoming_per_year, [years])
    rows: list[list[Cell]] = []
    for year in years:
        row: list[Cell] = [year, *(hidden.cell((year, code)) for code in series_codes)]
        row.append(hidden.cell((year, TOTAL)))
        if incoming is not None:
            row.append(hidden_incoming.cell(year))
        rows.append(row)
    series = [
        {
            "label": country_name(code) if code else _("Other countries"),
            "other": not code,
            "values": [hidden.value((year, code)) for year in years],
            "marks": [hidden.mark((year, code)) for year in years],
        }
        for code in series_codes
    ]
    chart: dict[str, Any] = {"labels": years, "series": series, "suppressed": SUPPRESSED}
    if incoming is not None:
        chart["line"] = {
            "label": _("Incoming"),
            "values": [hidden_incoming.value(year) for year in years],
            "marks": [hidden_incoming.mark(year) for year in years],
        }
    return Table(
        name="trends",
        title=_("Mobilities by academic year"),
        columns=columns,
        rows=rows,
        chart=chart,
        numeric=set(range(1, len(columns))),
    )


def _agreement_share(cells: list[FlowCell], years: list[str]) -> Table:
    totals = _sum((cell.year, cell.count) for cell in cells)
    agreed = _sum((cell.year, cell.under_agreement) for cell in cells)
    # Under and without an agreement add up to the year's total, shown beside them; each
    # column adds up too: the years' totals to the summary's, the others to what the
    # summary's share of it gives.
    counts: dict[tuple[str, bool | str], int] = {}
    for year in years:
        counts[year, True] = agreed[year]
        counts[year, False] = totals[year] - agreed[year]
        counts[year, TOTAL] = totals[year]
    hidden = Protection(
        counts,
        [
            *([(year, True), (year, False), (year, TOTAL)] for year in years),
            *([(year, part) for year in years] for part in (True, False, TOTAL)),
        ],
    )
    rows: list[list[Cell]] = []
    under, without, shares = [], [], []
    for year in years:
        share = hidden.rate((year, True), totals[year], (year, False), (year, TOTAL))
        under_cell, without_cell = hidden.cell((year, True)), hidden.cell((year, False))
        rows.append([year, hidden.cell((year, TOTAL)), under_cell, without_cell, share])
        under.append(hidden.value((year, True)))
        without.append(hidden.value((year, False)))
        shares.append(share)
    return Table(
        name="agreements",
        title=_("Mobilities under an agreement"),
        columns=[
            _("Academic year"),
            _("Mobilities"),
            _("Under an agreement"),
            _("Without an agreement"),
            _("Share under an agreement (%)"),
        ],
        rows=rows,
        chart={
            "labels": years,
            "series": [
                {
                    "label": _("Under an agreement"),
                    "values": under,
                    "marks": [hidden.mark((year, True)) for year in years],
                },
                {
                    "label": _("Without an agreement"),
                    "values": without,
                    "marks": [hidden.mark((year, False)) for year in years],
                    "other": True,
                },
            ],
            "suppressed": SUPPRESSED,
        },
        numeric={1, 2, 3, 4},
        rates={4},
    )


def _partners(name: str, title: str, partners: list[PartnerCount]) -> Table:
    def label(institution: Institution) -> str:
        return institution.display_name

    return Table(
        name=name,
        title=title,
        columns=[_("Institution"), _("Country"), _("Mobilities")],
        rows=[
            [label(p.institution), country_name(str(p.institution.country)), shown(p.count)]
            for p in partners
        ],
        chart={
            "label": _("Mobilities"),
            "labels": [label(p.institution) for p in partners],
            "values": [None if is_suppressed(p.count) else p.count for p in partners],
            "suppressed": SUPPRESSED,
        },
        numeric={2},
        links=[p.institution.slug for p in partners],
    )


def _return_rows(groups: dict[str, tuple[int, int]], order: list[str], label: Any) -> Any:
    # Who returned and who did not add up to those whose return is known, shown beside them;
    # each column adds up too: the two returns tables have the same totals.
    counts: dict[tuple[str, bool | str], int] = {}
    for key in order:
        known, returned = groups[key]
        counts[key, True] = returned
        counts[key, False] = known - returned
        counts[key, TOTAL] = known
    hidden = Protection(
        counts,
        [
            *([(key, True), (key, False), (key, TOTAL)] for key in order),
            *([(key, part) for key in order] for part in (True, False, TOTAL)),
        ],
    )
    rows: list[list[Cell]] = []
    rates: list[float | None] = []
    for key in order:
        share = hidden.rate((key, True), groups[key][0], (key, False), (key, TOTAL))
        cells = [hidden.cell((key, part)) for part in (TOTAL, True, False)]
        rows.append([label(key), *cells, share])
        rates.append(share)
    return rows, rates


def _returns(name: str, title: str, heading: str, cells: list[ReturnCell], by: str) -> Table:
    groups: dict[str, tuple[int, int]] = {}
    for cell in cells:
        key = cell.cohort if by == "cohort" else cell.country
        known, returned = groups.get(key, (0, 0))
        groups[key] = (known + cell.known, returned + cell.returned)
    if by == "cohort":
        order = sorted(groups)
        label: Callable[[str], str] = str
    else:
        order = sorted(groups, key=lambda code: (-groups[code][0], country_name(code)))
        label = country_name
    rows, rates = _return_rows(groups, order, label)
    return Table(
        name=name,
        title=title,
        columns=[
            heading,
            _("Return known"),
            _("Returned home"),
            _("Did not return"),
            _("Return rate (%)"),
        ],
        rows=rows,
        chart={
            "label": _("Return rate (%)"),
            "labels": [label(key) for key in order],
            "values": rates,
        },
        numeric={1, 2, 3, 4},
        rates={4},
    )


def _obligations(counts: dict[str, int]) -> Table:
    statuses = list(ObligationStatus.choices)
    return Table(
        name="obligations",
        title=_("Return obligations"),
        columns=[_("Status"), _("Obligations")],
        rows=[[str(label), shown(counts.get(value, 0))] for value, label in statuses],
        chart={
            "label": _("Obligations"),
            "labels": [str(label) for _value, label in statuses],
            "values": [
                None if is_suppressed(counts.get(value, 0)) else counts.get(value, 0)
                for value, _label in statuses
            ],
            "keys": [value for value, _label in statuses],
            "suppressed": SUPPRESSED,
        },
        numeric={1},
    )


def flow_report(data: FlowData, years: list[str]) -> FlowReport:
    """The tables of `data`; `years` are the academic years the trends run over (those with
    mobilities, within the filters' range)."""
    filters = data.filters
    if filters.institution is not None:
        point_of_view = filters.institution.display_name
        outgoing = [cell for cell in data.cells if cell.outgoing]
        incoming: list[FlowCell] | None = [cell for cell in data.cells if not cell.outgoing]
    elif filters.country:
        point_of_view = country_name(filters.country)
        outgoing = [cell for cell in data.cells if cell.home == filters.country]
        incoming = [cell for cell in data.cells if cell.host == filters.country]
    else:
        point_of_view = ""
        outgoing = list(data.cells)
        incoming = None
    seen = {cell.year for cell in data.cells}
    shown_years = [year for year in years if year in seen]
    if shown_years:
        shown_years = [year for year in years if shown_years[0] <= year <= shown_years[-1]]
    if point_of_view:
        destination_title = _("Outgoing mobilities by country of destination")
        origin_title = _("Incoming mobilities by country of origin")
    else:
        destination_title = _("Mobilities by country of destination")
        origin_title = _("Mobilities by country of origin")
    tables = [
        _country_table(
            "destinations",
            destination_title,
            _("Mobilities"),
            _sum((cell.host, cell.count) for cell in outgoing),
        ),
        _country_table(
            "origins",
            origin_title,
            _("Mobilities"),
            _sum(
                (cell.home, cell.count) for cell in (data.cells if incoming is None else incoming)
            ),
        ),
        _sankey(data.cells),
        _trends(outgoing, incoming, shown_years),
        _agreement_share(data.cells, shown_years),
        _partners("partner-hosts", _("Top host institutions"), data.destinations),
        _partners("partner-homes", _("Top home institutions"), data.origins),
        _returns(
            "returns-cohort",
            _("Return home by cohort"),
            _("Cohort (academic year of the end)"),
            data.returns,
            "cohort",
        ),
        _returns(
            "returns-country",
            _("Return home by country of study"),
            _("Country of study"),
            data.returns,
            "country",
        ),
        _obligations(data.obligations),
    ]
    total = sum(cell.count for cell in data.cells)
    agreed = sum(cell.under_agreement for cell in data.cells)
    known = sum(cell.known for cell in data.returns)
    returned = sum(cell.returned for cell in data.returns)
    summary = Summary(
        total=shown(total),
        countries=len({cell.home for cell in data.cells} | {cell.host for cell in data.cells}),
        agreement_share=rate(agreed, total, total - agreed),
        return_rate=rate(returned, known, known - returned),
    )
    return FlowReport(
        point_of_view=point_of_view,
        summary=summary,
        tables={table.name: table for table in tables},
    )
