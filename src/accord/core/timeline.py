"""An audit event as a timeline shows it (templates/agreements/_timeline.html), whatever it
happened to: an agreement, a mobility, a booking."""

import datetime as dt
from dataclasses import dataclass, field

from .models import AuditEvent
from .text import readable_date


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
        return readable_date(dt.date.fromisoformat(value))
    except ValueError:
        return value
