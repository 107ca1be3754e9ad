"""The research-center pages: parse the request, call one service or selector, render."""

from .bookings import (
    booking_approve,
    booking_cancel,
    booking_detail,
    booking_reject,
    feed_reset,
    my_bookings,
    queue,
)
from .manage import (
    blackout_add,
    blackout_remove,
    center_create,
    center_edit,
    center_managers,
    facility_create,
    facility_edit,
    facility_feed_reset,
    facility_hours,
    training_grant,
    training_revoke,
)
from .pages import (
    center_detail,
    center_list,
    center_photo,
    center_usage_export,
    facility_book,
    facility_detail,
)

__all__ = [
    "blackout_add",
    "blackout_remove",
    "booking_approve",
    "booking_cancel",
    "booking_detail",
    "booking_reject",
    "center_create",
    "center_detail",
    "center_edit",
    "center_list",
    "center_managers",
    "center_photo",
    "center_usage_export",
    "facility_book",
    "facility_create",
    "facility_detail",
    "facility_edit",
    "facility_feed_reset",
    "facility_hours",
    "feed_reset",
    "my_bookings",
    "queue",
    "training_grant",
    "training_revoke",
]
