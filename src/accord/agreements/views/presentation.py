"""How agreements and their history read on the pages: labels, and audit events in words."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import dateformat
from django.utils.safestring import SafeString
from django.utils.timezone import localdate
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accord.core.models import AuditEvent
from accord.core.text import language_name
from accord.core.timeline import Change, TimelineEntry, readable_day

from .. import selectors
from ..forms import country_names
from ..labels import field_labels
from ..models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    DocumentKind,
    Provision,
    ProvisionKind,
)
from ..provisions import PROVISION_FORMS, provision_summary
from ..selectors import AgreementRow

TRANSITION_LABELS: dict[str, Any] = {
    AgreementStatus.DRAFT: gettext_lazy("Back to draft"),
    AgreementStatus.NEGOTIATION: gettext_lazy("Start negotiation"),
    AgreementStatus.SIGNING: gettext_lazy("Ready for signature"),
    AgreementStatus.ACTIVE: gettext_lazy("Activate"),
    AgreementStatus.EXPIRED: gettext_lazy("Mark as expired"),
    AgreementStatus.TERMINATED: gettext_lazy("Terminate"),
}

ACTION_LABELS = {
    "agreement.created": gettext_lazy("created the agreement"),
    "agreement.updated": gettext_lazy("edited the agreement"),
    "agreement.status_changed": gettext_lazy("changed the status"),
    "agreement.party_added": gettext_lazy("added a party"),
    "agreement.party_removed": gettext_lazy("removed a party"),
    "agreement.party_signed": gettext_lazy("recorded a signature"),
    "agreement.coordinator_set": gettext_lazy("set the coordinator"),
    "agreement.provision_added": gettext_lazy("added a provision"),
    "agreement.provision_updated": gettext_lazy("edited a provision"),
    "agreement.provision_removed": gettext_lazy("removed a provision"),
    "agreement.document_uploaded": gettext_lazy("uploaded a document"),
    "agreement.renewed": gettext_lazy("started a renewal"),
    "agreement.amended": gettext_lazy("started an amendment"),
    "agreement.auto_renewed": gettext_lazy("The agreement renewed itself automatically"),
    "agreement.expired": gettext_lazy("The agreement expired"),
    "agreement.reminder_sent": gettext_lazy("An expiry reminder was sent"),
}

# Events Accord records by itself, said without an actor.
SYSTEM_ACTIONS = frozenset(
    {"agreement.auto_renewed", "agreement.expired", "agreement.reminder_sent"}
)
# Events whose two-item lists are [before, after] rather than a value that is a list.
DIFF_ACTIONS = frozenset(
    {
        "agreement.updated",
        "agreement.status_changed",
        "agreement.party_signed",
        "agreement.coordinator_set",
        "agreement.auto_renewed",
        "agreement.expired",
    }
)
# Keys that identify rows rather than say anything to a reader.
HIDDEN_KEYS = frozenset({"party", "provision", "document", "sha256"})
# Keys said in the event's subject line instead.
SUBJECT_KEYS = {
    "agreement.party": frozenset({"institution"}),
    "agreement.coordinator": frozenset({"institution"}),
    "agreement.provision": frozenset({"kind"}),
    "agreement.document": frozenset({"kind", "version"}),
}
AGREEMENT_LINKS = frozenset({"renews", "amends", "renewal", "amendment"})

DATE_FIELDS = frozenset({"valid_from", "valid_to", "signed_on"})
_KINDS = {
    "agreement": dict(AgreementKind.choices),
    "provision": dict(ProvisionKind.choices),
    "document": dict(DocumentKind.choices),
}


_URL_ID = 987654321


@dataclass(frozen=True)
class _ListLabels:
    """What the list page's rows say in one language, escaped for HTML."""

    kinds: dict[str, str]
    statuses: dict[str, str]
    provisions: dict[str, str]
    countries: dict[str, str]
    months: list[str]
    not_set: str
    # "left on %(date)s", for an institution that left the agreement.
    left_on: str


_LIST_LABELS: dict[str, _ListLabels] = {}


def _month_abbreviations() -> list[str]:
    """The months as the pages' "j M Y" dates write them in the active language: the
    translation of that format says "b" where months are written in lower case (pl, ru)."""
    # Translators: a date on the pages (Django's date format: j day, M "Jan", b "jan", Y year).
    letter = "b" if "b" in _("j M Y") else "M"
    return [dateformat.format(dt.date(2000, month, 1), letter) for month in range(1, 13)]


