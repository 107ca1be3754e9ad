"""How mobilities read on the pages and in exports: status labels, history in words, CSV."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core.exports import csv_download, csv_lines
from accord.core.models import AuditEvent
from accord.core.timeline import Change, TimelineEntry, readable_day

from .models import Funding, Mobility, MobilityKind, MobilityStatus, ObligationStatus, PersonKind

# The badge colours the agreements' statuses already have, by likeness.
STATUS_BADGES: dict[str, str] = {
    MobilityStatus.PLANNED: "draft",
    MobilityStatus.NOMINATED: "signing",
    MobilityStatus.ONGOING: "negotiation",
    MobilityStatus.COMPLETED: "active",
    MobilityStatus.CANCELLED: "terminated",
}
TRANSITION_LABELS: dict[str, Any] = {
    MobilityStatus.NOMINATED: gettext_lazy("Nominate"),
    MobilityStatus.ONGOING: gettext_lazy("Mark as started"),
    MobilityStatus.COMPLETED: gettext_lazy("Mark as completed"),
    MobilityStatus.CANCELLED: gettext_lazy("Cancel"),
}
ACTION_LABELS = {
    "mobility.created": gettext_lazy("recorded the mobility"),
    "mobility.updated": gettext_lazy("edited the mobility"),
    "mobility.status_changed": gettext_lazy("changed the status"),
    "mobility.return_recorded": gettext_lazy("recorded the return"),
    "mobility.obligation_added": gettext_lazy("added a return obligation"),
    "mobility.obligation_resolved": gettext_lazy("resolved a return obligation"),
    "mobility.reminder_sent": gettext_lazy("An obligation reminder was sent"),
    "mobility.imported": gettext_lazy("imported the mobility"),
}
SYSTEM_ACTIONS = frozenset({"mobility.reminder_sent"})
DIFF_ACTIONS = frozenset(
    {"mobility.updated", "mobility.status_changed", "mobility.return_recorded"}
)
HIDDEN_KEYS = frozenset({"obligation"})
CHOICES: dict[str, dict[str, Any]] = {
    "status": {
        **dict(MobilityStatus.choices),
        **dict(ObligationStatus.choices),
    },
    "kind": dict(MobilityKind.choices),
    "person_kind": dict(PersonKind.choices),
    "funding": dict(Funding.choices),
}
EXTRA_LABELS = {
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "programme": gettext_lazy("Programme"),
    "years_of_work": gettext_lazy("Years of work at home"),
    "return_within_months": gettext_lazy("Return within (months)"),
    "due_on": gettext_lazy("Due on"),
    "days_before": gettext_lazy("Days before"),
    "to": gettext_lazy("To"),
}


def badge(status: str) -> str:
    return STATUS_BADGES.get(status, status)


def _label(name: str) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    try:
        field: Any = Mobility._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()
    return str(field.verbose_name).capitalize()


def _readable(value: Any, name: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_readable(item, name) for item in value)
    if name in CHOICES:
        return str(CHOICES[name].get(value, value))
    if isinstance(value, str) and name.endswith(("_date", "_on")):
        return readable_day(value)
    return str(value)


def timeline_entries(events: Iterable[AuditEvent]) -> list[TimelineEntry]:
    """The mobility's history in words, newest first."""
    entries = []
    for event in events:
        raw = event.changes if isinstance(event.changes, dict) else {}
        changes = []
        for name, value in raw.items():
            if name in HIDDEN_KEYS:
                continue
            if event.action == "mobility.created" and value in (None, "", []):
                continue
            pair = (
                (event.action in DIFF_ACTIONS or name == "status")
                and isinstance(value, list)
                and len(value) == 2
            )
            if pair:
                changes.append(
                    Change(_label(name), _readable(value[1], name), _readable(value[0], name))
                )
            else:
                changes.append(Change(_label(name), _readable(value, name)))
        what = ACTION_LABELS.get(event.action) or event.action.split(".")[-1].replace("_", " ")
        actor = str(event.actor) if event.actor is not None else ""
        if not actor and event.action not in SYSTEM_ACTIONS:
            actor = _("Accord")
        entries.append(TimelineEntry(event=event, what=str(what), changes=changes, actor=actor))
    return entries


# CSV export ----------------------------------------------------------------------------------

CHUNK_SIZE = 1000


def export_header() -> list[str]:
    return [
        _("Id"),
        _("External id"),
        _("Given names"),
        _("Family name"),
        _("Person"),
        _("E-mail"),
        _("Nationality"),
        _("Home institution"),
        _("Home country"),
        _("Host institution"),
        _("Host country"),
        _("Kind"),
        _("EQF level"),
        _("ISCED-F"),
        _("Start"),
        _("End"),
        _("Academic year"),
        _("Funding"),
        _("Programme"),
        _("Agreement id"),
        _("Status"),
        _("Returned home"),
        _("Returned on"),
        _("Employer at home"),
    ]


def export_row(mobility: Mobility, labels: dict[str, dict[str, str]]) -> list[Any]:
    returned = {True: _("yes"), False: _("no"), None: ""}[mobility.returned_home]
    return [
        mobility.pk,
        mobility.external_id or "",
        mobility.given_names,
        mobility.family_name,
        labels["person_kind"].get(mobility.person_kind, mobility.person_kind),
        mobility.email,
        mobility.nationality.code or "",
        mobility.home_institution.name,
        mobility.home_country.code,
        mobility.host_institution.name,
        mobility.host_country.code,
        labels["kind"].get(mobility.kind, mobility.kind),
        mobility.eqf_level or "",
        mobility.isced_code,
        mobility.start_date.isoformat(),
        mobility.end_date.isoformat(),
        mobility.academic_year,
        labels["funding"].get(mobility.funding, mobility.funding),
        mobility.programme,
        mobility.agreement_id or "",
        labels["status"].get(mobility.status, mobility.status),
        returned,
        mobility.returned_on.isoformat() if mobility.returned_on else "",
        mobility.employer,
    ]


def csv_response(mobilities: QuerySet[Mobility]) -> StreamingHttpResponse:
    """The mobilities as a CSV file, streamed; no cell can start a spreadsheet formula."""
    labels = {name: {k: str(v) for k, v in choices.items()} for name, choices in CHOICES.items()}
    rows = (export_row(mobility, labels) for mobility in mobilities.iterator(chunk_size=CHUNK_SIZE))
    return csv_download(
        csv_lines(export_header(), rows), f"mobilities-{timezone.localdate():%Y-%m-%d}.csv"
    )
