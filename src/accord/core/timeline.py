"""An audit event as a timeline shows it (templates/agreements/_timeline.html), whatever it
happened to: an agreement, a mobility, a booking."""

from dataclasses import dataclass, field

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
