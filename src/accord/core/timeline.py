"""An audit event as a timeline shows it (templates/agreements/_timeline.html), whatever it
happened to: an agreement, a mobility, a booking."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import AuditEvent


@dataclass
class Change:
    label: str
    after: str
    before: str | None = None
    url: str = ""


@dataclass
class TimelineEntry:
    event: AuditEvent
    what: str
    subject: str = ""
    changes: list[Change] = field(default_factory=list)
    actor: str = ""


def readable_day(value: str) -> str:
    """A day an audit event recorded (ISO), as the pages write one: "29 Dec 2026" in the
    reader's language; the text itself when it is no date."""
    try:
        return date_format(dt.date.fromisoformat(value), _("j M Y"))
    except ValueError:
        return value
