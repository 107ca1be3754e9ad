"""Everything mobility adds to an agreement (see agreements/hub.py)."""

from typing import Any

from django.urls import reverse

from accord.agreements.hub import AgreementContribution
from accord.agreements.models import Agreement

from . import selectors
from .import_tasks import mark_stale_imports_failed
from .tasks import send_obligation_reminders


def _page_context(agreement: Agreement, may_change: bool) -> dict[str, Any]:
    return {
        # Counts only: readers who are not a party's staff see counts below 5 hidden.
        "mobility_counts": selectors.agreement_mobility_counts(
            agreement, hide_below=0 if may_change else selectors.SMALL_COUNT
        ),
        "mobility_list_url": (
            f"{reverse('mobility:list')}?agreement={agreement.pk}" if may_change else ""
        ),
    }


CONTRIBUTION = AgreementContribution(
    app_label="mobility",
    page_context=_page_context,
    daily_jobs=(send_obligation_reminders, mark_stale_imports_failed),
)
