"""The home dashboard: what an international office needs to see first thing in the morning."""

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.agreements.labels import field_labels
from accord.agreements.models import AgreementStatus, DocumentKind, ProvisionKind
from accord.core.models import AuditEvent, User
from accord.core.selectors import failing_jobs_visible_to

from . import charts, selectors

# How each audit action on an agreement reads: "<actor> <verb> <agreement>".
ACTION_VERBS = {
    "agreement.created": gettext_lazy("created"),
    "agreement.updated": gettext_lazy("edited"),
    "agreement.status_changed": gettext_lazy("changed the status of"),
    "agreement.party_added": gettext_lazy("added a party to"),
    "agreement.party_removed": gettext_lazy("removed a party from"),
    "agreement.party_signed": gettext_lazy("recorded a signature on"),
    "agreement.coordinator_set": gettext_lazy("set a coordinator of"),
    "agreement.provision_added": gettext_lazy("added a provision to"),
    "agreement.provision_updated": gettext_lazy("edited a provision of"),
    "agreement.provision_removed": gettext_lazy("removed a provision from"),
    "agreement.document_uploaded": gettext_lazy("uploaded a document to"),
    "agreement.renewed": gettext_lazy("started a renewal of"),
    "agreement.amended": gettext_lazy("started an amendment of"),
    "agreement.auto_renewed": gettext_lazy("renewed automatically"),
    "agreement.expired": gettext_lazy("marked as expired"),
    "agreement.reminder_sent": gettext_lazy("sent an expiry reminder for"),
}
# Keys of `changes` that name what an action was about rather than a field that changed.
DETAIL_KEYS = ("institution", "kind")
HIDDEN_KEYS = frozenset({"status", "party", "provision", "document", "sha256", "terms"})


@dataclass(frozen=True)
class ActivityRow:
    event: AuditEvent
    agreement_pk: int | None
    verb: str
    detail: str
    status_change: tuple[str, str] | None
    changed_fields: list[str]


def _detail(action: str, changes: dict[str, Any]) -> str:
    if action.startswith("agreement.provision_"):
        return str(dict(ProvisionKind.choices).get(str(changes.get("kind")), ""))
    if action == "agreement.document_uploaded":
        return str(dict(DocumentKind.choices).get(str(changes.get("kind")), ""))
    value = changes.get("institution")
    return str(value) if isinstance(value, str) else ""


def describe_event(event: AuditEvent) -> ActivityRow:
    """How one audit event on an agreement reads on the dashboard."""
    action = event.action
    verb = ACTION_VERBS.get(action) or action.rsplit(".", 1)[-1].replace("_", " ")
    changes = event.changes if isinstance(event.changes, dict) else {}
    statuses = dict(AgreementStatus.choices)
    status_change = None
    change = changes.get("status")
    if isinstance(change, list) and len(change) == 2:
        old, new = change
        status_change = (str(statuses.get(old, old or "—")), str(statuses.get(new, new or "—")))
    labels = field_labels()
    changed_fields = [
        labels.get(name, name.replace("_", " "))
        for name, value in changes.items()
        if name not in HIDDEN_KEYS
        and name not in DETAIL_KEYS
        and isinstance(value, list)
        and len(value) == 2
    ][:4]
    return ActivityRow(
        event=event,
        agreement_pk=int(event.target_id) if event.target_id.isdigit() else None,
        verb=str(verb),
        detail=_detail(action, changes),
        status_change=status_change,
        changed_fields=changed_fields,
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    summary = selectors.dashboard_summary_for(user)
    if not summary.has_scope:
        overview = selectors.public_overview()
        return render(
            request,
            "analytics/dashboard_public.html",
            {
                "overview": overview,
                "member_of": selectors.institutions_of(user),
                "map": charts.world_map(overview.institution_countries, label=_("Institutions")),
            },
        )
    partner_total = sum(summary.partner_countries.values())
    # Links into the agreement list keep to the user's institution, so its counts match.
    all_agreements_url = reverse("agreements:list")
    if scope := summary.scope_institution:
        all_agreements_url += "?" + urlencode({"institution": scope.slug})
    list_base = all_agreements_url + ("&" if scope else "?")
    return render(
        request,
        "analytics/dashboard.html",
        {
            "summary": summary,
            "ending_soon_days": selectors.ENDING_SOON_DAYS,
            "all_agreements_url": all_agreements_url,
            "list_base": list_base,
            "partner_total": partner_total,
            "partner_map": charts.world_map(
                summary.partner_countries,
                label=_("Partner institutions"),
                highlight=summary.home_countries,
            ),
            "kind_chart": charts.category_chart(
                ((row.label, row.count) for row in summary.active_by_kind),
                label=_("Active agreements"),
            ),
            "activity": [describe_event(event) for event in summary.recent_activity],
            "may_add_agreement": user.has_perm("agreements.add_agreement"),
            "failing_jobs": failing_jobs_visible_to(user),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard when logged in, an introduction to Accord otherwise."""
    if request.user.is_authenticated:
        return dashboard(request)
    return render(request, "core/welcome.html")