def _list_labels() -> _ListLabels:
    """The labels of the active language, translated and escaped once per process."""
    language = get_language() or settings.LANGUAGE_CODE
    labels = _LIST_LABELS.get(language)
    if labels is None:
        # Outside the f-string below, where makemessages would not find it.
        not_set = escape(_("not set"))
        labels = _LIST_LABELS[language] = _ListLabels(
            kinds={value: escape(str(label)) for value, label in AgreementKind.choices},
            statuses={value: escape(str(label)) for value, label in AgreementStatus.choices},
            provisions={value: escape(str(label)) for value, label in ProvisionKind.choices},
            countries={code: escape(name) for code, name in country_names().items()},
            months=["", *(escape(month) for month in _month_abbreviations())],
            not_set=f'<span class="muted">{not_set}</span>',
            left_on=escape(_("left on %(date)s")),
        )
    return labels


def list_rows(rows: Iterable[AgreementRow]) -> SafeString:
    """The list page's table rows as HTML, written in Python rather than by the template
    engine (which spent most of the page's time on the 50 rows' variables), with the labels
    of `_list_labels`."""
    labels = _list_labels()
    # Titles and party names in the reader's language where one is given.
    language = get_language() or ""
    kinds, statuses, provisions = labels.kinds, labels.statuses, labels.provisions
    countries, months, not_set = labels.countries, labels.months, labels.not_set
    left_on = labels.left_on
    # The detail URL reversed once, the id put in for each row.
    url_prefix, url_suffix = reverse("agreements:detail", args=[_URL_ID]).split(str(_URL_ID))
    url_prefix, url_suffix = escape(url_prefix), escape(url_suffix)

    def day(value: dt.date | None) -> str:
        return f"{value.day} {months[value.month]} {value.year}" if value else "…"

    def party(name: str, code: str, left_at: dt.datetime | None = None) -> str:
        country = countries.get(code) or escape(code)
        opening, left = "<li>", ""
        if left_at:
            opening = '<li class="former">'
            left = f' <small class="muted">{left_on % {"date": day(localdate(left_at))}}</small>'
        return (
            f"\n          {opening}{escape(name)} "
            f'<abbr class="country" title="{country}">{escape(code)}</abbr>{left}</li>\n          '
        )

    html = []
    for row in rows:
        status = escape(row.status)
        parties = "".join(
            [
                party(item.names.get(language) or item.name, item.country, item.left_at)
                for item in (*row.parties, *row.former_parties)
            ]
        )
        valid = (
            f"{day(row.valid_from)} – {day(row.valid_to)}"
            if row.valid_from or row.valid_to
            else not_set
        )
        tags = (
            "".join(
                [
                    f'<span class="tag">{provisions.get(kind) or escape(kind)}</span> '
                    for kind in row.provision_kinds
                ]
            )
            or '<span class="muted">—</span>'
        )
        html.append(
            f'\n    <tr>\n      <td><a href="{url_prefix}{row.id}{url_suffix}">'
            f"{escape(row.titles.get(language) or row.title)}</a></td>\n"
            f'      <td class="nowrap-sm">{kinds.get(row.kind) or escape(row.kind)}</td>\n'
            f'      <td><span class="badge status-{status}">'
            f"{statuses.get(row.status) or status}</span></td>\n"
            f'      <td>\n        <ul class="plain">\n          {parties}\n        </ul>\n'
            f'      </td>\n      <td class="dates">\n        {valid}\n      </td>\n'
            f"      <td>{tags}</td>\n    </tr>\n    "
        )
    return SafeString("".join(html))


