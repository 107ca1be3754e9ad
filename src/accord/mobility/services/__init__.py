"""Every change to mobilities, their return and return obligations.

Each function takes the acting user, checks permission with the rules of rules.py, validates
every value at once (ValidationError with {field: [messages]}), writes inside one transaction
and records an audit event on the mobility.

Places: a mobility under a `mobility` provision takes one of its places for the academic year
it starts in, from `planned` on (see COUNTED_STATUSES). The provision's row is locked while the
places are counted and the mobility written, so two officers saving at the same moment cannot
both take the last place.
"""

from ._base import ALLOWED_TRANSITIONS, FINAL_STATUSES, MAX_RETURN_MONTHS, MAX_YEARS_OF_WORK
from .obligations import obligation_add, obligation_reminders_send, obligation_resolve
from .records import (
    mobility_allowed_transitions,
    mobility_create,
    mobility_record_return,
    mobility_transition,
    mobility_update,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FINAL_STATUSES",
    "MAX_RETURN_MONTHS",
    "MAX_YEARS_OF_WORK",
    "mobility_allowed_transitions",
    "mobility_create",
    "mobility_record_return",
    "mobility_transition",
    "mobility_update",
    "obligation_add",
    "obligation_reminders_send",
    "obligation_resolve",
]
