"""Everything research centers add to an agreement (see agreements/hub.py)."""

from collections.abc import Iterable
from typing import Any

from accord.agreements.hub import AgreementContribution
from accord.agreements.models import Agreement

from . import selectors
from .models import ResearchCenter
from .services import bookings_flag_for_ended_agreement
from .tasks import complete_past_bookings, flag_bookings_of_ended_agreements


def _page_context(agreement: Agreement, may_change: bool) -> dict[str, Any]:
    return {"center_usage": selectors.agreement_center_usage(agreement)}


def _on_agreement_ended(agreement: Agreement) -> None:
    # Bookings made under it are flagged for their managers to decide on.
    bookings_flag_for_ended_agreement(agreement=agreement)


def _center_options(institution_ids: Iterable[int]) -> list[tuple[int, str]]:
    return [
        (center.pk, f"{center.display_name} ({center.institution.display_name})")
        for center in ResearchCenter.objects.filter(
            institution_id__in=list(institution_ids)
        ).select_related("institution")
    ]


def _centers_named(center_ids: Iterable[int]) -> list[tuple[str, int | None]]:
    return [
        (center.display_name, center.unit_id)
        for center in ResearchCenter.objects.filter(pk__in=list(center_ids)).only(
            "name", "names", "unit_id"
        )
    ]


CONTRIBUTION = AgreementContribution(
    app_label="centers",
    page_context=_page_context,
    on_agreement_ended=_on_agreement_ended,
    daily_jobs=(complete_past_bookings, flag_bookings_of_ended_agreements),
    center_options=_center_options,
    centers_named=_centers_named,
)
