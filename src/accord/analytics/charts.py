"""Chart data as plain dicts, for `json_script` and static/accord/charts.js, plus the rows of
the table every chart also shows, so a page says the same without JavaScript."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django_countries import countries
from django_countries.fields import Country


@dataclass(frozen=True)
class CountryRow:
    code: str
    name: str
    flag: str
    count: int


@dataclass(frozen=True)
class Chart:
    """`data` goes to `json_script`; `rows` feed the accessible table next to the chart."""

    data: dict[str, Any]
    rows: list[Any]

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _numeric(code: str) -> str | None:
    numeric = countries.numeric(code, padded=True)
    return str(numeric) if numeric else None


def world_map(counts: dict[str, int], *, label: str, highlight: Iterable[str] = ()) -> Chart:
    """A choropleth of `counts` {alpha-2 country code: count}; `highlight` countries (the
    institution's own) are drawn in the accent colour."""
    rows = sorted(
        (
            CountryRow(
                code=code,
                name=str(countries.name(code) or code),
                flag=Country(code=code).flag,
                count=n,
            )
            for code, n in counts.items()
            if n
        ),
        key=lambda row: (-row.count, row.name),
    )
    items = [
        {"code": row.code, "id": _numeric(row.code), "name": row.name, "value": row.count}
        for row in rows
    ]
    highlighted = [
        {"code": code, "id": _numeric(code), "name": str(countries.name(code) or code)}
        for code in highlight
        if code
    ]
    return Chart(
        data={"label": label, "items": items, "highlight": highlighted},
        rows=rows,
    )


def category_chart(pairs: Iterable[tuple[str, int]], *, label: str) -> Chart:
    """A bar or doughnut chart of (label, value) pairs, in the given order."""
    rows = [(str(name), value) for name, value in pairs]
    return Chart(
        data={
            "label": label,
            "labels": [name for name, _ in rows],
            "values": [value for _, value in rows],
        },
        rows=rows,
    )
