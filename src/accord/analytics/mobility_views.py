"""The mobility flows page: counts of who goes where, and who came home, with CSV downloads."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accord.agreements.forms import CountrySelect, dress_filters

from .mobility_flows import PROTECTING, SUPPRESSED, SUPPRESSION_THRESHOLD, Table
from .mobility_flows.query import flows_for, table_csv

# The filters that set the point of view; links on the page replace them.
POINT_OF_VIEW = ("institution", "country")


# Tables whose rows link to the page seen from their country or institution.
ROW_LINKS = {
    "destinations": "country",
    "origins": "country",
    "partner-hosts": "institution",
    "partner-homes": "institution",
}


@dataclass(frozen=True)
class ShownTable:
    """A table as the page prints it: the HTML of its head and body rows (written here, not
    in a template loop: a flows table can have hundreds of rows) and its CSV address."""

    table: Table
    head: SafeString
    body: SafeString
    csv_url: str

    @property
    def chart_id(self) -> str:
        return f"flow-{self.table.name}"


def _text(cell: Any, is_rate: bool) -> str:
    if cell is None:
        return "—"
    if is_rate:
        return number_format(cell, decimal_pos=1)
    if isinstance(cell, int):
        return number_format(cell, force_grouping=True)
    return str(cell)


def _shown(table: Table, query: dict[str, Any], link_base: str) -> ShownTable:
    links = table.links if link_base else []
    head = format_html_join(
        "",
        '<th scope="col" class="{}">{}</th>',
        (("num" if index in table.numeric else "text", heading)
         for index, heading in enumerate(table.columns)),
    )  # fmt: skip
    rows = []
    for number, row in enumerate(table.rows):
        first = _text(row[0], 0 in table.rates)
        if number < len(links):
            first = format_html('<a href="{}">{}</a>', link_base + links[number], first)
        cells = format_html_join(
            "",
            '<td class="{}">{}</td>',
            (("num" if index in table.numeric else "text", _text(cell, index in table.rates))
             for index, cell in enumerate(row[1:], start=1)),
        )  # fmt: skip
        rows.append(format_html('<tr><th scope="row">{}</th>{}</tr>', first, cells))
    body = (
        format_html_join("\n", "{}", ((row,) for row in rows))
        if rows
        else format_html(
            '<tr><td colspan="{}" class="muted">{}</td></tr>',
            len(table.columns),
            _("No mobilities match."),
        )
    )
    csv_url = "?" + urlencode({**query, "format": "csv", "chart": table.name})
    return ShownTable(table=table, head=head, body=body, csv_url=csv_url)


@login_required
@require_GET
def mobility_flows(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("analytics.view_mobility_flows"):
        raise PermissionDenied
    form, report = flows_for(request.GET, today=timezone.localdate())
    if request.GET.get("format") == "csv":
        table = report.tables.get(request.GET.get("chart", ""))
        if table is None:
            raise Http404("No such chart.")
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mobility-{table.name}.csv"'
        return response
    form.fields["country"].widget = CountrySelect()
    dress_filters(form, reverse("agreements:institution_options"))
    query: dict[str, str] = {
        name: request.GET.get(name, "")
        for name in form.fields
        if request.GET.get(name) and name not in form.errors
    }
    # Links that change the point of view keep the other filters.
    base_query = {name: value for name, value in query.items() if name not in POINT_OF_VIEW}
    base = "?" + urlencode(base_query) + ("&" if base_query else "")
    tables = {
        name: _shown(table, query, f"{base}{ROW_LINKS[name]}=" if name in ROW_LINKS else "")
        for name, table in report.tables.items()
    }
    return render(
        request,
        "analytics/mobility_flows.html",
        {
            "nav": "flows",
            "form": form,
            "report": report,
            "summary": report.summary,
            "tables": {name.replace("-", "_"): shown for name, shown in tables.items()},
            "filtered": bool(query),
            "country_link": base + "country=",
            "institution_link": base + "institution=",
            "threshold": SUPPRESSION_THRESHOLD,
            "suppressed": SUPPRESSED,
            "protecting": PROTECTING,
        },
    )
