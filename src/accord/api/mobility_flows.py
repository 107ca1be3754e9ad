"""Mobility flows: the aggregate counts of the analytics page, with the same filters, the same
small-count suppression ("<5") and the same permission (staff of some institution, or
platform staff). Counts only: never a person."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from accord.analytics.mobility_flows import PROTECTING, SUPPRESSED, SUPPRESSION_THRESHOLD
from accord.analytics.mobility_flows.query import flows_for
from accord.mobility.models import Funding, MobilityKind

from .agreement_schemas import Problem

router = Router(tags=["analytics"])

Cell = int | float | str | None


class FlowFiltersIn(Schema):
    year_from: str = Field("", description='First academic year, e.g. "2021/2022".')
    year_to: str = Field("", description="Last academic year.")
    eqf_level: int | None = Field(None, ge=1, le=8, description="EQF level, 1 to 8.")
    isced: str = Field(
        "",
        description="ISCED-F 2013 field: a broad, narrow or detailed code (its sub-fields count).",
    )
    kind: MobilityKind | None = None
    funding: Funding | None = None
    institution: str = Field("", description="Slug or id of the home or host institution.")
    country: str = Field("", description="ISO 3166 alpha-2 code of the home or host country.")


class ChartOut(Schema):
    title: str
    columns: list[str]
    rows: list[list[Cell]] = Field(
        description=f'Counts below {SUPPRESSION_THRESHOLD} are "{SUPPRESSED}"; a count that '
        f'would give one away through a total is "{PROTECTING}"; a rate that would reveal one '
        "is null."
    )


class SummaryOut(Schema):
    mobilities: int | str
    countries: int
    agreement_share: float | None = Field(description="Per cent under an agreement.")
    return_rate: float | None = Field(description="Per cent of known outcomes who came home.")


class MobilityFlowsOut(Schema):
    point_of_view: str = Field(
        description="The institution or country the figures are seen from; empty for all."
    )
    suppression_threshold: int
    summary: SummaryOut
    charts: dict[str, ChartOut]


@router.get(
    "/mobility-flows",
    response={200: MobilityFlowsOut, 403: Problem},
    summary="Mobility flows and outcomes: aggregate counts, small counts suppressed",
)
def mobility_flows(request: HttpRequest, filters: Query[FlowFiltersIn]) -> dict[str, Any]:
    if not request.user.has_perm("analytics.view_mobility_flows"):
        raise PermissionDenied("Mobility flows are open to institutions' staff.")
    params = {
        name: str(value) for name, value in filters.model_dump().items() if value not in (None, "")
    }
    form, report = flows_for(params, today=timezone.localdate())
    if form.is_bound and not form.is_valid():
        raise ValidationError(
            {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        )
    summary = report.summary
    return {
        "point_of_view": report.point_of_view,
        "suppression_threshold": SUPPRESSION_THRESHOLD,
        "summary": {
            "mobilities": summary.total,
            "countries": summary.countries,
            "agreement_share": summary.agreement_share,
            "return_rate": summary.return_rate,
        },
        "charts": {
            name: {"title": table.title, "columns": table.columns, "rows": table.rows}
            for name, table in report.tables.items()
        },
    }
