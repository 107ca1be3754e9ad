"""From request parameters to the report: the one entry point of the page and the API."""

import csv
import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from accord.core.exports import neutralise

from .filters import FlowFilterForm, academic_years
from .report import FlowReport, Table, flow_report
from .selectors import first_academic_year, mobility_flows


def flows_for(
    params: Mapping[str, Any] | None, *, today: dt.date
) -> tuple[FlowFilterForm, FlowReport]:
    """The filter form bound to `params` (None: unfiltered) and the report of its valid
    filters; a filter with an error is not applied. Seven queries, whatever the data."""
    years = academic_years(first_academic_year(), today)
    form = FlowFilterForm(params or None, years=years)
    report = flow_report(mobility_flows(form.filters(), years), years)
    return form, report


def table_csv(table: Table) -> str:
    """`table` as CSV text: the shown cells ("<5" for small counts, empty for hidden rates);
    no cell starts a spreadsheet formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(str(heading)) for heading in table.columns])
    for row in table.rows:
        writer.writerow(["" if cell is None else neutralise(str(cell)) for cell in row])
    return out.getvalue()
