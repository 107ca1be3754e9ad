"""What the centers selectors share: booking statuses and the longest booking."""

import datetime as dt

from ..models import BookingStatus

B = BookingStatus
MAX_BOOKING_LENGTH = dt.timedelta(days=1)
USED = (B.APPROVED, B.COMPLETED)
