"""Every read of centers, facilities and bookings, filtered by what the user may see."""

from ..access import AccessGrant, access_grants, can_book, managed_centers
from .availability import Slot, Week, WeekDay, facilities_with_free_slot, facility_week
from .bookings import booking_for, bookings_of, bookings_to_decide, bookings_visible_to
from .centers import (
    bookable_center_ids,
    center_for,
    centers_visible_to,
    facilities_bookable_by,
    facility_for,
)
from .usage import (
    AgreementUsageRow,
    CenterUsage,
    UsageRow,
    agreement_center_hours,
    agreement_center_usage,
    center_usage,
)

__all__ = [
    "AccessGrant",
    "AgreementUsageRow",
    "CenterUsage",
    "Slot",
    "UsageRow",
    "Week",
    "WeekDay",
    "access_grants",
    "agreement_center_hours",
    "agreement_center_usage",
    "bookable_center_ids",
    "booking_for",
    "bookings_of",
    "bookings_to_decide",
    "bookings_visible_to",
    "can_book",
    "center_for",
    "center_usage",
    "centers_visible_to",
    "facilities_bookable_by",
    "facilities_with_free_slot",
    "facility_for",
    "facility_week",
    "managed_centers",
]
