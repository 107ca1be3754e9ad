"""Every write on centers, facilities and bookings: keyword-only, the acting user first,
rules checked (PermissionDenied), every bad field named (ValidationError), one transaction and
one audit event per change."""

from ._base import CENTER_FIELDS, FACILITY_FIELDS, MAX_BOOKING_LENGTH, MAX_REPEAT_WEEKS
from .bookings import (
    booking_approve,
    booking_cancel,
    booking_reject,
    booking_request,
    bookings_complete_past,
    bookings_flag_ended_agreements,
    bookings_flag_for_ended_agreement,
)
from .centers import (
    blackout_add,
    blackout_remove,
    calendar_feed_for,
    calendar_feed_reset,
    center_create,
    center_set_managers,
    center_update,
    facility_create,
    facility_feed_reset,
    facility_update,
    opening_hours_set,
    training_grant,
    training_revoke,
)
from .checks import is_full, overlapping, peak_overlap
from .photos import PHOTO_FORMATS, center_photo_add, center_photo_move, center_photo_remove

__all__ = [
    "CENTER_FIELDS",
    "FACILITY_FIELDS",
    "MAX_BOOKING_LENGTH",
    "MAX_REPEAT_WEEKS",
    "PHOTO_FORMATS",
    "blackout_add",
    "blackout_remove",
    "booking_approve",
    "booking_cancel",
    "booking_reject",
    "booking_request",
    "bookings_complete_past",
    "bookings_flag_ended_agreements",
    "bookings_flag_for_ended_agreement",
    "calendar_feed_for",
    "calendar_feed_reset",
    "center_create",
    "center_photo_add",
    "center_photo_move",
    "center_photo_remove",
    "center_set_managers",
    "center_update",
    "facility_create",
    "facility_feed_reset",
    "facility_update",
    "is_full",
    "opening_hours_set",
    "overlapping",
    "peak_overlap",
    "training_grant",
    "training_revoke",
]