def readable(value: Any, name: str = "", kind_of: str = "agreement") -> str:
    """One value of an audit event as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item, key)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(readable(item, name, kind_of) for item in value)
    if name == "status":
        return str(dict(AgreementStatus.choices).get(value, value))
    if name == "kind":
        return str(_KINDS[kind_of].get(value, value))
    if name in DATE_FIELDS and isinstance(value, str):
        return readable_day(value)
    if name == "languages":
        return language_name(str(value))
    if name == "size" and isinstance(value, int):
        return str(filesizeformat(value))
    return str(value)


class _Reader:
    """Turns one agreement's audit events into entries, reading what they refer to once."""

    def __init__(self, events: list[AuditEvent], agreement: Agreement, user: Any) -> None:
        self.agreement = agreement
        self.labels = field_labels()
        self.forms: dict[str, Any] = {}
        linked = {
            value
            for event in events
            if isinstance(event.changes, dict)
            for name, value in event.changes.items()
            if name in AGREEMENT_LINKS and isinstance(value, int)
        }
        self.titles = (
            {
                a.pk: a.display_title
                for a in selectors.agreements_visible_to(user).filter(pk__in=linked)
            }
            if linked
            else {}
        )

    def entry(self, event: AuditEvent) -> TimelineEntry:
        raw = event.changes if isinstance(event.changes, dict) else {"details": event.changes}
        what = ACTION_LABELS.get(event.action) or event.action.split(".")[-1].replace("_", " ")
        return TimelineEntry(
            event=event,
            what=str(what),
            subject=_subject(event.action, raw),
            changes=self.changes(event.action, raw),
            actor=_actor(event),
        )

    def changes(self, action: str, raw: dict[str, Any]) -> list[Change]:
        pairs = action in DIFF_ACTIONS
        in_subject = next(
            (keys for prefix, keys in SUBJECT_KEYS.items() if action.startswith(prefix)),
            frozenset(),
        )
        changes = []
        for name, value in raw.items():
            if name in HIDDEN_KEYS or name in in_subject:
                continue
            if action == "agreement.created" and value in (None, "", [], {}):
                continue
            label = self.labels.get(name) or name.replace("_", " ").capitalize()
            if name in AGREEMENT_LINKS and isinstance(value, int):
                changes.append(self.link(label, value))
            elif name == "terms" and isinstance(value, dict):
                changes.extend(self.terms(action, str(raw.get("kind", "")), value))
            elif pairs and isinstance(value, list) and len(value) == 2:
                changes.append(Change(label, readable(value[1], name), readable(value[0], name)))
            else:
                changes.append(Change(label, readable(value, name)))
        return changes

    def link(self, label: str, pk: int) -> Change:
        if pk in self.titles:
            url = reverse("agreements:detail", kwargs={"pk": pk})
            return Change(label, self.titles[pk], url=url)
        return Change(label, _("agreement no. %(pk)s") % {"pk": pk})

    def terms(self, action: str, kind: str, terms: dict[str, Any]) -> list[Change]:
        if action != "agreement.provision_updated":
            provision = Provision(agreement=self.agreement, kind=kind, terms=terms)
            summary, prefix = provision_summary(provision), f"{provision.get_kind_display()}: "
            return [Change(_("Terms"), summary.removeprefix(prefix))]
        form = self.form(kind)
        changes = []
        for name, value in terms.items():
            form_field = form.fields.get(name) if form is not None else None
            label = str(form_field.label) if form_field else name.replace("_", " ").capitalize()
            choices = _flat_choices(form_field)
            before, after = value if isinstance(value, list) and len(value) == 2 else (None, value)
            changes.append(
                Change(label, _choice(after, choices, name), _choice(before, choices, name))
            )
        return changes

    def form(self, kind: str) -> Any:
        if kind not in self.forms:
            form_class = PROVISION_FORMS.get(kind)
            self.forms[kind] = form_class(agreement=self.agreement) if form_class else None
        return self.forms[kind]


def _flat_choices(form_field: Any) -> dict[str, str]:
    choices = getattr(form_field, "choices", None) or []
    return {str(value): str(label) for value, label in choices if not isinstance(label, list)}


def _choice(value: Any, choices: dict[str, str], name: str) -> str:
    if isinstance(value, list):
        return ", ".join(_choice(item, choices, name) for item in value) or "—"
    if value is not None and str(value) in choices:
        return choices[str(value)]
    return readable(value, name)


def _subject(action: str, changes: dict[str, Any]) -> str:
    if "institution" in changes and action.startswith(("agreement.party", "agreement.coord")):
        return str(changes["institution"])
    if action.startswith("agreement.provision"):
        kind = str(changes.get("kind", ""))
        return str(_KINDS["provision"].get(kind, kind))
    if action == "agreement.document_uploaded":
        kind = str(changes.get("kind", ""))
        kind = str(_KINDS["document"].get(kind, kind))
        return f"{kind}, {_('version')} {changes.get('version', '?')}"
    return ""


def _actor(event: AuditEvent) -> str:
    if event.actor is not None:
        return str(event.actor)
    if event.action in SYSTEM_ACTIONS:
        return ""
    return _("Accord")


def timeline_entries(
    events: Iterable[AuditEvent], agreement: Agreement, user: Any
) -> list[TimelineEntry]:
    """The agreement's history in words, newest first, for the user who reads it."""
    events = list(events)
    reader = _Reader(events, agreement, user)
    return [reader.entry(event) for event in events]
