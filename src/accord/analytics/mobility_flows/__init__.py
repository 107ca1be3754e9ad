"""Mobility flows and outcomes: aggregate counts of who goes where, under which agreement, and
who came home. Counts only, with small counts suppressed; never a person's data."""

from .filters import FlowFilterForm, FlowFilters, academic_years
from .report import PROTECTING, SUPPRESSED, SUPPRESSION_THRESHOLD, FlowReport, Table, flow_report
from .selectors import FlowData, first_academic_year, mobility_flows

__all__ = [
    "PROTECTING",
    "SUPPRESSED",
    "SUPPRESSION_THRESHOLD",
    "FlowData",
    "FlowFilterForm",
    "FlowFilters",
    "FlowReport",
    "Table",
    "academic_years",
    "first_academic_year",
    "flow_report",
    "mobility_flows",
]
