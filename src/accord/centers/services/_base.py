"""What the centers services share: statuses, permission checks and the facility lock."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accord.core.models import User

from .. import access
from ..models import (
    BookingStatus,
    Facility,
    ResearchCenter,
)

B = BookingStatus
# A booking fits in one opening period of one day, so none is longer than this; searches for
# overlaps bound their scan of the (facility, status, starts_at) index with it.
MAX_BOOKING_LENGTH = dt.timedelta(days=1)
MAX_REPEAT_WEEKS = 52
PENDING = (B.REQUESTED, B.WAITLISTED)
LIVE = (B.REQUESTED, B.WAITLISTED, B.APPROVED)

CENTER_FIELDS = (
    "name",
    "names",
    "unit",
    "description",
    "address",
    "city",
    "contact_name",
    "contact_email",
    "contact_phone",
    "is_public",
)
FACILITY_FIELDS = (
    "name",
    "names",
    "kind",
    "description",
    "capacity",
    "slot_minutes",
    "requires_training",
    "training_note",
    "free_under_agreement",
    "price_per_hour",
    "currency",
    "is_active",
)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _require_manager(actor: User, center: ResearchCenter) -> None:
    if not access.manages_center(actor, center):
        raise PermissionDenied(_("Only the managers of this center may do this."))


def _locked_facility(facility: Facility) -> Facility:
    """The facility's row, locked until the transaction ends (serialises its bookings)."""
    return Facility.objects.select_for_update().select_related("center").get(pk=facility.pk)
